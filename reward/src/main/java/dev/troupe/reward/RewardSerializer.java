package dev.troupe.reward;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.troupe.proto.v1.GroupOutcome;
import dev.troupe.proto.v1.RewardErrorKind;
import dev.troupe.proto.v1.RewardSample;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Writes the reward messages that cross processes as the protobuf messages of {@code
 * troupe/v1/reward.proto}; bound to {@link RewardSerializable} in this module's {@code
 * reference.conf}. Actor refs travel in {@link ActorRefResolver}'s string format.
 *
 * <p>Manifests are short and stable, never class names, so that classes can be renamed: {@code RQ}
 * is a {@link RewardActor.ScoreRequest}, {@code RP} a {@link RewardActor.ScoreReply}.
 */
public final class RewardSerializer extends SerializerWithStringManifest {

    /** Serializer id; unique among the serializers of an actor system (Pekko keeps 0-40). */
    public static final int IDENTIFIER = 7310;

    static final String SCORE_REQUEST = "RQ";
    static final String SCORE_REPLY = "RP";

    private final ExtendedActorSystem system;
    // Looked up on first use: serializers are built while the actor system starts.
    private volatile ActorRefResolver resolver;

    /** Called by Pekko's serialization extension. */
    public RewardSerializer(ExtendedActorSystem system) {
        this.system = system;
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object message) {
        if (message instanceof RewardActor.ScoreRequest) {
            return SCORE_REQUEST;
        }
        if (message instanceof RewardActor.ScoreReply) {
            return SCORE_REPLY;
        }
        throw new IllegalArgumentException(
                "RewardSerializer cannot serialize " + message.getClass().getName());
    }

    @Override
    public byte[] toBinary(Object message) {
        if (message instanceof RewardActor.ScoreRequest request) {
            return toProto(request).toByteArray();
        }
        if (message instanceof RewardActor.ScoreReply reply) {
            return toProto(reply).toByteArray();
        }
        throw new IllegalArgumentException(
                "RewardSerializer cannot serialize " + message.getClass().getName());
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        try {
            switch (manifest) {
                case SCORE_REQUEST:
                    return fromProto(dev.troupe.proto.v1.ScoreRequest.parseFrom(bytes));
                case SCORE_REPLY:
                    return fromProto(dev.troupe.proto.v1.ScoreReply.parseFrom(bytes));
                default:
                    throw new NotSerializableException(
                            "RewardSerializer: unknown manifest '" + manifest + "'");
            }
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            NotSerializableException failure =
                    new NotSerializableException(
                            "RewardSerializer: bad " + manifest + " message: " + e.getMessage());
            failure.initCause(e);
            throw failure;
        }
    }

    private ActorRefResolver resolver() {
        ActorRefResolver current = resolver;
        if (current == null) {
            current = ActorRefResolver.get(Adapter.toTyped(system));
            resolver = current;
        }
        return current;
    }

    // ScoreRequest

    private dev.troupe.proto.v1.ScoreRequest toProto(RewardActor.ScoreRequest request) {
        dev.troupe.proto.v1.ScoreRequest.Builder proto =
                dev.troupe.proto.v1.ScoreRequest.newBuilder()
                        .setRequestId(request.requestId())
                        .setReplyTo(resolver().toSerializationFormat(request.replyTo()));
        for (RewardInput sample : request.samples()) {
            RewardSample.Builder builder =
                    RewardSample.newBuilder()
                            .setSampleId(toProto(sample.sampleId()))
                            .setPrompt(sample.prompt())
                            .setCompletion(sample.completion())
                            .putAllMetadata(sample.metadata());
            if (sample.hasReference()) {
                builder.setReference(sample.reference());
            }
            proto.addSamples(builder);
        }
        return proto.build();
    }

    private RewardActor.ScoreRequest fromProto(dev.troupe.proto.v1.ScoreRequest proto) {
        List<RewardInput> samples = new ArrayList<>(proto.getSamplesCount());
        for (RewardSample sample : proto.getSamplesList()) {
            samples.add(
                    new RewardInput(
                            sample.getPrompt(),
                            sample.getCompletion(),
                            sample.hasReference() ? sample.getReference() : null,
                            sample.getMetadataMap(),
                            fromProto(sample.getSampleId())));
        }
        return new RewardActor.ScoreRequest(
                proto.getRequestId(), samples, resolver().resolveActorRef(proto.getReplyTo()));
    }

    // ScoreReply

    static dev.troupe.proto.v1.ScoreReply toProto(RewardActor.ScoreReply reply) {
        dev.troupe.proto.v1.ScoreReply.Builder proto =
                dev.troupe.proto.v1.ScoreReply.newBuilder()
                        .setRequestId(reply.requestId())
                        .setOutcome(toProto(reply.outcome()))
                        .setAttempts(reply.attempts());
        for (RewardActor.SampleScore sample : reply.samples()) {
            dev.troupe.proto.v1.SampleScore.Builder builder =
                    dev.troupe.proto.v1.SampleScore.newBuilder()
                            .setSampleId(toProto(sample.sampleId()));
            for (RewardActor.FunctionScore function : sample.functions()) {
                builder.addFunctions(
                        dev.troupe.proto.v1.FunctionScore.newBuilder()
                                .setFunction(function.function())
                                .setScore(function.score())
                                .putAllDetails(function.details()));
            }
            sample.total().ifPresent(builder::setTotal);
            for (RewardActor.SampleError error : sample.errors()) {
                builder.addErrors(
                        dev.troupe.proto.v1.RewardError.newBuilder()
                                .setAttempt(error.attempt())
                                .setKind(toProto(error.kind()))
                                .setFunction(error.function())
                                .setMessage(error.message()));
            }
            proto.addSamples(builder);
        }
        return proto.build();
    }

    static RewardActor.ScoreReply fromProto(dev.troupe.proto.v1.ScoreReply proto) {
        List<RewardActor.SampleScore> samples = new ArrayList<>(proto.getSamplesCount());
        for (dev.troupe.proto.v1.SampleScore sample : proto.getSamplesList()) {
            List<RewardActor.FunctionScore> functions = new ArrayList<>();
            for (dev.troupe.proto.v1.FunctionScore function : sample.getFunctionsList()) {
                functions.add(
                        new RewardActor.FunctionScore(
                                function.getFunction(),
                                function.getScore(),
                                function.getDetailsMap()));
            }
            List<RewardActor.SampleError> errors = new ArrayList<>();
            for (dev.troupe.proto.v1.RewardError error : sample.getErrorsList()) {
                errors.add(
                        new RewardActor.SampleError(
                                error.getAttempt(),
                                fromProto(error.getKind()),
                                error.getFunction(),
                                error.getMessage()));
            }
            samples.add(
                    new RewardActor.SampleScore(
                            fromProto(sample.getSampleId()),
                            functions,
                            sample.hasTotal()
                                    ? OptionalDouble.of(sample.getTotal())
                                    : OptionalDouble.empty(),
                            errors));
        }
        return new RewardActor.ScoreReply(
                proto.getRequestId(), fromProto(proto.getOutcome()), proto.getAttempts(), samples);
    }

    // Small types

    static dev.troupe.proto.v1.SampleId toProto(SampleId id) {
        return dev.troupe.proto.v1.SampleId.newBuilder()
                .setStep(id.step())
                .setPromptIndex(id.promptIndex())
                .setSampleIndex(id.sampleIndex())
                .build();
    }

    static SampleId fromProto(dev.troupe.proto.v1.SampleId proto) {
        return new SampleId(proto.getStep(), proto.getPromptIndex(), proto.getSampleIndex());
    }

    static GroupOutcome toProto(RewardActor.Outcome outcome) {
        return switch (outcome) {
            case SCORED -> GroupOutcome.GROUP_OUTCOME_SCORED;
            case DROPPED -> GroupOutcome.GROUP_OUTCOME_DROPPED;
        };
    }

    static RewardActor.Outcome fromProto(GroupOutcome outcome) {
        return switch (outcome) {
            case GROUP_OUTCOME_SCORED -> RewardActor.Outcome.SCORED;
            case GROUP_OUTCOME_DROPPED -> RewardActor.Outcome.DROPPED;
            case GROUP_OUTCOME_UNSPECIFIED, UNRECOGNIZED ->
                    throw new IllegalArgumentException("group outcome " + outcome);
        };
    }

    static RewardErrorKind toProto(RewardActor.ErrorKind kind) {
        return switch (kind) {
            case THREW -> RewardErrorKind.REWARD_ERROR_KIND_THREW;
            case TIMED_OUT -> RewardErrorKind.REWARD_ERROR_KIND_TIMED_OUT;
            case INVALID_SCORE -> RewardErrorKind.REWARD_ERROR_KIND_INVALID_SCORE;
            case NO_WORKER -> RewardErrorKind.REWARD_ERROR_KIND_NO_WORKER;
        };
    }

    static RewardActor.ErrorKind fromProto(RewardErrorKind kind) {
        return switch (kind) {
            case REWARD_ERROR_KIND_THREW -> RewardActor.ErrorKind.THREW;
            case REWARD_ERROR_KIND_TIMED_OUT -> RewardActor.ErrorKind.TIMED_OUT;
            case REWARD_ERROR_KIND_INVALID_SCORE -> RewardActor.ErrorKind.INVALID_SCORE;
            case REWARD_ERROR_KIND_NO_WORKER -> RewardActor.ErrorKind.NO_WORKER;
            case REWARD_ERROR_KIND_UNSPECIFIED, UNRECOGNIZED ->
                    throw new IllegalArgumentException("reward error kind " + kind);
        };
    }
}
