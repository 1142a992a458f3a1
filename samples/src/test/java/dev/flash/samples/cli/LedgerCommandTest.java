package dev.flash.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flash.core.Adaptation;
import dev.flash.core.FailureClass;
import dev.flash.core.ModelRef;
import dev.flash.core.Money;
import dev.flash.core.Resources;
import dev.flash.core.RunSpec;
import dev.flash.core.TrainingSetup;
import dev.flash.core.Workload;
import dev.flash.providers.AttemptResult;
import dev.flash.providers.RunResult;
import dev.flash.providers.RunSupervisor;
import dev.flash.testkit.FakeCloud;
import dev.flash.testkit.JobScript;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flash ledger} over a journal a supervisor wrote for a billed run: a fake cloud at $3600/h
 * (a dollar a second) whose first attempt is preempted, on the real clock.
 */
class LedgerCommandTest {
  @TempDir
  Path state;
  RunResult run;

  @BeforeEach
  void superviseABilledRunWithAPreemption() {
    JobScript quick = new JobScript(Duration.ZERO, Duration.ofMillis(600), JobScript.Outcome.SUCCEED, 0,
        Optional.empty(), 100, Duration.ofMillis(50), Optional.empty());
    FakeCloud cloud = FakeCloud.builder().id("acme").clock(Clock.systemUTC())
        .spotOffer("h100-80gb-sxm", "eu-west", Money.usd("3600"), 4)
        .jobs(req -> req.attempt() == 1 ? quick.withPreemptionAfter(Duration.ofMillis(300)) : quick)
        .build();
    RunSpec spec = RunSpec.builder().runId("ledger-demo").model(ModelRef.catalog("llama-3.1-8b"))
        .training(TrainingSetup.builder().adaptation(Adaptation.LORA).build())
        .resources(Resources.builder().spotAllowed(true).build())
        .workload(Workload.builder().image("ghcr.io/acme/train:1").addCommand("python", "train.py").build()).build();
    try (RunSupervisor s = RunSupervisor.builder(List.of(cloud)).journal(state).pollInterval(Duration.ofMillis(20))
        .teardownChecks(Duration.ofMillis(10), 3).build()) {
      run = s.submit(spec).await();
    }
    assertEquals(2, run.attempts().size(), run.toString());
    cloud.assertNoLeaks();
  }

  @Test
  void jsonHasEveryAttemptWithItsOfferBilledTimeAndCostAndTheTotals() {
    JsonNode doc = JsonOutputs.parse(FlashCliTest.run("ledger", "--json", "--state-dir", state.toString()));
    JsonNode r = doc.path("runs").get(0);
    assertEquals("ledger-demo", r.path("run_id").asText());
    assertEquals("SUCCEEDED", r.path("outcome").asText());
    JsonNode attempts = r.path("attempts");
    assertEquals(2, attempts.size());
    for (int i = 0; i < 2; i++) {
      AttemptResult want = run.attempts().get(i);
      JsonNode a = attempts.get(i);
      assertEquals(i + 1, a.path("attempt").asInt());
      assertEquals("acme", a.path("provider").asText());
      assertEquals("h100-80gb-sxm", a.path("gpu_class").asText());
      assertEquals("eu-west", a.path("region").asText());
      assertTrue(a.path("spot").asBoolean());
      assertEquals(0, new BigDecimal("3600").compareTo(a.path("price_per_hour_usd").decimalValue()));
      assertEquals(want.launchedAt().toString(), a.path("launched_at").asText());
      assertEquals(want.endedAt().toString(), a.path("ended_at").asText());
      assertEquals(Duration.between(want.launchedAt(), want.endedAt()).toMillis() / 1000.0,
          a.path("billed_seconds").asDouble(), 1e-9);
      assertEquals(0, want.cost().toBigDecimal().compareTo(a.path("cost_usd").decimalValue()), a.toString());
      assertEquals(want.state().name(), a.path("state").asText());
      assertTrue(!a.path("live").asBoolean());
    }
    assertEquals(FailureClass.PREEMPTED.name(), attempts.get(0).path("failure").asText());
    assertTrue(attempts.get(1).path("failure").isNull());
    assertTrue(run.cost().greaterThan(Money.ZERO), "a dollar a second bills something: " + run.cost());
    assertEquals(0, run.cost().toBigDecimal().compareTo(r.path("cost_usd").decimalValue()));
    JsonNode total = doc.path("total");
    assertEquals(1, total.path("runs").asInt());
    assertEquals(2, total.path("attempts").asInt());
    assertEquals(0, run.cost().toBigDecimal().compareTo(total.path("cost_usd").decimalValue()));
  }

  @Test
  void theTablesShowEachAttemptAndATotalRow() {
    FlashCliTest.Result r = FlashCliTest.run("ledger", "--state-dir", state.toString());
    assertEquals(0, r.code(), r.err());
    List<String> lines = r.out().lines().toList();
    assertTrue(lines.get(0).startsWith("RUN") && lines.get(0).contains("BILLED") && lines.get(0).endsWith("COST"),
        r.out());
    assertTrue(lines.get(1).startsWith("ledger-demo") && lines.get(1).contains("acme")
        && lines.get(1).contains("h100-80gb-sxm×1") && lines.get(1).contains("$3600.00")
        && lines.get(1).contains("FAILED PREEMPTED"), r.out());
    assertTrue(lines.get(2).contains("SUCCEEDED") && lines.get(2).endsWith(run.attempts().get(1).cost().toString()),
        r.out());
    String totalRow = lines.get(lines.size() - 1);
    assertTrue(totalRow.startsWith("TOTAL") && totalRow.contains("1 run") && totalRow.endsWith(run.cost().toString()),
        r.out());
  }

  @Test
  void namingRunsSelectsThemAndAnUnknownOneSaysHowToListThem() {
    JsonNode one = JsonOutputs.parse(FlashCliTest.run("ledger", "ledger-demo", "--json", "--state-dir",
        state.toString()));
    assertEquals(1, one.path("runs").size());
    FlashCliTest.Result typo = FlashCliTest.run("ledger", "ledger-dmeo", "--state-dir", state.toString());
    assertEquals(2, typo.code());
    assertTrue(typo.err().contains("no run 'ledger-dmeo'") && typo.err().contains("did you mean 'ledger-demo'?")
        && typo.err().contains("flash status --state-dir"), typo.err());
  }
}
