package dev.flash.providers;

import dev.flash.core.FailureClass;
import dev.flash.core.GpuOffer;
import dev.flash.core.Money;
import dev.flash.core.RunState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One attempt as its run's journal records it: a line of the run's ledger ({@code flash ledger}).
 *
 * @param seed the seed it ran
 * @param attempt its number (1 = first)
 * @param name its deterministic resource name
 * @param offer the offer it was launched on (provider, GPU class, region, price per hour)
 * @param launchedAt when its resource was created; empty when the launch was refused or failed
 * @param endedAt when the supervisor saw it end; empty while it runs (or when its supervisor died)
 * @param state its final state, once it ended
 * @param failure why it failed, when it did
 * @param detail how it ended, or why its launch failed
 * @param cost realized cost (the provider's billing, else the launch price × billed time); zero until it ends
 */
public record AttemptSummary(long seed, int attempt, String name, GpuOffer offer, Optional<Instant> launchedAt,
    Optional<Instant> endedAt, Optional<RunState> state, Optional<FailureClass> failure, String detail, Money cost) {

  /** Launched and not known to have ended: it may be running, and billing. */
  public boolean live() {
    return launchedAt.isPresent() && endedAt.isEmpty();
  }

  /** Billed time: launch to end, or to now on {@code clock} while it runs; zero when it never launched. */
  public Duration billed(Clock clock) {
    return launchedAt.map(l -> Duration.between(l, endedAt.orElseGet(clock::instant)))
        .filter(d -> !d.isNegative()).orElse(Duration.ZERO);
  }

  /** The realized cost once ended; while it runs, the launch price × the time billed so far. */
  public Money costSoFar(Clock clock) {
    return live() ? offer.pricePerHour().forSeconds(billed(clock).toMillis() / 1000.0) : cost;
  }
}
