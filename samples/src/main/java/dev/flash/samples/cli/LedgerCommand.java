package dev.flash.samples.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flash.core.Money;
import dev.flash.providers.AttemptSummary;
import dev.flash.providers.RunSummary;
import dev.flash.providers.RunSupervisor;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flash ledger}: what the runs of a journal actually spent, attempt by attempt (provider,
 * offer, price, billed time, realized cost), with totals per run and overall. An attempt still
 * running is billed to now at its launch price and marked as such.
 */
@Command(name = "ledger", mixinStandardHelpOptions = true,
    description = {"Realized spend of the runs in the journal: every attempt's provider, offer, price, billed time "
        + "and cost, with totals.", "A running attempt is billed to now at its launch price (marked 'running')."})
final class LedgerCommand implements Callable<Integer> {
  @Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  CliState state;

  @Parameters(arity = "0..*", paramLabel = "RUN", description = "Only these runs (default: every run in the journal).")
  List<String> runIds = new ArrayList<>();

  @Option(names = "--json", description = "Print JSON instead of tables.")
  boolean json;

  private final Clock clock;

  LedgerCommand() {
    this(Clock.systemUTC());
  }

  LedgerCommand(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Integer call() {
    CommandLine cli = spec.commandLine();
    List<RunSummary> runs = new ArrayList<>();
    if (runIds.isEmpty()) {
      runs.addAll(RunSupervisor.runs(state.journal()));
    } else {
      runIds.forEach(id -> runs.add(state.run(cli, id)));
    }
    if (json) {
      CliJson.print(cli.getOut(), json(runs));
    } else {
      print(cli.getOut(), runs);
    }
    return FlashCli.OK;
  }

  private ObjectNode json(List<RunSummary> runs) {
    ObjectNode doc = CliJson.object();
    ArrayNode all = doc.putArray("runs");
    for (RunSummary r : runs) {
      ObjectNode run = all.addObject();
      run.put("run_id", r.runId());
      CliJson.instant(run, "started_at", r.startedAt());
      run.put("outcome", r.outcome().map(Enum::name).orElse(null));
      run.put("detail", r.detail());
      ArrayNode lines = run.putArray("attempts");
      for (AttemptSummary a : r.ledger()) {
        ObjectNode j = lines.addObject();
        j.put("seed", a.seed());
        j.put("attempt", a.attempt());
        j.put("name", a.name());
        CliJson.offer(j, a.offer());
        CliJson.instant(j, "launched_at", a.launchedAt());
        CliJson.instant(j, "ended_at", a.endedAt());
        CliJson.seconds(j, "billed_seconds", a.billed(clock));
        j.put("state", a.state().map(Enum::name).orElse(a.live() ? "RUNNING" : "NOT_LAUNCHED"));
        j.put("failure", a.failure().map(Enum::name).orElse(null));
        j.put("detail", a.detail());
        j.put("live", a.live());
        CliJson.usd(j, "cost_usd", a.costSoFar(clock));
      }
      CliJson.seconds(run, "billed_seconds", billed(List.of(r)));
      CliJson.usd(run, "cost_usd", cost(List.of(r)));
    }
    ObjectNode totals = doc.putObject("total");
    totals.put("runs", runs.size());
    totals.put("attempts", runs.stream().mapToInt(r -> r.ledger().size()).sum());
    CliJson.seconds(totals, "billed_seconds", billed(runs));
    CliJson.usd(totals, "cost_usd", cost(runs));
    return doc;
  }

  private void print(PrintWriter out, List<RunSummary> runs) {
    if (runs.isEmpty()) {
      out.println("no runs in " + state.journal() + " (flash launch --example starts one)");
      out.flush();
      return;
    }
    TextTable lines = new TextTable("RUN", "ATTEMPT", "PROVIDER", "GPU", "REGION", "SPOT", "$/H", "LAUNCHED", "BILLED",
        "STATE", "COST");
    TextTable totals = new TextTable("RUN", "OUTCOME", "ATTEMPTS", "BILLED", "COST");
    for (RunSummary r : runs) {
      for (AttemptSummary a : r.ledger()) {
        String state = a.live() ? "running"
            : a.launchedAt().isEmpty() ? "not launched" + (a.detail().isEmpty() ? "" : ": " + a.detail())
            : a.state().map(Enum::name).orElse("?") + a.failure().map(f -> " " + f).orElse("");
        lines.row(r.runId(), a.seed() == 0 ? a.attempt() : a.seed() + "/" + a.attempt(), a.offer().provider(),
            a.offer().gpuClass() + "×" + a.offer().gpuCount(), a.offer().region(), a.offer().spot() ? "yes" : "no",
            a.offer().pricePerHour(), a.launchedAt().map(t -> t.truncatedTo(ChronoUnit.SECONDS)).map(Instant::toString)
                .orElse("-"), ProgressView.elapsed(a.billed(clock)), state, a.costSoFar(clock));
      }
      totals.row(r.runId(), r.outcome().map(Enum::name).orElse("RUNNING"), r.ledger().size(),
          ProgressView.elapsed(billed(List.of(r))), cost(List.of(r)));
    }
    totals.row("TOTAL", runs.size() + " run" + (runs.size() == 1 ? "" : "s"),
        runs.stream().mapToInt(r -> r.ledger().size()).sum(), ProgressView.elapsed(billed(runs)), cost(runs));
    lines.print(out);
    out.println();
    totals.print(out);
  }

  private Money cost(List<RunSummary> runs) {
    return runs.stream().flatMap(r -> r.ledger().stream()).map(a -> a.costSoFar(clock)).reduce(Money.ZERO, Money::plus);
  }

  private Duration billed(List<RunSummary> runs) {
    return runs.stream().flatMap(r -> r.ledger().stream()).map(a -> a.billed(clock)).reduce(Duration.ZERO,
        Duration::plus);
  }
}
