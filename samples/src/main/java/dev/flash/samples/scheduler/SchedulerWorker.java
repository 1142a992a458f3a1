package dev.flash.samples.scheduler;

import dev.flash.core.FlashException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker of the fleet: claims jobs that fit its capability, runs each through a {@link Dispatcher},
 * heartbeats while it runs (and stops the run when the queue takes the job back), uploads the run's
 * artifacts (whatever the outcome), and reports the outcome.
 *
 * <pre>{@code
 * SchedulerWorker worker = SchedulerWorker.builder(SchedulerClient.of(URI.create("http://127.0.0.1:8470")),
 *     WorkerCapability.detect("box-1", List.of("local")), dispatcher).build();
 * worker.run();   // until stop()
 * }</pre>
 */
public final class SchedulerWorker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SchedulerWorker.class);

  private final SchedulerClient client;
  private final WorkerCapability capability;
  private final Dispatcher dispatcher;
  private final Duration idleWait;
  private final Optional<Duration> heartbeatEvery;
  private final ScheduledExecutorService heartbeats;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final Object idle = new Object();

  private SchedulerWorker(Builder b) {
    this.client = b.client;
    this.capability = b.capability;
    this.dispatcher = b.dispatcher;
    this.idleWait = b.idleWait;
    this.heartbeatEvery = b.heartbeatEvery;
    this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "flash-worker-heartbeat-" + capability.workerId());
      t.setDaemon(true);
      return t;
    });
  }

  public static Builder builder(SchedulerClient client, WorkerCapability capability, Dispatcher dispatcher) {
    return new Builder(client, capability, dispatcher);
  }

  /** Claims and runs jobs until {@link #stop()}, waiting {@code idleWait} whenever nothing fits. */
  public void run() {
    while (!stopped.get()) {
      boolean worked;
      try {
        worked = runOnce();
      } catch (RuntimeException e) {
        // The server may be down or restarting; keep the worker alive and try again.
        LOG.warn("worker {}: {}; trying again in {} ms", capability.workerId(), e.getMessage(), idleWait.toMillis());
        worked = false;
      }
      if (!worked) {
        synchronized (idle) {
          if (!stopped.get()) {
            try {
              idle.wait(Math.max(1, idleWait.toMillis()));
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            }
          }
        }
      }
    }
  }

  /** Ends {@link #run()} after the job in hand (if any) is finished. */
  public void stop() {
    stopped.set(true);
    synchronized (idle) {
      idle.notifyAll();
    }
  }

  /**
   * Claims one job and runs it to the end; false when no job fits this worker.
   *
   * @return true when a job was claimed (whatever its outcome)
   */
  public boolean runOnce() {
    Optional<ClaimedJob> claimed = client.claim(capability);
    if (claimed.isEmpty()) {
      return false;
    }
    ClaimedJob job = claimed.get();
    LOG.info("worker {} runs job {} ({}), attempt {}", job.workerId(), job.jobId(), job.definition().name(),
        job.attempt());
    Dispatcher.Dispatch dispatch;
    try {
      dispatch = dispatcher.start(job);
    } catch (RuntimeException e) {
      report(job, () -> client.fail(job, "the dispatch did not start: " + e.getMessage(), true));
      return true;
    }
    AtomicBoolean lost = new AtomicBoolean();
    Duration every = heartbeatEvery.orElse(job.leaseDuration().dividedBy(4));
    ScheduledFuture<?> beat = heartbeats.scheduleWithFixedDelay(() -> heartbeat(job, dispatch, lost),
        0, Math.max(1, every.toMillis()), TimeUnit.MILLISECONDS);
    // The contract says the result never completes exceptionally; a dispatcher that breaks it still
    // gets its job reported instead of killing the worker.
    DispatchOutcome outcome = dispatch.result()
        .exceptionally(e -> DispatchOutcome.failed("the dispatch failed: " + e.getMessage(), true)).join();
    beat.cancel(false);
    awaitHeartbeatInFlight();
    if (lost.get()) {
      LOG.warn("worker {} dropped job {}: the queue took it back while it ran", job.workerId(), job.jobId());
      return true;
    }
    if (outcome.succeeded()) {
      report(job, () -> {
        for (Map.Entry<String, Path> a : outcome.artifacts().entrySet()) {
          client.upload(job, a.getKey(), a.getValue());
        }
        return client.complete(job, outcome.detail());
      });
    } else {
      report(job, () -> {
        uploadBestEffort(job, outcome.artifacts());
        return client.fail(job, outcome.detail(), outcome.retryable());
      });
    }
    return true;
  }

  /** A failed run's artifacts help whoever investigates; failing to upload them must not change how it is reported. */
  private void uploadBestEffort(ClaimedJob job, Map<String, Path> artifacts) {
    for (Map.Entry<String, Path> a : artifacts.entrySet()) {
      try {
        client.upload(job, a.getKey(), a.getValue());
      } catch (JobConflictException e) {
        throw e;
      } catch (RuntimeException e) {
        LOG.warn("worker {}: upload of {} for failed job {} failed: {}", job.workerId(), a.getKey(), job.jobId(),
            e.getMessage());
      }
    }
  }

  private void heartbeat(ClaimedJob job, Dispatcher.Dispatch dispatch, AtomicBoolean lost) {
    if (lost.get()) {
      return;
    }
    try {
      client.heartbeat(job, dispatch.progress());
    } catch (JobConflictException e) {
      lost.set(true);
      LOG.warn("worker {} stops job {}: {}", job.workerId(), job.jobId(), e.getMessage());
      dispatch.cancel();
    } catch (SchedulerHttpException e) {
      if (e.status() == 404) {
        lost.set(true);
        dispatch.cancel();
      }
      LOG.warn("worker {}: heartbeat for job {} refused: {}", job.workerId(), job.jobId(), e.getMessage());
    } catch (RuntimeException e) {
      // The server may be restarting: the run goes on, and the next heartbeat tries again. If the lease
      // expires meanwhile, the queue requeues the job and the next successful call learns it.
      LOG.warn("worker {}: heartbeat for job {} failed: {}", job.workerId(), job.jobId(), e.getMessage());
    }
  }

  /** Makes sure no heartbeat is still on its way when the outcome is reported. */
  private void awaitHeartbeatInFlight() {
    try {
      heartbeats.submit(() -> { }).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException("an empty task cannot fail", e);
    }
  }

  private interface Report {
    Job send();
  }

  private void report(ClaimedJob job, Report report) {
    try {
      Job j = report.send();
      LOG.info("worker {}: job {} is {}", job.workerId(), job.jobId(), j.status().jsonName());
    } catch (JobConflictException e) {
      LOG.warn("worker {}: job {} was taken back before its outcome could be reported: {}", job.workerId(),
          job.jobId(), e.getMessage());
    } catch (FlashException e) {
      LOG.warn("worker {}: reporting job {} failed ({}); the lease will expire and the queue will requeue it",
          job.workerId(), job.jobId(), e.getMessage());
      try {
        client.fail(job, "reporting the outcome failed: " + e.getMessage(), true);
      } catch (RuntimeException again) {
        LOG.debug("worker {}: reporting the failure failed too: {}", job.workerId(), again.getMessage());
      }
    }
  }

  @Override
  public void close() {
    stop();
    heartbeats.shutdownNow();
  }

  /** Defaults: wait 10 s when nothing fits; heartbeat every quarter of the lease. */
  public static final class Builder {
    private final SchedulerClient client;
    private final WorkerCapability capability;
    private final Dispatcher dispatcher;
    private Duration idleWait = Duration.ofSeconds(10);
    private Optional<Duration> heartbeatEvery = Optional.empty();

    private Builder(SchedulerClient client, WorkerCapability capability, Dispatcher dispatcher) {
      this.client = Objects.requireNonNull(client);
      this.capability = Objects.requireNonNull(capability);
      this.dispatcher = Objects.requireNonNull(dispatcher);
    }

    public Builder idleWait(Duration d) {
      this.idleWait = Objects.requireNonNull(d);
      return this;
    }

    public Builder heartbeatEvery(Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("the heartbeat interval must be positive, got " + d);
      }
      this.heartbeatEvery = Optional.of(d);
      return this;
    }

    public SchedulerWorker build() {
      return new SchedulerWorker(this);
    }
  }
}
