package dev.flash.samples.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flash.core.JobHandle;
import dev.flash.providers.Providers;
import dev.flash.providers.RunSummary;
import dev.flash.providers.RunSupervisor;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flash cancel RUN}: records the cancel in the journal and cancels the run's live attempts. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
    description = "Cancel a run: its supervisor stops it without retrying and tears it down.")
final class CancelCommand implements Callable<Integer> {
  @Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  CliState state;

  @Parameters(paramLabel = "RUN", description = "The run id (flash status lists them).")
  String runId;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    RunSummary run = state.run(spec.commandLine(), runId);
    ObjectNode o = CliJson.object().put("run_id", runId);
    ArrayNode cancelled = CliJson.array();
    if (run.outcome().isPresent()) {
      o.put("already_ended", true).put("outcome", run.outcome().get().name());
      if (!json) {
        out.println("run " + runId + " already ended: " + run.outcome().get());
      }
    } else {
      RunSupervisor.requestCancel(state.journal(), runId, Clock.systemUTC());
      try (Providers providers = state.providers(Optional.empty())) {
        for (JobHandle h : run.liveAttempts()) {
          providers.get(h.providerId()).cancel(h);
          cancelled.addObject().put("provider", h.providerId()).put("name", h.name());
          if (!json) {
            out.println("cancelled " + h.providerId() + ":" + h.name());
          }
        }
      }
      o.put("already_ended", false).putNull("outcome");
      if (!json && run.liveAttempts().isEmpty()) {
        out.println("cancel recorded for " + runId + "; it has no live attempt, its supervisor stops it before the next");
      }
    }
    o.set("cancelled", cancelled);
    if (json) {
      CliJson.print(out, o);
    }
    out.flush();
    return FlashCli.OK;
  }
}
