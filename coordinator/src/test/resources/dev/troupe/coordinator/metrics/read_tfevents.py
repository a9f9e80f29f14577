"""Reads a TensorBoard event file with the Python standard library only (no TensorFlow, no
protobuf): checks the TFRecord framing and both masked CRC32Cs of every record, decodes the
Event / Summary.Value fields by their wire tags, and prints the events as one JSON list.

Written independently of the Java writer, from TensorFlow's record format
(tensorflow/core/lib/io/record_writer.cc, crc32c.h) and TensorBoard's event.proto / summary.proto.
Usage: python3 read_tfevents.py FILE
"""
import json
import struct
import sys


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def fields(buf):
    """Yields (field number, wire type, value) of a protobuf message."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            n, i = varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wire)
        yield number, wire, value


def event(buf):
    out = {}
    for number, wire, value in fields(buf):
        if number == 1 and wire == 1:
            out["wall_time"] = struct.unpack("<d", value)[0]
        elif number == 2 and wire == 0:
            out["step"] = value - (1 << 64) if value >= 1 << 63 else value
        elif number == 3 and wire == 2:
            out["file_version"] = value.decode("utf-8")
        elif number == 5 and wire == 2:
            values = {}
            for n, w, v in fields(value):
                if n == 1 and w == 2:
                    tag, simple = None, None
                    for n2, w2, v2 in fields(v):
                        if n2 == 1 and w2 == 2:
                            tag = v2.decode("utf-8")
                        elif n2 == 2 and w2 == 5:
                            simple = struct.unpack("<f", v2)[0]
                    values[tag] = simple
            out["summary"] = values
        elif number == 7 and wire == 2:
            for n, w, v in fields(value):
                if n == 1 and w == 0:
                    out["session_status"] = v
    return out


def main(path):
    data = open(path, "rb").read()
    events = []
    i = 0
    while i < len(data):
        header = data[i:i + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[i + 8:i + 12])
        if length_crc != masked(header):
            raise SystemExit("bad length crc at byte %d" % i)
        payload = data[i + 12:i + 12 + length]
        (data_crc,) = struct.unpack("<I", data[i + 12 + length:i + 16 + length])
        if len(payload) != length or data_crc != masked(payload):
            raise SystemExit("bad data crc at byte %d" % i)
        events.append(event(payload))
        i += 16 + length
    json.dump(events, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
