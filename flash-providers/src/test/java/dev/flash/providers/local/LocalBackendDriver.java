package dev.flash.providers.local;

import dev.flash.core.JobHandle;
import dev.flash.core.Secret;
import dev.flash.core.Workload;
import dev.flash.core.spi.LaunchRequest;
import dev.flash.core.spi.OfferQuery;
import dev.flash.core.spi.ProviderConfig;
import dev.flash.core.spi.ResourceNames;
import dev.flash.testkit.BackendDriver;
import dev.flash.testkit.ReceivedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Steers the local provider's "backend" (this machine) for the contract kit: real processes in a
 * temporary work directory, ended through a file the workload waits for, faults through the
 * provider's documented injection files. In container mode the backend is a {@link FakeDocker}
 * whose containers are real processes too.
 */
final class LocalBackendDriver implements BackendDriver {
  /** Waits until the driver writes an exit code into {@code exit-request} in its directory, then exits with it. */
  private static final String SCRIPT = "echo started; while [ ! -f exit-request ]; do sleep 0.05; done; "
      + "exit $(cat exit-request)";
  static final Workload WORKLOAD = Workload.builder().addCommand("/bin/sh", "-c", SCRIPT).build();
  /** The same workload in a container (the fake runs it in the container's own directory). */
  static final Workload CONTAINER_WORKLOAD = Workload.builder().image("ghcr.io/flash/contract-trainer:1")
      .addCommand("/bin/sh", "-c", SCRIPT).build();

  private final Path workDir;
  private final Optional<FakeDocker> docker;
  private final Path dockerDir;
  private final LocalProvider outsider;
  private final List<String> foreign = new ArrayList<>();
  private int failedLaunches;
  private boolean pendingFail;

  private LocalBackendDriver(boolean containers) {
    try {
      this.workDir = Files.createTempDirectory("flash-local-contract");
      this.dockerDir = Files.createTempDirectory("flash-local-docker");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.docker = containers ? Optional.of(FakeDocker.in(dockerDir)) : Optional.empty();
    this.outsider = LocalProvider.builder().workDir(workDir).docker(dockerExecutable()).gpuProbe(List::of).build();
  }

  /** Plain child processes; the provider gets no Docker client at all. */
  static LocalBackendDriver processes() {
    return new LocalBackendDriver(false);
  }

  /** Containers through a fake Docker client. */
  static LocalBackendDriver containers() {
    return new LocalBackendDriver(true);
  }

  private String dockerExecutable() {
    return docker.map(FakeDocker::executable).orElse(dockerDir.resolve("no-docker").toString());
  }

  private Workload workload() {
    return docker.isPresent() ? CONTAINER_WORKLOAD : WORKLOAD;
  }

  @Override
  public ProviderConfig config() {
    return ProviderConfig.of(Map.of("local.work-dir", workDir.toString(), "local.docker", dockerExecutable()), Map.of());
  }

  @Override
  public Optional<Secret> credential() {
    return Optional.empty();
  }

  @Override
  public Set<String> credentialHeaders() {
    return Set.of();
  }

  @Override
  public List<String> existingNames() {
    List<String> names = new ArrayList<>(foreign);
    if (docker.isPresent()) {
      docker.get().awaitRuns();
      names.addAll(docker.get().containers());
      return names;
    }
    for (Path dir : attemptDirs()) {
      if (Files.exists(dir.resolve("local.json")) && !Files.exists(dir.resolve("destroyed"))) {
        names.add(dir.getFileName().toString());
      }
    }
    return names;
  }

  @Override
  public int launchRequests() {
    consumeFailedLaunch();
    if (docker.isPresent()) {
      docker.get().awaitRuns();
      return docker.get().calls("run").size() + failedLaunches;
    }
    return (int) attemptDirs().stream().filter(d -> Files.exists(d.resolve("local.json"))).count() + failedLaunches;
  }

  @Override
  public List<ReceivedRequest> received() {
    return List.of(); // no network: nothing can carry a credential
  }

  @Override
  public void createExternally(String name) {
    Optional<ResourceNames.Parsed> parsed = ResourceNames.parse(name);
    if (parsed.isEmpty()) {
      foreign.add(name);
      return;
    }
    LaunchRequest r = LaunchRequest.builder().runId(parsed.get().prefix().substring("flash-".length()))
        .seed(parsed.get().seed()).attempt(parsed.get().attempt()).offer(outsider.offers(OfferQuery.any()).get(0))
        .workload(workload()).build();
    outsider.launch(r);
  }

  @Override
  public void finish(JobHandle handle) {
    requestExit(handle, 0);
  }

  @Override
  public void fail(JobHandle handle, int exitCode) {
    requestExit(handle, exitCode);
  }

  @Override
  public void preempt(JobHandle handle) {
    touch(workDir.resolve(handle.name()).resolve("preempt"), "");
  }

  @Override
  public void vanish(JobHandle handle) {
    if (docker.isPresent()) {
      docker.get().awaitRuns();
      docker.get().removeBehindTheBack(handle.name());
      return;
    }
    handle.attribute("pid").map(Long::parseLong).flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
    deleteTree(workDir.resolve(handle.name()));
  }

  @Override
  public void makeNextLaunchAmbiguous() {
    touch(workDir.resolve(".inject").resolve("next-launch"), "lost-answer");
  }

  @Override
  public void failNextLaunch() {
    consumeFailedLaunch();
    touch(workDir.resolve(".inject").resolve("next-launch"), "fail");
    pendingFail = true;
  }

  @Override
  public void exhaustCapacity() {
    touch(workDir.resolve(".inject").resolve("no-capacity"), "");
  }

  @Override
  public void restoreCapacity() {
    try {
      Files.deleteIfExists(workDir.resolve(".inject").resolve("no-capacity"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void tick() {
    try {
      Thread.sleep(20); // real processes: let them run a little between polls
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    for (Path dir : attemptDirs()) {
      Optional.ofNullable(dir.resolve("local.json")).filter(Files::exists)
          .flatMap(f -> dev.flash.providers.internal.WorkerFiles.read(f))
          .map(n -> n.path("pid").asLong()).flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
    }
    docker.ifPresent(FakeDocker::close);
    outsider.close();
    deleteTree(workDir);
    deleteTree(dockerDir);
  }

  /** A failed injected launch leaves no directory; count it when its fault file has been claimed. */
  private void consumeFailedLaunch() {
    if (pendingFail && !Files.exists(workDir.resolve(".inject").resolve("next-launch"))) {
      pendingFail = false;
      failedLaunches++;
    }
  }

  private void requestExit(JobHandle handle, int code) {
    docker.ifPresent(FakeDocker::awaitRuns);
    Path dir = docker.map(d -> d.root(handle.name())).orElse(workDir.resolve(handle.name()).resolve("work"));
    touch(dir.resolve("exit-request"), Integer.toString(code));
  }

  private List<Path> attemptDirs() {
    if (!Files.isDirectory(workDir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(workDir)) {
      return s.filter(p -> ResourceNames.isFlashName(p.getFileName().toString())).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void touch(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, content);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
