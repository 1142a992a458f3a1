package dev.flash.samples.cli;

import dev.flash.core.FailureClass;
import dev.flash.core.GpuOffer;
import dev.flash.core.JobHandle;
import dev.flash.core.Money;
import dev.flash.core.spi.JobStatus;
import dev.flash.core.spi.Progress;
import dev.flash.providers.AttemptResult;
import dev.flash.providers.RunListener;
import dev.flash.providers.RunResult;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code flash launch}'s progress display: what happens to the run (offers, launches, preemptions,
 * retries) as lines, and a status line with the stage, step/total, elapsed time and spend so far.
 *
 * <p>On an interactive terminal ({@link Terminal#interactive}) the status line is redrawn in place
 * (carriage return and ANSI erase-line) every quarter second and on every event, and events scroll
 * above it. Anywhere else it degrades to plain lines: every event, and the status line whenever the
 * run passes another tenth of its steps, so a log or a pipe gets a short, complete record.
 */
final class ProgressView implements RunListener, AutoCloseable {
  static final String ERASE_LINE = "\r\033[2K";
  private static final int BAR = 20;

  private final PrintWriter out;
  private final boolean live;
  private final Clock clock;
  private final int width;
  private final Instant startedAt;
  private final Map<Integer, Long> firstStepOfAttempt = new HashMap<>();
  private final Map<String, String> rankStates = new HashMap<>();
  private ScheduledExecutorService ticker;
  private Supplier<Money> spent = () -> Money.ZERO;
  private int attempt;
  private String stage = "allocating";
  private Optional<Progress> progress = Optional.empty();
  private int lastDecile = -1;
  private boolean statusShown;
  private boolean finished;

  ProgressView(PrintWriter out, boolean live, Clock clock, int width) {
    this.out = out;
    this.live = live;
    this.clock = clock;
    this.width = width;
    this.startedAt = clock.instant();
  }

  /** Where the spend so far comes from (the run's handle); redraws start here on a terminal. */
  synchronized void attach(Supplier<Money> spentSoFar) {
    this.spent = spentSoFar;
    if (live && ticker == null) {
      ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "flash-progress");
        t.setDaemon(true);
        return t;
      });
      ticker.scheduleWithFixedDelay(this::redraw, 250, 250, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public synchronized void onAllocated(String runId, long seed, int n, GpuOffer offer) {
    attempt = n;
    stage = "launching";
    event(String.format("attempt %d: %s", n, offer.describe()));
  }

  @Override
  public synchronized void onLaunched(String runId, long seed, int n, JobHandle handle) {
    stage = "starting";
    event(String.format("attempt %d: launched %s", n, handle.name()));
  }

  @Override
  public synchronized void onLaunchRejected(String runId, long seed, int n, GpuOffer offer, String reason) {
    stage = "allocating";
    event(String.format("attempt %d: refused by %s (%s); trying the next offer", n, offer.provider(), reason));
  }

  @Override
  public synchronized void onProgress(String runId, long seed, int n, Progress p) {
    attempt = n;
    stage = p.stage().isBlank() ? "running" : p.stage();
    progress = Optional.of(p);
    if (firstStepOfAttempt.putIfAbsent(n, p.step()) == null && n > 1 && p.step() > 0) {
      event(String.format("attempt %d: resumed from the checkpoint at step %d", n, p.step()));
    }
    if (live) {
      redrawLocked();
      return;
    }
    int decile = p.totalSteps() > 0 ? (int) Math.floor(p.fraction() * 10) : -1;
    if (decile >= 0 && decile != lastDecile) {
      lastDecile = decile;
      out.println(status());
      out.flush();
    }
  }

  /** One line per rank and state change of a gang: {@code attempt 1: rank 1 RUNNING (step 120/3000)}. */
  @Override
  public synchronized void onRankStatus(String runId, long seed, int n, int rank, JobStatus s) {
    String state = s.state() + s.failure().map(f -> " " + f).orElse("");
    if (state.equals(rankStates.put(n + "/" + rank, state))) {
      return;
    }
    event(String.format("attempt %d: rank %d %s%s", n, rank, state,
        s.progress().map(p -> " (step " + p.step() + "/" + p.totalSteps() + ")").orElse("")));
  }

  @Override
  public synchronized void onAttemptEnded(String runId, AttemptResult a) {
    stage = "torn down";
    double seconds = Duration.between(a.launchedAt(), a.endedAt()).toMillis() / 1000.0;
    event(String.format(Locale.ROOT, "attempt %d: %s%s after %.1f s, cost %s%s", a.attempt(), a.state(),
        a.failure().map(f -> " " + f).orElse(""), seconds, a.cost(), a.detail().isEmpty() ? "" : " (" + a.detail() + ")"));
  }

  @Override
  public synchronized void onRetry(String runId, long seed, int nextAttempt, FailureClass cause) {
    stage = "retrying";
    lastDecile = -1;
    event(String.format("retrying as attempt %d after %s%s", nextAttempt, cause,
        cause.consumesErrorBudget() ? "" : " (does not use the retry budget)"));
  }

  @Override
  public synchronized void onFinished(RunResult r) {
    finished = true;
    long preemptions = r.attempts().stream().filter(a -> a.failure().equals(Optional.of(FailureClass.PREEMPTED)))
        .count();
    long total = r.lastProgress().map(Progress::totalSteps).orElse(0L);
    event(String.format(Locale.ROOT, "%s in %d attempt%s%s: %d/%d steps%s, cost %s, wall %.1f s", r.outcome(),
        r.attempts().size(), r.attempts().size() == 1 ? "" : "s", preemptions == 0 ? "" : " (" + preemptions
            + " preempted)", r.steps(), total,
        r.metrics().containsKey("loss") ? String.format(Locale.ROOT, ", loss %.5f", r.metrics().get("loss")) : "",
        r.cost(), r.wall().toMillis() / 1000.0));
    if (!r.succeeded()) {
      event("reason: " + r.detail());
    }
    stopTicker();
    clearStatus();
  }

  /** Stops redrawing and leaves the terminal on a clean line. */
  @Override
  public synchronized void close() {
    stopTicker();
    clearStatus();
  }

  /**
   * The status line: {@code [####----]  42%  step 840/2000  attempt 2 train  elapsed 4.2s  spent $0.0012}
   * (no bar while the total is unknown). When it is wider than the terminal the bar goes first, then
   * the end of the line.
   */
  synchronized String status() {
    List<String> parts = new ArrayList<>();
    Optional<Progress> p = progress;
    String bar = null;
    if (p.isPresent() && p.get().totalSteps() > 0) {
      int filled = (int) Math.round(p.get().fraction() * BAR);
      bar = "[" + "#".repeat(filled) + "-".repeat(BAR - filled) + "]";
      parts.add(String.format(Locale.ROOT, "%3d%%", Math.round(p.get().fraction() * 100)));
      parts.add("step " + p.get().step() + "/" + p.get().totalSteps());
    } else {
      p.ifPresent(q -> parts.add("step " + q.step()));
    }
    parts.add((attempt > 0 ? "attempt " + attempt + " " : "") + stage);
    parts.add("elapsed " + elapsed(Duration.between(startedAt, clock.instant())));
    parts.add("spent " + spent.get());
    String line = "  " + (bar == null ? "" : bar + " ") + String.join("  ", parts);
    if (line.length() >= width && bar != null) {
      line = "  " + String.join("  ", parts);
    }
    return line.length() < width ? line : line.substring(0, Math.max(1, width - 2)) + "…";
  }

  /** {@code 4.2s}, {@code 3m07s}, {@code 1h02m}. */
  static String elapsed(Duration d) {
    long ms = Math.max(0, d.toMillis());
    if (ms < 60_000) {
      return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
    }
    long s = ms / 1000;
    if (s < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
  }

  private void event(String line) {
    if (live) {
      out.print(ERASE_LINE);
      out.println(line);
      statusShown = false;
      if (!finished) {
        redrawLocked();
      }
    } else {
      out.println(line);
    }
    out.flush();
  }

  private synchronized void redraw() {
    if (!finished) {
      redrawLocked();
    }
  }

  private void redrawLocked() {
    out.print(ERASE_LINE + status());
    out.flush();
    statusShown = true;
  }

  private void clearStatus() {
    if (live && statusShown) {
      out.print(ERASE_LINE);
      out.flush();
      statusShown = false;
    }
  }

  private void stopTicker() {
    if (ticker != null) {
      ticker.shutdownNow();
      ticker = null;
    }
  }
}
