package dev.flash.providers;

import dev.flash.core.Money;
import dev.flash.core.spi.Progress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a supervised run ended and what it cost.
 *
 * @param runId the run
 * @param outcome how it ended
 * @param detail why, in words (the last failure, the budget reached)
 * @param attempts every launched attempt of every seed, in order
 * @param cost realized cost of all attempts
 * @param wall wall-clock time from submission to the end
 * @param lastProgress the last heartbeat seen
 * @param metrics the workers' final metrics (from DONE), when they reported some
 */
public record RunResult(String runId, RunOutcome outcome, String detail, List<AttemptResult> attempts, Money cost,
    Duration wall, Optional<Progress> lastProgress, Map<String, Double> metrics) {
  public RunResult {
    attempts = List.copyOf(attempts);
    metrics = Map.copyOf(metrics);
  }

  public boolean succeeded() {
    return outcome == RunOutcome.SUCCEEDED;
  }

  /** Steps the run reached: from the worker's done report, else its last heartbeat; 0 when neither was seen. */
  public long steps() {
    return lastProgress.map(Progress::step).orElse(0L);
  }
}
