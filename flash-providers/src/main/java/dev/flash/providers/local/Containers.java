package dev.flash.providers.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flash.core.FailureClass;
import dev.flash.core.JobHandle;
import dev.flash.core.ProviderException;
import dev.flash.core.RunState;
import dev.flash.core.spi.JobStatus;
import dev.flash.core.spi.LaunchRequest;
import dev.flash.core.spi.ResourceNames;
import dev.flash.providers.FlashWorker;
import dev.flash.providers.internal.WorkerFiles;
import dev.flash.providers.local.LocalProvider.EndReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local provider's container mode: an attempt whose workload names an image runs in a Docker
 * container named after the attempt, labelled so that {@code docker ps} finds it again from any
 * control process on this work directory.
 *
 * <p>{@code docker run -d} (the "starter") runs in the background, since pulling an image can take
 * minutes; the attempt is PROVISIONING meanwhile. Once the container runs, {@code docker logs
 * --follow} appends its console to the attempt's console file. Why the container was stopped
 * (cancel, preemption, wall-clock cap, destroy) is written to {@code stop-reason} in the attempt
 * directory before the stop is asked for, so any control process reading the exit agrees on it.
 */
final class Containers {
  static final String ATTRIBUTE = "container";
  private static final String STOP_REASON = "stop-reason";
  private static final String LABEL = "dev.flash.";
  /** Handle attributes also written as labels, so a container is handled even without its attempt directory. */
  private static final List<String> LABELLED = List.of("launched_at", "price_micros_per_hour", "console", "gpu_class");
  private static final String LIST_FORMAT = "{{.Names}}\t{{.State}}"
      + LABELLED.stream().map(a -> "\t{{.Label \"" + LABEL + a + "\"}}").collect(Collectors.joining());
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
  /** How long an ended container's log follower may take to write the last of its console. */
  private static final Duration LOG_DRAIN = Duration.ofSeconds(5);
  private static final Logger LOG = LoggerFactory.getLogger(Containers.class);

  /** One of this work directory's containers as {@code docker ps} lists it. */
  record Listed(String name, String state, JobHandle handle) {}

  /** A container this JVM started. */
  private static final class Started {
    final Process starter;
    volatile Process follower;

    Started(Process starter) {
      this.starter = starter;
    }
  }

  private final DockerCli docker;
  private final Path workDir;
  private final Clock clock;
  private final Map<String, Started> started = new ConcurrentHashMap<>();
  /** Containers this JVM has asked docker to stop. */
  private final Set<String> stopped = ConcurrentHashMap.newKeySet();

  Containers(DockerCli docker, Path workDir, Clock clock) {
    this.docker = docker;
    this.workDir = workDir;
    this.clock = clock;
  }

  /** Why this request cannot run as a container here, or empty when it can. */
  Optional<String> refusal(LaunchRequest r) {
    for (String secret : r.secrets().keySet()) {
      if (DockerCli.readByClient(secret)) {
        return Optional.of("secret " + secret + " of " + r.name() + " has the name of a variable the docker client "
            + "reads itself; rename it (e.g. TRAIN_" + secret + ")");
      }
    }
    return docker.engineProblem(PROBE_TIMEOUT).map(problem -> "workload " + r.name() + " names image "
        + r.workload().image().orElseThrow() + ", which the local provider runs with Docker, but the Docker engine "
        + "is not reachable (" + problem + "). Start the engine (e.g. `sudo systemctl start docker`), point "
        + "local.docker (LOCAL_DOCKER) at a client that reaches one, or give the workload a command without an "
        + "image to run it as a plain process");
  }

  /**
   * Starts {@code docker run -d} for the attempt in the background and returns that client process.
   * Variables travel by name only ({@code -e NAME}); their values are in the client's environment.
   */
  Process start(LaunchRequest r, Path dir, Path console, ObjectNode record) throws IOException {
    List<String> args = new ArrayList<>(List.of("run", "-d", "--name", r.name(),
        // tini as PID 1 passes docker stop's SIGTERM on (a bare PID 1 ignores it) and reaps zombies
        "--init",
        // as on cloud boxes: PyTorch data loaders need more shared memory than Docker's 64 MiB default
        "--ipc=host"));
    if (!r.offer().gpuClass().equals(LocalProvider.CPU_CLASS)) {
      args.addAll(List.of("--gpus", "all"));
    }
    label(args, "provider", LocalProvider.ID);
    label(args, "name", r.name());
    label(args, "work_dir", workDir.toString());
    for (String a : LABELLED) {
      label(args, a, record.path(a).asText());
    }
    r.labels().forEach((k, v) -> {
      if (!k.startsWith(LABEL)) {
        args.addAll(List.of("--label", k + "=" + v));
      }
    });
    for (String location : List.of(FlashWorker.ATTEMPT_DIR, FlashWorker.CHECKPOINT_DIR)) {
      Optional<Path> host = Optional.ofNullable(r.env().get(location)).map(Path::of).filter(Path::isAbsolute);
      if (host.isPresent()) {
        // created here so they belong to this user, not to the engine that would create them on mount
        Files.createDirectories(host.get());
        args.addAll(List.of("-v", host.get() + ":" + host.get()));
      }
    }
    Map<String, String> plain = new LinkedHashMap<>(r.workload().env());
    plain.putAll(r.env());
    Map<String, String> values = new LinkedHashMap<>();
    plain.forEach((k, v) -> {
      if (DockerCli.readByClient(k)) {
        args.addAll(List.of("-e", k + "=" + v)); // plain (never a secret), and the client needs its own value
      } else {
        args.addAll(List.of("-e", k));
        values.put(k, v);
      }
    });
    r.secrets().forEach((k, s) -> {
      args.addAll(List.of("-e", k));
      values.put(k, s.reveal());
    });
    List<String> command = r.workload().command();
    if (!command.isEmpty()) {
      args.addAll(List.of("--entrypoint", command.get(0)));
    }
    args.add(r.workload().image().orElseThrow());
    args.addAll(command.isEmpty() ? List.of() : command.subList(1, command.size()));
    args.addAll(r.workload().args());
    // The client's own complaints (pull progress, "image not found") belong in the attempt's console.
    Process starter = docker.start(args, values, ProcessBuilder.Redirect.DISCARD, ProcessBuilder.Redirect.appendTo(console.toFile()));
    Started s = new Started(starter);
    started.put(r.name(), s);
    starter.onExit().thenRun(() -> afterStart(r.name(), dir, console, s));
    return starter;
  }

  /** Observes the attempt, writing its exit record once the container has ended. */
  JobStatus poll(JobHandle h, Path dir) {
    if (Files.exists(dir.resolve(LocalProvider.PREEMPT)) && stopReason(dir).isEmpty()) {
      stop(h, dir, EndReason.PREEMPTED, Duration.ZERO);
    }
    if (starter(h).isPresent()) {
      return new JobStatus(RunState.PROVISIONING, Optional.empty(), Optional.empty(),
          "docker run: creating the container (pulling the image if needed)", OptionalInt.empty());
    }
    Optional<EndReason> asked = stopReason(dir);
    Optional<JsonNode> state = inspect(h.name());
    Started s = started.get(h.name());
    if (state.isEmpty()) {
      if (asked.isPresent()) {
        return ended(dir, s, 137, asked.get(), false, "");
      }
      if (s != null && s.starter.exitValue() != 0) {
        return ended(dir, s, s.starter.exitValue(), EndReason.START_FAILED, false, "docker run failed (exit "
            + s.starter.exitValue() + "): " + lastLine(h));
      }
      return JobStatus.failed(FailureClass.STALLED, "container " + h.name() + " is gone and left no exit record "
          + "(removed outside flash, or its creation never finished)");
    }
    JsonNode st = state.get();
    int code = st.path("ExitCode").asInt(-1);
    return switch (st.path("Status").asText()) {
      case "exited", "dead" -> ended(dir, s, code, asked.orElse(EndReason.EXITED), st.path("OOMKilled").asBoolean(), "");
      case "created" -> ended(dir, s, code, asked.orElse(EndReason.START_FAILED), false,
          "the container could not start: " + st.path("Error").asText("no reason given"));
      default -> {
        if (asked.isPresent() && !stopped.contains(h.name())) {
          stop(h, dir, asked.get(), Duration.ZERO); // asked for while another control process was creating it
        }
        yield JobStatus.of(RunState.RUNNING);
      }
    };
  }

  /**
   * Stops the attempt for {@code reason}: SIGTERM, then SIGKILL after {@code grace} (whole seconds,
   * rounded up). Returns at once; a poll sees the container end.
   */
  void stop(JobHandle h, Path dir, EndReason reason, Duration grace) {
    recordStop(dir, reason);
    if (starter(h).isPresent()) {
      return; // still being created: afterStart (or the next poll) stops it once it exists
    }
    stopped.add(h.name());
    long seconds = (grace.toMillis() + 999) / 1000;
    try {
      Process p = docker.start(List.of("stop", "--time", Long.toString(seconds), h.name()), Map.of(),
          ProcessBuilder.Redirect.DISCARD, ProcessBuilder.Redirect.DISCARD);
      p.onExit().thenRun(() -> LOG.debug("local: docker stop {} ended with {}", h.name(), p.exitValue()));
    } catch (IOException e) {
      LOG.warn("local: cannot stop container {} ({}): {}", h.name(), reason, e.getMessage());
    }
  }

  /** {@code docker rm -f}; a container that is already gone is success, decided by listing, not by message. */
  void destroy(JobHandle h, Path dir) {
    boolean attemptDir = Files.isDirectory(dir);
    if (attemptDir) {
      recordStop(dir, EndReason.DESTROYED);
    }
    Optional<ProcessHandle> starter = starter(h);
    starter.ifPresent(ProcessHandle::destroyForcibly);
    try {
      if (starter.isPresent()) {
        starter.get().onExit().get(10, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      throw new ProviderException(LocalProvider.ID, "the docker client creating " + h.name() + " did not exit", true, e);
    }
    DockerCli.Result r = docker.call(CALL_TIMEOUT, List.of("rm", "-f", h.name()));
    if (!r.ok() && list().stream().anyMatch(c -> c.name().equals(h.name()))) {
      throw new ProviderException(LocalProvider.ID, "`docker rm -f " + h.name() + "` failed: " + r.problem(), true, null);
    }
    if (attemptDir) {
      LocalProvider.writeExit(dir, LocalProvider.exitRecord(137, stopReason(dir).orElse(EndReason.DESTROYED),
          clock.instant()));
    }
    started.remove(h.name());
    stopped.remove(h.name());
  }

  /**
   * This work directory's containers, found by label.
   *
   * @throws ProviderException when the engine does not answer
   */
  List<Listed> list() {
    DockerCli.Result r = docker.call(CALL_TIMEOUT, List.of("ps", "-a", "--no-trunc",
        "--filter", "label=" + LABEL + "provider=" + LocalProvider.ID,
        "--filter", "label=" + LABEL + "work_dir=" + workDir, "--format", LIST_FORMAT));
    if (!r.ok()) {
      throw new ProviderException(LocalProvider.ID, "`docker ps` failed: " + r.problem(), true, null);
    }
    List<Listed> listed = new ArrayList<>();
    for (String line : r.out().split("\n")) {
      String[] f = line.split("\t", -1);
      if (f.length < 2 + LABELLED.size() || !ResourceNames.isFlashName(f[0])) {
        continue;
      }
      JobHandle.Builder b = JobHandle.builder().providerId(LocalProvider.ID).name(f[0]).putAttributes(ATTRIBUTE, f[0])
          .putAttributes("region", "local");
      for (int i = 0; i < LABELLED.size(); i++) {
        if (!f[2 + i].isEmpty()) {
          b.putAttributes(LABELLED.get(i), f[2 + i]);
        }
      }
      listed.add(new Listed(f[0], f[1], b.build()));
    }
    return listed;
  }

  /** {@link #list()}, or nothing when there is no engine to ask: no container runs without one. */
  List<Listed> listIfEngine() {
    try {
      return list();
    } catch (ProviderException e) {
      LOG.debug("local: no containers listed: {}", e.getMessage());
      return List.of();
    }
  }

  private void afterStart(String name, Path dir, Path console, Started s) {
    Optional<EndReason> reason = stopReason(dir);
    if (reason.isPresent()) {
      stop(JobHandle.builder().providerId(LocalProvider.ID).name(name).build(), dir, reason.get(), Duration.ZERO);
    }
    if (s.starter.exitValue() != 0) {
      return;
    }
    try {
      s.follower = docker.start(List.of("logs", "--follow", name), Map.of(),
          ProcessBuilder.Redirect.appendTo(console.toFile()), ProcessBuilder.Redirect.appendTo(console.toFile()));
    } catch (IOException e) {
      LOG.warn("local: cannot follow the console of container {}: {}", name, e.getMessage());
    }
  }

  /** The {@code .State} of the container, or empty when there is no such container. */
  private Optional<JsonNode> inspect(String name) {
    // Only .State: a bare inspect would print the container's environment, secrets included.
    DockerCli.Result r = docker.call(CALL_TIMEOUT, List.of("inspect", "--format", "{{json .State}}", name));
    if (r.ok()) {
      try {
        return Optional.of(WorkerFiles.JSON.readTree(r.out()));
      } catch (IOException e) {
        throw new ProviderException(LocalProvider.ID, "`docker inspect " + name + "` printed no state", true, e);
      }
    }
    if (list().stream().noneMatch(c -> c.name().equals(name))) {
      return Optional.empty();
    }
    throw new ProviderException(LocalProvider.ID, "`docker inspect " + name + "` failed: " + r.problem(), true, null);
  }

  private JobStatus ended(Path dir, Started s, int code, EndReason reason, boolean oomKilled, String detail) {
    Process follower = s == null ? null : s.follower;
    if (follower != null) {
      try {
        follower.waitFor(LOG_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    ObjectNode exit = LocalProvider.exitRecord(code, reason, clock.instant());
    exit.put("oom_killed", oomKilled).put("detail", detail);
    return LocalProvider.statusOf(LocalProvider.writeExit(dir, exit));
  }

  /** The docker client that is creating the container, while it runs. */
  private Optional<ProcessHandle> starter(JobHandle h) {
    Started s = started.get(h.name());
    return s != null ? Optional.of(s.starter.toHandle()).filter(ProcessHandle::isAlive)
        : LocalProvider.pidHandle(h).filter(ProcessHandle::isAlive);
  }

  /** The first reason wins: a destroy after a preemption is still a preemption. */
  private synchronized void recordStop(Path dir, EndReason reason) {
    if (stopReason(dir).isEmpty()) {
      WorkerFiles.writeAtomically(dir.resolve(STOP_REASON), reason.name(), false);
    }
  }

  private static Optional<EndReason> stopReason(Path dir) {
    try {
      return Optional.of(EndReason.valueOf(Files.readString(dir.resolve(STOP_REASON)).strip()));
    } catch (IOException | IllegalArgumentException none) {
      return Optional.empty();
    }
  }

  private static String lastLine(JobHandle h) {
    String tail = h.attribute("console").map(c -> WorkerFiles.tail(Path.of(c), 2000)).orElse("");
    String last = tail.strip().lines().reduce((a, b) -> b).orElse("(no output)");
    return last.length() > 300 ? last.substring(0, 300) + "…" : last;
  }

  private static void label(List<String> args, String key, String value) {
    args.addAll(List.of("--label", LABEL + key + "=" + value));
  }
}
