package dev.troupe.coordinator;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.learner.LearnerActor;
import dev.troupe.learner.LearnerSettings;
import dev.troupe.reward.RewardActor;
import dev.troupe.rollout.RolloutActor;
import dev.troupe.transport.TransportConfig;
import dev.troupe.transport.TransportNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * One Troupe node: a Pekko cluster member with roles ({@code troupe.cluster}). Cluster Sharding
 * places rollout and learner entities only on nodes with the {@code rollout} and {@code learner}
 * roles (other nodes get proxies); a node with the {@code reward} role starts reward actors and
 * registers them with the receptionist. The split-brain resolver (keep-majority) downs the minority
 * side of a partition.
 */
public final class TroupeNode implements AutoCloseable {

    /** Sharded rollout entities, ids "0" to "workers - 1". */
    public static final EntityTypeKey<RolloutActor.Command> ROLLOUT =
            EntityTypeKey.create(RolloutActor.Command.class, "troupe-rollout");

    /** The sharded learner entity, id "0". */
    public static final EntityTypeKey<LearnerActor.Command> LEARNER =
            EntityTypeKey.create(LearnerActor.Command.class, "troupe-learner");

    private final ActorSystem<Void> system;
    private final ClusterSharding sharding;
    private final TransportNode transport;

    private TroupeNode(ActorSystem<Void> system, TransportNode transport) {
        this.system = system;
        this.transport = transport;
        this.sharding = ClusterSharding.get(system);
        sharding.init(
                Entity.of(ROLLOUT, ctx -> RolloutActor.create(ctx.getEntityId(), transport))
                        .withRole("rollout")
                        .withEntityProps(DispatcherSelector.fromConfig(RolloutActor.DISPATCHER)));
        sharding.init(
                Entity.of(LEARNER, ctx -> LearnerActor.create(ctx.getEntityId(), transport))
                        .withRole("learner")
                        .withEntityProps(DispatcherSelector.fromConfig(LearnerActor.DISPATCHER)));
    }

    /**
     * Starts a node with {@code config}'s cluster settings; with no seed nodes it forms a one-node
     * cluster of its own.
     */
    public static TroupeNode start(RunConfig config) {
        RunConfig.Cluster c = config.cluster();
        Map<String, Object> settings = new HashMap<>();
        settings.put("pekko.actor.provider", "cluster");
        settings.put("pekko.remote.artery.canonical.hostname", c.host());
        settings.put("pekko.remote.artery.canonical.port", c.port());
        settings.put("pekko.cluster.roles", new ArrayList<>(c.roles()));
        List<String> seeds = new ArrayList<>();
        for (String s : c.seedNodes()) {
            seeds.add("pekko://troupe@" + s);
        }
        settings.put("pekko.cluster.seed-nodes", seeds);
        Config pekko =
                ConfigFactory.parseMap(settings)
                        .withFallback(ConfigFactory.parseResources("troupe-cluster.conf"))
                        .withFallback(config.config());
        Behavior<Void> guardian =
                Behaviors.setup(
                        ctx -> {
                            if (c.roles().contains("reward")) {
                                for (int i = 0; i < c.rewardActors(); i++) {
                                    var reward =
                                            ctx.spawn(
                                                    RewardActor.create(config.reward()),
                                                    "reward-" + i);
                                    ctx.getSystem()
                                            .receptionist()
                                            .tell(
                                                    Receptionist.register(
                                                            Coordinator.REWARD_SERVICE, reward));
                                }
                            }
                            return Behaviors.empty();
                        });
        // The tensor channel, when adapters travel over Aeron and this node hosts a worker.
        TransportNode transport =
                config.learner().learner().adapterSync() == LearnerSettings.AdapterSync.AERON
                                && (c.roles().contains("rollout") || c.roles().contains("learner"))
                        ? TransportNode.start(TransportConfig.from(config.config()))
                        : null;
        ActorSystem<Void> system;
        try {
            system = ActorSystem.create(guardian, "troupe", pekko.resolve());
        } catch (RuntimeException e) {
            if (transport != null) {
                transport.close();
            }
            throw e;
        }
        if (c.seedNodes().isEmpty()) {
            Cluster cluster = Cluster.get(system);
            cluster.manager().tell(Join.create(cluster.selfMember().address()));
        }
        return new TroupeNode(system, transport);
    }

    public ActorSystem<Void> system() {
        return system;
    }

    /** The rollout entities a run uses. */
    public List<EntityRef<RolloutActor.Command>> rollouts(int workers) {
        List<EntityRef<RolloutActor.Command>> refs = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            refs.add(sharding.entityRefFor(ROLLOUT, Integer.toString(i)));
        }
        return refs;
    }

    /** The learner entity. */
    public EntityRef<LearnerActor.Command> learner() {
        return sharding.entityRefFor(LEARNER, "0");
    }

    /** Blocks until the actor system has terminated. */
    public void awaitTermination() throws InterruptedException {
        system.getWhenTerminated().toCompletableFuture().join();
    }

    @Override
    public void close() {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Shutting down anyway; the JVM exits after this.
        }
        // After the actors: they close their publishers and subscribers when they stop.
        if (transport != null) {
            transport.close();
        }
    }
}
