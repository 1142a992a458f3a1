package dev.flash.samples.cli;

import dev.flash.core.FlashException;
import dev.flash.core.spi.LogChunk;
import dev.flash.providers.AttemptRef;
import dev.flash.providers.Providers;
import dev.flash.providers.RunArtifacts;
import dev.flash.providers.RunSummary;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flash logs RUN}: the console tail of a run's attempt, from the worker reports. */
@Command(name = "logs", mixinStandardHelpOptions = true, description = "Print the console output of a run's attempt.")
final class LogsCommand implements Callable<Integer> {
  @Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  CliState state;

  @Parameters(paramLabel = "RUN", description = "The run id (flash status lists them).")
  String runId;

  @Option(names = "--attempt", description = "Attempt number (default: the latest).")
  Integer attempt;

  @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--bytes", defaultValue = "65536", description = "Bytes from the end (default ${DEFAULT-VALUE}).")
  int bytes;

  @Option(names = {"-f", "--follow"}, description = "Keep printing as the run writes, across attempts, until it ends.")
  boolean follow;

  @Option(names = "--json", description = "Print {\"run_id\", \"seed\", \"attempt\", \"text\"}; with --follow one such "
      + "line per chunk (JSON Lines).")
  boolean json;

  @Override
  public Integer call() {
    CommandLine cli = spec.commandLine();
    PrintWriter out = cli.getOut();
    if (bytes < 1) {
      throw new CommandLine.ParameterException(cli, "--bytes must be at least 1, e.g. --bytes 65536");
    }
    RunSummary run = state.run(cli, runId);
    if (attempt != null && (attempt < 1 || attempt > Math.max(1, run.attempts()))) {
      throw new CommandLine.ParameterException(cli, "--attempt " + attempt + " does not exist: run " + runId + " has "
          + run.attempts() + " attempt" + (run.attempts() == 1 ? "" : "s") + "; use 1.." + Math.max(1, run.attempts()));
    }
    int n = attempt != null ? attempt : Math.max(1, run.attempts());
    try (Providers providers = state.providers(Optional.empty())) {
      if (!follow) {
        if (run.attempts() < 1) {
          throw new FlashException("run " + runId + " has not launched an attempt yet; wait for it, or follow it with "
              + "flash logs " + runId + " --follow");
        }
        String tail = reports(providers, run, n).consoleTail(new AttemptRef(runId, seed, n), bytes);
        print(out, n, tail, false);
        if (tail.isEmpty()) {
          explainEmpty(cli.getErr(), providers, run, n);
        }
        return FlashCli.OK;
      }
      return follow(cli, out, providers, run, n);
    }
  }

  private int follow(CommandLine cli, PrintWriter out, Providers providers, RunSummary run, int n) {
    RunArtifacts artifacts = reports(providers, run, n);
    long offset = 0;
    while (true) {
      LogChunk chunk = artifacts.console(new AttemptRef(runId, seed, n), offset, 1 << 16);
      offset = chunk.nextOffset();
      if (!chunk.text().isEmpty()) {
        print(out, n, chunk.text(), true);
        continue;
      }
      run = state.run(cli, runId);
      if (run.attempts() > n) {
        n++;
        offset = 0;
        artifacts = reports(providers, run, n);
        if (!json) {
          out.printf("--- attempt %d ---%n", n);
        }
      } else if (run.outcome().isPresent()) {
        return FlashCli.OK;
      } else {
        try {
          Thread.sleep(300);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return FlashCli.OK;
        }
      }
    }
  }

  /** Where attempt {@code n} reported: the store of the provider it ran on (the ledger says which). */
  private RunArtifacts reports(Providers providers, RunSummary run, int n) {
    return provider(run, n).map(p -> ReportStores.forAttempt(state, providers, p))
        .orElseGet(() -> RunArtifacts.directory(state.artifacts()));
  }

  private Optional<String> provider(RunSummary run, int n) {
    return run.ledger().stream().filter(a -> a.seed() == seed && a.attempt() == n).findFirst()
        .map(a -> a.offer().provider());
  }

  /** No console: when the attempt's provider cannot be used here, its reports may be in a store not read. */
  private void explainEmpty(PrintWriter err, Providers providers, RunSummary run, int n) {
    provider(run, n).ifPresent(p -> CliState.unusable(providers, p).ifPresent(why -> {
      err.println("note: no console for attempt " + n + " in " + state.artifacts() + "; it ran on " + p + ", which is "
          + why + ". If that provider's workers report to a store of their own (Lambda, Hyperstack), configure it "
          + "as when the run was launched and run flash logs again.");
      err.flush();
    }));
  }

  private void print(PrintWriter out, int n, String text, boolean chunk) {
    if (!json) {
      out.print(text);
      out.flush();
      return;
    }
    var doc = CliJson.object().put("run_id", runId).put("seed", seed).put("attempt", n).put("text", text);
    if (chunk) {
      CliJson.printLine(out, doc);
    } else {
      CliJson.print(out, doc);
    }
  }
}
