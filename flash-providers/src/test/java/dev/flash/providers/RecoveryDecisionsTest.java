package dev.flash.providers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flash.core.GpuOffer;
import dev.flash.core.JobHandle;
import dev.flash.core.Money;
import dev.flash.core.RunSpec;
import dev.flash.core.spi.JobStatus;
import dev.flash.core.spi.LaunchRequest;
import dev.flash.core.spi.LogChunk;
import dev.flash.core.spi.OfferQuery;
import dev.flash.core.spi.OwnedResource;
import dev.flash.core.spi.Provider;
import dev.flash.providers.support.VirtualTime;
import dev.flash.testkit.FakeCloud;
import dev.flash.testkit.JobScript;
import dev.flash.testkit.VirtualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A supervisor killed after it decided how an attempt or a seed ended, but before the whole run
 * ended, must end it the same way after a restart: never relaunch a seed whose job succeeded or
 * failed, never take an attempt it destroyed itself for a preemption. (Found by flash-reliability's
 * ChaosTest.)
 */
class RecoveryDecisionsTest {
  @TempDir
  Path journal;
  final VirtualClock clock = VirtualClock.start();
  final VirtualTime time = new VirtualTime(clock);

  /** Kills the control process right after a chosen call reached the cloud. */
  static final class KillAfter implements Provider {
    final FakeCloud cloud;
    String killAfter = "";

    KillAfter(FakeCloud cloud) {
      this.cloud = cloud;
    }

    <T> T maybeKill(String op, T value) {
      if (killAfter.equals(op)) {
        killAfter = "";
        throw new VirtualTime.Crash("after " + op);
      }
      return value;
    }

    @Override public String id() { return cloud.id(); }
    @Override public List<GpuOffer> offers(OfferQuery q) { return cloud.offers(q); }
    @Override public JobHandle launch(LaunchRequest r) { return cloud.launch(r); }
    @Override public Optional<JobHandle> find(String n) { return cloud.find(n); }
    @Override public JobStatus poll(JobHandle h) { return cloud.poll(h); }
    @Override public LogChunk logs(JobHandle h, long o, int m) { return cloud.logs(h, o, m); }
    @Override public void cancel(JobHandle h) { cloud.cancel(h); }
    @Override public void destroy(JobHandle h) {
      cloud.destroy(h);
      maybeKill("destroy", null);
    }
    @Override public List<OwnedResource> listOwned() { return cloud.listOwned(); }
    @Override public Optional<Money> realizedCost(JobHandle h) { return maybeKill("cost", cloud.realizedCost(h)); }
  }

  RunSupervisor supervisor(Provider p) {
    return RunSupervisor.builder(List.of(p)).journal(journal).clock(clock).scheduler(time)
        .pollInterval(Duration.ofMinutes(1)).teardownChecks(Duration.ofSeconds(5), 6).build();
  }

  RunResult restartAndFinish(Provider p) {
    time.restart();
    try (RunSupervisor second = supervisor(p)) {
      List<RunHandle> back = second.recover();
      assertEquals(1, back.size());
      time.runFor(Duration.ofDays(2));
      assertTrue(back.get(0).result().isDone(), "the recovered run ends");
      return back.get(0).result().join();
    }
  }

  @Test
  void killedAfterDestroyingASucceededAttemptTheRestartDoesNotRelaunchIt() {
    assertSucceededOnceWhenKilledAfter("destroy");
  }

  @Test
  void killedBetweenTeardownAndTheAttemptsEndTheRestartDoesNotRelaunchIt() {
    assertSucceededOnceWhenKilledAfter("cost");
  }

  void assertSucceededOnceWhenKilledAfter(String call) {
    FakeCloud cloud = FakeCloud.builder().clock(clock).offer("a100-80gb-sxm", "eu", Money.usd("1.50"), 4)
        .defaultJob(JobScript.succeedsAfter(Duration.ofHours(1))).build();
    KillAfter p = new KillAfter(cloud);
    p.killAfter = call;
    RunSupervisor first = supervisor(p);
    first.submit(SupervisorOnFakeCloudTest.spec("rd-" + call));
    time.runFor(Duration.ofDays(1));
    assertTrue(time.crashed(), "killed after " + call);
    first.close();

    RunResult r = restartAndFinish(p);
    assertEquals(RunOutcome.SUCCEEDED, r.outcome(), r.detail());
    assertEquals(1, cloud.launchCalls(), "the succeeded job is not launched again");
    cloud.assertNoLeaks();
  }

  @Test
  void aSeedThatFailedIsNotRelaunchedWhenTheSupervisorRestartsWhileAnotherSeedRuns() {
    FakeCloud cloud = FakeCloud.builder().clock(clock).offer("a100-80gb-sxm", "eu", Money.usd("1.50"), 4)
        .jobs(req -> req.seed() == 1 ? JobScript.failsAfter(Duration.ofMinutes(10), 3)
            : JobScript.succeedsAfter(Duration.ofHours(3)))
        .build();
    KillAfter p = new KillAfter(cloud);
    RunSpec spec = RunSpec.builder().from(SupervisorOnFakeCloudTest.spec("rd-seeds")).seeds(List.of(0L, 1L)).build();
    RunSupervisor first = supervisor(p);
    first.submit(spec);
    time.runFor(Duration.ofHours(1)); // seed 1 failed for good, seed 0 still runs: then the process dies
    first.close();

    RunResult r = restartAndFinish(p);
    assertEquals(RunOutcome.FAILED, r.outcome(), r.detail());
    assertTrue(r.detail().startsWith("seed 1"), r.detail());
    assertEquals(2, cloud.launchCalls(), "one attempt per seed; the failed seed is not retried");
    cloud.assertNoLeaks();
  }

  @Test
  void aFindOutageDuringRecoveryDoesNotAbortIt() {
    FakeCloud cloud = FakeCloud.builder().clock(clock).offer("a100-80gb-sxm", "eu", Money.usd("1.50"), 4)
        .jobs(req -> req.seed() == 1 ? JobScript.failsAfter(Duration.ofMinutes(10), 3)
            : JobScript.succeedsAfter(Duration.ofHours(3)))
        .build();
    cloud.failNext(FakeCloud.Op.FIND, 6, 503); // seed 1's teardown is never verified
    RunSpec spec = RunSpec.builder().from(SupervisorOnFakeCloudTest.spec("rd-find-outage")).seeds(List.of(0L, 1L)).build();
    RunSupervisor first = supervisor(cloud);
    first.submit(spec);
    time.runFor(Duration.ofHours(1)); // seed 1 ended unverified, seed 0 runs: then the process dies
    first.close();

    cloud.failNext(FakeCloud.Op.FIND, 3, 503); // and the restart's check of seed 1's attempt meets an outage
    RunResult r = restartAndFinish(cloud);
    assertEquals(RunOutcome.FAILED, r.outcome(), r.detail());
    assertTrue(r.detail().startsWith("seed 1"), r.detail());
    assertEquals(2, cloud.launchCalls());
    cloud.assertNoLeaks();
  }

  @Test
  void aRecoveredRunKeepsItsWallBudgetAndReportsToTheListenerGivenOnRecovery() {
    FakeCloud cloud = FakeCloud.builder().clock(clock).offer("a100-80gb-sxm", "eu", Money.usd("1.50"), 4)
        .defaultJob(JobScript.succeedsAfter(Duration.ofHours(5))).build();
    RunSupervisor first = supervisor(cloud);
    first.submit(SupervisorOnFakeCloudTest.spec("rd-wall"), RunOptions.defaults().withWallBudget(Duration.ofHours(2)));
    time.runFor(Duration.ofHours(1));
    first.close();

    time.restart();
    List<RunResult> heard = new java.util.ArrayList<>();
    try (RunSupervisor second = supervisor(cloud)) {
      List<RunHandle> back = second.recover(id -> Optional.empty(),
          id -> RunOptions.defaults().withListener(new RunListener() {
            @Override
            public void onFinished(RunResult r) {
              heard.add(r);
            }
          }));
      time.runFor(Duration.ofDays(1));
      RunResult r = back.get(0).result().join();
      assertEquals(RunOutcome.BUDGET_EXCEEDED, r.outcome(), "the 2 h wall budget outlived the restart: " + r.detail());
      assertTrue(r.wall().compareTo(Duration.ofMinutes(122)) <= 0, r.wall().toString());
      assertEquals(List.of(r), heard);
    }
    cloud.assertNoLeaks();
  }
}
