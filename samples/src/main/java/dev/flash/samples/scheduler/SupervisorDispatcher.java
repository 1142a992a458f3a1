package dev.flash.samples.scheduler;

import dev.flash.core.FailureClass;
import dev.flash.core.FlashException;
import dev.flash.core.Resources;
import dev.flash.core.RunSpec;
import dev.flash.core.SpecValidationException;
import dev.flash.core.spi.Progress;
import dev.flash.providers.AttemptRef;
import dev.flash.providers.AttemptResult;
import dev.flash.providers.RunArtifacts;
import dev.flash.providers.RunHandle;
import dev.flash.providers.RunListener;
import dev.flash.providers.RunOptions;
import dev.flash.providers.RunOutcome;
import dev.flash.providers.RunResult;
import dev.flash.providers.RunSupervisor;
import dev.flash.samples.internal.RunJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs claimed jobs through flash's {@link RunSupervisor}: the job's run spec named after the claim
 * ({@link ClaimedJob#runId()}) and narrowed to the providers this worker may use for it
 * ({@link ClaimedJob#providers()}), supervised to the end (retries, preemptions, teardown, cost) with
 * the run's progress sent along with the worker's heartbeats.
 *
 * <p>Whatever the outcome, the run leaves two artifacts for the worker to upload: {@code result.json}
 * (the run's outcome, steps, cost and every attempt) and {@code console.log} (the last attempt's
 * console output, at most 1 MiB). A failed run is retryable by the queue when another claim could
 * succeed: the supervisor ran out of retries on capacity, stalls or API errors, or found no offer;
 * not when the workload itself failed, a budget was reached, or the run was cancelled.
 *
 * <pre>{@code
 * try (Providers providers = Providers.builder().register(LocalProvider.builder().build()).build();
 *      RunSupervisor supervisor = RunSupervisor.builder(providers).journal(Path.of(".flash")).build()) {
 *   Dispatcher dispatcher = SupervisorDispatcher.builder(supervisor, RunArtifacts.directory(Path.of(".flash/artifacts")),
 *       Path.of(".flash/outcomes")).build();
 *   try (SchedulerWorker worker = SchedulerWorker.builder(client, capability, dispatcher).build()) {
 *     worker.run();
 *   }
 * }
 * }</pre>
 */
public final class SupervisorDispatcher implements Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(SupervisorDispatcher.class);
  static final int CONSOLE_BYTES = 1 << 20;

  private final RunSupervisor supervisor;
  private final RunArtifacts reports;
  private final Path outputs;
  private final Function<ClaimedJob, RunListener> listeners;
  private final Set<SupervisedDispatch> running = ConcurrentHashMap.newKeySet();

  private SupervisorDispatcher(Builder b) {
    this.supervisor = b.supervisor;
    this.reports = b.reports;
    this.outputs = b.outputs;
    this.listeners = b.listeners;
  }

  /**
   * @param supervisor runs the jobs (its journal records them; {@code flash status}/{@code ledger} read it)
   * @param reports where the supervisor's workers report (for the console of the last attempt)
   * @param outputs where each run's {@code result.json} and {@code console.log} are written before upload
   */
  public static Builder builder(RunSupervisor supervisor, RunArtifacts reports, Path outputs) {
    return new Builder(supervisor, reports, outputs);
  }

  @Override
  public Dispatch start(ClaimedJob job) {
    RunSpec asked;
    try {
      asked = job.definition().runSpec(job.runId());
    } catch (SpecValidationException e) {
      return done(DispatchOutcome.failed("the job's run spec cannot be dispatched: " + e.getMessage(), false));
    }
    RunSpec spec = narrowed(asked, job.providers());
    if (spec.resources().providers().isEmpty()) {
      return done(DispatchOutcome.failed("the job's run spec allows providers " + asked.resources().providers()
          + " and this worker offers " + job.providers() + " for it: no provider in common", true));
    }
    RunHandle handle;
    try {
      handle = supervisor.submit(spec, RunOptions.defaults().withListener(listeners.apply(job)));
    } catch (SpecValidationException e) {
      return done(DispatchOutcome.failed("flash refused the run: " + e.getMessage(), false));
    } catch (FlashException e) {
      return done(DispatchOutcome.failed("flash could not start the run: " + e.getMessage(), e.retryable()));
    }
    LOG.info("job {} runs as flash run {} on {}", job.jobId(), spec.runId(), spec.resources().providers());
    SupervisedDispatch d = new SupervisedDispatch(handle);
    running.add(d);
    d.result.whenComplete((o, e) -> running.remove(d));
    return d;
  }

  /**
   * Stops every run in progress because this worker is going away (not because the job was
   * cancelled): each ends as a retryable failure, so the queue hands the job to another claim.
   */
  public void stopAll() {
    for (SupervisedDispatch d : running) {
      d.interrupted = true;
      d.handle.cancel();
    }
  }

  /** {@code spec} restricted to {@code mayUse} (all of them when the spec names no provider). */
  static RunSpec narrowed(RunSpec spec, List<String> mayUse) {
    List<String> asked = spec.resources().providers();
    List<String> allowed = new ArrayList<>();
    for (String p : mayUse) {
      if (asked.isEmpty() || asked.contains(p)) {
        allowed.add(p);
      }
    }
    return RunSpec.builder().from(spec).resources(Resources.builder().from(spec.resources()).providers(allowed).build())
        .build();
  }

  private static Dispatch done(DispatchOutcome outcome) {
    CompletableFuture<DispatchOutcome> f = CompletableFuture.completedFuture(outcome);
    return new Dispatch() {
      @Override
      public CompletableFuture<DispatchOutcome> result() {
        return f;
      }

      @Override
      public void cancel() {}
    };
  }

  private final class SupervisedDispatch implements Dispatch {
    final RunHandle handle;
    final CompletableFuture<DispatchOutcome> result;
    volatile boolean interrupted;

    SupervisedDispatch(RunHandle handle) {
      this.handle = handle;
      this.result = handle.result().thenApply(this::outcome)
          .exceptionally(e -> DispatchOutcome.failed("the run's supervisor failed: " + e.getMessage(), true));
    }

    @Override
    public CompletableFuture<DispatchOutcome> result() {
      return result;
    }

    @Override
    public void cancel() {
      handle.cancel();
    }

    /** {@code step 120/300 (train), attempt 1, $0.00}. */
    @Override
    public Optional<String> progress() {
      Optional<Progress> p = handle.progress();
      if (p.isEmpty()) {
        return Optional.of("starting, " + handle.spent());
      }
      Progress q = p.get();
      return Optional.of("step " + q.step() + (q.totalSteps() > 0 ? "/" + q.totalSteps() : "")
          + (q.stage().isBlank() ? "" : " (" + q.stage() + ")") + ", " + handle.spent());
    }

    private DispatchOutcome outcome(RunResult r) {
      Map<String, Path> artifacts = artifacts(r);
      String detail = describe(r);
      if (r.succeeded()) {
        return DispatchOutcome.succeeded(detail, artifacts);
      }
      if (interrupted) {
        return DispatchOutcome.failed("the worker stopped while the run was going (" + detail + ")", true, artifacts);
      }
      return DispatchOutcome.failed(detail, retryable(r), artifacts);
    }
  }

  /** {@code SUCCEEDED: 300/300 steps in 1 attempt, cost $0.00, loss 0.01234} (and why, when it failed). */
  static String describe(RunResult r) {
    long total = r.lastProgress().map(Progress::totalSteps).orElse(0L);
    return r.outcome() + ": " + r.steps() + (total > 0 ? "/" + total : "") + " steps in " + r.attempts().size()
        + " attempt" + (r.attempts().size() == 1 ? "" : "s") + ", cost " + r.cost()
        + (r.metrics().containsKey("loss") ? String.format(Locale.ROOT, ", loss %.5f", r.metrics().get("loss")) : "")
        + (r.succeeded() ? "" : "; " + r.detail());
  }

  /**
   * Whether another claim could succeed: not after the workload failed, a budget was reached or the run
   * was cancelled; yes when the supervisor gave up on capacity, stalls or API errors, or found no offer.
   */
  static boolean retryable(RunResult r) {
    if (r.outcome() != RunOutcome.FAILED) {
      return false;
    }
    Optional<FailureClass> last = r.attempts().isEmpty() ? Optional.empty()
        : r.attempts().get(r.attempts().size() - 1).failure();
    return last.map(FailureClass::retryable).orElse(r.attempts().isEmpty());
  }

  /** {@code result.json} and, when the last attempt printed anything, {@code console.log}. */
  private Map<String, Path> artifacts(RunResult r) {
    Map<String, Path> out = new LinkedHashMap<>();
    try {
      Path dir = Files.createDirectories(outputs.resolve(r.runId()));
      out.put("result.json", Files.writeString(dir.resolve("result.json"),
          RunJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(RunJson.result(r))));
      if (!r.attempts().isEmpty()) {
        AttemptResult last = r.attempts().get(r.attempts().size() - 1);
        String console = reports.consoleTail(new AttemptRef(r.runId(), last.seed(), last.attempt()), CONSOLE_BYTES);
        if (!console.isEmpty()) {
          out.put("console.log", Files.writeString(dir.resolve("console.log"), console, StandardCharsets.UTF_8));
        }
      }
    } catch (IOException e) {
      // The run's outcome matters more than its artifacts: report it without them.
      LOG.warn("run {}: cannot write its artifacts to {}: {}", r.runId(), outputs, e.getMessage());
    } catch (UncheckedIOException e) {
      LOG.warn("run {}: cannot read its console: {}", r.runId(), e.getMessage());
    }
    return out;
  }

  /** Defaults: no listener beyond the supervisor's own logging. */
  public static final class Builder {
    private final RunSupervisor supervisor;
    private final RunArtifacts reports;
    private final Path outputs;
    private Function<ClaimedJob, RunListener> listeners = job -> RunListener.NONE;

    private Builder(RunSupervisor supervisor, RunArtifacts reports, Path outputs) {
      this.supervisor = Objects.requireNonNull(supervisor, "supervisor");
      this.reports = Objects.requireNonNull(reports, "reports");
      this.outputs = Objects.requireNonNull(outputs, "outputs");
    }

    /** Who hears each job's run (a CLI draws its progress). */
    public Builder listener(Function<ClaimedJob, RunListener> perJob) {
      this.listeners = Objects.requireNonNull(perJob, "perJob");
      return this;
    }

    public SupervisorDispatcher build() {
      return new SupervisorDispatcher(this);
    }
  }
}
