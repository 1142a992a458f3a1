package dev.flash.providers.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flash.core.FailureClass;
import dev.flash.core.FlashException;
import dev.flash.core.GpuOffer;
import dev.flash.core.JobHandle;
import dev.flash.core.Money;
import dev.flash.core.ProviderException;
import dev.flash.core.RunState;
import dev.flash.core.Secret;
import dev.flash.core.spi.JobStatus;
import dev.flash.core.spi.LaunchRejectedException;
import dev.flash.core.spi.LaunchRequest;
import dev.flash.core.spi.LogChunk;
import dev.flash.core.spi.OfferQuery;
import dev.flash.core.spi.OwnedResource;
import dev.flash.core.spi.Provider;
import dev.flash.core.spi.ResourceNames;
import dev.flash.providers.internal.WorkerFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each attempt as a child process of this JVM: the embedded default provider, needing no cloud
 * account. Each attempt gets its own directory {@code <workDir>/<resource name>/} holding the
 * process's working directory ({@code work/}) and a small record ({@code local.json}); console output
 * goes to {@code console.log} in the attempt's artifact location (or the attempt directory).
 *
 * <ul>
 *   <li>The child's environment is built from scratch (PATH, HOME, LANG, TMPDIR, JAVA_HOME plus the
 *       workload's variables and secrets), so nothing of the control process's environment, such as a
 *       cloud API key, reaches it.
 *   <li>{@link #cancel} sends SIGTERM and SIGKILL after the grace period; {@link #destroy} kills at
 *       once and marks the attempt gone.
 *   <li>The wall-clock cap kills the attempt when reached (failure class JOB_FAILED: a retry would be
 *       cut off the same way).
 *   <li>Preemption can be injected: {@link Builder#preempt} kills a chosen attempt a chosen time after
 *       its start, {@link #preemptNow} kills one now, and a file {@code <workDir>/<name>/preempt}
 *       (touched by anyone, e.g. from a shell) kills it at the next poll; each is reported as PREEMPTED.
 *   <li>Launch faults can be injected through files in {@code <workDir>/.inject/}: {@code next-launch}
 *       containing {@code lost-answer} (the next launch starts its process, then reports an unknown
 *       outcome) or {@code fail} (the next launch fails before starting anything), and
 *       {@code no-capacity} (while it exists, launches are refused with noCapacity and offers show
 *       capacity 0). They let a supervisor's fault handling be exercised with real processes.
 *   <li>Offers: one CPU offer at $0 (device memory = half this machine's RAM), plus GPU offers when
 *       {@code nvidia-smi} lists GPUs.
 *   <li>A workload that names an image runs in a Docker container instead (container mode, see
 *       {@link Builder#docker}): named after the attempt, labelled so that {@link #listOwned} finds it
 *       from any control process on the same work directory, the worker protocol's directories
 *       mounted at the same paths, variables passed by name only, {@code --gpus all} on a GPU offer.
 *       Cancel is {@code docker stop}, destroy {@code docker rm -f}. Without a reachable Docker engine
 *       such a launch is refused.
 * </ul>
 */
public final class LocalProvider implements Provider {
  public static final String ID = "local";
  private static final Logger LOG = LoggerFactory.getLogger(LocalProvider.class);
  private static final String RECORD = "local.json";
  private static final String EXIT = "exit.json";
  private static final String GONE = "destroyed";
  static final String PREEMPT = "preempt";
  static final String CPU_CLASS = "cpu";
  private static final String INJECT = ".inject";
  private static final List<String> INHERITED_ENV = List.of("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "JAVA_HOME", "USER");

  /**
   * An injected preemption: kill attempt {@code attempt} (of any run) {@code after} its start.
   *
   * @param attempt the attempt number to hit (1 = first)
   * @param after how long after launch
   */
  public record Preemption(int attempt, Duration after) {
    public Preemption {
      if (attempt < 1 || after.isNegative()) {
        throw new IllegalArgumentException("a preemption needs an attempt ≥ 1 and a non-negative delay");
      }
    }
  }

  /** Why an attempt ended, beyond its exit code. */
  enum EndReason { EXITED, CANCELLED, PREEMPTED, WALL_CAP, DESTROYED, START_FAILED }

  /** A live child this JVM started. */
  private static final class Child {
    final Process process;
    final Path dir;
    volatile EndReason reason = EndReason.EXITED;

    Child(Process process, Path dir) {
      this.process = process;
      this.dir = dir;
    }
  }

  private final Path workDir;
  private final Clock clock;
  private final Duration cancelGrace;
  private final List<Preemption> preemptions;
  private final Supplier<List<GpuOffer>> gpuProbe;
  private final Map<String, Child> children = new ConcurrentHashMap<>();
  private final Containers containers;
  private final ScheduledExecutorService timers;

  private LocalProvider(Builder b) {
    this.workDir = b.workDir.toAbsolutePath().normalize();
    this.clock = b.clock;
    this.cancelGrace = b.cancelGrace;
    this.preemptions = List.copyOf(b.preemptions);
    this.gpuProbe = b.gpuProbe;
    this.containers = new Containers(new DockerCli(b.docker, System.getenv()), workDir, clock);
    this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "flash-local-timers");
      t.setDaemon(true);
      return t;
    });
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String id() {
    return ID;
  }

  public Path workDir() {
    return workDir;
  }

  @Override
  public List<GpuOffer> offers(OfferQuery query) {
    List<GpuOffer> all = new ArrayList<>();
    all.add(GpuOffer.builder().provider(ID).gpuClass(CPU_CLASS).gpuCount(1)
        .gpuMemoryGib(hostMemoryGib() / 2).region("local").pricePerHour(Money.ZERO)
        .sku("cpu-" + Runtime.getRuntime().availableProcessors())
        .capacity(soldOut() ? OptionalInt.of(0) : OptionalInt.empty()).build());
    all.addAll(gpuProbe.get());
    return all.stream()
        .filter(o -> query.gpuClasses().isEmpty() || query.gpuClasses().contains(o.gpuClass()))
        .filter(o -> query.minGpuMemoryGib().map(m -> o.gpuMemoryGib() >= m).orElse(true))
        .filter(o -> query.regions().isEmpty() || query.regions().contains(o.region()))
        .toList();
  }

  @Override
  public JobHandle launch(LaunchRequest request) {
    if (!request.offer().provider().equals(ID)) {
      throw new LaunchRejectedException(ID, "offer " + request.offer().describe() + " is not a local offer",
          OptionalInt.empty(), false, Optional.empty());
    }
    if (soldOut()) {
      throw new LaunchRejectedException(ID, "no capacity (injected: " + workDir.resolve(INJECT).resolve("no-capacity")
          + " exists)", OptionalInt.empty(), true, Optional.empty());
    }
    boolean container = request.workload().image().isPresent();
    if (container) {
      containers.refusal(request).ifPresent(why -> {
        throw new LaunchRejectedException(ID, why, OptionalInt.empty(), false, Optional.empty());
      });
    }
    String fault = takeLaunchFault();
    if (fault.equals("fail")) {
      throw new ProviderException(ID, "launch of " + request.name() + " failed before starting anything (injected)",
          true, null);
    }
    Path dir = workDir.resolve(request.name());
    try {
      Files.createDirectories(workDir);
      Files.createDirectory(dir); // fails if this attempt was launched before: one launch per name
      Path console = request.artifactLocation().map(Path::of).orElse(dir).resolve(WorkerFiles.CONSOLE);
      Files.createDirectories(console.getParent());
      ObjectNode rec = WorkerFiles.JSON.createObjectNode();
      rec.put("name", request.name()).put("launched_at", clock.instant().toString())
          .put("price_micros_per_hour", request.offer().pricePerHour().micros())
          .put("console", console.toString()).put("gpu_class", request.offer().gpuClass());
      Process p;
      if (container) {
        p = containers.start(request, dir, console, rec);
        rec.put(Containers.ATTRIBUTE, request.name());
      } else {
        p = startProcess(request, Files.createDirectories(dir.resolve("work")), console);
        Child child = new Child(p, dir);
        children.put(request.name(), child);
        p.onExit().thenRun(() -> recordExit(request.name(), child));
      }
      rec.put("pid", p.pid()).put("process_start", p.info().startInstant().map(Instant::toString).orElse(""));
      WorkerFiles.writeAtomically(dir.resolve(RECORD), rec.toString(), true);
      JobHandle handle = handle(request.name(), rec);
      request.wallClockCap().ifPresent(cap -> timers.schedule(() -> end(handle, EndReason.WALL_CAP, Duration.ZERO),
          cap.toMillis(), TimeUnit.MILLISECONDS));
      for (Preemption pre : preemptions) {
        if (pre.attempt() == request.attempt()) {
          timers.schedule(() -> end(handle, EndReason.PREEMPTED, Duration.ZERO), pre.after().toMillis(),
              TimeUnit.MILLISECONDS);
        }
      }
      LOG.debug("local: started {} as pid {}{}", request.name(), p.pid(), container ? " (docker run)" : "");
      if (fault.equals("lost-answer")) {
        throw new ProviderException(ID, "launch of " + request.name() + " has an unknown outcome (injected: the "
            + "answer was lost); reconcile with find(name)", true, null);
      }
      return handle;
    } catch (java.nio.file.FileAlreadyExistsException e) {
      throw new ProviderException(ID, "attempt " + request.name() + " was already launched in " + dir
          + "; find it with find(name) instead of launching it again", false, e);
    } catch (IOException e) {
      // Nothing billed exists when the process did not start; clean the directory so a retry can use the name.
      deleteQuietly(dir);
      throw new LaunchRejectedException(ID, "cannot start " + request.name() + ": " + e.getMessage(),
          OptionalInt.empty(), false, Optional.empty());
    }
  }

  /** The workload's command as a child process whose environment is built from scratch. */
  private static Process startProcess(LaunchRequest request, Path work, Path console) throws IOException {
    List<String> argv = new ArrayList<>(request.workload().command());
    argv.addAll(request.workload().args());
    ProcessBuilder pb = new ProcessBuilder(argv).directory(work.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()));
    Map<String, String> env = pb.environment();
    Map<String, String> parent = Map.copyOf(env);
    env.clear();
    for (String k : INHERITED_ENV) {
      if (parent.containsKey(k)) {
        env.put(k, parent.get(k));
      }
    }
    env.putAll(request.workload().env());
    env.putAll(request.env());
    for (Map.Entry<String, Secret> s : request.secrets().entrySet()) {
      env.put(s.getKey(), s.getValue().reveal());
    }
    return pb.start();
  }

  @Override
  public Optional<JobHandle> find(String resourceName) {
    Path dir = workDir.resolve(resourceName);
    if (!ResourceNames.isFlashName(resourceName) || Files.exists(dir.resolve(GONE))) {
      return Optional.empty();
    }
    return WorkerFiles.read(dir.resolve(RECORD)).map(rec -> handle(resourceName, rec));
  }

  @Override
  public JobStatus poll(JobHandle handle) {
    String name = handle.name();
    Path dir = workDir.resolve(name);
    if (!Files.isDirectory(dir)) {
      throw new ProviderException(ID, "no local attempt " + name + " under " + workDir, OptionalInt.of(404),
          Optional.empty(), Optional.empty(), false, null);
    }
    Optional<JsonNode> exit = WorkerFiles.read(dir.resolve(EXIT));
    if (exit.isEmpty() && handle.attribute(Containers.ATTRIBUTE).isPresent()) {
      return containers.poll(handle, dir);
    }
    if (exit.isEmpty() && Files.exists(dir.resolve(PREEMPT))) {
      preemptByFile(handle, dir);
      exit = WorkerFiles.read(dir.resolve(EXIT));
    }
    if (exit.isEmpty()) {
      Child child = children.get(name);
      if (child != null) {
        if (child.process.isAlive()) {
          return JobStatus.of(RunState.RUNNING);
        }
        recordExit(name, child);
        exit = WorkerFiles.read(dir.resolve(EXIT));
      } else if (isAlive(handle)) {
        return JobStatus.of(RunState.RUNNING);
      } else {
        return JobStatus.failed(FailureClass.STALLED,
            "process " + handle.attribute("pid").orElse("?") + " is gone and left no exit record "
                + "(the control process that started it stopped)");
      }
    }
    return statusOf(exit.orElseThrow());
  }

  @Override
  public LogChunk logs(JobHandle handle, long offset, int maxBytes) {
    Path console = Path.of(handle.attribute("console").orElse(workDir.resolve(handle.name()).resolve(WorkerFiles.CONSOLE).toString()));
    boolean ended = Files.exists(workDir.resolve(handle.name()).resolve(EXIT));
    return WorkerFiles.chunk(console, offset, maxBytes, ended);
  }

  @Override
  public void cancel(JobHandle handle) {
    if (handle.attribute(Containers.ATTRIBUTE).isPresent() || children.containsKey(handle.name())) {
      end(handle, EndReason.CANCELLED, cancelGrace);
    } else {
      pidHandle(handle).ifPresent(ProcessHandle::destroy);
    }
  }

  @Override
  public void destroy(JobHandle handle) {
    Path dir = workDir.resolve(handle.name());
    if (handle.attribute(Containers.ATTRIBUTE).isPresent()) {
      containers.destroy(handle, dir); // a container can outlive its attempt directory: ask docker even without one
    } else if (Files.isDirectory(dir)) {
      killProcess(handle);
    }
    if (Files.isDirectory(dir)) {
      WorkerFiles.writeAtomically(dir.resolve(GONE), clock.instant().toString(), true);
    }
    children.remove(handle.name());
  }

  private void killProcess(JobHandle handle) {
    Child child = children.get(handle.name());
    if (child != null) {
      kill(child, EndReason.DESTROYED, Duration.ZERO);
      try {
        child.process.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new ProviderException(ID, "process of " + handle.name() + " did not exit after SIGKILL", true, e);
      }
      recordExit(handle.name(), child);
    } else {
      pidHandle(handle).ifPresent(ph -> {
        ph.descendants().forEach(ProcessHandle::destroyForcibly);
        ph.destroyForcibly();
      });
    }
  }

  @Override
  public List<OwnedResource> listOwned() {
    Map<String, Containers.Listed> listed = new LinkedHashMap<>();
    containers.listIfEngine().forEach(c -> listed.put(c.name(), c));
    List<OwnedResource> owned = new ArrayList<>();
    if (Files.isDirectory(workDir)) {
      try (Stream<Path> dirs = Files.list(workDir)) {
        for (Path dir : dirs.toList()) {
          String name = dir.getFileName().toString();
          Optional<JsonNode> rec = WorkerFiles.read(dir.resolve(RECORD));
          if (!ResourceNames.isFlashName(name) || Files.exists(dir.resolve(GONE)) || rec.isEmpty()) {
            continue;
          }
          JobHandle h = handle(name, rec.get());
          Containers.Listed c = listed.remove(name);
          String state = Files.exists(dir.resolve(EXIT)) ? "exited" : c != null ? c.state() : isAlive(h) ? "running" : "lost";
          owned.add(new OwnedResource(name, h, state, h.attribute("launched_at").map(Instant::parse)));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + workDir, e);
      }
    }
    // Containers whose attempt directory is gone (destroyed as far as the directory knows, or deleted)
    for (Containers.Listed c : listed.values()) {
      owned.add(new OwnedResource(c.name(), c.handle(), c.state(), c.handle().attribute("launched_at").map(Instant::parse)));
    }
    return owned;
  }

  @Override
  public Optional<Money> realizedCost(JobHandle handle) {
    Instant start = handle.attribute("launched_at").map(Instant::parse).orElse(null);
    if (start == null) {
      return Optional.empty();
    }
    Instant end = WorkerFiles.read(workDir.resolve(handle.name()).resolve(EXIT))
        .map(n -> Instant.parse(n.path("at").asText())).orElse(clock.instant());
    Money rate = Money.ofMicros(Long.parseLong(handle.attribute("price_micros_per_hour").orElse("0")));
    return Optional.of(rate.forSeconds(Math.max(0, Duration.between(start, end).toMillis() / 1000.0)));
  }

  /** Kills the attempt now as a preemption would (SIGKILL, reported as PREEMPTED). */
  public void preemptNow(JobHandle handle) {
    if (handle.attribute(Containers.ATTRIBUTE).isEmpty() && !children.containsKey(handle.name())) {
      throw new FlashException("attempt " + handle.name() + " is not a running child of this provider");
    }
    end(handle, EndReason.PREEMPTED, Duration.ZERO);
  }

  @Override
  public void close() {
    timers.shutdownNow();
  }

  private void preemptByFile(JobHandle handle, Path dir) {
    Child child = children.get(handle.name());
    if (child != null) {
      kill(child, EndReason.PREEMPTED, Duration.ZERO);
      try {
        child.process.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new ProviderException(ID, "process of " + handle.name() + " did not exit after SIGKILL", true, e);
      }
      recordExit(handle.name(), child);
      return;
    }
    pidHandle(handle).ifPresent(ph -> {
      ph.descendants().forEach(ProcessHandle::destroyForcibly);
      ph.destroyForcibly();
    });
    writeExit(dir, exitRecord(137, EndReason.PREEMPTED, clock.instant()));
  }

  private boolean soldOut() {
    return Files.exists(workDir.resolve(INJECT).resolve("no-capacity"));
  }

  /** Claims the injected fault for the next launch, if any: deleting the file is the claim, so one launch gets it. */
  private String takeLaunchFault() {
    Path f = workDir.resolve(INJECT).resolve("next-launch");
    try {
      String fault = Files.readString(f).trim();
      Files.delete(f);
      return fault;
    } catch (IOException none) {
      return "";
    }
  }

  /** Stops a container or a child of this JVM for {@code reason}, SIGKILL after {@code grace}. */
  private void end(JobHandle handle, EndReason reason, Duration grace) {
    if (handle.attribute(Containers.ATTRIBUTE).isPresent()) {
      containers.stop(handle, workDir.resolve(handle.name()), reason, grace);
      return;
    }
    Child child = children.get(handle.name());
    if (child != null) {
      kill(child, reason, grace);
    }
  }

  private void kill(Child child, EndReason reason, Duration grace) {
    if (!child.process.isAlive()) {
      return;
    }
    child.reason = reason;
    if (grace.isZero()) {
      child.process.descendants().forEach(ProcessHandle::destroyForcibly);
      child.process.destroyForcibly();
      return;
    }
    child.process.destroy();
    timers.schedule(() -> {
      if (child.process.isAlive()) {
        child.process.descendants().forEach(ProcessHandle::destroyForcibly);
        child.process.destroyForcibly();
      }
    }, grace.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void recordExit(String name, Child child) {
    synchronized (child) {
      Path exit = child.dir.resolve(EXIT);
      // A directory destroyed (or vanished) before the process was reaped stays gone: no exit record recreates it.
      if (Files.exists(exit) || child.process.isAlive() || !Files.isDirectory(child.dir)) {
        return;
      }
      writeExit(child.dir, exitRecord(child.process.exitValue(), child.reason, clock.instant()));
      LOG.debug("local: {} ended ({}, exit {})", name, child.reason, child.process.exitValue());
    }
  }

  static ObjectNode exitRecord(int code, EndReason reason, Instant at) {
    ObjectNode n = WorkerFiles.JSON.createObjectNode();
    n.put("code", code).put("reason", reason.name()).put("at", at.toString());
    return n;
  }

  /** Writes the attempt's exit record unless it has one; returns the record that holds. */
  static synchronized JsonNode writeExit(Path dir, ObjectNode exit) {
    Optional<JsonNode> before = WorkerFiles.read(dir.resolve(EXIT));
    if (before.isPresent()) {
      return before.get();
    }
    WorkerFiles.writeAtomically(dir.resolve(EXIT), exit.toString(), true);
    return exit;
  }

  static JobStatus statusOf(JsonNode exit) {
    int code = exit.path("code").asInt(-1);
    EndReason reason = EndReason.valueOf(exit.path("reason").asText("EXITED"));
    JobStatus s = switch (reason) {
      case PREEMPTED -> JobStatus.failed(FailureClass.PREEMPTED, "preempted (injected)");
      case WALL_CAP -> JobStatus.failed(FailureClass.JOB_FAILED, "killed at its wall-clock cap");
      case CANCELLED, DESTROYED -> new JobStatus(RunState.CANCELLED, Optional.empty(), Optional.empty(),
          reason == EndReason.CANCELLED ? "cancelled" : "destroyed", OptionalInt.empty());
      case START_FAILED -> JobStatus.failed(FailureClass.JOB_FAILED, exit.path("detail").asText("the container could not start"));
      case EXITED -> code == 0 ? JobStatus.of(RunState.SUCCEEDED)
          : exit.path("oom_killed").asBoolean() ? JobStatus.failed(FailureClass.JOB_FAILED, "the kernel's out-of-memory "
              + "killer ended the container (exit " + code + "): the workload needs more memory than this machine gave it")
          : JobStatus.failed(FailureClass.JOB_FAILED, "exited with code " + code);
    };
    return s.withExitCode(code);
  }

  private JobHandle handle(String name, JsonNode rec) {
    JobHandle.Builder b = JobHandle.builder().providerId(ID).name(name);
    rec.fields().forEachRemaining(e -> {
      if (!e.getKey().equals("name")) {
        b.putAttributes(e.getKey(), e.getValue().asText());
      }
    });
    b.putAttributes("region", "local");
    return b.build();
  }

  private boolean isAlive(JobHandle h) {
    return pidHandle(h).map(ProcessHandle::isAlive).orElse(false);
  }

  /** The process of a handle, only if it is still the same process (pid not reused). */
  static Optional<ProcessHandle> pidHandle(JobHandle h) {
    Optional<ProcessHandle> ph = h.attribute("pid").map(Long::parseLong).flatMap(ProcessHandle::of);
    String started = h.attribute("process_start").orElse("");
    return ph.filter(p -> started.isEmpty()
        || p.info().startInstant().map(i -> i.toString().equals(started)).orElse(false));
  }

  private static double hostMemoryGib() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return Math.floor(sun.getTotalMemorySize() / (1024.0 * 1024 * 1024) * 10) / 10;
    }
    return 1;
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: a leftover empty directory only blocks reusing this attempt's name
    }
  }

  /** Defaults: work directory {@code <tmp>/flash-local}, 10 s cancel grace, GPUs from nvidia-smi. */
  public static final class Builder {
    private Path workDir = Path.of(System.getProperty("java.io.tmpdir"), "flash-local");
    private Clock clock = Clock.systemUTC();
    private Duration cancelGrace = Duration.ofSeconds(10);
    private final List<Preemption> preemptions = new ArrayList<>();
    private Supplier<List<GpuOffer>> gpuProbe = NvidiaSmi::offers;
    private String docker = "docker";

    private Builder() {}

    public Builder workDir(Path dir) {
      this.workDir = Objects.requireNonNull(dir);
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** Time between SIGTERM and SIGKILL on cancel. */
    public Builder cancelGrace(Duration grace) {
      this.cancelGrace = Objects.requireNonNull(grace);
      return this;
    }

    /** Kills attempt {@code attempt} of every run {@code after} its launch, reported as PREEMPTED. */
    public Builder preempt(int attempt, Duration after) {
      preemptions.add(new Preemption(attempt, after));
      return this;
    }

    /** Replaces the nvidia-smi probe (tests; machines with another GPU tool). */
    public Builder gpuProbe(Supplier<List<GpuOffer>> probe) {
      this.gpuProbe = Objects.requireNonNull(probe);
      return this;
    }

    /**
     * The Docker client that runs workloads naming an image (container mode): a name looked up on
     * PATH or a path; default {@code docker}. Its engine must answer {@code docker version}.
     */
    public Builder docker(String executable) {
      this.docker = Objects.requireNonNull(executable);
      return this;
    }

    public LocalProvider build() {
      return new LocalProvider(this);
    }
  }
}
