package dev.flash.samples.cli;

import dev.flash.core.FlashException;
import dev.flash.core.spi.LogChunk;
import dev.flash.providers.AttemptRef;
import dev.flash.providers.RunArtifacts;
import dev.flash.providers.RunSummary;
import java.io.PrintWriter;
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
    RunArtifacts artifacts = RunArtifacts.directory(state.artifacts());
    int n = attempt != null ? attempt : Math.max(1, run.attempts());
    if (!follow) {
      if (run.attempts() < 1) {
        throw new FlashException("run " + runId + " has not launched an attempt yet; wait for it, or follow it with "
            + "flash logs " + runId + " --follow");
      }
      print(out, n, artifacts.consoleTail(new AttemptRef(runId, seed, n), bytes), false);
      return FlashCli.OK;
    }
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
