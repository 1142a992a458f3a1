package dev.flash.providers.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flash.core.FailureClass;
import dev.flash.core.FlashException;
import dev.flash.core.GpuOffer;
import dev.flash.core.JobHandle;
import dev.flash.core.Money;
import dev.flash.core.ProviderException;
import dev.flash.core.RunSpec;
import dev.flash.core.RunState;
import dev.flash.core.Secret;
import dev.flash.core.spi.JobStatus;
import dev.flash.core.spi.LaunchRejectedException;
import dev.flash.core.spi.LaunchRequest;
import dev.flash.core.spi.OfferQuery;
import dev.flash.core.spi.Progress;
import dev.flash.core.spi.Provider;
import dev.flash.core.spi.SweepReport;
import dev.flash.core.spi.SweepScope;
import dev.flash.providers.Allocator;
import dev.flash.providers.Allocator.Allocation;
import dev.flash.providers.AttemptMarker;
import dev.flash.providers.AttemptRef;
import dev.flash.providers.AttemptResult;
import dev.flash.providers.FlashWorker;
import dev.flash.providers.RunArtifacts;
import dev.flash.providers.RunHandle;
import dev.flash.providers.RunListener;
import dev.flash.providers.RunOptions;
import dev.flash.providers.RunOutcome;
import dev.flash.providers.RunResult;
import dev.flash.providers.WorkerDone;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run supervisor's machinery: one state machine per seed ("lane"), advanced by tasks on a shared
 * scheduler (no thread per run). A lane's steps never overlap: each runs under the lane's lock and a
 * step scheduled before a newer one is ignored.
 */
public final class SupervisorEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SupervisorEngine.class);

  /** Settings the public builder collects. */
  public record Settings(Function<String, Provider> providers, List<String> providerIds, Path journalDir,
      RunArtifacts artifacts, Clock clock, ScheduledExecutorService scheduler, Allocator allocator,
      Duration pollInterval, Duration stallTimeout, Duration cancelGrace, int maxRetries, int maxAttempts,
      int maxPollErrors, Duration teardownCheck, int teardownChecks, Function<String, Optional<String>> env,
      Optional<Duration> defaultMtbf) {}

  private final Settings s;
  private final Journal journal;
  private final Map<String, Run> runs = new ConcurrentHashMap<>();
  private volatile boolean closed;
  private final Set<String> journalRuns = ConcurrentHashMap.newKeySet();

  public SupervisorEngine(Settings settings) {
    this.s = settings;
    this.journal = Journal.open(settings.journalDir());
    this.journalRuns.addAll(readState(settings.journalDir()).runs().keySet());
  }

  public RunHandle submit(RunSpec spec, RunOptions options) {
    Run run = new Run(spec, options, s.clock().instant());
    if (runs.putIfAbsent(spec.runId(), run) != null) {
      throw new FlashException("run " + spec.runId() + " is already being supervised; give the new run another run_id");
    }
    if (!journalRuns.add(spec.runId())) {
      runs.remove(spec.runId());
      throw new FlashException("run " + spec.runId() + " is already in the journal " + journal.file()
          + "; give the new run another run_id (resource names must be unique per run)");
    }
    ObjectNode rec = record("run", spec.runId());
    rec.put("started_at", run.startedAt.toString());
    spec.budget().ifPresent(b -> rec.put("budget_micros", b.micros()));
    options.wallBudget().ifPresent(w -> rec.put("wall_budget_ms", w.toMillis()));
    rec.set("spec", JournalCodec.spec(spec));
    journal.append(rec);
    for (Lane lane : run.lanes) {
      lane.schedule(Duration.ZERO);
    }
    return run;
  }

  public Optional<RunHandle> find(String runId) {
    return Optional.ofNullable(runs.get(runId));
  }

  public List<RunHandle> active() {
    return List.copyOf(runs.values());
  }

  public Path journalFile() {
    return journal.file();
  }

  @Override
  public void close() {
    closed = true;
    journal.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Recovery

  /**
   * Re-attaches to what a previous supervisor on this journal left running, reaps what cannot be
   * supervised any more, then sweeps every provider the journal used for resources of its runs that
   * no live attempt owns.
   */
  public List<RunHandle> recover(Function<String, Optional<RunSpec>> specs, Function<String, RunOptions> options) {
    List<JsonNode> records = Journal.read(s.journalDir());
    JournalState state = JournalState.of(records);
    Decisions decided = Decisions.of(records);
    List<RunHandle> reattached = new ArrayList<>();
    Set<String> activeNames = new HashSet<>();
    for (JournalState.RunRecord r : state.runs().values()) {
      if (r.ended() || runs.containsKey(r.runId())) {
        continue;
      }
      Optional<RunSpec> spec = specs.apply(r.runId()).or(() -> JournalCodec.spec(r.spec()));
      Map<Long, JournalState.AttemptRecord> live = new LinkedHashMap<>();
      for (JournalState.AttemptRecord a : decided.unfinishedAttempts(r)) {
        Provider p = s.providers().apply(a.offer().provider());
        Optional<JobHandle> h = a.handle().or(() -> reconcile(p, a.name()));
        if (h.isEmpty()) {
          ObjectNode rec = attemptRecord("launch_failed", r.runId(), a.seed(), a.attempt(), a.name());
          rec.put("reason", "nothing was created (checked by name after a restart)");
          journal.append(rec);
          continue;
        }
        if (a.handle().isEmpty()) {
          ObjectNode rec = attemptRecord("launched", r.runId(), a.seed(), a.attempt(), a.name());
          rec.set("handle", JournalCodec.handle(h.get()));
          rec.put("adopted", true);
          journal.append(rec);
        }
        if (spec.isPresent() && a.endState().isEmpty() && decided.seedEnded(r.runId(), a.seed()).isEmpty()) {
          live.put(a.seed(), a.withHandle(h.get()));
          activeNames.add(a.name());
        } else {
          LOG.warn("run {}: attempt {} {} after a restart; tearing it down", r.runId(), a.name(),
              a.endState().isPresent() ? "had ended but was not verified gone" : "cannot be supervised without the run's spec");
          destroyQuietly(p, h.get());
          ObjectNode rec = attemptRecord("torn_down", r.runId(), a.seed(), a.attempt(), a.name());
          rec.put("verified", verifiedGone(p, a.name()));
          journal.append(rec);
        }
      }
      if (spec.isEmpty()) {
        ObjectNode rec = record("run_ended", r.runId());
        rec.put("outcome", RunOutcome.FAILED.name()).put("cost_micros", r.costMicros())
            .put("detail", "the supervisor restarted without this run's spec; its attempts were torn down");
        journal.append(rec);
        continue;
      }
      Run run = new Run(spec.get(), decided.options(r.runId(), options.apply(r.runId())),
          r.startedAt().orElse(s.clock().instant()));
      run.finishedCostMicros = r.costMicros();
      runs.put(r.runId(), run);
      for (Lane lane : run.lanes) {
        lane.attempt = r.lastAttempt(lane.seed);
        JournalState.AttemptRecord a = live.get(lane.seed);
        if (a != null) {
          lane.adopt(a, decided.ending(a.name()));
        } else if (decided.seedEnded(r.runId(), lane.seed).isPresent()) {
          JsonNode end = decided.seedEnded(r.runId(), lane.seed).get();
          lane.outcome = RunOutcome.valueOf(end.path("outcome").asText());
          lane.detail = end.path("detail").asText("");
          lane.phase = Phase.DONE;
        } else if (r.succeededSeeds().contains(lane.seed)) {
          lane.outcome = RunOutcome.SUCCEEDED;
          lane.detail = "succeeded before the restart";
          lane.phase = Phase.DONE;
        } else {
          lane.schedule(Duration.ZERO);
        }
      }
      run.checkAllDone();
      reattached.add(run);
    }
    SweepScope scope = new SweepScope(state.runs().keySet(), activeNames);
    for (String providerId : state.providersUsed()) {
      sweep(s.providers().apply(providerId), scope, "after restart");
    }
    return reattached;
  }

  // ---------------------------------------------------------------------------------------------
  // A run and its lanes

  private enum Phase { ALLOCATE, POLL, TEARDOWN, DONE }

  private enum Stop { CANCEL, BUDGET, WALL_CAP }

  private final class Run implements RunHandle {
    final RunSpec spec;
    final RunOptions options;
    final Instant startedAt;
    final Optional<Instant> deadline;
    final List<Lane> lanes = new ArrayList<>();
    final CompletableFuture<RunResult> future = new CompletableFuture<>();
    final List<AttemptResult> attempts = new ArrayList<>();
    final Set<String> suspectProviders = ConcurrentHashMap.newKeySet();
    volatile boolean cancelRequested;
    volatile long finishedCostMicros;

    Run(RunSpec spec, RunOptions options, Instant startedAt) {
      this.spec = spec;
      this.options = options;
      this.startedAt = startedAt;
      this.deadline = options.wallBudget().map(startedAt::plus);
      for (long seed : spec.seeds()) {
        lanes.add(new Lane(this, seed));
      }
    }

    @Override
    public String runId() {
      return spec.runId();
    }

    @Override
    public CompletableFuture<RunResult> result() {
      return future;
    }

    @Override
    public void cancel() {
      if (cancelRequested || future.isDone()) {
        return;
      }
      cancelRequested = true;
      journal.append(record("cancel_requested", runId()));
      lanes.forEach(l -> l.schedule(Duration.ZERO));
    }

    @Override
    public Optional<Progress> progress() {
      return lanes.stream().map(l -> l.lastProgress).flatMap(Optional::stream)
          .max(Comparator.comparing(Progress::at));
    }

    @Override
    public Money spent() {
      long micros = finishedCostMicros;
      for (Lane l : lanes) {
        micros += l.accruedMicros();
      }
      return Money.ofMicros(micros);
    }

    synchronized void addAttempt(AttemptResult a) {
      attempts.add(a);
      finishedCostMicros += a.cost().micros();
    }

    void listen(java.util.function.Consumer<RunListener> event) {
      try {
        event.accept(options.listener());
      } catch (RuntimeException e) {
        LOG.warn("run {}: listener failed: {}", runId(), e.toString());
      }
    }

    synchronized void checkAllDone() {
      if (future.isDone() || lanes.stream().anyMatch(l -> l.phase != Phase.DONE)) {
        return;
      }
      RunOutcome outcome = RunOutcome.SUCCEEDED;
      String detail = "all seeds succeeded";
      for (RunOutcome worst : List.of(RunOutcome.FAILED, RunOutcome.BUDGET_EXCEEDED, RunOutcome.CANCELLED)) {
        Optional<Lane> l = lanes.stream().filter(x -> x.outcome == worst).findFirst();
        if (l.isPresent()) {
          outcome = worst;
          detail = (lanes.size() > 1 ? "seed " + l.get().seed + ": " : "") + l.get().detail;
          break;
        }
      }
      if (outcome == RunOutcome.SUCCEEDED && lanes.size() == 1) {
        detail = lanes.get(0).detail;
      }
      for (String providerId : suspectProviders) {
        // Ambiguous launches that found nothing, or teardowns not verified: reap anything of this run.
        Provider p = s.providers().apply(providerId);
        SweepScope scope = new SweepScope(Set.of(runId()), Set.of());
        if (!sweep(p, scope, "after run " + runId())) {
          sweepLater(p, scope, "after run " + runId(), 1);
        }
      }
      Instant end = s.clock().instant();
      Map<String, Double> metrics = new LinkedHashMap<>();
      lanes.forEach(l -> metrics.putAll(l.metrics));
      RunResult result = new RunResult(runId(), outcome, detail, attempts, Money.ofMicros(finishedCostMicros),
          Duration.between(startedAt, end), progress(), metrics);
      ObjectNode rec = record("run_ended", runId());
      rec.put("outcome", outcome.name()).put("detail", detail).put("cost_micros", finishedCostMicros);
      journal.append(rec);
      runs.remove(runId(), this);
      listen(l -> l.onFinished(result));
      future.complete(result);
    }
  }

  /** The attempt a lane is running now. */
  private static final class Current {
    final AttemptRef ref;
    final GpuOffer offer;
    final Provider provider;
    final JobHandle handle;
    final Instant launchedAt;
    /** Ranks of the gang (resources.node_count); 1 for a single node. */
    final int ranks;
    List<JobStatus> lastRanks = List.of();
    Instant lastProgressAt;
    int pollErrors;
    Stop stop;
    Instant stopSentAt;
    JobStatus endStatus;
    Instant endedAt;
    int teardownChecks;
    boolean endingJournaled;

    Current(AttemptRef ref, GpuOffer offer, Provider provider, JobHandle handle, Instant launchedAt, int ranks) {
      this.ranks = ranks;
      this.ref = ref;
      this.offer = offer;
      this.provider = provider;
      this.handle = handle;
      this.launchedAt = launchedAt;
      this.lastProgressAt = launchedAt;
    }
  }

  private final class Lane {
    final Run run;
    final long seed;
    Phase phase = Phase.ALLOCATE;
    int attempt;
    int errorsUsed;
    final Set<String> excludedOffers = new HashSet<>();
    final Set<String> capacityFailed = new LinkedHashSet<>();
    final List<String> offerErrors = new ArrayList<>();
    volatile Current cur;
    volatile Optional<Progress> lastProgress = Optional.empty();
    Map<String, Double> metrics = Map.of();
    RunOutcome outcome;
    String detail = "";
    private long ticket;
    private ScheduledFuture<?> next;

    Lane(Run run, long seed) {
      this.run = run;
      this.seed = seed;
    }

    synchronized void schedule(Duration delay) {
      if (phase == Phase.DONE) {
        return;
      }
      long mine = ++ticket;
      if (next != null) {
        next.cancel(false);
      }
      next = s.scheduler().schedule(() -> step(mine), Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    }

    long accruedMicros() {
      Current c = cur;
      if (c == null) {
        return 0;
      }
      Instant end = c.endedAt != null ? c.endedAt : s.clock().instant();
      return c.offer.pricePerHour().forSeconds(c.ranks * Math.max(0, Duration.between(c.launchedAt, end).toMillis() / 1000.0))
          .micros();
    }

    void step(long mine) {
      synchronized (this) {
        if (mine != ticket || phase == Phase.DONE || closed) {
          return;
        }
        try {
          switch (phase) {
            case ALLOCATE -> allocateAndLaunch();
            case POLL -> poll();
            case TEARDOWN -> teardown();
            default -> { }
          }
        } catch (RuntimeException e) {
          LOG.warn("run {} seed {}: supervisor step failed; stopping the run", run.runId(), seed, e);
          if (cur != null && phase != Phase.TEARDOWN) {
            cur.endStatus = JobStatus.failed(FailureClass.POLL_ERROR, "supervisor error: " + e);
            cur.endedAt = s.clock().instant();
            cur.stop = Stop.CANCEL;
            detail = "supervisor error: " + e;
            phase = Phase.TEARDOWN;
            schedule(Duration.ZERO);
          } else {
            finish(RunOutcome.FAILED, "supervisor error: " + e);
          }
        }
      }
    }

    // ---- allocate and launch

    void allocateAndLaunch() {
      if (run.cancelRequested) {
        finish(RunOutcome.CANCELLED, "cancelled before launch");
        return;
      }
      Instant now = s.clock().instant();
      if (run.deadline.isPresent() && !now.isBefore(run.deadline.get())) {
        finish(RunOutcome.BUDGET_EXCEEDED, "wall-clock budget of " + run.options.wallBudget().get() + " reached");
        return;
      }
      Optional<Money> remaining = run.spec.budget().map(b -> b.minus(run.spent()));
      if (remaining.isPresent() && remaining.get().micros() <= 0) {
        finish(RunOutcome.BUDGET_EXCEEDED, "budget of " + run.spec.budget().get() + " spent");
        return;
      }
      Allocator.Ranking ranking;
      try {
        ranking = candidates();
      } catch (FlashException e) {
        finish(RunOutcome.FAILED, "cannot plan the run: " + e.getMessage());
        return;
      }
      List<Allocation> candidates = ranking.ranked();
      if (candidates.isEmpty()) {
        if (ranking.overBudget().isPresent()) {
          finish(RunOutcome.BUDGET_EXCEEDED, "refused before launch: " + ranking.overBudget().get());
          return;
        }
        if (!offerErrors.isEmpty()) {
          // A provider could not list its offers (an outage, a 5xx after the client's retries): try again later.
          if (++errorsUsed > s.maxRetries()) {
            finish(RunOutcome.FAILED, "retry budget (" + s.maxRetries() + ") used up; offers unavailable: "
                + String.join("; ", offerErrors));
          } else {
            run.listen(l -> l.onRetry(run.runId(), seed, attempt + 1, FailureClass.POLL_ERROR));
            schedule(s.pollInterval());
          }
          return;
        }
        List<String> why = new ArrayList<>(excludedOffers);
        ranking.rejections().stream().limit(5).forEach(why::add);
        finish(RunOutcome.FAILED, "no offer left to try" + (why.isEmpty() ? "" : ": " + String.join("; ", why)));
        return;
      }
      Allocation a = candidates.get(0);
      if (attempt == 0) {
        Optional<String> refusal = refuseBeforeLaunch(a, remaining, now);
        if (refusal.isPresent()) {
          finish(RunOutcome.BUDGET_EXCEEDED, refusal.get());
          return;
        }
      }
      if (attempt >= s.maxAttempts()) {
        finish(RunOutcome.FAILED, "gave up after " + attempt + " attempts");
        return;
      }
      attempt++;
      GpuOffer offer = a.offer();
      Provider provider = s.providers().apply(offer.provider());
      AttemptRef ref = new AttemptRef(run.runId(), seed, attempt);
      LaunchRequest request;
      try {
        request = request(ref, offer, a.mtbf());
      } catch (FlashException e) {
        finish(RunOutcome.FAILED, e.getMessage());
        return;
      }
      ObjectNode intent = attemptRecord("intent", run.runId(), seed, attempt, ref.name());
      intent.set("offer", JournalCodec.offer(offer));
      journal.append(intent); // durable before anything billed exists
      run.listen(l -> l.onAllocated(run.runId(), seed, ref.attempt(), offer));
      JobHandle handle;
      boolean adopted = false;
      try {
        handle = provider.launch(request);
      } catch (LaunchRejectedException e) {
        ObjectNode rec = attemptRecord("launch_failed", run.runId(), seed, attempt, ref.name());
        rec.put("reason", e.getMessage()).put("rejected", true).put("no_capacity", e.noCapacity());
        journal.append(rec);
        excludedOffers.add(offer.describe());
        if (e.noCapacity()) {
          capacityFailed.add(placeOf(offer));
        }
        run.listen(l -> l.onLaunchRejected(run.runId(), seed, ref.attempt(), offer, e.getMessage()));
        schedule(Duration.ZERO);
        return;
      } catch (RuntimeException ambiguous) {
        LOG.warn("run {}: launch of {} has an unknown outcome ({}); reconciling by name", run.runId(), ref.name(),
            ambiguous.getMessage());
        Optional<JobHandle> found = reconcile(provider, ref.name());
        if (found.isEmpty()) {
          ObjectNode rec = attemptRecord("launch_failed", run.runId(), seed, attempt, ref.name());
          rec.put("reason", "unknown outcome, nothing found by name: " + ambiguous.getMessage()).put("rejected", false);
          journal.append(rec);
          run.suspectProviders.add(provider.id());
          errorsUsed++;
          if (errorsUsed > s.maxRetries()) {
            finish(RunOutcome.FAILED, "retry budget (" + s.maxRetries() + ") used up; last launch failed: "
                + ambiguous.getMessage());
          } else {
            run.listen(l -> l.onRetry(run.runId(), seed, attempt + 1, FailureClass.POLL_ERROR));
            schedule(s.pollInterval());
          }
          return;
        }
        handle = found.get();
        adopted = true;
      }
      Instant launchedAt = s.clock().instant();
      ObjectNode rec = attemptRecord("launched", run.runId(), seed, attempt, ref.name());
      rec.put("at", launchedAt.toString()); // the journal's launch time is the one billing is computed from
      rec.set("handle", JournalCodec.handle(handle));
      rec.put("adopted", adopted);
      journal.append(rec);
      cur = new Current(ref, offer, provider, handle, launchedAt, run.spec.resources().nodeCount());
      JobHandle h = handle;
      run.listen(l -> l.onLaunched(run.runId(), seed, ref.attempt(), h));
      phase = Phase.POLL;
      schedule(s.pollInterval());
    }

    /**
     * Takes over an attempt a previous supervisor ran. One whose end it had already journaled (it died
     * tearing the attempt down) is torn down and decided on with that end, never polled again: its
     * resource may be gone already, which must not read as a preemption.
     */
    void adopt(JournalState.AttemptRecord a, Optional<JsonNode> ending) {
      cur = new Current(new AttemptRef(run.runId(), seed, a.attempt()), a.offer(),
          s.providers().apply(a.offer().provider()), a.handle().orElseThrow(), a.launchedAt().orElse(s.clock().instant()),
          run.spec.resources().nodeCount());
      cur.lastProgressAt = s.clock().instant();
      phase = Phase.POLL;
      ending.ifPresent(e -> {
        cur.endStatus = new JobStatus(RunState.valueOf(e.path("state").asText()),
            e.hasNonNull("failure") ? Optional.of(FailureClass.valueOf(e.path("failure").asText())) : Optional.empty(),
            Optional.empty(), e.path("detail").asText(""), java.util.OptionalInt.empty());
        cur.endedAt = Instant.parse(e.path("ended_at").asText());
        cur.stop = e.hasNonNull("stop") ? Stop.valueOf(e.path("stop").asText()) : null;
        cur.endingJournaled = true;
        detail = e.path("stop_detail").asText(detail);
        phase = Phase.TEARDOWN;
      });
      schedule(Duration.ZERO);
    }

    Optional<String> refuseBeforeLaunch(Allocation a, Optional<Money> remaining, Instant now) {
      if (remaining.isPresent() && a.expectedCost().isPresent() && a.expectedCost().get().greaterThan(remaining.get())) {
        return Optional.of("refused before launch: the best offer (" + a.offer().describe() + ") is expected to cost "
            + a.expectedCost().get() + ", over the budget of " + run.spec.budget().get());
      }
      if (run.deadline.isPresent() && a.expectedWall().isPresent()
          && now.plus(a.expectedWall().get()).isAfter(run.deadline.get())) {
        return Optional.of("refused before launch: the run is expected to take " + a.expectedWall().get()
            + ", over the wall-clock budget of " + run.options.wallBudget().get());
      }
      return Optional.empty();
    }

    Allocator.Ranking candidates() {
      Set<String> allowed = new LinkedHashSet<>(run.spec.resources().providers());
      List<GpuOffer> offers = new ArrayList<>();
      offerErrors.clear();
      OfferQuery query = OfferQuery.forRun(run.spec);
      for (String id : s.providerIds()) {
        if (!allowed.isEmpty() && !allowed.contains(id)) {
          continue;
        }
        try {
          offers.addAll(s.providers().apply(id).offers(query));
        } catch (RuntimeException e) {
          LOG.warn("run {}: offers of {} unavailable: {}", run.runId(), id, e.getMessage());
          if (e instanceof FlashException f && f.retryable()) {
            offerErrors.add(id + ": " + e.getMessage());
          }
        }
      }
      Allocator.Ranking ranking = s.allocator().rank(run.spec, offers);
      // After a capacity failure prefer another provider or region: stable, so the ranking holds within each group.
      List<Allocation> preferred = new ArrayList<>();
      List<Allocation> later = new ArrayList<>();
      for (Allocation x : ranking.ranked()) {
        if (!excludedOffers.contains(x.offer().describe())) {
          (capacityFailed.contains(placeOf(x.offer())) ? later : preferred).add(x);
        }
      }
      preferred.addAll(later);
      return new Allocator.Ranking(preferred, ranking.rejections(), ranking.overBudget());
    }

    LaunchRequest request(AttemptRef ref, GpuOffer offer, Optional<Duration> offerMtbf) {
      Map<String, Secret> secrets = new LinkedHashMap<>();
      run.spec.workload().secrets().forEach((name, reference) -> secrets.put(name, resolveSecret(name, reference)));
      Map<String, String> env = new LinkedHashMap<>();
      env.put(FlashWorker.RUN_ID, ref.runId());
      env.put(FlashWorker.SEED, Long.toString(ref.seed()));
      env.put(FlashWorker.ATTEMPT, Integer.toString(ref.attempt()));
      env.put(FlashWorker.ATTEMPT_DIR, s.artifacts().attemptLocation(ref));
      env.put(FlashWorker.CHECKPOINT_DIR, s.artifacts().checkpointLocation(ref.runId(), ref.seed()));
      run.spec.checkpoint().mtbf().or(() -> offerMtbf).or(s::defaultMtbf)
          .ifPresent(m -> env.put(FlashWorker.MTBF_SECONDS, Double.toString(m.toMillis() / 1000.0)));
      run.spec.training().totalSteps().ifPresent(t -> env.put(FlashWorker.TOTAL_STEPS, Long.toString(t)));
      LaunchRequest.Builder b = LaunchRequest.builder().runId(ref.runId()).seed(ref.seed()).attempt(ref.attempt())
          .offer(offer).nodes(run.spec.resources().nodeCount()).workload(run.spec.workload()).putAllEnv(env)
          .putAllSecrets(secrets).artifactLocation(s.artifacts().attemptLocation(ref)).putAllLabels(run.spec.labels());
      run.spec.resources().wallClockCap().ifPresent(b::wallClockCap);
      return b.build();
    }

    Secret resolveSecret(String name, String reference) {
      Optional<String> value;
      if (reference.startsWith("env:")) {
        value = s.env().apply(reference.substring(4));
      } else {
        Path file = Path.of(reference.substring(5));
        try {
          value = Optional.of(Files.readString(file).strip());
        } catch (java.io.IOException e) {
          value = Optional.empty();
        }
      }
      return value.filter(v -> !v.isBlank()).map(Secret::of).orElseThrow(() -> new FlashException(
          "secret " + name + " (" + reference + ") of run " + run.runId() + " is not set in the control process; "
              + "set it there before launching (the value never goes into the spec)"));
    }

    // ---- poll

    void poll() {
      Current c = cur;
      Instant now = s.clock().instant();
      if (c.stop == null) {
        if (run.cancelRequested) {
          requestStop(Stop.CANCEL, "cancelled");
        } else if (run.deadline.isPresent() && !now.isBefore(run.deadline.get())) {
          requestStop(Stop.BUDGET, "wall-clock budget of " + run.options.wallBudget().get() + " reached");
        } else if (run.spec.budget().isPresent() && !run.spent().minus(run.spec.budget().get()).isNegative()
            && c.offer.pricePerHour().micros() > 0) {
          requestStop(Stop.BUDGET, "budget of " + run.spec.budget().get() + " reached (spent " + run.spent() + ")");
        } else if (run.spec.resources().wallClockCap().filter(cap -> !now.isBefore(c.launchedAt.plus(cap))).isPresent()) {
          // The provider should have stopped it; a second line of defence for providers that cannot.
          requestStop(Stop.WALL_CAP, "attempt reached its wall-clock cap of " + run.spec.resources().wallClockCap().get());
        }
      }
      JobStatus status;
      try {
        if (c.ranks > 1) {
          List<JobStatus> ranks = c.provider.pollRanks(c.handle);
          status = GangView.whole(ranks);
          reportRanks(c, ranks);
        } else {
          status = c.provider.poll(c.handle);
        }
        c.pollErrors = 0;
      } catch (ProviderException e) {
        if (e.hasStatus(404)) {
          status = JobStatus.failed(FailureClass.PREEMPTED, "the resource disappeared: " + e.getMessage());
        } else if (++c.pollErrors >= s.maxPollErrors()) {
          status = JobStatus.failed(FailureClass.POLL_ERROR, c.pollErrors + " polls in a row failed: " + e.getMessage());
        } else {
          LOG.debug("run {}: poll of {} failed ({}), will retry", run.runId(), c.ref.name(), e.getMessage());
          schedule(s.pollInterval());
          return;
        }
      }
      Optional<Progress> p = status.progress().or(() -> s.artifacts().heartbeat(c.ref));
      if (p.isPresent() && !p.equals(lastProgress)) {
        boolean advanced = lastProgress.map(old -> old.step() != p.get().step() || !old.stage().equals(p.get().stage()))
            .orElse(true);
        lastProgress = p;
        if (advanced) {
          c.lastProgressAt = now;
          run.listen(l -> l.onProgress(run.runId(), seed, c.ref.attempt(), p.get()));
        }
      }
      if (!status.isTerminal()) {
        if (c.stop == null && Duration.between(c.lastProgressAt, now).compareTo(s.stallTimeout()) > 0) {
          status = JobStatus.failed(FailureClass.STALLED, "no progress for " + s.stallTimeout());
        } else if (c.stop != null && Duration.between(c.stopSentAt, now).compareTo(s.cancelGrace()) >= 0) {
          status = new JobStatus(RunState.CANCELLED, Optional.empty(), Optional.empty(), detail,
              java.util.OptionalInt.empty());
        } else {
          schedule(s.pollInterval());
          return;
        }
      }
      c.endStatus = status;
      c.endedAt = now;
      phase = Phase.TEARDOWN;
      teardown();
    }

    /** Tells the listener about each rank whose state or progress changed since the last poll. */
    void reportRanks(Current c, List<JobStatus> ranks) {
      for (int r = 0; r < ranks.size(); r++) {
        JobStatus now = ranks.get(r);
        JobStatus before = r < c.lastRanks.size() ? c.lastRanks.get(r) : null;
        boolean changed = before == null || before.state() != now.state()
            || !before.progress().map(p -> p.step() + "/" + p.stage()).equals(now.progress().map(p -> p.step() + "/" + p.stage()));
        if (changed) {
          int rank = r;
          run.listen(l -> l.onRankStatus(run.runId(), seed, c.ref.attempt(), rank, now));
        }
      }
      c.lastRanks = List.copyOf(ranks);
    }

    void requestStop(Stop why, String reason) {
      cur.stop = why;
      cur.stopSentAt = s.clock().instant();
      detail = reason;
      try {
        cur.provider.cancel(cur.handle);
      } catch (RuntimeException e) {
        LOG.warn("run {}: cancel of {} failed ({}); it will be destroyed", run.runId(), cur.ref.name(), e.getMessage());
      }
    }

    // ---- teardown, always, then decide

    void teardown() {
      Current c = cur;
      if (!c.endingJournaled) {
        // Before anything is destroyed: a supervisor restarted mid-teardown must end the attempt the same way.
        ObjectNode rec = attemptRecord("attempt_ending", run.runId(), seed, c.ref.attempt(), c.ref.name());
        rec.put("state", c.endStatus.state().name()).put("detail", c.endStatus.detail())
            .put("ended_at", c.endedAt.toString());
        c.endStatus.failure().ifPresent(f -> rec.put("failure", f.name()));
        if (c.stop != null) {
          rec.put("stop", c.stop.name()).put("stop_detail", detail);
        }
        journal.append(rec);
        c.endingJournaled = true;
      }
      boolean gone = false;
      try {
        c.provider.destroy(c.handle);
        gone = c.provider.find(c.ref.name()).isEmpty();
      } catch (RuntimeException e) {
        LOG.warn("run {}: teardown of {} failed: {}", run.runId(), c.ref.name(), e.getMessage());
      }
      if (!gone && ++c.teardownChecks < s.teardownChecks()) {
        long factor = 1L << Math.min(5, c.teardownChecks - 1);
        schedule(s.teardownCheck().multipliedBy(factor));
        return;
      }
      ObjectNode rec = attemptRecord("torn_down", run.runId(), seed, c.ref.attempt(), c.ref.name());
      rec.put("verified", gone);
      journal.append(rec);
      if (!gone) {
        LOG.warn("run {}: {} still exists after {} teardown checks; the run's final sweep will try again",
            run.runId(), c.ref.name(), c.teardownChecks);
        run.suspectProviders.add(c.provider.id());
      }
      attemptEnded(c);
    }

    void attemptEnded(Current c) {
      JobStatus st = c.endStatus;
      Money cost;
      try {
        cost = c.provider.realizedCost(c.handle).orElse(null);
      } catch (RuntimeException e) {
        cost = null;
      }
      if (cost == null) {
        cost = c.offer.pricePerHour().forSeconds(c.ranks * Math.max(0, Duration.between(c.launchedAt, c.endedAt).toMillis() / 1000.0));
      }
      Optional<FailureClass> failure = st.failure().or(() -> st.state() == RunState.FAILED
          ? Optional.of(FailureClass.JOB_FAILED) : Optional.empty());
      String why = st.detail();
      if (failure.equals(Optional.of(FailureClass.JOB_FAILED))) {
        Optional<AttemptMarker> marker = s.artifacts().marker(c.ref);
        if (marker.isPresent() && !marker.get().ok() && marker.get().retriable()) {
          failure = Optional.of(FailureClass.STALLED);
          why = "worker reported a retriable failure: " + marker.get().error();
        } else if (marker.isPresent() && !marker.get().ok()) {
          why = why + ": " + marker.get().error();
        }
      }
      if (st.state() == RunState.SUCCEEDED) {
        Optional<WorkerDone> done = s.artifacts().done(c.ref);
        metrics = done.map(WorkerDone::metrics).orElse(Map.of());
        // The last heartbeat seen may predate the last steps: the worker's done report is its final word.
        done.filter(d -> lastProgress.map(p -> p.step() < d.steps()).orElse(true)).ifPresent(d -> lastProgress =
            Optional.of(new Progress("done", d.steps(), lastProgress.map(Progress::totalSteps).orElse(d.steps()), d.at())));
      }
      AttemptResult result = new AttemptResult(seed, c.ref.attempt(), c.ref.name(), c.offer, st.state(), failure, why,
          cost, c.launchedAt, c.endedAt);
      ObjectNode rec = attemptRecord("attempt_ended", run.runId(), seed, c.ref.attempt(), c.ref.name());
      rec.put("state", st.state().name()).put("detail", why).put("cost_micros", cost.micros())
          .put("ended_at", c.endedAt.toString());
      failure.ifPresent(f -> rec.put("failure", f.name()));
      journal.append(rec);
      cur = null;
      run.addAttempt(result);
      run.listen(l -> l.onAttemptEnded(run.runId(), result));

      if (c.stop == Stop.CANCEL) {
        finish(RunOutcome.CANCELLED, detail.isEmpty() ? "cancelled" : detail);
      } else if (c.stop == Stop.BUDGET) {
        finish(RunOutcome.BUDGET_EXCEEDED, detail);
      } else if (c.stop == Stop.WALL_CAP) {
        finish(RunOutcome.FAILED, detail);
      } else if (st.state() == RunState.SUCCEEDED) {
        finish(RunOutcome.SUCCEEDED, "succeeded in " + c.ref.attempt() + " attempt" + (c.ref.attempt() == 1 ? "" : "s"));
      } else if (failure.isEmpty() || failure.get() == FailureClass.JOB_FAILED && cancelledElsewhere()) {
        finish(RunOutcome.CANCELLED, "cancelled outside the supervisor" + (why.isEmpty() ? "" : ": " + why));
      } else if (!failure.get().retryable()) {
        finish(RunOutcome.FAILED, "attempt " + c.ref.attempt() + " failed (" + failure.get() + "): " + why);
      } else {
        FailureClass fc = failure.get();
        if (fc.consumesErrorBudget()) {
          errorsUsed++;
        }
        if (errorsUsed > s.maxRetries()) {
          finish(RunOutcome.FAILED, "retry budget (" + s.maxRetries() + ") used up; last attempt " + fc + ": " + why);
          return;
        }
        if (fc == FailureClass.NO_CAPACITY) {
          capacityFailed.add(placeOf(c.offer));
        }
        run.listen(l -> l.onRetry(run.runId(), seed, attempt + 1, fc));
        phase = Phase.ALLOCATE;
        schedule(Duration.ZERO);
      }
    }

    /** A {@code flash cancel} from another process shows as a killed job; the journal tells it apart. */
    boolean cancelledElsewhere() {
      return JournalState.of(Journal.read(s.journalDir())).cancelRequested(run.runId());
    }

    void finish(RunOutcome o, String why) {
      outcome = o;
      detail = why;
      phase = Phase.DONE;
      // A seed's end is durable on its own: a restart before the whole run ends must not relaunch it.
      ObjectNode rec = record("seed_ended", run.runId());
      rec.put("seed", seed).put("outcome", o.name()).put("detail", why);
      journal.append(rec);
      if (next != null) {
        next.cancel(false);
      }
      run.checkAllDone();
    }
  }

  // ---------------------------------------------------------------------------------------------

  private Optional<JobHandle> reconcile(Provider provider, String name) {
    RuntimeException last = null;
    for (int i = 0; i < 3; i++) {
      try {
        return provider.find(name);
      } catch (RuntimeException e) {
        last = e;
      }
    }
    LOG.warn("finding {} on {} failed three times ({}); treating it as not created, a sweep will reap it if it appears",
        name, provider.id(), last.getMessage());
    return Optional.empty();
  }

  /** Sweeps, trying again (destroy is idempotent) while the listing or a destroy fails; logs what it did. */
  private static boolean sweep(Provider p, SweepScope scope, String when) {
    for (int i = 1; i <= 3; i++) {
      try {
        SweepReport rep = p.sweep(scope);
        if (!rep.reaped().isEmpty()) {
          LOG.warn("sweep of {} {}: reaped {}", p.id(), when, rep.reaped());
        }
        if (rep.failed().isEmpty()) {
          return true;
        }
        LOG.warn("sweep of {} {}: could not reap {}", p.id(), when, rep.failed());
      } catch (RuntimeException e) {
        LOG.warn("sweep of {} {} failed (try {} of 3): {}", p.id(), when, i, e.getMessage());
      }
    }
    return false;
  }

  /**
   * Sweeps again later, backing off like teardown checks, while the provider's listing or a destroy
   * keeps failing (an API outage at the moment a run ends must not leave its phantoms billed).
   */
  private void sweepLater(Provider p, SweepScope scope, String when, int round) {
    if (closed) {
      return;
    }
    if (round > s.teardownChecks()) {
      LOG.warn("sweep of {} {} still fails after {} rounds; the next recover() or `flash sweep` reaps what is left",
          p.id(), when, round - 1);
      return;
    }
    Duration delay = s.teardownCheck().multipliedBy(1L << Math.min(5, round - 1));
    s.scheduler().schedule(() -> {
      if (!closed && !sweep(p, scope, when)) {
        sweepLater(p, scope, when, round + 1);
      }
    }, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Whether {@code name} is verifiably gone; false when it still exists or the provider cannot say
   * (an API fault during recovery must not abort it: the recovery's sweep reaps what is left).
   */
  private static boolean verifiedGone(Provider p, String name) {
    for (int i = 1; i <= 3; i++) {
      try {
        return p.find(name).isEmpty();
      } catch (RuntimeException e) {
        LOG.warn("checking that {} is gone on {} failed (try {} of 3): {}", name, p.id(), i, e.getMessage());
      }
    }
    return false;
  }

  private static void destroyQuietly(Provider p, JobHandle h) {
    try {
      p.destroy(h);
    } catch (RuntimeException e) {
      LOG.warn("destroy of {} failed: {}", h.name(), e.getMessage());
    }
  }

  private static String placeOf(GpuOffer o) {
    return o.provider() + "/" + o.region();
  }

  private ObjectNode record(String event, String runId) {
    ObjectNode n = WorkerFiles.JSON.createObjectNode();
    n.put("event", event).put("run_id", runId).put("at", s.clock().instant().toString());
    return n;
  }

  private ObjectNode attemptRecord(String event, String runId, long seed, int attempt, String name) {
    ObjectNode n = record(event, runId);
    n.put("seed", seed).put("attempt", attempt).put("name", name);
    return n;
  }

  /**
   * What recovery needs beyond {@link JournalState}: the end an attempt was given before its teardown
   * ({@code attempt_ending}) and the outcome of each seed that finished ({@code seed_ended}).
   */
  private record Decisions(Map<String, JsonNode> endings, Map<String, JsonNode> seedEnds,
      Map<String, Duration> wallBudgets) {
    static Decisions of(List<JsonNode> records) {
      Map<String, JsonNode> endings = new HashMap<>();
      Map<String, JsonNode> seedEnds = new HashMap<>();
      Map<String, Duration> wallBudgets = new HashMap<>();
      for (JsonNode n : records) {
        switch (n.path("event").asText()) {
          case "attempt_ending" -> endings.put(n.path("name").asText(), n);
          case "seed_ended" -> seedEnds.put(n.path("run_id").asText() + "/" + n.path("seed").asLong(), n);
          case "run" -> {
            if (n.hasNonNull("wall_budget_ms")) {
              wallBudgets.put(n.path("run_id").asText(), Duration.ofMillis(n.path("wall_budget_ms").asLong()));
            }
          }
          default -> { }
        }
      }
      return new Decisions(endings, seedEnds, wallBudgets);
    }

    /** The options a recovered run goes on with: the caller's, with the wall budget given at submission. */
    RunOptions options(String runId, RunOptions given) {
      Duration wall = wallBudgets.get(runId);
      return given.wallBudget().isEmpty() && wall != null ? given.withWallBudget(wall) : given;
    }

    Optional<JsonNode> ending(String attemptName) {
      return Optional.ofNullable(endings.get(attemptName));
    }

    Optional<JsonNode> seedEnded(String runId, long seed) {
      return Optional.ofNullable(seedEnds.get(runId + "/" + seed));
    }

    /** Open attempts, plus those torn down whose end was journaled but never recorded as ended. */
    List<JournalState.AttemptRecord> unfinishedAttempts(JournalState.RunRecord r) {
      List<JournalState.AttemptRecord> out = new ArrayList<>();
      for (JournalState.AttemptRecord a : r.attempts().values()) {
        if (a.open() || (a.tornDown() && a.endState().isEmpty() && a.handle().isPresent() && endings.containsKey(a.name()))) {
          out.add(a);
        }
      }
      return out;
    }
  }

  /** Reads a journal into what recovery and the CLI need. */
  public static JournalState readState(Path dir) {
    return JournalState.of(Journal.read(dir));
  }

  /** Appends a cancel request for {@code runId} to the journal in {@code dir} (from another process). */
  public static void requestCancel(Path dir, String runId, Clock clock) {
    try (Journal j = Journal.open(dir)) {
      ObjectNode n = WorkerFiles.JSON.createObjectNode();
      n.put("event", "cancel_requested").put("run_id", runId).put("at", clock.instant().toString());
      j.append(n);
    }
  }
}
