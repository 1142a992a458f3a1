package dev.flash.samples.cli;

import dev.flash.providers.RunHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * What the commands that supervise runs in the foreground ({@code launch}, {@code recover}) share:
 * the poll interval, plain progress, and cancelling their runs when the command is interrupted.
 */
final class Foreground {
  @Option(names = "--poll", defaultValue = "250ms", paramLabel = "DURATION", converter = CliUnits.DurationConverter.class,
      description = "How often to poll each attempt (default ${DEFAULT-VALUE}).")
  Duration poll;

  @Option(names = "--plain", description = "Plain progress lines even on a terminal (no redrawing).")
  boolean plain;

  void validate(CommandLine cli) {
    if (poll.isNegative() || poll.isZero()) {
      throw new CommandLine.ParameterException(cli, "--poll must be positive, e.g. --poll 250ms");
    }
  }

  /**
   * Cancels {@code runs} (and waits up to 15 s for their teardown) if the JVM exits while they are
   * supervised, e.g. on Ctrl-C: a run must not keep a billed resource because its terminal closed.
   * Run what it returns once the runs have ended.
   */
  static Runnable cancelOnExit(List<RunHandle> runs) {
    Thread hook = new Thread(() -> runs.forEach(h -> {
      h.cancel();
      h.result().completeOnTimeout(null, 15, TimeUnit.SECONDS).join();
    }), "flash-cancel-on-exit");
    Runtime.getRuntime().addShutdownHook(hook);
    return () -> {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The hook is running or about to: nothing to undo.
      }
    };
  }
}
