package dev.flash.samples.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flash.core.Secret;
import dev.flash.samples.scheduler.ArtifactStore;
import dev.flash.samples.scheduler.Job;
import dev.flash.samples.scheduler.JobDefinition;
import dev.flash.samples.scheduler.JobManifest;
import dev.flash.samples.scheduler.JobQueue;
import dev.flash.samples.scheduler.JobStatus;
import dev.flash.samples.scheduler.SchedulerClient;
import dev.flash.samples.scheduler.SchedulerServer;
import dev.flash.samples.scheduler.WorkerCapability;
import dev.flash.samples.scheduler.WorkerInfo;
import dev.flash.samples.scheduler.internal.JobCodec;
import dev.flash.samples.scheduler.internal.SchedulerJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flash scheduler}: run the in-house scheduler sample's server, and talk to it as an operator. */
@Command(name = "scheduler",
    description = "The in-house scheduler sample: a job queue in SQLite with an HTTP API (see samples/scheduler/README.md).",
    mixinStandardHelpOptions = true,
    subcommands = {SchedulerCommand.Serve.class, SchedulerCommand.Check.class, SchedulerCommand.Jobs.class,
        SchedulerCommand.Workers.class, SchedulerCommand.Reload.class, SchedulerCommand.Cancel.class,
        SchedulerCommand.Requeue.class, SchedulerWorkCommand.class})
public final class SchedulerCommand implements Runnable {
  /** Where the operator token comes from when no --token-file is given. */
  public static final String TOKEN_ENV = "FLASH_SCHEDULER_TOKEN";
  static final String DEFAULT_SERVER = "http://127.0.0.1:8470";

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The operator token: from --token-file, else from $FLASH_SCHEDULER_TOKEN. */
  static final class TokenOption {
    @Option(names = "--token-file", paramLabel = "FILE",
        description = "File holding the operator token (default: the " + TOKEN_ENV + " environment variable).")
    Path tokenFile;

    Secret token() {
      if (tokenFile != null) {
        try {
          String text = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
          if (text.isEmpty()) {
            throw new IllegalArgumentException("the token file " + tokenFile + " is empty; put the operator token in it");
          }
          return Secret.of(text);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read the token file " + tokenFile + ": " + e.getMessage(), e);
        }
      }
      String env = System.getenv(TOKEN_ENV);
      if (env == null || env.isBlank()) {
        throw new IllegalArgumentException("no operator token: set " + TOKEN_ENV + " (e.g. export " + TOKEN_ENV
            + "=$(openssl rand -hex 32)) or pass --token-file FILE");
      }
      return Secret.of(env.trim());
    }
  }

  static final class ServerOption {
    @Option(names = "--server", paramLabel = "URL", defaultValue = DEFAULT_SERVER,
        description = "The scheduler's base URL (default: ${DEFAULT-VALUE}).")
    URI server;
  }

  @Command(name = "serve", mixinStandardHelpOptions = true,
      description = "Load the manifest into the queue and serve the HTTP API until stopped (Ctrl-C).")
  static final class Serve implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--db", required = true, paramLabel = "FILE", description = "The SQLite queue (created when missing).")
    Path db;

    @Option(names = "--manifest", required = true, paramLabel = "FILE",
        description = "The job manifest (JSON); POST /v1/reload re-reads it.")
    Path manifest;

    @Option(names = "--artifacts", paramLabel = "DIR",
        description = "Where artifacts are stored (default: a directory beside the database, <db>.artifacts).")
    Path artifacts;

    @Option(names = "--port", defaultValue = "8470", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1",
        description = "Address to listen on (default: ${DEFAULT-VALUE}). Worker endpoints are unauthenticated: "
            + "expose them only behind an authenticating proxy.")
    String bind;

    @Option(names = "--lease-seconds", defaultValue = "60",
        description = "How long a claim lasts without a heartbeat (default: ${DEFAULT-VALUE}).")
    long leaseSeconds;

    @Option(names = "--max-artifact-bytes", defaultValue = "1073741824",
        description = "Largest artifact upload accepted (default: ${DEFAULT-VALUE}).")
    long maxArtifactBytes;

    @Mixin
    TokenOption token;

    @Option(names = "--json", description = "Print JSON Lines: {\"event\": \"listening\", \"url\", ...} when ready, "
        + "{\"event\": \"stopped\"} at the end.")
    boolean json;

    @Override
    public void run() {
      CommandLine cli = spec.commandLine();
      if (port < 0 || port > 65535) {
        throw new CommandLine.ParameterException(cli, "--port must be 0-65535 (0 picks a free one), got " + port);
      }
      if (leaseSeconds < 1) {
        throw new CommandLine.ParameterException(cli, "--lease-seconds must be at least 1, e.g. --lease-seconds 60");
      }
      if (maxArtifactBytes < 1) {
        throw new CommandLine.ParameterException(cli, "--max-artifact-bytes must be at least 1, e.g. 1073741824");
      }
      SpecFiles.existing(cli, manifest, "--manifest FILE, a job manifest (JSON) such as samples/scheduler/jobs.json");
      Secret operator = token.token();
      InetAddress address;
      try {
        address = InetAddress.getByName(bind);
      } catch (UnknownHostException e) {
        throw new CommandLine.ParameterException(cli, "--bind " + bind + " is not an address of this machine ("
            + e.getMessage() + "); use 127.0.0.1 (the default) or one of this machine's addresses");
      }
      JobManifest jobs = JobManifest.read(manifest);
      Path artifactDir = artifacts != null ? artifacts : db.resolveSibling(db.getFileName() + ".artifacts");
      PrintWriter out = spec.commandLine().getOut();
      try (JobQueue queue = JobQueue.builder(db).lease(Duration.ofSeconds(leaseSeconds)).build()) {
        JobQueue.ReloadReport r = queue.reload(jobs);
        CountDownLatch stopped = new CountDownLatch(1);
        try (SchedulerServer server = SchedulerServer.builder(queue, ArtifactStore.open(artifactDir, Clock.systemUTC()),
            operator).manifest(manifest).bind(address).port(port).maxArtifactBytes(maxArtifactBytes).start()) {
          Thread hook = new Thread(stopped::countDown, "flash-scheduler-shutdown");
          Runtime.getRuntime().addShutdownHook(hook);
          if (json) {
            ObjectNode ready = CliJson.object().put("event", "listening").put("url", server.uri().toString())
                .put("manifest", manifest.toString()).put("operator_token_fingerprint", operator.fingerprint());
            ready.putObject("reload").put("added", r.added().size()).put("kept", r.kept().size())
                .put("removed", r.removed().size());
            CliJson.printLine(out, ready);
          } else {
            out.printf("manifest %s: %d new, %d kept, %d no longer listed%n", manifest, r.added().size(),
                r.kept().size(), r.removed().size());
            out.println("listening on " + server.uri() + " (operator token " + operator.fingerprint() + ")");
          }
          out.flush();
          try {
            stopped.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            try {
              Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
              // The JVM is already stopping: the hook is what got us here.
            }
          }
        }
      }
      if (json) {
        CliJson.printLine(out, CliJson.object().put("event", "stopped"));
      } else {
        out.println("stopped");
      }
    }
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Validate a manifest offline and print each job's id.")
  static final class Check implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "MANIFEST")
    Path manifest;

    @Option(names = "--json", description = "Print the jobs (with their ids) as JSON.")
    boolean json;

    @Override
    public void run() {
      PrintWriter out = spec.commandLine().getOut();
      JobManifest m = JobManifest.read(SpecFiles.existing(spec.commandLine(), manifest,
          "a job manifest (JSON) such as samples/scheduler/jobs.json"));
      if (json) {
        ArrayNode a = CliJson.array();
        m.jobs().forEach(j -> a.add(JobCodec.definition(j)));
        CliJson.print(out, a);
        return;
      }
      TextTable t = new TextTable("ID", "NAME", "PRIORITY", "MAX_ATTEMPTS", "CONSTRAINTS");
      for (JobDefinition j : m.jobs()) {
        t.row(j.id(), j.name(), j.priority(), j.maxAttempts(), SchedulerJson.write(JobCodec.constraints(j.constraints())));
      }
      t.print(out);
      out.printf("%d job(s), valid%n", m.jobs().size());
    }
  }

  @Command(name = "jobs", mixinStandardHelpOptions = true, description = "List the jobs.")
  static final class Jobs implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ServerOption server;

    @Option(names = "--status", paramLabel = "STATUS",
        description = "Only jobs with this status: pending, claimed, running, completed, failed, cancelled.")
    String status;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public void run() {
      Optional<JobStatus> only;
      try {
        only = Optional.ofNullable(status).map(JobStatus::parse);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--status: " + e.getMessage());
      }
      List<Job> jobs = SchedulerClient.of(server.server).jobs(only);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        ArrayNode a = CliJson.array();
        jobs.forEach(j -> a.add(JobCodec.job(j)));
        CliJson.print(out, a);
        return;
      }
      TextTable t = new TextTable("ID", "NAME", "STATUS", "ATTEMPTS", "WORKER", "NOTE");
      for (Job j : jobs) {
        // A finished job's reason says how it ended; a live one's progress says how far it is.
        Optional<String> said = j.status().isFinal() ? j.reason().or(j::progress) : j.progress().or(j::reason);
        String note = (j.inManifest() ? "" : "[not in manifest] ") + said.orElse("");
        t.row(j.id(), j.definition().name(), j.status().jsonName(), j.attempts() + "/" + j.definition().maxAttempts(),
            j.workerId().orElse("-"), note);
      }
      t.print(out);
    }
  }

  @Command(name = "workers", mixinStandardHelpOptions = true, description = "List the workers the queue has seen.")
  static final class Workers implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ServerOption server;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public void run() {
      List<WorkerInfo> workers = SchedulerClient.of(server.server).workers();
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        ArrayNode a = CliJson.array();
        workers.forEach(w -> a.add(JobCodec.worker(w)));
        CliJson.print(out, a);
        return;
      }
      TextTable t = new TextTable("WORKER", "HOST", "GPUS", "GPU_GIB", "RAM_GIB", "PROVIDERS", "LAST_SEEN", "JOBS");
      for (WorkerInfo w : workers) {
        WorkerCapability c = w.capability();
        t.row(c.workerId(), c.host(), c.gpuCount(), String.format(Locale.ROOT, "%.1f", c.gpuMemoryGib()),
            String.format(Locale.ROOT, "%.1f", c.ramGib()), String.join(",", c.providers()), w.lastSeenAt(),
            String.join(",", w.leasedJobs()));
      }
      t.print(out);
    }
  }

  @Command(name = "reload", mixinStandardHelpOptions = true,
      description = "Have the server re-read its manifest (operator token required).")
  static final class Reload implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ServerOption server;

    @Mixin
    TokenOption token;

    @Option(names = "--json", description = "Print {\"added\", \"kept\", \"removed\"} (job ids) as JSON.")
    boolean json;

    @Override
    public void run() {
      JobQueue.ReloadReport r = SchedulerClient.operator(server.server, token.token()).reload();
      if (json) {
        ObjectNode o = CliJson.object();
        r.added().forEach(o.putArray("added")::add);
        r.kept().forEach(o.putArray("kept")::add);
        r.removed().forEach(o.putArray("removed")::add);
        CliJson.print(spec.commandLine().getOut(), o);
        return;
      }
      spec.commandLine().getOut().printf("reloaded: %d new %s, %d kept, %d no longer listed %s%n", r.added().size(),
          r.added(), r.kept().size(), r.removed().size(), r.removed());
    }
  }

  /** Shared by cancel and requeue. */
  abstract static class OperatorJobAction implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ServerOption server;

    @Mixin
    TokenOption token;

    @Parameters(paramLabel = "JOB_ID", description = "The job id (flash scheduler jobs lists them).")
    String jobId;

    @Option(names = "--reason", description = "Why, recorded on the job.")
    String reason;

    @Option(names = "--json", description = "Print the job as JSON.")
    boolean json;

    abstract Job apply(SchedulerClient client, String jobId, Optional<String> reason);

    @Override
    public void run() {
      Job j = apply(SchedulerClient.operator(server.server, token.token()), jobId, Optional.ofNullable(reason));
      if (json) {
        CliJson.print(spec.commandLine().getOut(), JobCodec.job(j));
        return;
      }
      spec.commandLine().getOut().printf("%s %s: %s%n", j.id(), j.definition().name(), j.status().jsonName());
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true,
      description = "Cancel a job; a worker running it stops at its next heartbeat (operator token required).")
  static final class Cancel extends OperatorJobAction {
    @Override
    Job apply(SchedulerClient client, String jobId, Optional<String> reason) {
      return client.cancel(jobId, reason);
    }
  }

  @Command(name = "requeue", mixinStandardHelpOptions = true,
      description = "Put a job back to pending with its attempts reset (operator token required).")
  static final class Requeue extends OperatorJobAction {
    @Override
    Job apply(SchedulerClient client, String jobId, Optional<String> reason) {
      return client.requeue(jobId, reason);
    }
  }
}
