package dev.flash.samples.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.flash.providers.Providers;
import dev.flash.providers.RunArtifacts;
import dev.flash.providers.RunHandle;
import dev.flash.providers.RunOptions;
import dev.flash.providers.RunResult;
import dev.flash.providers.RunSummary;
import dev.flash.providers.RunSupervisor;
import dev.flash.samples.internal.RunJson;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code flash recover}: after {@code flash launch} was killed (SIGKILL, a closed SSH session, a
 * reboot), re-attaches to the runs its journal left unfinished and supervises them to their end —
 * relaunching, tearing down and billing exactly as the launch would have. Without it a cloud
 * attempt whose supervisor died keeps running, and billing, until its wall-clock cap.
 */
@Command(name = "recover", mixinStandardHelpOptions = true,
    description = {"Re-attach to the runs a killed 'flash launch' left unfinished in the state directory and "
        + "supervise them to the end (relaunch on preemption, tear down, record the cost).",
        "Attempts that cannot be supervised are torn down; resources of these runs that no attempt owns are swept."})
final class RecoverCommand implements Callable<Integer> {
  @Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  CliState state;

  @Option(names = "--poll", defaultValue = "250ms", paramLabel = "DURATION", converter = CliUnits.DurationConverter.class,
      description = "How often to poll each attempt (default ${DEFAULT-VALUE}).")
  Duration poll;

  @Option(names = "--plain", description = "Plain progress lines even on a terminal (no redrawing).")
  boolean plain;

  @Option(names = "--json", description = "Print the runs' results as a JSON array on standard output; progress goes "
      + "to standard error as plain lines.")
  boolean json;

  @Override
  public Integer call() {
    CommandLine cli = spec.commandLine();
    if (poll.isNegative() || poll.isZero()) {
      throw new CommandLine.ParameterException(cli, "--poll must be positive, e.g. --poll 250ms");
    }
    PrintWriter progressOut = json ? cli.getErr() : cli.getOut();
    List<RunSummary> unfinished = RunSupervisor.runs(state.journal()).stream().filter(r -> r.outcome().isEmpty())
        .toList();
    if (unfinished.isEmpty()) {
      progressOut.println("nothing to recover in " + state.dir + ": every run in its journal has ended");
      progressOut.flush();
      if (json) {
        CliJson.print(cli.getOut(), CliJson.array());
      }
      return FlashCli.OK;
    }
    // The providers these runs ran on decide where their workers reported (one store per supervisor).
    List<String> used = unfinished.stream().flatMap(r -> r.ledger().stream()).map(a -> a.offer().provider())
        .distinct().toList();
    try (Providers providers = state.providers(Optional.empty())) {
      RunArtifacts reports = ReportStores.forRun(cli, state, providers, used,
          "separate state directories (these runs used " + String.join(", ", used) + ")");
      return supervise(cli, progressOut, providers, reports, unfinished.size());
    }
  }

  private int supervise(CommandLine cli, PrintWriter progressOut, Providers providers, RunArtifacts reports,
      int expected) {
    // One status line can be redrawn in place; several runs print plain lines.
    boolean live = !json && expected == 1 && Terminal.interactive(plain);
    Map<String, ProgressView> views = new HashMap<>();
    try (RunSupervisor supervisor = state.supervisor(providers, reports, poll)) {
      progressOut.printf("recovering %d unfinished run%s from the journal %s%n", expected, expected == 1 ? "" : "s",
          state.journal().toAbsolutePath().normalize());
      progressOut.flush();
      List<RunHandle> handles = supervisor.recover(id -> Optional.empty(), id -> {
        ProgressView view = new ProgressView(progressOut, live, Clock.systemUTC(), live ? Terminal.width() : Integer.MAX_VALUE);
        views.put(id, view);
        return RunOptions.defaults().withListener(view);
      });
      handles.forEach(h -> views.get(h.runId()).attach(h::spent));
      Thread hook = new Thread(() -> handles.forEach(h -> {
        h.cancel();
        h.result().completeOnTimeout(null, 15, TimeUnit.SECONDS).join();
      }), "flash-cancel-on-exit");
      Runtime.getRuntime().addShutdownHook(hook);
      List<RunResult> results = new ArrayList<>();
      for (RunHandle h : handles) {
        results.add(h.await());
      }
      Runtime.getRuntime().removeShutdownHook(hook);
      if (json) {
        ArrayNode out = CliJson.array();
        results.forEach(r -> out.add(RunJson.result(r)));
        CliJson.print(cli.getOut(), out);
      }
      return results.stream().allMatch(RunResult::succeeded) ? FlashCli.OK : FlashCli.FAILURE;
    } finally {
      views.values().forEach(ProgressView::close);
    }
  }
}
