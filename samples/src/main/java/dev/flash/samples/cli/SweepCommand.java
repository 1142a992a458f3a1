package dev.flash.samples.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flash.core.spi.SweepReport;
import dev.flash.providers.Providers;
import dev.flash.providers.RunSupervisor;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code flash sweep}: reaps resources of this journal's runs that no live attempt owns. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
    description = {"Destroy leftover resources of the runs in this journal (never another journal's).",
        "Live attempts of unfinished runs are kept unless --include-unfinished."})
final class SweepCommand implements Callable<Integer> {
  @Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  CliState state;

  @Option(names = "--include-unfinished", description = "Also reap attempts of runs whose supervisor is gone.")
  boolean includeUnfinished;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (Providers providers = state.providers(Optional.empty())) {
      List<SweepReport> reports = RunSupervisor.sweep(state.journal(), providers, includeUnfinished);
      int failed = reports.stream().mapToInt(r -> r.failed().size()).sum();
      if (json) {
        ArrayNode all = CliJson.array();
        for (SweepReport r : reports) {
          ObjectNode o = all.addObject().put("provider", r.provider());
          r.reaped().forEach(o.putArray("reaped")::add);
          r.kept().forEach(o.putArray("kept")::add);
          r.failed().forEach(o.putArray("failed")::add);
        }
        CliJson.print(out, all);
      } else {
        if (reports.isEmpty()) {
          out.println("nothing to sweep: the journal in " + state.journal() + " used no provider");
        }
        for (SweepReport r : reports) {
          out.printf("%s: reaped %d %s, kept %d, failed %d%n", r.provider(), r.reaped().size(), r.reaped(),
              r.kept().size(), r.failed().size());
          r.failed().forEach(f -> out.println("  failed: " + f));
        }
        if (failed > 0) {
          out.println("some resources could not be destroyed; run flash sweep again, or remove them in the "
              + "provider's console (the names above)");
        }
      }
      out.flush();
      return failed == 0 ? FlashCli.OK : FlashCli.FAILURE;
    }
  }
}
