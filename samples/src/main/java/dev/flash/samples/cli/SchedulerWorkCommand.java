package dev.flash.samples.cli;

import dev.flash.providers.Providers;
import dev.flash.providers.RunArtifacts;
import dev.flash.providers.RunListener;
import dev.flash.providers.RunSupervisor;
import dev.flash.samples.scheduler.ClaimedJob;
import dev.flash.samples.scheduler.Dispatcher;
import dev.flash.samples.scheduler.DispatchOutcome;
import dev.flash.samples.scheduler.SchedulerClient;
import dev.flash.samples.scheduler.SchedulerWorker;
import dev.flash.samples.scheduler.SupervisorDispatcher;
import dev.flash.samples.scheduler.WorkerCapability;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code flash scheduler work}: a worker of the in-house scheduler. It claims the jobs this machine
 * fits, runs each through flash's run supervisor ({@link SupervisorDispatcher}; provider
 * {@code local} by default), heartbeats with the run's progress, uploads {@code result.json} and
 * {@code console.log}, and reports the outcome. Runs, journal and local attempts live in
 * {@code --state-dir}, so {@code flash status}, {@code logs} and {@code ledger} show the jobs' runs.
 */
@Command(name = "work", mixinStandardHelpOptions = true,
    description = {"Run a worker: claim jobs this machine fits, run each through flash's run supervisor (provider "
        + "local by default), heartbeat, upload result.json and console.log, report the outcome.",
        "Runs until Ctrl-C (which stops the run in hand; the job goes back to the queue), or one job with --once."})
final class SchedulerWorkCommand implements java.util.concurrent.Callable<Integer> {
  @Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  SchedulerCommand.ServerOption server;

  @Mixin
  CliState state;

  @Option(names = "--worker-id", paramLabel = "ID", description = "This worker's id (default: the host name).")
  String workerId;

  @Option(names = "--providers", split = ",", paramLabel = "ID[,ID...]", defaultValue = "local",
      description = "Providers this worker dispatches to (default: ${DEFAULT-VALUE}); see flash providers.")
  List<String> providerIds = new ArrayList<>();

  @Option(names = "--once", description = "Run one job (if one fits now) and exit: 0 completed or nothing to do, "
      + "1 failed.")
  boolean once;

  @Option(names = "--idle-wait", defaultValue = "5s", paramLabel = "DURATION", converter = CliUnits.DurationConverter.class,
      description = "How long to wait when no job fits before asking again (default ${DEFAULT-VALUE}).")
  Duration idleWait;

  @Option(names = "--heartbeat", paramLabel = "DURATION", converter = CliUnits.DurationConverter.class,
      description = "Heartbeat interval (default: a quarter of the server's lease).")
  Duration heartbeat;

  @Option(names = "--plain", description = "Plain progress lines even on a terminal.")
  boolean plain;

  @Option(names = "--json", description = "Print one JSON line per finished job ({\"job_id\", \"name\", \"run_id\", "
      + "\"succeeded\", \"retryable\", \"detail\"}) instead of progress.")
  boolean json;

  @Override
  public Integer call() {
    CommandLine cli = spec.commandLine();
    PrintWriter out = cli.getOut();
    if (idleWait.isNegative() || idleWait.isZero()) {
      throw new CommandLine.ParameterException(cli, "--idle-wait must be positive, e.g. --idle-wait 5s");
    }
    if (heartbeat != null && (heartbeat.isNegative() || heartbeat.isZero())) {
      throw new CommandLine.ParameterException(cli, "--heartbeat must be positive, e.g. --heartbeat 15s");
    }
    String id = workerId != null ? workerId : defaultWorkerId();
    if (!WorkerCapability.WORKER_ID.matcher(id).matches()) {
      throw new CommandLine.ParameterException(cli, "--worker-id '" + id + "' is not valid: use 1-64 letters, digits, "
          + "'.', '_' or '-', starting with a letter or digit");
    }
    try (Providers providers = state.providers(Optional.empty())) {
      checkProviders(cli, providers);
      RunArtifacts reports = ReportStores.forRun(cli, state, providers, providerIds, "--providers ID[,ID...]");
      return serve(out, providers, reports, id);
    }
  }

  private int serve(PrintWriter out, Providers providers, RunArtifacts reports, String id) {
    try (RunSupervisor supervisor = state.supervisor(providers, reports, Duration.ofMillis(250))) {
      WorkerCapability me = WorkerCapability.detect(id, providerIds);
      AtomicReference<DispatchOutcome> last = new AtomicReference<>();
      boolean live = !json && Terminal.interactive(plain);
      int width = live ? Terminal.width() : Integer.MAX_VALUE;
      SupervisorDispatcher dispatcher = SupervisorDispatcher.builder(supervisor, reports, state.dir.resolve("outcomes"))
          .listener(job -> json ? RunListener.NONE : new ProgressView(out, live, Clock.systemUTC(), width))
          .build();
      Dispatcher reporting = job -> announce(out, job, dispatcher.start(job), last);
      SchedulerWorker.Builder b = SchedulerWorker.builder(SchedulerClient.of(server.server), me, reporting)
          .idleWait(idleWait);
      if (heartbeat != null) {
        b.heartbeatEvery(heartbeat);
      }
      try (SchedulerWorker worker = b.build()) {
        if (!json) {
          out.printf(Locale.ROOT, "worker %s (%d GPU, %.1f GiB RAM, providers %s) serving %s%n", me.workerId(),
              me.gpuCount(), me.ramGib(), me.providers(), server.server);
          out.flush();
        }
        if (once) {
          if (!worker.runOnce()) {
            if (!json) {
              out.println("no job fits this worker now");
            }
            return FlashCli.OK;
          }
          return last.get() == null || last.get().succeeded() ? FlashCli.OK : FlashCli.FAILURE;
        }
        runUntilStopped(worker, dispatcher);
        return FlashCli.OK;
      }
    }
  }

  /** Ctrl-C stops claiming, stops the run in hand (its job is failed for retry) and waits for the report. */
  private static void runUntilStopped(SchedulerWorker worker, SupervisorDispatcher dispatcher) {
    CountDownLatch ended = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      worker.stop();
      dispatcher.stopAll();
      try {
        ended.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "flash-worker-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      worker.run();
    } finally {
      ended.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The JVM is already stopping: the hook is what got us here.
      }
    }
  }

  /** Prints the job as it starts and ends; the worker waits for the printing before it reports. */
  private Dispatcher.Dispatch announce(PrintWriter out, ClaimedJob job, Dispatcher.Dispatch d,
      AtomicReference<DispatchOutcome> last) {
    if (!json) {
      out.printf("job %s (%s), attempt %d: run %s%n", job.jobId(), job.definition().name(), job.attempt(), job.runId());
      out.flush();
    }
    CompletableFuture<DispatchOutcome> printed = d.result().thenApply(o -> {
      last.set(o);
      if (json) {
        CliJson.printLine(out, CliJson.object().put("job_id", job.jobId()).put("name", job.definition().name())
            .put("attempt", job.attempt()).put("run_id", job.runId()).put("succeeded", o.succeeded())
            .put("retryable", o.retryable()).put("detail", o.detail()));
      } else {
        out.printf("job %s (%s): %s%n", job.jobId(), job.definition().name(), o.detail());
        out.flush();
      }
      return o;
    });
    return new Dispatcher.Dispatch() {
      @Override
      public CompletableFuture<DispatchOutcome> result() {
        return printed;
      }

      @Override
      public void cancel() {
        d.cancel();
      }

      @Override
      public Optional<String> progress() {
        return d.progress();
      }
    };
  }

  private void checkProviders(CommandLine cli, Providers providers) {
    List<String> ready = providers.list().stream().filter(Providers.Entry::available).map(Providers.Entry::id).toList();
    for (String p : providerIds) {
      if (!ready.contains(p)) {
        throw new CommandLine.ParameterException(cli, "--providers: '" + p + "' is not " + (providers.ids().contains(p)
            ? "configured (see flash providers for what it needs)" : "a known provider") + "; ready here: "
            + String.join(", ", ready));
      }
    }
  }

  /** The host name, made a valid worker id. */
  static String defaultWorkerId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "worker";
    }
    String id = host.replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^[^A-Za-z0-9]+", "");
    return id.isEmpty() ? "worker" : id.substring(0, Math.min(64, id.length()));
  }
}
