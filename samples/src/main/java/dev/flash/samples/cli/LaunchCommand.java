package dev.flash.samples.cli;

import dev.flash.core.Resources;
import dev.flash.core.RunSpec;
import dev.flash.providers.Providers;
import dev.flash.providers.RemoteArtifacts;
import dev.flash.providers.RunArtifacts;
import dev.flash.providers.RunHandle;
import dev.flash.providers.RunOptions;
import dev.flash.providers.RunResult;
import dev.flash.providers.RunSupervisor;
import dev.flash.samples.internal.RunJson;
import dev.flash.samples.trainer.ExampleRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flash launch SPEC.json | --example}: supervises one run to its end and prints what it cost. */
@Command(name = "launch", mixinStandardHelpOptions = true,
    description = {"Launch a run and supervise it to the end: allocate, launch, survive preemption, tear down, "
        + "report steps and cost.", "--example runs the bundled SGD trainer on the local provider.",
        "Progress is redrawn in place on a terminal and printed as plain lines anywhere else (or with --plain)."})
final class LaunchCommand implements Callable<Integer> {
  @Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  CliState state;

  @Parameters(arity = "0..1", paramLabel = "SPEC.json", description = "The run spec (flash-core's RunSpec JSON).")
  Path specFile;

  @Option(names = "--example", description = "Run the bundled example trainer (SGD on synthetic regression) locally.")
  boolean example;

  @Option(names = "--provider", paramLabel = "ID", description = "Use only this provider (e.g. local).")
  String provider;

  @Option(names = "--steps", defaultValue = "3000", description = "Example: optimizer steps (default ${DEFAULT-VALUE}).")
  long steps;

  @Option(names = "--nodes", defaultValue = "1", paramLabel = "N",
      description = "Example: run N ranks as one gang (resources.node_count; default ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--preempt-after", paramLabel = "DURATION", converter = CliUnits.DurationConverter.class,
      description = "Local provider: kill the first attempt this long after launch, as a spot preemption would.")
  Duration preemptAfter;

  @Option(names = "--poll", defaultValue = "250ms", paramLabel = "DURATION", converter = CliUnits.DurationConverter.class,
      description = "How often to poll the attempt (default ${DEFAULT-VALUE}).")
  Duration poll;

  @Option(names = "--plain", description = "Plain progress lines even on a terminal (no redrawing).")
  boolean plain;

  @Option(names = "--json", description = "Print the run's result as JSON on standard output; progress goes to "
      + "standard error as plain lines.")
  boolean json;

  @Override
  public Integer call() {
    CommandLine cli = spec.commandLine();
    if (example == (specFile != null)) {
      throw new CommandLine.ParameterException(cli, example
          ? "give either SPEC.json or --example, not both"
          : "give SPEC.json (a run spec file) or --example (the bundled trainer), e.g. flash launch --example");
    }
    if (example && steps < 1) {
      throw new CommandLine.ParameterException(cli, "--steps must be at least 1, got " + steps);
    }
    if (example && nodes < 1) {
      throw new CommandLine.ParameterException(cli, "--nodes must be at least 1, got " + nodes);
    }
    if (poll.isNegative() || poll.isZero()) {
      throw new CommandLine.ParameterException(cli, "--poll must be positive, e.g. --poll 250ms");
    }
    if (preemptAfter != null && (preemptAfter.isNegative() || preemptAfter.isZero())) {
      throw new CommandLine.ParameterException(cli, "--preempt-after must be positive, e.g. --preempt-after 6s");
    }
    RunSpec run = example ? ExampleRun.spec(ExampleRun.newRunId(), steps, nodes, exampleClassPath())
        : SpecFiles.read(cli, specFile);
    if (provider != null) {
      run = RunSpec.builder().from(run).resources(Resources.builder().from(run.resources()).providers(List.of(provider))
          .build()).build();
    }
    Optional<Duration> preempt = Optional.ofNullable(preemptAfter);
    try (Providers providers = state.providers(preempt)) {
      RunArtifacts reports = ReportStores.forRun(cli, state, providers, run.resources().providers(),
          "--provider ID (or the spec's resources.providers)");
      return supervise(cli, run, providers, reports, preempt);
    }
  }

  private int supervise(CommandLine cli, RunSpec run, Providers providers, RunArtifacts reports,
      Optional<Duration> preempt) {
    PrintWriter progressOut = json ? cli.getErr() : cli.getOut();
    boolean live = !json && Terminal.interactive(plain);
    try (RunSupervisor supervisor = state.supervisor(providers, reports, poll);
         ProgressView view = new ProgressView(progressOut, live, Clock.systemUTC(),
             live ? Terminal.width() : Integer.MAX_VALUE)) {
      progressOut.printf("run %s: journal %s%s%s%n", run.runId(), state.journal().toAbsolutePath().normalize(),
          reports instanceof RemoteArtifacts ? ", worker reports in " + reports : "",
          preempt.map(d -> ", preempting attempt 1 after " + d.toMillis() / 1000.0 + " s").orElse(""));
      progressOut.flush();
      RunHandle handle = supervisor.submit(run, RunOptions.defaults().withListener(view));
      view.attach(handle::spent);
      Thread hook = new Thread(() -> {
        handle.cancel();
        handle.result().completeOnTimeout(null, 15, TimeUnit.SECONDS).join();
      }, "flash-cancel-on-exit");
      Runtime.getRuntime().addShutdownHook(hook);
      RunResult result = handle.await();
      Runtime.getRuntime().removeShutdownHook(hook);
      if (json) {
        CliJson.print(cli.getOut(), RunJson.result(result));
      }
      return result.succeeded() ? FlashCli.OK : FlashCli.FAILURE;
    }
  }

  /**
   * The example's class path. On another provider than the local one the trainer runs as another
   * user, possibly on another machine: the class path is copied into the state directory (which
   * must then be on the file system the nodes share, as the workers' reports are).
   */
  private String exampleClassPath() {
    String cp = ExampleRun.classPath();
    if (provider == null || provider.equals("local")) {
      return cp;
    }
    return StagedClassPath.stage(cp, state.dir.resolve("lib"));
  }
}
