package dev.flash.providers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flash.core.Adaptation;
import dev.flash.core.FailureClass;
import dev.flash.core.Money;
import dev.flash.core.ModelRef;
import dev.flash.core.Resources;
import dev.flash.core.RunSpec;
import dev.flash.core.RunState;
import dev.flash.core.TrainingSetup;
import dev.flash.core.Workload;
import dev.flash.core.spi.Progress;
import dev.flash.providers.support.ScriptedCloud;
import dev.flash.providers.support.ScriptedCloud.Job;
import dev.flash.providers.support.ScriptedCloud.LaunchFault;
import dev.flash.providers.support.VirtualTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunSupervisorTest {
  @TempDir
  Path journal;
  final VirtualTime time = new VirtualTime();

  static RunSpec spec(String runId) {
    return RunSpec.builder().runId(runId).model(ModelRef.catalog("llama-3.1-8b"))
        .training(TrainingSetup.builder().adaptation(Adaptation.LORA).build())
        .workload(Workload.builder().addCommand("python", "train.py").build()).build();
  }

  RunSupervisor.Builder supervisor(ScriptedCloud... clouds) {
    return RunSupervisor.builder(List.of(clouds)).journal(journal).clock(time.clock).scheduler(time)
        .pollInterval(Duration.ofSeconds(30)).teardownChecks(Duration.ofSeconds(1), 5);
  }

  RunResult runToEnd(RunHandle h) {
    time.runFor(Duration.ofDays(30));
    assertTrue(h.result().isDone(), "run did not end; pending tasks: " + time.pending());
    return h.result().join();
  }

  static void assertNoDuplicateLaunch(ScriptedCloud... clouds) {
    for (ScriptedCloud c : clouds) {
      c.launchCalls().forEach((name, n) -> assertEquals(1, n, name + " was launched " + n + " times"));
    }
  }

  @Test
  void succeedsRecordsCostFromTheLaunchPriceAndTearsDown() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "us-east", 2.0)
        .jobs(Job.succeedsAfter(Duration.ofHours(1)));
    List<Progress> seen = new ArrayList<>();
    RunListener listener = new RunListener() {
      @Override
      public void onProgress(String runId, long seed, int attempt, Progress p) {
        seen.add(p);
      }
    };
    try (RunSupervisor s = supervisor(cloud).build()) {
      RunResult r = runToEnd(s.submit(spec("ok-run"), RunOptions.defaults().withListener(listener)));
      assertEquals(RunOutcome.SUCCEEDED, r.outcome());
      assertEquals(1, r.attempts().size());
      // Billed from launch until the poll that saw it end: 1 h rounded up to the 30 s poll.
      assertEquals(Money.usd(2.0), r.cost());
      assertEquals(3600, r.steps());
      assertTrue(seen.size() > 100, "progress events: " + seen.size());
    }
    assertEquals(Set.of(), cloud.live());
  }

  @Test
  void preemptionsRelaunchWithoutUsingTheRetryBudget() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "us-east", 1.0)
        .jobs(Job.failsAfter(Duration.ofMinutes(20), FailureClass.PREEMPTED),
            Job.failsAfter(Duration.ofMinutes(20), FailureClass.PREEMPTED),
            Job.succeedsAfter(Duration.ofMinutes(20)));
    List<FailureClass> retries = new ArrayList<>();
    RunListener listener = new RunListener() {
      @Override
      public void onRetry(String runId, long seed, int nextAttempt, FailureClass cause) {
        retries.add(cause);
      }
    };
    try (RunSupervisor s = supervisor(cloud).maxRetries(0).build()) {
      RunResult r = runToEnd(s.submit(spec("spot-run"), RunOptions.defaults().withListener(listener)));
      assertEquals(RunOutcome.SUCCEEDED, r.outcome(), r.detail());
      assertEquals(3, r.attempts().size());
      assertEquals(List.of(FailureClass.PREEMPTED, FailureClass.PREEMPTED), retries);
      assertEquals(List.of("flash-spot-run-s0-a1", "flash-spot-run-s0-a2", "flash-spot-run-s0-a3"),
          r.attempts().stream().map(AttemptResult::name).toList());
    }
    assertEquals(Set.of(), cloud.live());
    assertNoDuplicateLaunch(cloud);
  }

  @Test
  void aJobFailureIsNotRetried() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "us-east", 1.0)
        .jobs(Job.failsAfter(Duration.ofMinutes(5), FailureClass.JOB_FAILED));
    try (RunSupervisor s = supervisor(cloud).maxRetries(5).build()) {
      RunResult r = runToEnd(s.submit(spec("bad-run")));
      assertEquals(RunOutcome.FAILED, r.outcome());
      assertEquals(1, r.attempts().size());
      assertEquals(Optional.of(FailureClass.JOB_FAILED), r.attempts().get(0).failure());
    }
    assertEquals(Set.of(), cloud.live());
  }

  @Test
  void retryBudgetBoundsFailuresThatConsumeIt() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "us-east", 1.0)
        .defaultJob(Job.failsAfter(Duration.ofMinutes(5), FailureClass.STALLED));
    try (RunSupervisor s = supervisor(cloud).maxRetries(2).build()) {
      RunResult r = runToEnd(s.submit(spec("flaky-run")));
      assertEquals(RunOutcome.FAILED, r.outcome());
      assertEquals(3, r.attempts().size());
      assertTrue(r.detail().contains("retry budget"), r.detail());
    }
    assertEquals(Set.of(), cloud.live());
  }

  @Test
  void capacityRejectionWalksToTheNextOffer() {
    ScriptedCloud cheap = new ScriptedCloud("cheap", time).offer("a100-80gb-sxm", "eu", 1.0)
        .regionFault("eu", LaunchFault.REJECT_NO_CAPACITY);
    ScriptedCloud dear = new ScriptedCloud("dear", time).offer("a100-80gb-sxm", "us", 3.0);
    List<String> rejected = new ArrayList<>();
    RunListener listener = new RunListener() {
      @Override
      public void onLaunchRejected(String runId, long seed, int attempt, dev.flash.core.GpuOffer offer, String reason) {
        rejected.add(offer.provider());
      }
    };
    try (RunSupervisor s = supervisor(cheap, dear).maxRetries(0).build()) {
      RunResult r = runToEnd(s.submit(spec("walk-run"), RunOptions.defaults().withListener(listener)));
      assertEquals(RunOutcome.SUCCEEDED, r.outcome(), r.detail());
      assertEquals(List.of("cheap"), rejected);
      assertEquals("dear", r.attempts().get(0).offer().provider());
      assertEquals("flash-walk-run-s0-a2", r.attempts().get(0).name());
    }
    assertEquals(Set.of(), cheap.live());
    assertEquals(Set.of(), dear.live());
  }

  @Test
  void afterNoCapacityTheNextAttemptPrefersAnotherRegionOverACheaperSameOne() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0)
        .offer("h100-80gb-sxm", "r1", 1.5).offer("a100-80gb-sxm", "r2", 2.0)
        .jobs(Job.failsAfter(Duration.ofMinutes(1), FailureClass.NO_CAPACITY), Job.succeedsAfter(Duration.ofMinutes(1)));
    try (RunSupervisor s = supervisor(cloud).build()) {
      RunResult r = runToEnd(s.submit(spec("region-run")));
      assertEquals(RunOutcome.SUCCEEDED, r.outcome());
      assertEquals(List.of("r1", "r2"), r.attempts().stream().map(a -> a.offer().region()).toList());
    }
  }

  @Test
  void noOfferLeftEndsTheRunWithTheRefusals() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0)
        .regionFault("r1", LaunchFault.REJECT_BAD_REQUEST);
    try (RunSupervisor s = supervisor(cloud).build()) {
      RunResult r = runToEnd(s.submit(spec("nowhere-run")));
      assertEquals(RunOutcome.FAILED, r.outcome());
      assertTrue(r.detail().contains("no offer left"), r.detail());
      assertEquals(0, cloud.created());
    }
  }

  @Test
  void ambiguousLaunchThatCreatedIsAdoptedNotLaunchedAgain() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0)
        .faults(LaunchFault.CREATE_THEN_TIMEOUT).jobs(Job.succeedsAfter(Duration.ofMinutes(10)));
    try (RunSupervisor s = supervisor(cloud).build()) {
      RunResult r = runToEnd(s.submit(spec("adopt-run")));
      assertEquals(RunOutcome.SUCCEEDED, r.outcome());
      assertEquals(1, r.attempts().size());
      assertEquals(1, cloud.created());
    }
    assertNoDuplicateLaunch(cloud);
    assertEquals(Set.of(), cloud.live());
    assertTrue(journalText().contains("\"adopted\":true"));
  }

  @Test
  void ambiguousLaunchThatCreatedNothingMovesToANewNameAndALatePhantomIsSwept() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0)
        .faults(LaunchFault.CREATE_LATER_AFTER_TIMEOUT, LaunchFault.TIMEOUT_NOTHING_CREATED);
    try (RunSupervisor s = supervisor(cloud).maxRetries(3).build()) {
      RunResult r = runToEnd(s.submit(spec("phantom-run")));
      assertEquals(RunOutcome.SUCCEEDED, r.outcome(), r.detail());
      assertEquals("flash-phantom-run-s0-a3", r.attempts().get(0).name());
    }
    assertNoDuplicateLaunch(cloud);
    assertEquals(Set.of(), cloud.live(), "the phantom of attempt 1 must be reaped");
    assertEquals(2, cloud.created());
  }

  @Test
  void intentIsInTheJournalBeforeTheCreate() {
    List<Boolean> intentFirst = new ArrayList<>();
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0);
    cloud.beforeLaunch(req -> intentFirst.add(journalText().contains("\"event\":\"intent\"")
        && journalText().contains(req.name())));
    try (RunSupervisor s = supervisor(cloud).build()) {
      runToEnd(s.submit(spec("intent-run")));
    }
    assertEquals(List.of(true), intentFirst);
  }

  @Test
  void budgetRefusesBeforeLaunchWhenThePlanExceedsIt() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 4.0);
    Allocator planned = (spec, offers) -> Allocator.Ranking.of(offers.stream()
        .map(o -> new Allocator.Allocation(o, Optional.of(Money.usd(40)), Optional.of(Duration.ofHours(10)),
            Optional.empty())).toList());
    RunSpec spec = RunSpec.builder().from(spec("pricey-run")).budget(Money.usd(25)).build();
    try (RunSupervisor s = supervisor(cloud).allocator(planned).build()) {
      RunResult r = runToEnd(s.submit(spec));
      assertEquals(RunOutcome.BUDGET_EXCEEDED, r.outcome());
      assertTrue(r.detail().contains("refused before launch"), r.detail());
      assertEquals(0, cloud.created());
    }
  }

  @Test
  void thePlannerRefusesARunWhoseCheapestOfferExceedsTheBudget() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 2.0);
    RunSpec spec = RunSpec.builder().from(spec("planned-run")).budget(Money.usd(0.5))
        .training(TrainingSetup.builder().adaptation(Adaptation.LORA).steps(20_000).build()).build();
    try (RunSupervisor s = supervisor(cloud).build()) {
      RunResult r = runToEnd(s.submit(spec));
      assertEquals(RunOutcome.BUDGET_EXCEEDED, r.outcome());
      assertTrue(r.detail().startsWith("refused before launch: the cheapest fitting offer"), r.detail());
      assertEquals(0, cloud.created());
    }
  }

  @Test
  void offersThePlannerRejectsAreNamedWhenNothingFits() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 2.0);
    RunSpec full = RunSpec.builder().from(spec("huge-run")).training(TrainingSetup.defaults()).build();
    try (RunSupervisor s = supervisor(cloud).build()) {
      RunResult r = runToEnd(s.submit(full));
      assertEquals(RunOutcome.FAILED, r.outcome());
      assertTrue(r.detail().contains("no offer left to try") && r.detail().contains("GiB per GPU"), r.detail());
    }
  }

  @Test
  void aCpuOfferIsUsedOnlyWhenTheSpecNamesItsProvider() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("cpu", "r1", 0.0);
    try (RunSupervisor s = supervisor(cloud).build()) {
      assertEquals(RunOutcome.FAILED, runToEnd(s.submit(spec("gpu-run"))).outcome());
      RunSpec named = RunSpec.builder().from(spec("cpu-run"))
          .resources(Resources.builder().providers(List.of("alpha")).build()).build();
      assertEquals(RunOutcome.SUCCEEDED, runToEnd(s.submit(named)).outcome());
    }
  }

  @Test
  void dollarBudgetStopsARunningAttempt() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 2.0)
        .jobs(Job.succeedsAfter(Duration.ofHours(5)));
    RunSpec spec = RunSpec.builder().from(spec("capped-run")).budget(Money.usd(1)).build();
    try (RunSupervisor s = supervisor(cloud).cancelGrace(Duration.ofMinutes(1)).build()) {
      RunResult r = runToEnd(s.submit(spec));
      assertEquals(RunOutcome.BUDGET_EXCEEDED, r.outcome());
      assertTrue(r.cost().compareTo(Money.usd(1.1)) <= 0, "spent " + r.cost());
      assertEquals(List.of("flash-capped-run-s0-a1"), cloud.cancels);
    }
    assertEquals(Set.of(), cloud.live());
  }

  @Test
  void wallBudgetStopsARunningAttempt() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0)
        .jobs(Job.succeedsAfter(Duration.ofHours(5)));
    try (RunSupervisor s = supervisor(cloud).build()) {
      RunResult r = runToEnd(s.submit(spec("slow-run"), RunOptions.defaults().withWallBudget(Duration.ofHours(1))));
      assertEquals(RunOutcome.BUDGET_EXCEEDED, r.outcome());
      assertTrue(r.wall().compareTo(Duration.ofMinutes(62)) <= 0, r.wall().toString());
    }
    assertEquals(Set.of(), cloud.live());
  }

  @Test
  void theSupervisorStopsAnAttemptAtItsWallClockCapWhenTheProviderDoesNot() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0)
        .jobs(Job.succeedsAfter(Duration.ofHours(5)));
    RunSpec capped = RunSpec.builder().from(spec("cap-run"))
        .resources(Resources.builder().wallClockCap(Duration.ofHours(2)).build()).build();
    try (RunSupervisor s = supervisor(cloud).cancelGrace(Duration.ofMinutes(2)).build()) {
      RunResult r = runToEnd(s.submit(capped));
      assertEquals(RunOutcome.FAILED, r.outcome());
      assertTrue(r.detail().contains("wall-clock cap"), r.detail());
      assertEquals(1, r.attempts().size());
      assertTrue(r.wall().compareTo(Duration.ofMinutes(125)) <= 0, r.wall().toString());
    }
    assertEquals(Set.of(), cloud.live());
  }

  @Test
  void cancelStopsTheAttemptAndTearsItDown() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0)
        .jobs(Job.succeedsAfter(Duration.ofHours(5)));
    try (RunSupervisor s = supervisor(cloud).build()) {
      RunHandle h = s.submit(spec("stop-run"));
      time.runFor(Duration.ofMinutes(10));
      h.cancel();
      RunResult r = runToEnd(h);
      assertEquals(RunOutcome.CANCELLED, r.outcome());
      assertEquals(RunState.CANCELLED, r.attempts().get(0).state());
    }
    assertEquals(Set.of(), cloud.live());
  }

  @Test
  void anAttemptWithoutProgressIsStalledAndRetried() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0)
        .jobs(Job.hangs(), Job.succeedsAfter(Duration.ofMinutes(5)));
    try (RunSupervisor s = supervisor(cloud).stallTimeout(Duration.ofMinutes(15)).build()) {
      RunResult r = runToEnd(s.submit(spec("stuck-run")));
      assertEquals(RunOutcome.SUCCEEDED, r.outcome());
      assertEquals(Optional.of(FailureClass.STALLED), r.attempts().get(0).failure());
    }
    assertEquals(Set.of(), cloud.live());
  }

  @Test
  void teardownIsVerifiedUntilTheResourceIsGone() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0).deletingChecks(3)
        .jobs(Job.succeedsAfter(Duration.ofMinutes(5)));
    try (RunSupervisor s = supervisor(cloud).build()) {
      runToEnd(s.submit(spec("slowdelete-run")));
    }
    assertTrue(journalText().contains("\"event\":\"torn_down\"") && journalText().contains("\"verified\":true"));
    assertFalse(journalText().contains("\"verified\":false"));
  }

  @Test
  void crashAfterCreateBeforeTheHandleIsPersistedIsAdoptedOnRestart() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0)
        .faults(LaunchFault.CREATE_THEN_CRASH).jobs(Job.succeedsAfter(Duration.ofMinutes(30)));
    RunSpec spec = spec("crash-run");
    RunSupervisor first = supervisor(cloud).build();
    first.submit(spec);
    time.runFor(Duration.ofMinutes(1));
    assertTrue(time.crashed());
    first.close();
    assertEquals(Set.of("flash-crash-run-s0-a1"), cloud.live());
    assertFalse(journalText().contains("\"event\":\"launched\""));

    time.restart();
    try (RunSupervisor second = supervisor(cloud).build()) {
      List<RunHandle> back = second.recover(List.of(spec));
      assertEquals(1, back.size());
      time.runFor(Duration.ofDays(1));
      RunResult r = back.get(0).result().join();
      assertEquals(RunOutcome.SUCCEEDED, r.outcome(), r.detail());
      assertEquals("flash-crash-run-s0-a1", r.attempts().get(0).name());
    }
    assertNoDuplicateLaunch(cloud);
    assertEquals(Set.of(), cloud.live());
  }

  @Test
  void crashBetweenJournalAndCreateIsRelaunchedUnderTheNextName() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0);
    boolean[] crash = {true};
    cloud.beforeLaunch(req -> {
      if (crash[0]) {
        crash[0] = false;
        throw new VirtualTime.Crash("between journal and create");
      }
    });
    RunSpec spec = spec("early-crash");
    RunSupervisor first = supervisor(cloud).build();
    first.submit(spec);
    time.runFor(Duration.ofMinutes(1));
    assertTrue(time.crashed());
    first.close();
    assertEquals(0, cloud.created());

    time.restart();
    try (RunSupervisor second = supervisor(cloud).build()) {
      RunHandle back = second.recover(List.of(spec)).get(0);
      time.runFor(Duration.ofDays(1));
      RunResult r = back.result().join();
      assertEquals(RunOutcome.SUCCEEDED, r.outcome());
      assertEquals("flash-early-crash-s0-a2", r.attempts().get(0).name());
    }
    assertEquals(Set.of(), cloud.live());
  }

  @Test
  void restartWithoutTheSpecReapsTheRunAndLeavesOtherControlPlanesAlone() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0)
        .jobs(Job.succeedsAfter(Duration.ofHours(3)));
    cloud.createForeign("flash-someone-else-s0-a1");
    RunSupervisor first = supervisor(cloud).build();
    first.submit(spec("orphan-run"));
    time.runFor(Duration.ofMinutes(5));
    first.close(); // the process dies here; its attempt keeps running (and billing)
    assertEquals(Set.of("flash-orphan-run-s0-a1", "flash-someone-else-s0-a1"), cloud.live());
    stripSpecsFromTheJournal(); // as a journal written without specs would be

    time.restart();
    try (RunSupervisor second = supervisor(cloud).build()) {
      assertEquals(List.of(), second.recover(id -> Optional.empty()));
    }
    assertEquals(Set.of("flash-someone-else-s0-a1"), cloud.live());
    List<RunSummary> runs = RunSupervisor.runs(journal);
    assertEquals(Optional.of(RunOutcome.FAILED), runs.get(0).outcome());
    assertEquals(List.of(), runs.get(0).liveAttempts());
  }

  @Test
  void aSweepOverSomeProvidersReapsTheirLeftoversAndLeavesTheOthersUntouched() {
    ScriptedCloud alpha = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0).defaultJob(Job.hangs());
    ScriptedCloud beta = new ScriptedCloud("beta", time).offer("a100-80gb-sxm", "r1", 1.0).defaultJob(Job.hangs());
    RunSupervisor first = supervisor(alpha, beta).build();
    for (String provider : List.of("alpha", "beta")) {
      first.submit(RunSpec.builder().from(spec(provider + "-run"))
          .resources(Resources.builder().providers(List.of(provider)).build()).build());
    }
    time.runFor(Duration.ofMinutes(5));
    first.close(); // the supervisor dies; both attempts are left running
    assertEquals(Set.of("flash-alpha-run-s0-a1"), alpha.live());

    List<dev.flash.core.spi.SweepReport> reports = RunSupervisor.sweep(journal, List.of(alpha), true);
    assertEquals(List.of("alpha"), reports.stream().map(dev.flash.core.spi.SweepReport::provider).toList());
    assertEquals(List.of("flash-alpha-run-s0-a1"), reports.get(0).reaped());
    assertEquals(Set.of(), alpha.live());
    assertEquals(Set.of("flash-beta-run-s0-a1"), beta.live(), "a provider not given is not swept");
  }

  @Test
  void restartReattachesToALiveAttemptAndFinishesIt() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0)
        .jobs(Job.succeedsAfter(Duration.ofHours(1)));
    RunSpec spec = spec("reattach-run");
    RunSupervisor first = supervisor(cloud).build();
    first.submit(spec);
    time.runFor(Duration.ofMinutes(5));
    first.close();
    time.restart();
    assertEquals(1, RunSupervisor.runs(journal).get(0).liveAttempts().size());

    try (RunSupervisor second = supervisor(cloud).build()) {
      RunHandle back = second.recover().get(0); // the spec comes from the journal
      RunResult r = runToEnd(back);
      assertEquals(RunOutcome.SUCCEEDED, r.outcome());
      assertEquals(1, r.attempts().size());
    }
    assertNoDuplicateLaunch(cloud);
    assertEquals(Set.of(), cloud.live());
  }

  @Test
  void aRunIdAlreadyInTheJournalIsRefused() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0);
    try (RunSupervisor s = supervisor(cloud).build()) {
      runToEnd(s.submit(spec("once-run")));
      dev.flash.core.FlashException e = org.junit.jupiter.api.Assertions.assertThrows(
          dev.flash.core.FlashException.class, () -> s.submit(spec("once-run")));
      assertTrue(e.getMessage().contains("already in the journal"), e.getMessage());
    }
  }

  @Test
  void secretsAreResolvedInTheControlProcessAndAMissingOneFailsBeforeLaunch() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0);
    RunSpec spec = RunSpec.builder().from(spec("secret-run")).workload(Workload.builder()
        .addCommand("python", "train.py").putSecrets("HF_TOKEN", "env:HF_TOKEN").build()).build();
    try (RunSupervisor s = supervisor(cloud).secretEnvironment(name -> Optional.empty()).build()) {
      RunResult r = runToEnd(s.submit(spec));
      assertEquals(RunOutcome.FAILED, r.outcome());
      assertTrue(r.detail().contains("HF_TOKEN"), r.detail());
      assertEquals(0, cloud.created());
    }
    List<Map<String, dev.flash.core.Secret>> got = new ArrayList<>();
    ScriptedCloud other = new ScriptedCloud("beta", time).offer("a100-80gb-sxm", "r1", 1.0)
        .beforeLaunch(req -> got.add(req.secrets()));
    try (RunSupervisor s = RunSupervisor.builder(List.of(other)).journal(journal.resolve("b")).clock(time.clock)
        .scheduler(time).secretEnvironment(name -> Optional.of("hf_live_value")).build()) {
      runToEnd(s.submit(spec));
    }
    assertEquals("hf_live_value", got.get(0).get("HF_TOKEN").reveal());
    assertFalse(journalText().contains("hf_live_value"));
  }

  @Test
  void onlyResourcesThatFitAreConsidered() {
    ScriptedCloud cloud = new ScriptedCloud("alpha", time).offer("a100-80gb-sxm", "r1", 1.0)
        .offer("h100-80gb-sxm", "r2", 3.0);
    RunSpec spec = RunSpec.builder().from(spec("h100-run"))
        .resources(Resources.builder().gpu("h100-80gb-sxm").build()).build();
    try (RunSupervisor s = supervisor(cloud).build()) {
      RunResult r = runToEnd(s.submit(spec));
      assertEquals("h100-80gb-sxm", r.attempts().get(0).offer().gpuClass());
    }
  }

  void stripSpecsFromTheJournal() {
    try {
      Path f = journal.resolve("journal.jsonl");
      StringBuilder out = new StringBuilder();
      for (String line : Files.readAllLines(f)) {
        com.fasterxml.jackson.databind.node.ObjectNode n =
            (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
        n.remove("spec");
        out.append(n).append('\n');
      }
      Files.writeString(f, out);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  String journalText() {
    try {
      Path f = journal.resolve("journal.jsonl");
      return Files.exists(f) ? Files.readString(f) : "";
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
