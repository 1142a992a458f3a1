package dev.flash.providers;

import dev.flash.core.JobHandle;
import dev.flash.core.Money;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A run as its journal records it (what {@code flash status} prints).
 *
 * @param runId the run
 * @param startedAt when it was submitted
 * @param outcome how it ended; empty while it runs (or when its supervisor died: recover it)
 * @param detail why it ended
 * @param attempts attempts announced so far
 * @param liveAttempts attempts that may still exist, with their handles
 * @param cost realized cost of the attempts that ended
 * @param ledger every attempt announced, in order: where it ran, at what price, for how long, for how much
 */
public record RunSummary(String runId, Optional<Instant> startedAt, Optional<RunOutcome> outcome, String detail,
    int attempts, List<JobHandle> liveAttempts, Money cost, List<AttemptSummary> ledger) {
  public RunSummary {
    liveAttempts = List.copyOf(liveAttempts);
    ledger = List.copyOf(ledger);
  }

  /** A summary without the per-attempt ledger. */
  public RunSummary(String runId, Optional<Instant> startedAt, Optional<RunOutcome> outcome, String detail,
      int attempts, List<JobHandle> liveAttempts, Money cost) {
    this(runId, startedAt, outcome, detail, attempts, liveAttempts, cost, List.of());
  }
}
