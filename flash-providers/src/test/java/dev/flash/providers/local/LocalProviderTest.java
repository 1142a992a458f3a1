package dev.flash.providers.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flash.core.FailureClass;
import dev.flash.core.GpuOffer;
import dev.flash.core.JobHandle;
import dev.flash.core.Money;
import dev.flash.core.ProviderException;
import dev.flash.core.RunState;
import dev.flash.core.Secret;
import dev.flash.core.Workload;
import dev.flash.core.spi.JobStatus;
import dev.flash.core.spi.LaunchRejectedException;
import dev.flash.core.spi.LaunchRequest;
import dev.flash.core.spi.LogChunk;
import dev.flash.core.spi.OfferQuery;
import dev.flash.core.spi.SweepReport;
import dev.flash.core.spi.SweepScope;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalProviderTest {
  @TempDir
  Path dir;
  LocalProvider provider;

  LocalProvider provider(LocalProvider.Builder b) {
    // no Docker client: these plain-process tests never depend on this machine's engine (LocalContainerTest has the fake)
    provider = b.workDir(dir).gpuProbe(List::of).cancelGrace(Duration.ofMillis(500))
        .docker(dir.resolve("no-docker").toString()).build();
    return provider;
  }

  @AfterEach
  void cleanUp() {
    if (provider != null) {
      provider.listOwned().forEach(r -> provider.destroy(r.handle()));
      provider.close();
    }
  }

  static LaunchRequest request(LocalProvider p, int attempt, String script) {
    GpuOffer cpu = p.offers(OfferQuery.any()).get(0);
    return LaunchRequest.builder().runId("local-test").attempt(attempt).offer(cpu)
        .workload(Workload.builder().addCommand("/bin/sh", "-c", script).build()).build();
  }

  static JobStatus awaitTerminal(LocalProvider p, JobHandle h) throws InterruptedException {
    for (int i = 0; i < 1000; i++) {
      JobStatus s = p.poll(h);
      if (s.isTerminal()) {
        return s;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("attempt " + h.name() + " did not end within 20 s");
  }

  static String allLogs(LocalProvider p, JobHandle h) {
    StringBuilder sb = new StringBuilder();
    long offset = 0;
    while (true) {
      LogChunk c = p.logs(h, offset, 7);
      sb.append(c.text());
      if (c.nextOffset() == offset) {
        return sb.toString();
      }
      offset = c.nextOffset();
    }
  }

  @Test
  void offersOneFreeCpuOfferWithoutGpus() {
    List<GpuOffer> offers = provider(LocalProvider.builder()).offers(OfferQuery.any());
    assertEquals(1, offers.size());
    assertEquals("cpu", offers.get(0).gpuClass());
    assertEquals(Money.ZERO, offers.get(0).pricePerHour());
    assertTrue(offers.get(0).gpuMemoryGib() > 0);
  }

  @Test
  void nvidiaSmiOutputBecomesOneOfferPerGpuClass() {
    List<GpuOffer> offers = NvidiaSmi.parse("NVIDIA A100-SXM4-80GB, 81920\nNVIDIA A100-SXM4-80GB, 81920\nTesla T4, 15360\n");
    assertEquals(2, offers.size());
    assertEquals(2, offers.get(0).gpuCount());
    assertEquals(80.0, offers.get(0).gpuMemoryGib());
    assertEquals(1, offers.get(1).gpuCount());
  }

  @Test
  void runsACommandToSuccessWithLogsAndZeroCost() throws Exception {
    LocalProvider p = provider(LocalProvider.builder());
    JobHandle h = p.launch(request(p, 1, "echo héllo world; echo second line"));
    JobStatus s = awaitTerminal(p, h);
    assertEquals(RunState.SUCCEEDED, s.state());
    assertEquals(0, s.exitCode().getAsInt());
    assertEquals("héllo world\nsecond line\n", allLogs(p, h));
    assertEquals(Optional.of(Money.ZERO), p.realizedCost(h));
  }

  @Test
  void nonZeroExitIsAJobFailureWithTheCode() throws Exception {
    LocalProvider p = provider(LocalProvider.builder());
    JobStatus s = awaitTerminal(p, p.launch(request(p, 1, "exit 3")));
    assertEquals(RunState.FAILED, s.state());
    assertEquals(Optional.of(FailureClass.JOB_FAILED), s.failure());
    assertEquals(3, s.exitCode().getAsInt());
  }

  @Test
  void childEnvironmentHoldsOnlyWhatTheWorkloadGivesPlusBasics() throws Exception {
    LocalProvider p = provider(LocalProvider.builder());
    GpuOffer cpu = p.offers(OfferQuery.any()).get(0);
    LaunchRequest r = LaunchRequest.builder().runId("local-test").offer(cpu)
        .workload(Workload.builder().addCommand("/usr/bin/env").putEnv("MODE", "demo").build())
        .putEnv("FLASH_ATTEMPT", "1").putSecrets("HF_TOKEN", Secret.of("hf_abc")).build();
    JobHandle h = p.launch(r);
    awaitTerminal(p, h);
    Set<String> keys = Arrays.stream(allLogs(p, h).split("\n")).map(l -> l.substring(0, l.indexOf('=')))
        .collect(Collectors.toSet());
    Set<String> allowed = Set.of("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "JAVA_HOME", "USER", "MODE",
        "FLASH_ATTEMPT", "HF_TOKEN", "PWD", "SHLVL", "_");
    assertTrue(allowed.containsAll(keys), "unexpected variables: " + keys);
    assertTrue(keys.containsAll(Set.of("MODE", "FLASH_ATTEMPT", "HF_TOKEN")), keys.toString());
  }

  @Test
  void injectedPreemptionKillsTheChosenAttempt() throws Exception {
    LocalProvider p = provider(LocalProvider.builder().preempt(2, Duration.ofMillis(200)));
    JobHandle first = p.launch(request(p, 1, "sleep 0.5"));
    JobHandle second = p.launch(request(p, 2, "sleep 30"));
    assertEquals(RunState.SUCCEEDED, awaitTerminal(p, first).state());
    JobStatus s = awaitTerminal(p, second);
    assertEquals(Optional.of(FailureClass.PREEMPTED), s.failure());
  }

  @Test
  void cancelSendsSigtermThenTheAttemptIsCancelled() throws Exception {
    LocalProvider p = provider(LocalProvider.builder());
    JobHandle h = p.launch(request(p, 1, "trap 'echo got-term; exit 0' TERM; sleep 30 & wait"));
    Thread.sleep(200); // let the shell install its trap
    p.cancel(h);
    JobStatus s = awaitTerminal(p, h);
    assertEquals(RunState.CANCELLED, s.state());
    assertTrue(allLogs(p, h).contains("got-term"));
  }

  @Test
  void cancelEscalatesToSigkillAfterTheGrace() throws Exception {
    LocalProvider p = provider(LocalProvider.builder());
    JobHandle h = p.launch(request(p, 1, "trap '' TERM; while true; do sleep 0.05; done"));
    Thread.sleep(200);
    p.cancel(h);
    assertEquals(RunState.CANCELLED, awaitTerminal(p, h).state());
  }

  @Test
  void wallClockCapKillsTheAttempt() throws Exception {
    LocalProvider p = provider(LocalProvider.builder());
    LaunchRequest r = LaunchRequest.builder().from(request(p, 1, "sleep 30")).wallClockCap(Duration.ofMillis(200)).build();
    JobStatus s = awaitTerminal(p, p.launch(r));
    assertEquals(Optional.of(FailureClass.JOB_FAILED), s.failure());
    assertTrue(s.detail().contains("wall-clock cap"), s.detail());
  }

  @Test
  void launchingOneAttemptTwiceIsRefusedAndFindReturnsTheFirst() {
    LocalProvider p = provider(LocalProvider.builder());
    JobHandle h = p.launch(request(p, 1, "sleep 30"));
    ProviderException e = assertThrows(ProviderException.class, () -> p.launch(request(p, 1, "sleep 30")));
    assertFalse(e instanceof LaunchRejectedException);
    assertEquals(Optional.of(h.name()), p.find(h.name()).map(JobHandle::name));
    assertEquals(1, p.listOwned().size());
  }

  @Test
  void destroyIsIdempotentAndVerifiable() throws Exception {
    LocalProvider p = provider(LocalProvider.builder());
    JobHandle h = p.launch(request(p, 1, "sleep 30"));
    p.destroy(h);
    p.destroy(h);
    assertTrue(p.find(h.name()).isEmpty());
    assertTrue(p.listOwned().isEmpty());
    assertEquals(RunState.CANCELLED, p.poll(h).state());
  }

  @Test
  void aNewProviderOnTheSameDirectoryReattachesAndReaps() throws Exception {
    LocalProvider first = provider(LocalProvider.builder());
    JobHandle h = first.launch(request(first, 1, "sleep 30"));
    LocalProvider second = LocalProvider.builder().workDir(dir).gpuProbe(List::of).docker(dir.resolve("no-docker").toString())
        .build();
    try {
      JobHandle found = second.find(h.name()).orElseThrow();
      assertEquals(RunState.RUNNING, second.poll(found).state());
      SweepReport report = second.sweep(new SweepScope(Set.of("local-test"), Set.of()));
      assertEquals(List.of(h.name()), report.reaped());
      assertTrue(second.listOwned().isEmpty());
      JobStatus afterReap = awaitTerminal(first, h);
      assertTrue(afterReap.isTerminal());
    } finally {
      second.close();
    }
  }

  @Test
  void sweepLeavesRunsItDoesNotKnow() {
    LocalProvider p = provider(LocalProvider.builder());
    JobHandle h = p.launch(request(p, 1, "sleep 30"));
    SweepReport report = p.sweep(new SweepScope(Set.of("another-run"), Set.of()));
    assertEquals(List.of(h.name()), report.kept());
    assertEquals(1, p.listOwned().size());
  }
}
