package dev.flash.samples.cli;

import dev.flash.core.spi.Provider;
import dev.flash.providers.Providers;
import dev.flash.providers.RemoteReportingProvider;
import dev.flash.providers.RunArtifacts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import picocli.CommandLine;

/**
 * Where workers' reports (heartbeat, marker, DONE, console) are read from. Most providers' workers
 * write where the supervisor points them, the state directory's {@code artifacts/}; cloud boxes
 * (Lambda, Hyperstack) upload to their provider's own store ({@link RemoteReportingProvider}).
 *
 * <p>A supervisor reads one store for every attempt of a run (its {@code RunArtifacts} calls name the
 * attempt, not the provider it landed on), so a run whose attempts may land on providers reporting to
 * different stores is refused before anything is launched, saying how to pick providers of one store.
 */
final class ReportStores {
  private ReportStores() {}

  /**
   * The store a supervisor of a run restricted to {@code allowed} (empty: every provider ready here)
   * reads.
   *
   * @param choose how the user narrows the providers, for the error messages (e.g. {@code --provider ID})
   * @throws CommandLine.ParameterException when none of {@code allowed} can be used here (each reason is
   *     named, e.g. the missing {@code FLASH_ARTIFACTS_S3_*} variables), or when they report to different stores
   */
  static RunArtifacts forRun(CommandLine cli, CliState state, Providers providers, List<String> allowed,
      String choose) {
    List<String> candidates = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    if (allowed.isEmpty()) {
      providers.list().stream().filter(Providers.Entry::available).forEach(e -> candidates.add(e.id()));
    }
    for (String id : allowed) {
      CliState.unusable(providers, id).ifPresentOrElse(why -> problems.add(id + ": " + why), () -> candidates.add(id));
    }
    if (candidates.isEmpty()) {
      throw new CommandLine.ParameterException(cli, "none of the run's providers can be used here: "
          + String.join("; ", problems) + " (flash providers lists what each needs)");
    }
    Map<Optional<RunArtifacts>, List<String>> byStore = new LinkedHashMap<>();
    for (String id : candidates) {
      byStore.computeIfAbsent(remote(providers.get(id)), k -> new ArrayList<>()).add(id);
    }
    if (byStore.size() > 1) {
      String where = byStore.entrySet().stream().map(e -> "workers on " + String.join(", ", e.getValue())
          + " report to " + e.getKey().map(Object::toString).orElse("the state directory " + state.artifacts()))
          .collect(Collectors.joining("; "));
      throw new CommandLine.ParameterException(cli, "the run may land on providers whose workers report to different "
          + "stores, and one supervisor reads one store: " + where + ". Choose providers of one store with " + choose);
    }
    return byStore.keySet().iterator().next().orElseGet(() -> RunArtifacts.directory(state.artifacts()));
  }

  /**
   * The store an attempt that ran on {@code providerId} reported to: that provider's own when it has
   * one, else the state directory's (also when the provider cannot be used here: see {@link CliState#unusable}).
   */
  static RunArtifacts forAttempt(CliState state, Providers providers, String providerId) {
    return CliState.unusable(providers, providerId).isEmpty()
        ? remote(providers.get(providerId)).orElseGet(() -> RunArtifacts.directory(state.artifacts()))
        : RunArtifacts.directory(state.artifacts());
  }

  private static Optional<RunArtifacts> remote(Provider p) {
    return p instanceof RemoteReportingProvider r ? Optional.of(r.artifacts()) : Optional.empty();
  }
}
