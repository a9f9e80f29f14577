package dev.troupe.cli;

import dev.troupe.coordinator.RunConfig;
import dev.troupe.coordinator.TroupeNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code troupe node FILE --roles ...}: a cluster member hosting workers until stopped. */
@Command(
        name = "node",
        mixinStandardHelpOptions = true,
        description = {
            "Join a Troupe cluster with roles and host the workers of those roles until stopped"
                    + " (Ctrl-C).",
            "FILE gives the cluster settings (troupe.cluster) and, for the reward role, the reward"
                    + " functions; runs send their own config to the workers."
        })
final class NodeCommand implements Callable<Integer> {
    @Mixin JobOptions job = new JobOptions();

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        RunConfig config = job.load();
        PrintWriter out = spec.commandLine().getOut();
        TroupeNode node = TroupeNode.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "troupe-node-shutdown"));
        out.println(
                "troupe node " + node.system().address() + " roles " + config.cluster().roles());
        out.flush();
        node.awaitTermination();
        return 0;
    }
}
