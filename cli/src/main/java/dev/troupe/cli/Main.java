package dev.troupe.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code troupe} command. */
@Command(
        name = "troupe",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description =
                "RL post-training of language models with LoRA, on Pekko actors and libtorch.",
        subcommands = {
            GenerateCommand.class,
            InfoCommand.class,
            MergeCommand.class,
            RunCommand.class,
            SftCommand.class,
            EvalCommand.class,
            NodeCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (what tests call). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(
                (e, cmd, parsed) -> {
                    // Bad input is reported as one clear line, not a stack trace.
                    cmd.getErr().println("troupe: " + e.getMessage());
                    return 2;
                });
        return cl.execute(args);
    }

    /** The version printed by {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"troupe " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
