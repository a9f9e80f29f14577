package dev.troupe.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.troupe.proto.v1.ReceiverHello;
import dev.troupe.proto.v1.TensorBatchBegin;
import dev.troupe.proto.v1.TensorHeader;
import dev.troupe.tensor.DType;
import org.junit.jupiter.api.Test;

/** The transport's Protobuf messages survive a round trip; dtypes map both ways. */
class TransportProtoTest {
    @Test
    void shouldRoundTripBatchBeginAndHello() throws Exception {
        TensorBatchBegin begin =
                TensorBatchBegin.newBuilder()
                        .setBatchName("adapter")
                        .setVersion(12)
                        .setCorrelationId(34)
                        .setChunkLengthBytes(65456)
                        .setSenderName("learner-0")
                        .addTargetReceiverIds(-5)
                        .addTensors(
                                TensorHeader.newBuilder()
                                        .setName("w")
                                        .setDtype(ProtoDTypes.toProto(DType.BF16))
                                        .addShape(16)
                                        .addShape(896)
                                        .setVersion(12)
                                        .setLengthBytes(16 * 896 * 2))
                        .build();
        assertEquals(begin, TensorBatchBegin.parseFrom(begin.toByteArray()));
        ReceiverHello hello =
                ReceiverHello.newBuilder()
                        .setReceiverId(7)
                        .setReceiverName("rollout-3")
                        .setBatchName("adapter")
                        .setHaveVersion(-1)
                        .build();
        assertEquals(hello, ReceiverHello.parseFrom(hello.toByteArray()));
    }

    @Test
    void shouldMapEveryDtypeBothWays() {
        for (DType d : DType.values()) {
            assertEquals(d, ProtoDTypes.fromProto(ProtoDTypes.toProto(d)));
        }
        assertEquals(null, ProtoDTypes.fromProto(dev.troupe.proto.v1.DType.DTYPE_UNSPECIFIED));
    }
}
