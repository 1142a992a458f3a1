package dev.flash.samples.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flash.core.spi.SweepReport;
import dev.flash.providers.Providers;
import dev.flash.providers.RunSupervisor;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code flash sweep}: reaps resources of this journal's runs that no live attempt owns. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
    description = {"Destroy leftover resources of the runs in this journal (never another journal's).",
        "Live attempts of unfinished runs are kept unless --include-unfinished.",
        "A provider not configured here is listed as skipped, with what it needs; the others are swept."})
final class SweepCommand implements Callable<Integer> {
  @Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  CliState state;

  @Option(names = "--include-unfinished", description = "Also reap attempts of runs whose supervisor is gone.")
  boolean includeUnfinished;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  /** One provider the journal used: what its sweep did, or why it was not swept. */
  private record Line(SweepReport report, Optional<String> skipped) {}

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    List<Line> lines = new ArrayList<>();
    try (Providers providers = state.providers(Optional.empty())) {
      for (String id : providersUsed()) {
        Optional<String> why = CliState.unusable(providers, id);
        if (why.isPresent()) {
          lines.add(new Line(new SweepReport(id, List.of(), List.of(), List.of()), why));
          continue;
        }
        try {
          RunSupervisor.sweep(state.journal(), List.of(providers.get(id)), includeUnfinished)
              .forEach(r -> lines.add(new Line(r, Optional.empty())));
        } catch (RuntimeException e) {
          lines.add(new Line(new SweepReport(id, List.of(), List.of(), List.of("the sweep failed: " + e.getMessage())),
              Optional.empty()));
        }
      }
    }
    int failed = lines.stream().mapToInt(l -> l.report().failed().size()).sum();
    if (json) {
      ArrayNode all = CliJson.array();
      for (Line l : lines) {
        SweepReport r = l.report();
        ObjectNode o = all.addObject().put("provider", r.provider()).put("skipped", l.skipped().orElse(null));
        r.reaped().forEach(o.putArray("reaped")::add);
        r.kept().forEach(o.putArray("kept")::add);
        r.failed().forEach(o.putArray("failed")::add);
      }
      CliJson.print(out, all);
    } else {
      print(out, lines, failed);
    }
    out.flush();
    return failed == 0 ? FlashCli.OK : FlashCli.FAILURE;
  }

  /** The providers the journal's runs launched on (or meant to), in journal order. */
  private Set<String> providersUsed() {
    Set<String> used = new LinkedHashSet<>();
    RunSupervisor.runs(state.journal()).forEach(r -> r.ledger().forEach(a -> used.add(a.offer().provider())));
    return used;
  }

  private void print(PrintWriter out, List<Line> lines, int failed) {
    if (lines.isEmpty()) {
      out.println("nothing to sweep: the journal in " + state.journal() + " used no provider");
    }
    for (Line l : lines) {
      SweepReport r = l.report();
      if (l.skipped().isPresent()) {
        out.printf("%s: skipped, %s%n  its resources of these runs were not checked; configure it and run flash sweep "
            + "again%n", r.provider(), l.skipped().get());
        continue;
      }
      out.printf("%s: reaped %d %s, kept %d, failed %d%n", r.provider(), r.reaped().size(), r.reaped(),
          r.kept().size(), r.failed().size());
      r.failed().forEach(f -> out.println("  failed: " + f));
    }
    if (failed > 0) {
      out.println("some resources could not be destroyed; run flash sweep again, or remove them in the "
          + "provider's console (the names above)");
    }
  }
}
