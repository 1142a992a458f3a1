package dev.flash.providers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flash.core.Adaptation;
import dev.flash.core.FailureClass;
import dev.flash.core.GpuOffer;
import dev.flash.core.JobHandle;
import dev.flash.core.ModelRef;
import dev.flash.core.Money;
import dev.flash.core.RunSpec;
import dev.flash.core.TrainingSetup;
import dev.flash.core.Workload;
import dev.flash.core.spi.JobStatus;
import dev.flash.core.spi.LaunchRequest;
import dev.flash.core.spi.LogChunk;
import dev.flash.core.spi.OfferQuery;
import dev.flash.core.spi.OwnedResource;
import dev.flash.core.spi.Provider;
import dev.flash.providers.support.VirtualTime;
import dev.flash.testkit.Chaos;
import dev.flash.testkit.FakeCloud;
import dev.flash.testkit.JobScript;
import dev.flash.testkit.VirtualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The supervisor against the testkit's fake cloud: its scripted jobs, faults and ledger. */
class SupervisorOnFakeCloudTest {
  @TempDir
  Path journal;
  final VirtualClock clock = VirtualClock.start();
  VirtualTime time = new VirtualTime(clock);

  static RunSpec spec(String runId) {
    return RunSpec.builder().runId(runId).model(ModelRef.catalog("llama-3.1-8b"))
        .training(TrainingSetup.builder().adaptation(Adaptation.LORA).build())
        .workload(Workload.builder().image("ghcr.io/acme/train:1").addCommand("python", "train.py").build()).build();
  }

  RunSupervisor.Builder supervisor(Provider... providers) {
    return RunSupervisor.builder(List.of(providers)).journal(journal).clock(clock).scheduler(time)
        .pollInterval(Duration.ofMinutes(1)).teardownChecks(Duration.ofSeconds(5), 6);
  }

  RunResult runToEnd(RunHandle h) {
    time.runFor(Duration.ofDays(60));
    assertTrue(h.result().isDone(), "run did not end");
    return h.result().join();
  }

  static void assertClean(FakeCloud... clouds) {
    for (FakeCloud c : clouds) {
      assertEquals(List.of(), c.duplicateLaunches(), c.id());
      c.assertNoLeaks();
    }
  }

  @Test
  void capacityShortageWalksToTheNextOffer() {
    FakeCloud cheap = FakeCloud.builder().id("cheap").clock(clock).offer("a100-80gb-sxm", "eu", Money.usd("1.10"), 4)
        .build();
    FakeCloud dear = FakeCloud.builder().id("dear").clock(clock).offer("a100-80gb-sxm", "us", Money.usd("1.90"), 4)
        .build();
    cheap.exhaustCapacity();
    try (RunSupervisor s = supervisor(cheap, dear).maxRetries(0).build()) {
      RunResult r = runToEnd(s.submit(spec("fc-capacity")));
      assertEquals(RunOutcome.SUCCEEDED, r.outcome(), r.detail());
      assertEquals(List.of("dear"), r.attempts().stream().map(a -> a.offer().provider()).toList());
    }
    assertEquals(0, cheap.ledger().size());
    assertClean(cheap, dear);
  }

  @Test
  void preemptionRelaunchesWithoutUsingTheBudgetAndTheLedgerMatchesTheCost() {
    FakeCloud cloud = FakeCloud.builder().clock(clock).spotOffer("h100-80gb-sxm", "eu", Money.usd("2.00"), 4)
        .jobs(req -> req.attempt() == 1
            ? JobScript.succeedsAfter(Duration.ofHours(2)).withPreemptionAfter(Duration.ofMinutes(30))
            : JobScript.succeedsAfter(Duration.ofHours(2)))
        .build();
    RunSpec spot = RunSpec.builder().from(spec("fc-spot"))
        .resources(dev.flash.core.Resources.builder().spotAllowed(true).build()).build();
    try (RunSupervisor s = supervisor(cloud).maxRetries(0).build()) {
      RunResult r = runToEnd(s.submit(spot));
      assertEquals(RunOutcome.SUCCEEDED, r.outcome(), r.detail());
      assertEquals(2, r.attempts().size());
      assertEquals(Optional.of(FailureClass.PREEMPTED), r.attempts().get(0).failure());
      assertEquals(cloud.totalCost(), r.cost(), "the run's realized cost is what the cloud billed");
      assertEquals(1000, r.steps());
    }
    assertClean(cloud);
  }

  @Test
  void theJournalLedgerHasEveryAttemptWithItsOfferBilledTimeAndCost() {
    FakeCloud cloud = FakeCloud.builder().clock(clock).spotOffer("h100-80gb-sxm", "eu", Money.usd("2.00"), 4)
        .jobs(req -> req.attempt() == 1
            ? JobScript.succeedsAfter(Duration.ofHours(2)).withPreemptionAfter(Duration.ofMinutes(30))
            : JobScript.succeedsAfter(Duration.ofHours(2)))
        .build();
    RunSpec spot = RunSpec.builder().from(spec("fc-ledger"))
        .resources(dev.flash.core.Resources.builder().spotAllowed(true).build()).build();
    RunResult r;
    try (RunSupervisor s = supervisor(cloud).maxRetries(0).build()) {
      r = runToEnd(s.submit(spot));
    }
    List<AttemptSummary> ledger = RunSupervisor.runs(journal).get(0).ledger();
    assertEquals(r.attempts().size(), ledger.size());
    for (int i = 0; i < ledger.size(); i++) {
      AttemptResult want = r.attempts().get(i);
      AttemptSummary got = ledger.get(i);
      assertEquals(want.name(), got.name());
      assertEquals(want.offer(), got.offer());
      assertEquals(Optional.of(want.launchedAt()), got.launchedAt());
      assertEquals(Optional.of(want.endedAt()), got.endedAt());
      assertEquals(Optional.of(want.state()), got.state());
      assertEquals(want.failure(), got.failure());
      assertEquals(want.cost(), got.cost());
      assertEquals(want.cost(), got.costSoFar(clock), "an ended attempt costs what it realized");
      assertEquals(Duration.between(want.launchedAt(), want.endedAt()), got.billed(clock));
    }
    assertEquals(Optional.of(FailureClass.PREEMPTED), ledger.get(0).failure());
    assertEquals(cloud.totalCost(), ledger.stream().map(AttemptSummary::cost).reduce(Money.ZERO, Money::plus));
  }

  @Test
  void aJobFailureEndsTheRunWithoutRetry() {
    FakeCloud cloud = FakeCloud.builder().clock(clock).offer("a100-80gb-sxm", "eu", Money.usd("1.50"), 4)
        .jobs(req -> JobScript.failsAfter(Duration.ofMinutes(20), 2)).build();
    try (RunSupervisor s = supervisor(cloud).maxRetries(5).build()) {
      RunResult r = runToEnd(s.submit(spec("fc-fails")));
      assertEquals(RunOutcome.FAILED, r.outcome());
      assertEquals(1, r.attempts().size());
      assertEquals(1, cloud.launchCalls());
    }
    assertClean(cloud);
  }

  @Test
  void lostLaunchAnswersAndFlakyPollsAreSurvived() {
    FakeCloud cloud = FakeCloud.builder().clock(clock).offer("a100-80gb-sxm", "eu", Money.usd("1.50"), 4).build();
    cloud.loseNextLaunchResponse();
    cloud.failNext(FakeCloud.Op.POLL, 3, 503);
    try (RunSupervisor s = supervisor(cloud).build()) {
      RunResult r = runToEnd(s.submit(spec("fc-flaky")));
      assertEquals(RunOutcome.SUCCEEDED, r.outcome(), r.detail());
      assertEquals(1, r.attempts().size());
    }
    assertEquals(4, cloud.firedFaults().size(), cloud.firedFaults().toString());
    assertClean(cloud);
  }

  @Test
  void neverHealthyIsStalledAndRetried() {
    FakeCloud cloud = FakeCloud.builder().clock(clock).offer("a100-80gb-sxm", "eu", Money.usd("1.50"), 4)
        .jobs(req -> req.attempt() == 1 ? JobScript.neverHealthy() : JobScript.succeedsAfter(Duration.ofHours(1)))
        .build();
    try (RunSupervisor s = supervisor(cloud).stallTimeout(Duration.ofMinutes(20)).build()) {
      RunResult r = runToEnd(s.submit(spec("fc-stuck")));
      assertEquals(RunOutcome.SUCCEEDED, r.outcome());
      assertEquals(Optional.of(FailureClass.STALLED), r.attempts().get(0).failure());
    }
    assertClean(cloud);
  }

  /** Kills the control process around a launch: before the create reaches the cloud, or after it. */
  static final class Crashing implements Provider {
    final FakeCloud cloud;
    boolean crashBefore;
    boolean crashAfter;

    Crashing(FakeCloud cloud) {
      this.cloud = cloud;
    }

    @Override public String id() { return cloud.id(); }
    @Override public List<GpuOffer> offers(OfferQuery q) { return cloud.offers(q); }
    @Override public JobHandle launch(LaunchRequest r) {
      if (crashBefore) {
        crashBefore = false;
        throw new VirtualTime.Crash("between the journal and the create");
      }
      JobHandle h = cloud.launch(r);
      if (crashAfter) {
        crashAfter = false;
        throw new VirtualTime.Crash("between the create and the handle's journal line");
      }
      return h;
    }
    @Override public Optional<JobHandle> find(String n) { return cloud.find(n); }
    @Override public JobStatus poll(JobHandle h) { return cloud.poll(h); }
    @Override public LogChunk logs(JobHandle h, long o, int m) { return cloud.logs(h, o, m); }
    @Override public void cancel(JobHandle h) { cloud.cancel(h); }
    @Override public void destroy(JobHandle h) { cloud.destroy(h); }
    @Override public List<OwnedResource> listOwned() { return cloud.listOwned(); }
    @Override public Optional<Money> realizedCost(JobHandle h) { return cloud.realizedCost(h); }
  }

  @Test
  void crashesAroundTheCreateAreReattachedOrRelaunchedOnRestartWithoutLeaks() {
    FakeCloud cloud = FakeCloud.builder().clock(clock).offer("a100-80gb-sxm", "eu", Money.usd("1.50"), 8).build();
    Crashing crashing = new Crashing(cloud);
    RunSpec before = spec("fc-crash-before");
    RunSpec after = spec("fc-crash-after");

    crashing.crashBefore = true;
    RunSupervisor first = supervisor(crashing).build();
    first.submit(before);
    time.runFor(Duration.ofMinutes(1));
    assertTrue(time.crashed());
    first.close();
    time.restart();

    crashing.crashAfter = true;
    RunSupervisor second = supervisor(crashing).build();
    second.submit(after);
    time.runFor(Duration.ofMinutes(1));
    assertTrue(time.crashed());
    second.close();
    time.restart();
    assertEquals(List.of("flash-fc-crash-after-s0-a1"), cloud.liveNames());

    try (RunSupervisor third = supervisor(crashing).build()) {
      List<RunHandle> back = third.recover(List.of(before, after));
      assertEquals(2, back.size());
      time.runFor(Duration.ofDays(2));
      for (RunHandle h : back) {
        RunResult r = h.result().join();
        assertEquals(RunOutcome.SUCCEEDED, r.outcome(), h.runId() + ": " + r.detail());
        String expected = h.runId().equals("fc-crash-before") ? "flash-fc-crash-before-s0-a2"
            : "flash-fc-crash-after-s0-a1";
        assertEquals(List.of(expected), r.attempts().stream().map(AttemptResult::name).toList(), h.runId());
      }
    }
    assertClean(cloud);
  }

  static Stream<Long> seeds() {
    if (System.getProperty("flash.seed") != null) {
      return Stream.of(Long.getLong("flash.seed"));
    }
    int cases = Integer.getInteger("flash.property.cases", 10_000);
    return LongStream.range(0, Math.max(3, cases / 1000)).map(i -> 0x5EED0000L + i).boxed();
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void underSeededChaosEveryRunEndsWithNoDuplicateLaunchAndNoLeak(long seed) throws Exception {
    FakeCloud cloud = FakeCloud.builder().clock(clock)
        .offer("a100-80gb-sxm", "eu", Money.usd("1.50"), 64).spotOffer("a100-80gb-sxm", "us", Money.usd("0.80"), 64)
        .jobs(req -> JobScript.succeedsAfter(Duration.ofHours(3)))
        .chaos(Chaos.seeded(seed).withApiErrors(0.05).withAmbiguousLaunches(0.2).withNeverHealthy(0.05)
            .withJobFailures(0.05).withSpotPreemptionMtbf(Duration.ofHours(2)))
        .build();
    List<RunHandle> runs = new ArrayList<>();
    try (RunSupervisor s = supervisor(cloud).stallTimeout(Duration.ofMinutes(30)).maxRetries(4).build()) {
      for (int i = 0; i < 20; i++) {
        RunSpec sp = RunSpec.builder().from(spec("chaos-" + i))
            .resources(dev.flash.core.Resources.builder().spotAllowed(i % 2 == 0).build()).build();
        runs.add(s.submit(sp));
      }
      time.runFor(Duration.ofDays(60));
      for (RunHandle h : runs) {
        assertTrue(h.result().isDone(), "seed " + seed + ": " + h.runId() + " did not end (replay with -Dflash.seed="
            + seed + ")");
        RunResult r = h.result().join();
        assertTrue(r.outcome() == RunOutcome.SUCCEEDED || r.outcome() == RunOutcome.FAILED,
            "seed " + seed + ": " + r.runId() + " " + r.outcome());
      }
    }
    assertEquals(List.of(), cloud.duplicateLaunches(), "seed " + seed + " (replay with -Dflash.seed=" + seed + ")");
    assertEquals(List.of(), cloud.leaked(), "seed " + seed + " (replay with -Dflash.seed=" + seed + ")");
    assertTrue(Files.size(journal.resolve("journal.jsonl")) > 0);
  }
}
