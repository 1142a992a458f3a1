package dev.flash.providers.local;

import static dev.flash.providers.local.LocalProviderTest.allLogs;
import static dev.flash.providers.local.LocalProviderTest.awaitTerminal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flash.core.FailureClass;
import dev.flash.core.GpuOffer;
import dev.flash.core.JobHandle;
import dev.flash.core.ModelRef;
import dev.flash.core.Resources;
import dev.flash.core.RunSpec;
import dev.flash.core.RunState;
import dev.flash.core.Secret;
import dev.flash.core.TrainingSetup;
import dev.flash.core.Workload;
import dev.flash.core.spi.JobStatus;
import dev.flash.core.spi.LaunchRejectedException;
import dev.flash.core.spi.LaunchRequest;
import dev.flash.core.spi.OfferQuery;
import dev.flash.core.spi.OwnedResource;
import dev.flash.core.spi.ResourceNames;
import dev.flash.core.spi.SweepReport;
import dev.flash.core.spi.SweepScope;
import dev.flash.providers.FlashWorker;
import dev.flash.providers.RunHandle;
import dev.flash.providers.RunOutcome;
import dev.flash.providers.RunResult;
import dev.flash.providers.RunSupervisor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local provider's container mode against a fake Docker client that records its command lines
 * and runs each container as a real child process: the exact {@code docker} command lines, and the
 * lifecycle directly and through the run supervisor.
 */
class LocalContainerTest {
  static final String IMAGE = "ghcr.io/acme/train:1";

  @TempDir
  Path dir;
  FakeDocker docker;
  Path work;
  final List<LocalProvider> providers = new ArrayList<>();

  @BeforeEach
  void fake() throws IOException {
    docker = FakeDocker.in(Files.createDirectories(dir.resolve("fake")));
    work = dir.resolve("work");
  }

  @AfterEach
  void cleanUp() {
    for (LocalProvider p : providers) {
      p.listOwned().forEach(r -> p.destroy(r.handle()));
      p.close();
    }
    docker.close();
  }

  LocalProvider provider(LocalProvider.Builder b) {
    LocalProvider p = b.workDir(work).docker(docker.executable()).cancelGrace(Duration.ofMillis(500)).build();
    providers.add(p);
    return p;
  }

  LocalProvider provider() {
    return provider(LocalProvider.builder().gpuProbe(List::of));
  }

  static Workload shell(String script) {
    return Workload.builder().image(IMAGE).addCommand("/bin/sh", "-c", script).build();
  }

  static LaunchRequest request(LocalProvider p, String runId, int attempt, Workload w) {
    return LaunchRequest.builder().runId(runId).attempt(attempt).offer(p.offers(OfferQuery.any()).get(0)).workload(w)
        .build();
  }

  static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  // ---------------------------------------------------------------- the command lines

  @Test
  void dockerRunNamesLabelsMountsAndPassesVariablesByNameOnly() throws Exception {
    GpuOffer a100 = NvidiaSmi.parse("NVIDIA A100-SXM4-80GB, 81920\n").get(0);
    Instant now = Instant.parse("2026-03-01T10:00:00Z");
    LocalProvider p = provider(LocalProvider.builder().gpuProbe(() -> List.of(a100))
        .clock(Clock.fixed(now, ZoneOffset.UTC)));
    Path attemptDir = dir.resolve("artifacts/cmd-line/s0/a1");
    Path checkpoints = dir.resolve("artifacts/cmd-line/s0/checkpoints");
    String secret = "hf_" + Long.toHexString(System.nanoTime()) + "secret";
    String script = "printf %s \"$HF_TOKEN\" | sha256sum; echo \"mode=$MODE home=$HOME\"; env | cut -d= -f1 | sort";
    LaunchRequest r = LaunchRequest.builder().runId("cmd-line").offer(a100)
        .workload(Workload.builder().image(IMAGE).addCommand("/bin/sh", "-c", script)
            .putEnv("MODE", "demo").putEnv("HOME", "/home/trainer").build())
        .putEnv(FlashWorker.ATTEMPT_DIR, attemptDir.toString()).putEnv(FlashWorker.CHECKPOINT_DIR, checkpoints.toString())
        .putSecrets("HF_TOKEN", Secret.of(secret)).putLabels("team", "ml").putLabels("dev.flash.name", "spoofed")
        .artifactLocation(attemptDir.toString()).build();
    JobHandle h = p.launch(r);
    String name = r.name();
    Path console = attemptDir.resolve("console.log");
    assertEquals(List.of("run", "-d", "--name", name, "--init", "--ipc=host", "--gpus", "all",
        "--label", "dev.flash.provider=local", "--label", "dev.flash.name=" + name,
        "--label", "dev.flash.work_dir=" + work.toAbsolutePath(),
        "--label", "dev.flash.launched_at=" + now, "--label", "dev.flash.price_micros_per_hour=0",
        "--label", "dev.flash.console=" + console, "--label", "dev.flash.gpu_class=" + a100.gpuClass(),
        "--label", "team=ml",
        "-v", attemptDir + ":" + attemptDir, "-v", checkpoints + ":" + checkpoints,
        "-e", "MODE", "-e", "HOME=/home/trainer", "-e", FlashWorker.ATTEMPT_DIR, "-e", FlashWorker.CHECKPOINT_DIR,
        "-e", "HF_TOKEN",
        "--entrypoint", "/bin/sh", IMAGE, "-c", script), docker.runOf(name));
    assertTrue(Files.isDirectory(attemptDir) && Files.isDirectory(checkpoints), "mount sources are created first");

    assertEquals(RunState.SUCCEEDED, awaitTerminal(p, h).state());
    List<String> out = allLogs(p, h).lines().toList();
    assertEquals(sha256(secret) + "  -", out.get(0), "the container got the secret's value");
    assertEquals("mode=demo home=/home/trainer", out.get(1));
    Set<String> keys = Set.copyOf(out.subList(2, out.size()));
    assertTrue(Set.of("PATH", "PWD", "MODE", "HOME", FlashWorker.ATTEMPT_DIR, FlashWorker.CHECKPOINT_DIR, "HF_TOKEN")
        .containsAll(keys), "the container saw more of this JVM's environment than it was given: " + keys);
    for (List<String> call : docker.calls()) {
      assertFalse(String.join(" ", call).contains(secret), "a secret on a docker command line: " + call.get(0));
    }
    try (Stream<Path> files = Files.walk(dir).filter(Files::isRegularFile).filter(f -> !f.startsWith(dir.resolve("fake")))) {
      for (Path f : files.toList()) {
        assertFalse(Files.readString(f, StandardCharsets.ISO_8859_1).contains(secret), "a secret in " + f);
      }
    }
  }

  @Test
  void argsWithoutACommandKeepTheImageEntrypointAndACpuOfferGetsNoGpus() throws Exception {
    LocalProvider p = provider();
    LaunchRequest r = request(p, "args-only", 1,
        Workload.builder().image(IMAGE).addArgs("/bin/sh", "-c", "echo from-args").build());
    JobHandle h = p.launch(r);
    List<String> run = docker.runOf(r.name());
    assertFalse(run.contains("--gpus") || run.contains("--entrypoint"), run.toString());
    assertEquals(List.of(IMAGE, "/bin/sh", "-c", "echo from-args"), run.subList(run.indexOf(IMAGE), run.size()));
    assertEquals(RunState.SUCCEEDED, awaitTerminal(p, h).state());
    assertEquals("from-args\n", allLogs(p, h));
  }

  @Test
  void aCommandWithoutAnImageStillRunsAsAPlainProcess() throws Exception {
    LocalProvider p = provider();
    JobHandle h = p.launch(LocalProviderTest.request(p, 1, "echo plain"));
    assertEquals(RunState.SUCCEEDED, awaitTerminal(p, h).state());
    assertTrue(docker.calls("run").isEmpty(), "no container for a plain command: " + docker.calls());
    assertTrue(h.attribute("container").isEmpty());
  }

  // ---------------------------------------------------------------- refusals and start failures

  @Test
  void withoutAnEngineAnImageLaunchIsRefusedSayingHowToFixIt() {
    docker.engineDown(true);
    LocalProvider p = provider();
    LaunchRequest r = request(p, "no-engine", 1, shell("true"));
    LaunchRejectedException e = assertThrows(LaunchRejectedException.class, () -> p.launch(r));
    assertFalse(e.noCapacity());
    assertTrue(e.getMessage().contains("Docker engine is not reachable"), e.getMessage());
    assertTrue(e.getMessage().contains("Cannot connect to the Docker daemon"), e.getMessage());
    assertTrue(e.getMessage().contains("Start the engine") && e.getMessage().contains("command without an image"),
        e.getMessage());
    assertTrue(docker.calls("run").isEmpty());
    assertTrue(p.find(r.name()).isEmpty());
    assertFalse(Files.exists(work.resolve(r.name())), "nothing is left of a refused launch");
    assertEquals(List.of(), p.listOwned(), "without an engine the listing holds no containers");
  }

  @Test
  void withoutADockerClientAnImageLaunchIsRefused() {
    LocalProvider p = LocalProvider.builder().workDir(work).gpuProbe(List::of)
        .docker(dir.resolve("no-such-docker").toString()).build();
    providers.add(p);
    LaunchRejectedException e = assertThrows(LaunchRejectedException.class,
        () -> p.launch(request(p, "no-client", 1, shell("true"))));
    assertTrue(e.getMessage().contains("cannot run") && e.getMessage().contains("no-such-docker"), e.getMessage());
  }

  @Test
  void aSecretNamedLikeAClientVariableIsRefused() {
    LocalProvider p = provider();
    LaunchRequest r = LaunchRequest.builder().from(request(p, "clash", 1, shell("true")))
        .putSecrets("DOCKER_HOST", Secret.of("tcp://x")).build();
    LaunchRejectedException e = assertThrows(LaunchRejectedException.class, () -> p.launch(r));
    assertTrue(e.getMessage().contains("DOCKER_HOST"), e.getMessage());
    assertTrue(docker.calls("run").isEmpty());
  }

  @Test
  void aFailedDockerRunFailsTheAttemptWithTheClientsMessage() throws Exception {
    docker.failRuns(Optional.of("Unable to find image 'ghcr.io/acme/train:1' locally\n"
        + "docker: Error response from daemon: pull access denied for ghcr.io/acme/train"));
    LocalProvider p = provider();
    JobHandle h = p.launch(request(p, "pull-denied", 1, shell("true")));
    JobStatus s = awaitTerminal(p, h);
    assertEquals(Optional.of(FailureClass.JOB_FAILED), s.failure());
    assertTrue(s.detail().contains("docker run failed (exit 125)") && s.detail().contains("pull access denied"),
        s.detail());
    assertTrue(allLogs(p, h).contains("Unable to find image"), "the client's words are in the console");
  }

  @Test
  void whilePullingTheAttemptIsProvisioningAndACancelStopsItOnceCreated() throws Exception {
    docker.holdPulls(true);
    LocalProvider p = provider();
    JobHandle h = p.launch(request(p, "pulling", 1, shell("echo started; while true; do sleep 0.05; done")));
    assertEquals(RunState.PROVISIONING, p.poll(h).state());
    p.cancel(h);
    assertEquals(RunState.PROVISIONING, p.poll(h).state(), "the cancel waits for the container to exist");
    assertEquals(List.of(), docker.containers());
    docker.holdPulls(false);
    assertEquals(RunState.CANCELLED, awaitTerminal(p, h).state());
    assertEquals(List.of("stop", "--time", "0", h.name()), docker.calls("stop").get(0));
  }

  // ---------------------------------------------------------------- outcomes

  /** Runs {@code script} in a container to its end and checks that it is a job failure with this exit code. */
  JobStatus jobFailure(String runId, String script, int exitCode) throws Exception {
    LocalProvider p = provider();
    JobStatus s = awaitTerminal(p, p.launch(request(p, runId, 1, shell(script))));
    assertEquals(Optional.of(FailureClass.JOB_FAILED), s.failure(), s.toString());
    assertEquals(exitCode, s.exitCode().getAsInt(), s.toString());
    return s;
  }

  @Test
  void aNonZeroExitIsAJobFailureWithItsCode() throws Exception {
    assertEquals("exited with code 3", jobFailure("exit-3", "exit 3", 3).detail());
  }

  @Test
  void anOomKilledContainerSaysSo() throws Exception {
    // the fake reports OOMKilled when a container leaves ../oom beside its root
    String detail = jobFailure("oom", "touch ../oom; kill -9 $$", 137).detail();
    assertTrue(detail.contains("out-of-memory"), detail);
  }

  record Cancelled(JobStatus status, String console) {}

  /** Cancels a container once its workload printed "ready" (its trap is set), and waits for its end. */
  Cancelled cancelWhenReady(String runId, String script) throws Exception {
    LocalProvider p = provider();
    JobHandle h = p.launch(request(p, runId, 1, shell(script + "; echo ready; while true; do sleep 0.05; done")));
    awaitConsole(p, h, "ready");
    p.cancel(h);
    JobStatus s = awaitTerminal(p, h);
    assertEquals(RunState.CANCELLED, s.state());
    assertEquals(List.of(List.of("stop", "--time", "1", h.name())), docker.calls("stop"), "the 500 ms grace, rounded up");
    return new Cancelled(s, allLogs(p, h));
  }

  @Test
  void cancelStopsWithTheGraceAndTheWorkloadSeesSigterm() throws Exception {
    Cancelled c = cancelWhenReady("cancel-term", "trap 'echo got-term; exit 0' TERM");
    assertEquals(0, c.status().exitCode().getAsInt(), "the workload's own exit after SIGTERM");
    assertTrue(c.console().contains("got-term"), c.console());
  }

  @Test
  void cancelEscalatesToSigkillAfterTheGrace() throws Exception {
    Cancelled c = cancelWhenReady("cancel-kill", "trap '' TERM");
    assertEquals(137, c.status().exitCode().getAsInt(), "killed after ignoring SIGTERM");
  }

  @Test
  void theWallClockCapStopsTheContainer() throws Exception {
    LocalProvider p = provider();
    LaunchRequest r = LaunchRequest.builder().from(request(p, "capped", 1, shell("sleep 30")))
        .wallClockCap(Duration.ofMillis(300)).build();
    JobStatus s = awaitTerminal(p, p.launch(r));
    assertEquals(Optional.of(FailureClass.JOB_FAILED), s.failure());
    assertTrue(s.detail().contains("wall-clock cap"), s.detail());
    assertEquals(List.of("stop", "--time", "0", r.name()), docker.calls("stop").get(0));
  }

  @Test
  void injectedPreemptionStopsTheChosenAttempt() throws Exception {
    LocalProvider p = provider(LocalProvider.builder().gpuProbe(List::of).preempt(2, Duration.ofMillis(200)));
    JobHandle first = p.launch(request(p, "preempt-inject", 1, shell("sleep 0.5")));
    JobHandle second = p.launch(request(p, "preempt-inject", 2, shell("sleep 30")));
    assertEquals(RunState.SUCCEEDED, awaitTerminal(p, first).state());
    assertEquals(Optional.of(FailureClass.PREEMPTED), awaitTerminal(p, second).failure());
    JobHandle third = p.launch(request(p, "preempt-inject", 3, shell("sleep 30")));
    p.preemptNow(third);
    assertEquals(Optional.of(FailureClass.PREEMPTED), awaitTerminal(p, third).failure());
  }

  // ---------------------------------------------------------------- teardown, listing, sweep

  @Test
  void destroyRemovesTheContainerAndIsIdempotent() throws Exception {
    LocalProvider p = provider();
    JobHandle h = p.launch(request(p, "destroy", 1, shell("sleep 30")));
    awaitRunning(p, h);
    p.destroy(h);
    p.destroy(h); // the fake says "No such container" (exit 1), as older clients do
    assertEquals(List.of(), docker.containers());
    assertEquals(2, docker.calls("rm").size());
    assertTrue(p.find(h.name()).isEmpty());
    assertTrue(p.listOwned().isEmpty());
    assertEquals(RunState.CANCELLED, p.poll(h).state());
  }

  @Test
  void aContainerLeftByADeadControlProcessIsListedByLabelAndSwept() throws Exception {
    LocalProvider dead = provider();
    JobHandle kept = dead.launch(request(dead, "left-behind", 1, shell("sleep 30")));
    JobHandle orphan = dead.launch(request(dead, "left-orphan", 1, shell("sleep 30")));
    awaitRunning(dead, kept);
    awaitRunning(dead, orphan);
    dead.close();
    deleteTree(work.resolve(orphan.name())); // its attempt directory is lost too: only the labels know it

    LocalProvider next = provider();
    Map<String, OwnedResource> owned = next.listOwned().stream()
        .collect(Collectors.toMap(OwnedResource::name, o -> o));
    assertEquals(Set.of(kept.name(), orphan.name()), owned.keySet());
    assertEquals("running", owned.get(orphan.name()).state());
    assertEquals(Optional.of("0"), owned.get(orphan.name()).handle().attribute("price_micros_per_hour"));
    assertEquals(RunState.RUNNING, next.poll(next.find(kept.name()).orElseThrow()).state(), "reattached");

    LocalProvider elsewhere = LocalProvider.builder().workDir(dir.resolve("other-work")).docker(docker.executable())
        .gpuProbe(List::of).build();
    providers.add(elsewhere);
    assertEquals(List.of(), elsewhere.listOwned(), "another work directory's provider sees none of these");

    SweepReport report = next.sweep(new SweepScope(Set.of("left-orphan"), Set.of()));
    assertEquals(List.of(orphan.name()), report.reaped());
    assertEquals(List.of(kept.name()), report.kept());
    assertEquals(List.of(kept.name()), docker.containers());
    next.cancel(next.find(kept.name()).orElseThrow());
    assertEquals(RunState.CANCELLED, awaitTerminal(next, next.find(kept.name()).orElseThrow()).state());
  }

  // ---------------------------------------------------------------- through the run supervisor

  RunResult supervise(LocalProvider p, RunSpec spec, java.util.function.Consumer<RunHandle> meanwhile) {
    try (RunSupervisor s = RunSupervisor.builder(List.of(p)).journal(dir.resolve("journal"))
        .pollInterval(Duration.ofMillis(50)).build()) {
      RunHandle h = s.submit(spec);
      meanwhile.accept(h);
      return h.await();
    }
  }

  static RunSpec spec(String runId, String script) {
    return RunSpec.builder().runId(runId).model(ModelRef.catalog("llama-3.1-8b"))
        .training(TrainingSetup.builder().steps(10).build())
        .resources(Resources.builder().providers(List.of("local")).build()).workload(shell(script)).build();
  }

  @Test
  void aSupervisedContainerReportsThroughTheMountedAttemptDirectory() {
    String done = "printf '%s' '{\"steps\":10,\"metrics\":{\"loss\":0.5},\"at\":\"2026-01-01T00:00:00Z\"}' "
        + "> \"$FLASH_ATTEMPT_DIR/done.json\"; "
        + "printf '%s' '{\"status\":\"ok\",\"retriable\":false,\"error\":\"\",\"at\":\"2026-01-01T00:00:00Z\"}' "
        + "> \"$FLASH_ATTEMPT_DIR/marker.json\"; echo trained";
    RunResult r = supervise(provider(), spec("sup-ok", done), h -> { });
    assertEquals(RunOutcome.SUCCEEDED, r.outcome(), r.detail());
    assertEquals(Map.of("loss", 0.5), r.metrics());
    assertEquals(List.of(), docker.containers(), "teardown removed the container");
    assertEquals(1, docker.calls("rm").size());
  }

  @Test
  void aSupervisedContainerThatFailsFailsTheRun() {
    RunResult r = supervise(provider(), spec("sup-fail", "echo bad data; exit 4"), h -> { });
    assertEquals(RunOutcome.FAILED, r.outcome());
    assertEquals(1, r.attempts().size());
    assertTrue(r.attempts().get(0).detail().contains("exited with code 4"), r.attempts().get(0).detail());
    assertEquals(List.of(), docker.containers());
  }

  @Test
  void aSupervisedCancelStopsTheContainerGracefully() {
    String name = ResourceNames.name("sup-cancel", 0, 1);
    RunResult r = supervise(provider(), spec("sup-cancel",
        "trap 'echo got-term; exit 0' TERM; echo ready; while true; do sleep 0.05; done"), h -> {
          awaitFile(dir.resolve("journal/artifacts/sup-cancel/s0/a1/console.log"), "ready");
          h.cancel();
        });
    assertEquals(RunOutcome.CANCELLED, r.outcome(), r.detail());
    assertEquals(List.of("stop", "--time", "1", name), docker.calls("stop").get(0));
    assertEquals(List.of(), docker.containers());
  }

  @Test
  void aPreemptedContainerIsRelaunchedAndResumesFromTheSharedCheckpointDirectory() {
    LocalProvider p = provider();
    String script = "if [ -f \"$FLASH_CHECKPOINT_DIR/step\" ]; then echo \"resumed at $(cat \"$FLASH_CHECKPOINT_DIR/step\")\"; "
        + "exit 0; fi; echo 5 > \"$FLASH_CHECKPOINT_DIR/step\"; while true; do sleep 0.05; done";
    RunResult r = supervise(p, spec("sup-preempt", script), h -> {
      awaitFile(dir.resolve("journal/artifacts/sup-preempt/s0/checkpoints/step"), "5");
      touch(work.resolve(ResourceNames.name("sup-preempt", 0, 1)).resolve("preempt"));
    });
    assertEquals(RunOutcome.SUCCEEDED, r.outcome(), r.detail());
    assertEquals(List.of(Optional.of(FailureClass.PREEMPTED), Optional.<FailureClass>empty()),
        r.attempts().stream().map(a -> a.failure()).toList());
    assertEquals(2, docker.calls("run").size());
    assertTrue(readString(dir.resolve("journal/artifacts/sup-preempt/s0/a2/console.log")).contains("resumed at 5"));
    assertEquals(List.of(), docker.containers());
  }

  // ---------------------------------------------------------------- helpers

  static void awaitRunning(LocalProvider p, JobHandle h) throws InterruptedException {
    for (int i = 0; i < 1000 && p.poll(h).state() != RunState.RUNNING; i++) {
      Thread.sleep(10);
    }
    assertEquals(RunState.RUNNING, p.poll(h).state());
  }

  static void awaitConsole(LocalProvider p, JobHandle h, String text) throws InterruptedException {
    for (int i = 0; i < 1000 && !allLogs(p, h).contains(text); i++) {
      p.poll(h);
      Thread.sleep(10);
    }
    assertTrue(allLogs(p, h).contains(text), "the console never showed " + text);
  }

  static void awaitFile(Path file, String text) {
    for (int i = 0; i < 2000 && !readString(file).contains(text); i++) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    assertTrue(readString(file).contains(text), file + " never held " + text);
  }

  static String readString(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }

  static void touch(Path file) {
    try {
      Files.writeString(file, "");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void deleteTree(Path d) throws IOException {
    try (Stream<Path> walk = Files.walk(d)) {
      for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
