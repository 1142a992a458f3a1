package dev.flash.samples.cli;

import dev.flash.core.FlashException;
import dev.flash.core.SpecValidationException;
import dev.flash.core.spi.ProviderConfig;
import dev.flash.samples.scheduler.SchedulerHttpException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code flash} command line. Exit codes: 0 ok, 2 usage or validation error (the message names
 * the bad field or flag and how to fix it), 1 any other failure.
 */
@Command(name = "flash",
    mixinStandardHelpOptions = true,
    versionProvider = FlashCli.Version.class,
    description = "Plan and run GPU training jobs.",
    subcommands = {
        CommandLine.HelpCommand.class,
        EstimateCommand.class,
        PlanCommand.class,
        ModelsCommand.class, // flash models: the model catalog and config.json reader (core)
        GpusCommand.class, // flash gpus: the GPU catalog (core)
        CadenceCommand.class, // flash cadence: Young/Daly checkpoint interval (checkpoint)
        CheckpointCommand.class, // flash checkpoint write|verify|probe (checkpoint)
        SchedulerCommand.class, // flash scheduler: the in-house scheduler sample (samples/scheduler)
    })
public final class FlashCli implements Runnable {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs the CLI with the given streams and returns the exit code (tests call this). */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return execute(commandLine(), out, err, args);
  }

  /** {@link #run} with these provider settings instead of the environment's (tests point providers at stubs). */
  static int run(ProviderConfig config, PrintWriter out, PrintWriter err, String... args) {
    return execute(commandLine(config), out, err, args);
  }

  private static int execute(CommandLine cli, PrintWriter out, PrintWriter err, String... args) {
    cli.setOut(out);
    cli.setErr(err);
    return cli.execute(args);
  }

  /** The command line whose run commands read provider settings from {@code config}. */
  static CommandLine commandLine(ProviderConfig config) {
    CommandLine cli = commandLine();
    configure(cli, config);
    return cli;
  }

  private static void configure(CommandLine cmd, ProviderConfig config) {
    cmd.getCommandSpec().mixins().values().stream().map(CommandLine.Model.CommandSpec::userObject)
        .filter(CliState.class::isInstance).forEach(s -> ((CliState) s).config = config);
    cmd.getSubcommands().values().forEach(c -> configure(c, config));
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new FlashCli());
    cli.addSubcommand(new LaunchCommand());
    cli.addSubcommand(new StatusCommand());
    cli.addSubcommand(new LogsCommand());
    cli.addSubcommand(new CancelCommand());
    cli.addSubcommand(new RecoverCommand());
    cli.addSubcommand(new SweepCommand());
    cli.addSubcommand(new ProvidersCommand());
    // issue 9 (samples2): realized spend per run, and the shell completion script
    cli.addSubcommand(new LedgerCommand());
    cli.addSubcommand(new CompletionCommand());
    // Parsing is over once the execution strategy runs: a ParameterException after that is a value
    // a command refused, whose message already says how to fix it.
    boolean[] parsed = {false};
    cli.setExecutionStrategy(parseResult -> {
      parsed[0] = true;
      return new CommandLine.RunLast().execute(parseResult);
    });
    cli.setParameterExceptionHandler((e, args) -> usageError(e, !parsed[0]));
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> failure(e, commandLine));
    return cli;
  }

  /**
   * A command line picocli could not parse, or a value a command refused: the message (which names
   * the flag), picocli's did-you-mean for a mistyped option or subcommand, else where the help is.
   */
  static int usageError(CommandLine.ParameterException e, boolean whileParsing) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println("error: " + e.getMessage());
    StringWriter suggestions = new StringWriter();
    if (CommandLine.UnmatchedArgumentException.printSuggestions(e, new PrintWriter(suggestions, true))) {
      err.println(suggestions.toString().strip());
    } else if (whileParsing) {
      err.println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for the options.");
    }
    err.flush();
    return USAGE;
  }

  /**
   * What a command threw, as an exit code: 2 when the input was wrong (the message names the field or
   * flag and how to fix it), 1 for anything else (the message says what failed and what to try).
   */
  static int failure(Exception e, CommandLine cmd) {
    PrintWriter err = cmd.getErr();
    if (e instanceof CommandLine.ParameterException) {
      // A command refused a value; its message names the flag and the fix.
      err.println("error: " + e.getMessage());
      err.flush();
      return USAGE;
    }
    if (e instanceof SpecValidationException || e instanceof IllegalArgumentException
        || e instanceof SchedulerHttpException h && h.status() >= 400 && h.status() < 500 && h.status() != 409
            && h.status() != 429) {
      err.println("error: " + e.getMessage());
      err.flush();
      return USAGE;
    }
    if (e instanceof FlashException || e instanceof UncheckedIOException || e instanceof IOException) {
      err.println("error: " + e.getMessage());
      err.flush();
      return FAILURE;
    }
    err.println("error: " + e + "\nThis is a bug in flash; please report it with the stack trace below.");
    e.printStackTrace(err);
    err.flush();
    return FAILURE;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Reads the version Maven wrote into the jar. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in = FlashCli.class.getResourceAsStream("/dev/flash/samples/version.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {"flash " + p.getProperty("version", "unknown"),
          "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
    }
  }
}
