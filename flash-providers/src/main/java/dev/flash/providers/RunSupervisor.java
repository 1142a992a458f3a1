package dev.flash.providers;

import dev.flash.core.FailureClass;
import dev.flash.core.FlashException;
import dev.flash.core.JobHandle;
import dev.flash.core.Money;
import dev.flash.core.RunSpec;
import dev.flash.core.RunState;
import dev.flash.core.spi.Provider;
import dev.flash.core.spi.SweepReport;
import dev.flash.core.spi.SweepScope;
import dev.flash.providers.internal.JournalState;
import dev.flash.providers.internal.SupervisorEngine;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Runs training jobs to the end on the registered providers, surviving capacity shortages,
 * preemption and API faults, never leaking a billed resource.
 *
 * <p>For each seed of a run: allocate (the best offer that fits) → record the intent durably in the
 * journal → launch → poll until terminal or deadline → classify the failure → retry on the
 * next-best offer (another provider or region first after NO_CAPACITY; preemptions do not use the
 * retry budget) → tear the attempt down and verify it is gone → record its realized cost. An
 * ambiguous launch (timeout, 5xx, 429, 2xx without id) is reconciled by the attempt's deterministic
 * name: adopted if it exists, otherwise the next attempt gets a new name and the run's final sweep
 * reaps a late-appearing phantom; one attempt is never launched twice. Budgets are enforced: a run
 * whose best offer is expected to exceed its dollar or wall budget is refused before launch, and a
 * running one is stopped when it reaches either.
 *
 * <p>Polling runs on a shared scheduler (no thread per run), so one supervisor carries thousands of
 * runs; provider calls are made from scheduler threads, so size the pool for the providers' latency.
 * Inject a {@link Clock} and a scheduler to run it on virtual time.
 *
 * <pre>{@code
 * try (Providers providers = Providers.fromEnvironment();
 *      RunSupervisor supervisor = RunSupervisor.builder(providers).journal(Path.of(".flash")).build()) {
 *   RunResult r = supervisor.submit(spec).await();
 *   System.out.println(r.outcome() + " " + r.cost());
 * }
 * }</pre>
 */
public final class RunSupervisor implements AutoCloseable {
  private final SupervisorEngine engine;
  private final ScheduledExecutorService ownedScheduler;

  private RunSupervisor(SupervisorEngine engine, ScheduledExecutorService ownedScheduler) {
    this.engine = engine;
    this.ownedScheduler = ownedScheduler;
  }

  /** A supervisor over the available providers of {@code providers}. */
  public static Builder builder(Providers providers) {
    List<String> ids = providers.list().stream().filter(Providers.Entry::available).map(Providers.Entry::id).toList();
    return new Builder(providers::get, ids);
  }

  /** A supervisor over exactly these provider instances. */
  public static Builder builder(List<? extends Provider> providers) {
    Map<String, Provider> byId = new java.util.LinkedHashMap<>();
    for (Provider p : providers) {
      if (byId.putIfAbsent(p.id(), p) != null) {
        throw new FlashException("two providers have the id '" + p.id() + "'");
      }
    }
    return new Builder(id -> {
      Provider p = byId.get(id);
      if (p == null) {
        throw new FlashException("no provider '" + id + "' in this supervisor; it has " + byId.keySet());
      }
      return p;
    }, List.copyOf(byId.keySet()));
  }

  /** Starts supervising {@code spec} with default options. */
  public RunHandle submit(RunSpec spec) {
    return submit(spec, RunOptions.defaults());
  }

  /**
   * Starts supervising {@code spec}; returns at once. The run id must be new to this journal.
   *
   * @throws FlashException when the run id is already in the journal or running here
   */
  public RunHandle submit(RunSpec spec, RunOptions options) {
    return engine.submit(spec, options);
  }

  /**
   * After a restart on the same journal: re-attaches to the runs a previous supervisor left running,
   * tears down what cannot be supervised, and sweeps the providers the journal used for resources of
   * its runs that no live attempt owns (runs it does not know, such as another control plane's, are
   * left alone). Each run's spec comes from the journal unless {@code specs} gives one for its id
   * (a corrected spec); a run with neither has its attempts torn down.
   */
  public List<RunHandle> recover(Function<String, Optional<RunSpec>> specs) {
    return recover(specs, runId -> RunOptions.defaults());
  }

  /**
   * {@link #recover(Function)} with the options (e.g. a listener) of each run it re-attaches, by run
   * id. A run keeps the wall budget it was submitted with (the journal records it) unless its options
   * here give another; its listener is the one given here.
   */
  public List<RunHandle> recover(Function<String, Optional<RunSpec>> specs, Function<String, RunOptions> options) {
    return engine.recover(specs, Objects.requireNonNull(options));
  }

  /** {@link #recover(Function)} with the specs the journal recorded. */
  public List<RunHandle> recover() {
    return recover(id -> Optional.empty());
  }

  /** {@link #recover(Function)} with the specs given as a list. */
  public List<RunHandle> recover(List<RunSpec> specs) {
    Map<String, RunSpec> byId = new java.util.HashMap<>();
    specs.forEach(s -> byId.put(s.runId(), s));
    return recover(id -> Optional.ofNullable(byId.get(id)));
  }

  public Optional<RunHandle> find(String runId) {
    return engine.find(runId);
  }

  /** The runs being supervised now. */
  public List<RunHandle> active() {
    return engine.active();
  }

  /** Every run in the journal in {@code journalDir}, newest last (readable while a supervisor writes it). */
  public static List<RunSummary> runs(Path journalDir) {
    JournalState state = SupervisorEngine.readState(journalDir);
    List<RunSummary> out = new ArrayList<>();
    for (JournalState.RunRecord r : state.runs().values()) {
      List<JobHandle> live = r.openAttempts().stream().filter(a -> a.endState().isEmpty())
          .map(JournalState.AttemptRecord::handle).flatMap(Optional::stream).toList();
      List<AttemptSummary> ledger = r.attempts().values().stream().map(RunSupervisor::attemptSummary).toList();
      out.add(new RunSummary(r.runId(), r.startedAt(), r.outcome().map(RunOutcome::valueOf), r.detail(),
          r.attempts().size(), live, Money.ofMicros(r.costMicros()), ledger));
    }
    return out;
  }

  private static AttemptSummary attemptSummary(JournalState.AttemptRecord a) {
    return new AttemptSummary(a.seed(), a.attempt(), a.name(), a.offer(), a.launchedAt(), a.endedAt(),
        a.endState().map(RunState::valueOf), a.failure().map(FailureClass::valueOf), a.endDetail(),
        Money.ofMicros(a.costMicros()));
  }

  /**
   * Records a cancel request for a run another process supervises, so its supervisor ends the run
   * instead of retrying once the attempt stops; the caller then cancels the live attempts.
   */
  public static void requestCancel(Path journalDir, String runId, Clock clock) {
    SupervisorEngine.requestCancel(journalDir, runId, clock);
  }

  /**
   * Sweeps every provider the journal in {@code journalDir} used: reaps resources of the journal's
   * runs that no attempt owns any more (ended runs, phantoms of ambiguous launches, unverified
   * teardowns). Live attempts of unfinished runs are kept unless {@code includeUnfinished} (use that
   * only when no supervisor runs them). Resources of runs this journal does not know are never touched.
   */
  public static List<SweepReport> sweep(Path journalDir, Providers providers, boolean includeUnfinished) {
    return sweep(journalDir, id -> Optional.of(providers.get(id)), includeUnfinished);
  }

  /**
   * {@link #sweep(Path, Providers, boolean)} over these provider instances only: the providers the
   * journal used that are not among them are not swept (a caller that cannot configure one of them
   * still sweeps the others; the journal's providers are those of its runs' ledgers, {@link #runs}).
   */
  public static List<SweepReport> sweep(Path journalDir, List<? extends Provider> providers, boolean includeUnfinished) {
    Map<String, Provider> byId = new java.util.LinkedHashMap<>();
    providers.forEach(p -> byId.put(p.id(), p));
    return sweep(journalDir, id -> Optional.ofNullable(byId.get(id)), includeUnfinished);
  }

  private static List<SweepReport> sweep(Path journalDir, Function<String, Optional<Provider>> providers,
      boolean includeUnfinished) {
    JournalState state = SupervisorEngine.readState(journalDir);
    Set<String> active = new HashSet<>();
    if (!includeUnfinished) {
      for (JournalState.RunRecord r : state.runs().values()) {
        if (!r.ended()) {
          r.openAttempts().forEach(a -> active.add(a.name()));
        }
      }
    }
    SweepScope scope = new SweepScope(state.runs().keySet(), active);
    List<SweepReport> reports = new ArrayList<>();
    for (String id : state.providersUsed()) {
      providers.apply(id).ifPresent(p -> reports.add(p.sweep(scope)));
    }
    return reports;
  }

  @Override
  public void close() {
    engine.close();
    if (ownedScheduler != null) {
      ownedScheduler.shutdownNow();
    }
  }

  /** Defaults: poll every 5 s, stall after 30 min without progress, 3 retries, 60 s cancel grace. */
  public static final class Builder {
    private final Function<String, Provider> providers;
    private final List<String> providerIds;
    private Path journalDir;
    private RunArtifacts artifacts;
    private Clock clock = Clock.systemUTC();
    private ScheduledExecutorService scheduler;
    private Allocator allocator = Allocator.planner();
    private Duration pollInterval = Duration.ofSeconds(5);
    private Duration stallTimeout = Duration.ofMinutes(30);
    private Duration cancelGrace = Duration.ofSeconds(60);
    private int maxRetries = 3;
    private int maxAttempts = 100;
    private int maxPollErrors = 5;
    private Duration teardownCheck = Duration.ofSeconds(2);
    private int teardownChecks = 10;
    private Function<String, Optional<String>> env = name -> Optional.ofNullable(System.getenv(name));
    private Optional<Duration> defaultMtbf = Optional.empty();

    private Builder(Function<String, Provider> providers, List<String> providerIds) {
      this.providers = providers;
      this.providerIds = providerIds;
    }

    /** Where the intent journal lives (required). Restart a supervisor on the same directory to recover. */
    public Builder journal(Path dir) {
      this.journalDir = Objects.requireNonNull(dir);
      return this;
    }

    /** Where workers report; default a directory {@code artifacts/} beside the journal. */
    public Builder artifacts(RunArtifacts artifacts) {
      this.artifacts = Objects.requireNonNull(artifacts);
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** The scheduler that advances every run; default a pool of 2 daemon threads owned by the supervisor. */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler);
      return this;
    }

    /** How offers are chosen; default {@link Allocator#planner()}. */
    public Builder allocator(Allocator allocator) {
      this.allocator = Objects.requireNonNull(allocator);
      return this;
    }

    public Builder pollInterval(Duration d) {
      this.pollInterval = positive(d, "poll interval");
      return this;
    }

    /** An attempt whose heartbeat does not advance for this long is STALLED (torn down, retried). */
    public Builder stallTimeout(Duration d) {
      this.stallTimeout = positive(d, "stall timeout");
      return this;
    }

    /** How long a cancelled or budget-stopped attempt gets to stop by itself before it is destroyed. */
    public Builder cancelGrace(Duration d) {
      this.cancelGrace = Objects.requireNonNull(d);
      return this;
    }

    /** Retries after failures that consume the error budget (all but preemptions). */
    public Builder maxRetries(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("max retries must not be negative, got " + n);
      }
      this.maxRetries = n;
      return this;
    }

    /** Hard cap on attempts per seed, preemptions included. */
    public Builder maxAttempts(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("max attempts must be at least 1, got " + n);
      }
      this.maxAttempts = n;
      return this;
    }

    /** Consecutive failed polls after which the attempt counts as POLL_ERROR. */
    public Builder maxPollErrors(int n) {
      this.maxPollErrors = Math.max(1, n);
      return this;
    }

    /** First wait between teardown checks (doubling) and how many checks before giving up to the sweep. */
    public Builder teardownChecks(Duration first, int checks) {
      this.teardownCheck = positive(first, "teardown check interval");
      this.teardownChecks = Math.max(1, checks);
      return this;
    }

    /** Where {@code env:NAME} secret references are looked up; default the process environment. */
    public Builder secretEnvironment(Function<String, Optional<String>> env) {
      this.env = Objects.requireNonNull(env);
      return this;
    }

    /** MTBF told to workers (for the checkpoint cadence) when the spec gives none. */
    public Builder defaultMtbf(Duration mtbf) {
      this.defaultMtbf = Optional.of(positive(mtbf, "MTBF"));
      return this;
    }

    public RunSupervisor build() {
      if (journalDir == null) {
        throw new IllegalStateException("a supervisor needs a journal directory: call journal(Path) (the intent "
            + "journal is what lets a restarted supervisor re-attach and reap)");
      }
      ScheduledExecutorService owned = null;
      ScheduledExecutorService sched = scheduler;
      if (sched == null) {
        AtomicInteger n = new AtomicInteger();
        owned = Executors.newScheduledThreadPool(2, r -> {
          Thread t = new Thread(r, "flash-supervisor-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
        sched = owned;
      }
      RunArtifacts art = artifacts != null ? artifacts : RunArtifacts.directory(journalDir.resolve("artifacts"));
      SupervisorEngine engine = new SupervisorEngine(new SupervisorEngine.Settings(providers, providerIds, journalDir,
          art, clock, sched, allocator, pollInterval, stallTimeout, cancelGrace, maxRetries, maxAttempts, maxPollErrors,
          teardownCheck, teardownChecks, env, defaultMtbf));
      return new RunSupervisor(engine, owned);
    }

    private static Duration positive(Duration d, String what) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }
  }
}
