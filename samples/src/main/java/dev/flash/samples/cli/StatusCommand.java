package dev.flash.samples.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flash.core.JobHandle;
import dev.flash.providers.RunSummary;
import dev.flash.providers.RunSupervisor;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code flash status}: every run in the journal, how it ended or what is still live. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "List the runs in the journal.")
final class StatusCommand implements Callable<Integer> {
  @Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  CliState state;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    List<RunSummary> runs = RunSupervisor.runs(state.journal());
    if (json) {
      ArrayNode all = CliJson.array();
      for (RunSummary r : runs) {
        ObjectNode o = all.addObject();
        o.put("run_id", r.runId());
        CliJson.instant(o, "started_at", r.startedAt());
        o.put("outcome", r.outcome().map(Enum::name).orElse(null));
        o.put("detail", r.detail());
        o.put("attempts", r.attempts());
        ArrayNode live = o.putArray("live_attempts");
        for (JobHandle h : r.liveAttempts()) {
          live.addObject().put("provider", h.providerId()).put("name", h.name());
        }
        CliJson.usd(o, "cost_usd", r.cost());
      }
      CliJson.print(out, all);
      return FlashCli.OK;
    }
    if (runs.isEmpty()) {
      out.println("no runs in " + state.journal() + " (flash launch --example starts one)");
      return FlashCli.OK;
    }
    TextTable t = new TextTable("RUN", "STATE", "ATTEMPTS", "COST", "LIVE / DETAIL");
    for (RunSummary r : runs) {
      String live = r.liveAttempts().stream().map(h -> h.providerId() + ":" + h.name())
          .collect(Collectors.joining(", "));
      t.row(r.runId(), r.outcome().map(Enum::name).orElse("RUNNING"), r.attempts(), r.cost(),
          live.isEmpty() ? r.detail() : live);
    }
    t.print(out);
    return FlashCli.OK;
  }
}
