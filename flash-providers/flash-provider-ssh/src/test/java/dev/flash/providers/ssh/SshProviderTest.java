package dev.flash.providers.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.flash.core.FailureClass;
import dev.flash.core.GpuOffer;
import dev.flash.core.JobHandle;
import dev.flash.core.ProviderException;
import dev.flash.core.RunState;
import dev.flash.core.Secret;
import dev.flash.core.Workload;
import dev.flash.core.spi.JobStatus;
import dev.flash.core.spi.LaunchRejectedException;
import dev.flash.core.spi.LaunchRequest;
import dev.flash.core.spi.LogChunk;
import dev.flash.core.spi.OfferQuery;
import dev.flash.core.spi.ProviderConfig;
import dev.flash.testkit.VirtualClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the SSH provider promises beyond the contract kit, checked on real processes behind a real SSH server. */
class SshProviderTest {
  private BoxDriver driver;
  private final List<SshProvider> providers = new ArrayList<>();

  @BeforeEach
  void start() {
    driver = new BoxDriver();
  }

  @AfterEach
  void stop() {
    providers.forEach(SshProvider::close);
    driver.close();
  }

  // ---------------------------------------------------------------- secrets

  @Test
  void secretsReachTheWorkloadOnlyThroughItsEnvironment() throws Exception {
    SshProvider ssh = provider(Map.of(), Clock.systemUTC());
    Secret token = Secret.of("hf_" + Long.toHexString(new Random().nextLong()) + "-secret");
    // printf is a shell builtin: the value is never in an argv, only hashed on a pipe.
    Workload w = sh("printf %s \"$HF_TOKEN\" | sha256sum | cut -c1-64 > \"$FLASH_ATTEMPT_DIR/token.sha\"; " + WAIT);
    JobHandle h = ssh.launch(request(ssh, "secret-run", w).putSecrets("HF_TOKEN", token).build());
    Path shaFile = driver.dir(h).resolve("token.sha");
    await(() -> Files.exists(shaFile) && size(shaFile) >= 64, "the workload never wrote token.sha");

    assertEquals(sha256(token.reveal()), Files.readString(shaFile).strip(), "the workload got another value");
    for (String cmdline : cmdlines()) {
      assertFalse(cmdline.contains(token.reveal()), "a process has the secret on its command line: " + cmdline);
    }
    String b64 = Base64.getEncoder().encodeToString(token.reveal().getBytes(StandardCharsets.UTF_8));
    for (TestBox.Exec e : driver.box.received) {
      assertFalse(e.command().contains(token.reveal()) || e.command().contains(b64),
          "the secret was on an ssh command line: " + e.command().lines().findFirst().orElse(""));
    }
    TestBox.Exec launch = driver.box.received.stream().filter(e -> e.command().endsWith(" flash-launch"))
        .findFirst().orElseThrow();
    assertTrue(launch.stdinText().contains("HF_TOKEN=" + b64), "the secret travels on the launcher's stdin");

    driver.finish(h);
    awaitTerminal(ssh, h);
    assertEquals(List.of(), filesContaining(driver.box.dir, token.reveal(), b64),
        "the secret was left in a file on the box");
    assertFalse(ssh.logs(h, 0, 1 << 16).text().contains(token.reveal()));
    ssh.destroy(h);
  }

  // ---------------------------------------------------------------- cancel and destroy

  @Test
  void cancelKillsTheWholeProcessGroupEvenWhenItIgnoresSigterm() throws Exception {
    SshProvider ssh = provider(Map.of(), Clock.systemUTC());
    Workload w = sh("trap '' TERM; sleep 300 & sleep 300 & echo spawned; wait");
    JobHandle h = ssh.launch(request(ssh, "cancel-run", w).build());
    Path pgidFile = driver.dir(h).resolve("pgid");
    await(() -> Files.exists(pgidFile), "the runner never recorded the workload's process group");
    long pgid = Long.parseLong(Files.readString(pgidFile).strip());
    await(() -> groupMembers(pgid).size() >= 3, "the workload never started its two children");
    List<Long> members = groupMembers(pgid);

    ssh.cancel(h);

    assertEquals(List.of(), groupMembers(pgid), "processes of the group survived cancel");
    for (long pid : members) {
      assertFalse(alive(pid), "process " + pid + " of the workload survived cancel");
    }
    JobStatus s = awaitTerminal(ssh, h);
    assertEquals(RunState.CANCELLED, s.state(), "status: " + s);
    ssh.destroy(h);
    assertFalse(Files.exists(driver.dir(h)), "destroy removes the attempt directory");
    ssh.destroy(h); // idempotent
  }

  @Test
  void wallClockCapHoldsWhenTheControlProcessIsGone() throws Exception {
    SshProvider first = provider(Map.of(), Clock.systemUTC());
    Workload w = sh("trap '' TERM; sleep 300");
    JobHandle h = first.launch(request(first, "capped-run", w).wallClockCap(Duration.ofSeconds(2)).build());
    first.close(); // the control process is gone: no connection, nobody polling

    Path exit = driver.dir(h).resolve("exit.json");
    await(() -> Files.exists(exit), "the runner never stopped the workload at its wall-clock cap");
    assertTrue(Files.readString(exit).contains("\"reason\":\"WALL_CAP\""), Files.readString(exit));
    long pgid = Long.parseLong(Files.readString(driver.dir(h).resolve("pgid")).strip());
    assertEquals(List.of(), groupMembers(pgid), "processes survived the wall-clock cap");

    SshProvider second = provider(Map.of(), Clock.systemUTC());
    JobStatus s = second.poll(h);
    assertEquals(Optional.of(FailureClass.JOB_FAILED), s.failure(), "status: " + s);
    assertTrue(s.detail().contains("wall-clock cap"), s.detail());
    second.destroy(h);
  }

  // ---------------------------------------------------------------- copying inputs

  @Test
  void inputCopyResumesFromAMatchingPartialCopyAndRestartsFromAWrongOne() throws Exception {
    byte[] data = new byte[1_000_000];
    new Random(42).nextBytes(data);
    Path input = Files.write(driver.box.dir.resolve("data.bin"), data);
    SshProvider ssh = provider(Map.of("ssh.inputs", input.toString()), Clock.systemUTC());
    Path inputs = Files.createDirectories(driver.root("gpu-a").resolve("inputs"));
    Files.write(inputs.resolve(".data.bin.part"), java.util.Arrays.copyOf(data, 400_000));

    assertEquals(List.of(new StagedInput("gpu-a", "data.bin", 1_000_000, 600_000, 400_000, false)),
        ssh.stageInputs("gpu-a"));
    assertArrayEquals(data, Files.readAllBytes(inputs.resolve("data.bin")));
    TestBox.Exec put = driver.box.received.stream().filter(e -> e.command().endsWith(" flash-stage-put"))
        .reduce((a, b) -> b).orElseThrow();
    assertEquals(600_000, put.stdin().length, "only the missing bytes travel");

    assertEquals(List.of(new StagedInput("gpu-a", "data.bin", 1_000_000, 0, 1_000_000, true)),
        ssh.stageInputs("gpu-a"), "a host that has the file gets nothing");

    Files.delete(inputs.resolve("data.bin"));
    byte[] wrong = new byte[400_000];
    new Random(7).nextBytes(wrong);
    Files.write(inputs.resolve(".data.bin.part"), wrong);
    assertEquals(List.of(new StagedInput("gpu-a", "data.bin", 1_000_000, 1_000_000, 0, false)),
        ssh.stageInputs("gpu-a"), "a partial copy with other bytes is started over");
    assertArrayEquals(data, Files.readAllBytes(inputs.resolve("data.bin")));
  }

  @Test
  void launchCopiesTheInputsAndTellsTheWorkloadWhere() throws Exception {
    Path input = Files.writeString(driver.box.dir.resolve("train.py"), "print('hello')\n");
    SshProvider ssh = provider(Map.of("ssh.inputs", input + "=train.py"), Clock.systemUTC());
    JobHandle h = ssh.launch(request(ssh, "inputs-run", sh("cp \"$FLASH_INPUTS_DIR/train.py\" seen.py")).build());
    assertEquals(RunState.SUCCEEDED, awaitTerminal(ssh, h).state());
    assertEquals("print('hello')\n", Files.readString(driver.dir(h).resolve("work").resolve("seen.py")));
    ssh.destroy(h);
  }

  // ---------------------------------------------------------------- host keys

  @Test
  void aHostKeyThatDoesNotMatchKnownHostsIsRefusedBeforeAnythingRuns() throws Exception {
    Files.writeString(driver.box.knownHosts, driver.box.impostorKnownHostsLine() + "\n");
    SshProvider ssh = provider(Map.of(), Clock.systemUTC());
    LaunchRejectedException e = assertThrows(LaunchRejectedException.class,
        () -> ssh.launch(request(ssh, "mitm-run", sh("true")).build()));
    assertTrue(e.getMessage().contains("host key mismatch"), e.getMessage());
    assertFalse(e.noCapacity(), "a wrong host key is not a capacity shortage");
    assertEquals(List.of(), driver.box.commands(), "nothing may run on a host whose key does not match");
  }

  @Test
  void anUnknownHostKeyIsRefusedUnlessTheInsecureOptInIsSet() throws Exception {
    Files.writeString(driver.box.knownHosts, "");
    SshProvider strict = provider(Map.of(), Clock.systemUTC());
    LaunchRejectedException e = assertThrows(LaunchRejectedException.class,
        () -> strict.launch(request(strict, "unknown-run", sh("true")).build()));
    assertTrue(e.getMessage().contains("unknown host key"), e.getMessage());
    assertEquals(List.of(), driver.box.commands());

    SshProvider insecure = provider(Map.of("ssh.insecure-accept-any-host-key", "true"), Clock.systemUTC());
    JobHandle h = insecure.launch(request(insecure, "unknown-run", sh("true")).build());
    assertEquals(RunState.SUCCEEDED, awaitTerminal(insecure, h).state());
    insecure.destroy(h);
  }

  // ---------------------------------------------------------------- failure classes

  @Test
  void anUnreachableHostIsAPollErrorUntilTheGraceThenStalled() throws Exception {
    VirtualClock clock = VirtualClock.start();
    SshProvider ssh = provider(Map.of("ssh.unreachable-grace", "5m"), clock);
    JobHandle h = ssh.launch(request(ssh, "lost-host", sh(WAIT)).build());
    assertFalse(ssh.poll(h).isTerminal());

    driver.box.stop();
    ProviderException e = assertThrows(ProviderException.class, () -> ssh.poll(h));
    assertTrue(e.retryable(), "an unreachable host may come back");
    assertTrue(e.getMessage().contains("POLL_ERROR"), e.getMessage());
    clock.advance(Duration.ofMinutes(4));
    assertThrows(ProviderException.class, () -> ssh.poll(h));
    clock.advance(Duration.ofMinutes(1));
    JobStatus s = ssh.poll(h);
    assertEquals(Optional.of(FailureClass.STALLED), s.failure(), "status: " + s);
  }

  @Test
  void aFailedWorkloadIsJobFailedWithItsExitCodeAndTheWorkersReason() throws Exception {
    SshProvider ssh = provider(Map.of(), Clock.systemUTC());
    Workload w = sh("printf '{\"status\":\"failed\",\"retriable\":false,\"error\":\"NCCL timeout on rank 0\","
        + "\"at\":\"2026-01-01T00:00:00Z\"}' > \"$FLASH_ATTEMPT_DIR/marker.json\"; exit 3");
    JobHandle h = ssh.launch(request(ssh, "failing-run", w).build());
    JobStatus s = awaitTerminal(ssh, h);
    assertEquals(Optional.of(FailureClass.JOB_FAILED), s.failure(), "status: " + s);
    assertEquals(3, s.exitCode().orElseThrow());
    assertTrue(s.detail().contains("NCCL timeout on rank 0"), s.detail());
    assertTrue(ssh.attemptFile(h, "exit.json").orElseThrow().contains("\"code\":3"));
    ssh.destroy(h);
  }

  @Test
  void heartbeatsAreReadBackAsProgress() throws Exception {
    SshProvider ssh = provider(Map.of(), Clock.systemUTC());
    Workload w = sh("printf '{\"stage\":\"training\",\"step\":7,\"total_steps\":10,\"at\":\"2026-01-01T00:00:00Z\"}' "
        + "> \"$FLASH_ATTEMPT_DIR/.heartbeat.json.tmp\" && mv \"$FLASH_ATTEMPT_DIR/.heartbeat.json.tmp\" "
        + "\"$FLASH_ATTEMPT_DIR/heartbeat.json\"; " + WAIT);
    JobHandle h = ssh.launch(request(ssh, "beating-run", w).build());
    JobStatus s = ssh.poll(h);
    for (int i = 0; i < 200 && s.progress().isEmpty(); i++) {
      driver.tick();
      s = ssh.poll(h);
    }
    assertEquals(RunState.RUNNING, s.state());
    assertEquals("training", s.progress().orElseThrow().stage());
    assertEquals(0.7, s.progress().orElseThrow().fraction(), 1e-9);
    assertTrue(ssh.attemptFile(h, "heartbeat.json").orElseThrow().contains("\"step\":7"));
    assertEquals(Optional.empty(), ssh.attemptFile(h, "done.json"));
    driver.finish(h);
    awaitTerminal(ssh, h);
    ssh.destroy(h);
  }

  // ---------------------------------------------------------------- GPUs

  @Test
  void attemptsGetDisjointGpusAndAFullHostIsACapacityRejection() throws Exception {
    SshProvider ssh = provider(Map.of(), Clock.systemUTC());
    GpuOffer four = ssh.offers(OfferQuery.any().withGpuCount(4)).get(0);
    assertEquals("gpu-a", four.sku());
    assertEquals(4, four.gpuCount());
    assertEquals("$4.00", four.pricePerHour().toString(), "half the GPUs, half the host's $8/h");
    assertEquals(2, four.capacity().orElseThrow());
    Workload w = sh("echo \"$CUDA_VISIBLE_DEVICES\" > \"$FLASH_ATTEMPT_DIR/devices\"; " + WAIT);
    JobHandle first = ssh.launch(request(four, "gpus-1", w).build());
    JobHandle second = ssh.launch(request(four, "gpus-2", w).build());
    assertEquals("0,1,2,3", first.attributes().get("gpus"));
    assertEquals("4,5,6,7", second.attributes().get("gpus"));
    await(() -> Files.exists(driver.dir(second).resolve("devices")), "the second workload never started");
    assertEquals("4,5,6,7", Files.readString(driver.dir(second).resolve("devices")).strip());
    assertEquals(0, ssh.offers(OfferQuery.any().withGpuCount(4)).get(0).capacity().orElseThrow());

    LaunchRejectedException full = assertThrows(LaunchRejectedException.class,
        () -> ssh.launch(request(four, "gpus-3", w).build()));
    assertTrue(full.noCapacity(), full.getMessage());

    driver.finish(first);
    awaitTerminal(ssh, first);
    JobHandle third = ssh.launch(request(four, "gpus-3", w).build());
    assertEquals("0,1,2,3", third.attributes().get("gpus"), "GPUs are free again once their attempt exited");
    for (JobHandle h : List.of(first, second, third)) {
      ssh.destroy(h);
    }
  }

  // ---------------------------------------------------------------- connection

  @Test
  void idleConnectionsSendKeepalives() {
    SshProvider ssh = provider(Map.of("ssh.keepalive", "100ms"), Clock.systemUTC());
    ssh.offers(OfferQuery.any()); // opens the sessions, then leaves them idle
    await(() -> driver.box.keepalives.get() >= 3, "no keepalive reached the server");
  }

  // ---------------------------------------------------------------- logs

  @Test
  void logsNeverSplitAUtf8Character() throws Exception {
    SshProvider ssh = provider(Map.of(), Clock.systemUTC());
    String text = "héllo wörld ✓\n";
    JobHandle h = ssh.launch(request(ssh, "utf8-run", sh("printf '%s' '" + text + "'")).build());
    awaitTerminal(ssh, h);
    LogChunk first = ssh.logs(h, 0, 2);
    assertEquals("h", first.text(), "two bytes would cut é in half");
    StringBuilder all = new StringBuilder();
    long offset = 0;
    LogChunk c;
    do {
      c = ssh.logs(h, offset, 3);
      all.append(c.text());
      assertTrue(c.nextOffset() > offset || c.complete(), "no progress at " + offset);
      offset = c.nextOffset();
    } while (!c.complete());
    assertEquals(text, all.toString());
    ssh.destroy(h);
  }

  // ---------------------------------------------------------------- helpers

  static final String WAIT = "while [ ! -f \"$FLASH_ATTEMPT_DIR/tck-exit\" ]; do sleep 0.05; done; "
      + "exit \"$(cat \"$FLASH_ATTEMPT_DIR/tck-exit\")\"";

  static Workload sh(String script) {
    return Workload.builder().addCommand("sh", "-c", script).build();
  }

  private SshProvider provider(Map<String, String> overrides, Clock clock) {
    Map<String, String> settings = driver.settings();
    settings.putAll(overrides);
    SshProvider p = SshProvider.create(SshOptions.fromConfig(ProviderConfig.of(settings, Map.of())), clock);
    providers.add(p);
    return p;
  }

  private static LaunchRequest.Builder request(SshProvider ssh, String runId, Workload w) {
    return request(ssh.offers(OfferQuery.any()).get(0), runId, w);
  }

  private static LaunchRequest.Builder request(GpuOffer offer, String runId, Workload w) {
    return LaunchRequest.builder().runId(runId).offer(offer).workload(w).putEnv("FLASH_RUN_ID", runId);
  }

  private JobStatus awaitTerminal(SshProvider ssh, JobHandle h) {
    JobStatus s = null;
    for (int i = 0; i < 400; i++) {
      s = ssh.poll(h);
      if (s.isTerminal()) {
        return s;
      }
      driver.tick();
    }
    return fail("no terminal state for " + h.name() + "; last: " + s);
  }

  private void await(BooleanSupplier condition, String message) {
    for (int i = 0; i < 400; i++) {
      if (condition.getAsBoolean()) {
        return;
      }
      driver.tick();
    }
    fail(message);
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }

  /** Live (non-zombie) processes whose process group is {@code pgid}, from /proc. */
  static List<Long> groupMembers(long pgid) {
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String stat = Files.readString(p.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          if (Long.parseLong(f[2]) == pgid && !f[0].equals("Z")) {
            pids.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException | RuntimeException gone) {
          // the process ended while we looked
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return pids;
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ph -> ph.isAlive() && !ph.info().command().isEmpty()).orElse(false);
  }

  /** Every process's command line, as /proc shows it to anyone on the host. */
  private static List<String> cmdlines() throws IOException {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          lines.add(new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' '));
        } catch (IOException gone) {
          // ended while we looked
        }
      }
    }
    return lines;
  }

  private static List<String> filesContaining(Path dir, String... needles) throws IOException {
    List<String> hits = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path f : walk.filter(Files::isRegularFile).toList()) {
        String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        for (String n : needles) {
          if (content.contains(n)) {
            hits.add(dir.relativize(f).toString());
          }
        }
      }
    }
    return hits;
  }

  private static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
