package dev.flash.samples.cli;

import dev.flash.core.DidYouMean;
import dev.flash.core.spi.ProviderConfig;
import dev.flash.providers.Providers;
import dev.flash.providers.RunArtifacts;
import dev.flash.providers.RunSummary;
import dev.flash.providers.RunSupervisor;
import dev.flash.providers.local.LocalProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The state directory every run command shares ({@code --state-dir}, default {@code .flash}): the
 * supervisor's journal, the local provider's attempts ({@code local/}) and the workers' reports
 * ({@code artifacts/}).
 */
final class CliState {
  @Option(names = "--state-dir", defaultValue = ".flash", paramLabel = "DIR",
      description = "Journal, local attempts and worker reports (default: ${DEFAULT-VALUE}).")
  Path dir;

  /** Provider settings: the environment, or what a test hands in ({@link FlashCli#commandLine(ProviderConfig)}). */
  ProviderConfig config = ProviderConfig.fromEnvironment();

  Path journal() {
    return dir;
  }

  Path artifacts() {
    return dir.resolve("artifacts");
  }

  /** Providers from the environment, with the local provider rooted in the state directory. */
  Providers providers(Optional<Duration> preemptFirstAttemptAfter) {
    LocalProvider.Builder local = LocalProvider.builder().workDir(dir.resolve("local")).cancelGrace(Duration.ofSeconds(5));
    preemptFirstAttemptAfter.ifPresent(d -> local.preempt(1, d));
    return Providers.builder().config(config).register(local.build()).build();
  }

  /** Why provider {@code id} cannot be used here (not registered, or not configured); empty when it can. */
  static Optional<String> unusable(Providers providers, String id) {
    Optional<Providers.Entry> entry = providers.list().stream().filter(e -> e.id().equals(id)).findFirst();
    if (entry.isEmpty()) {
      return Optional.of("not registered here" + DidYouMean.suggest(id, providers.ids())
          .map(s -> " (did you mean '" + s + "'?)").orElse("") + "; registered: " + String.join(", ", providers.ids()));
    }
    return entry.get().unavailableReason().map(why -> "not configured here: " + why);
  }

  /** The supervisor every run command uses: this state directory's journal, workers reporting to {@code reports}. */
  RunSupervisor supervisor(Providers providers, RunArtifacts reports, Duration poll) {
    return RunSupervisor.builder(providers).journal(journal()).artifacts(reports).pollInterval(poll)
        .stallTimeout(Duration.ofMinutes(5)).cancelGrace(Duration.ofSeconds(10)).build();
  }

  /** The run {@code runId} of this journal; a usage error naming the journal and how to list its runs otherwise. */
  RunSummary run(CommandLine cli, String runId) {
    List<RunSummary> runs = RunSupervisor.runs(journal());
    return runs.stream().filter(r -> r.runId().equals(runId)).findFirst().orElseThrow(() -> {
      String fix = runs.isEmpty() ? " (it has no runs; pass --state-dir DIR where the run was launched)"
          : DidYouMean.suggest(runId, runs.stream().map(RunSummary::runId).toList())
              .map(s -> "; did you mean '" + s + "'? List").orElse("; list")
              + " the runs with: flash status --state-dir " + dir;
      return new CommandLine.ParameterException(cli, "no run '" + runId + "' in the journal in " + dir + fix);
    });
  }
}
