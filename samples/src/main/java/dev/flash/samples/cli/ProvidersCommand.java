package dev.flash.samples.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.flash.providers.Providers;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code flash providers}: every registered provider, whether it is usable and why not. */
@Command(name = "providers", mixinStandardHelpOptions = true,
    description = "List the providers, whether each is configured, and where it came from.")
final class ProvidersCommand implements Callable<Integer> {
  @Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  CliState state;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (Providers providers = state.providers(Optional.empty())) {
      if (json) {
        ArrayNode all = CliJson.array();
        for (Providers.Entry e : providers.list()) {
          all.addObject().put("id", e.id()).put("available", e.available())
              .put("unavailable_reason", e.unavailableReason().orElse(null)).put("description", e.description())
              .put("source", e.source());
        }
        CliJson.print(out, all);
        return FlashCli.OK;
      }
      TextTable t = new TextTable("PROVIDER", "STATUS", "DESCRIPTION", "SOURCE");
      for (Providers.Entry e : providers.list()) {
        t.row(e.id(), e.unavailableReason().map(r -> "unavailable: " + r).orElse("ready"), e.description(), e.source());
      }
      t.print(out);
    }
    return FlashCli.OK;
  }
}
