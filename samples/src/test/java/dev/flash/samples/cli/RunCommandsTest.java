package dev.flash.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run commands end to end: real child JVMs on the local provider. */
class RunCommandsTest {
  @TempDir
  Path state;

  @Test
  void launchExampleSurvivesAnInjectedPreemptionAndTheOtherCommandsSeeIt() {
    FlashCliTest.Result r = FlashCliTest.run("launch", "--example", "--steps", "2000", "--preempt-after", "4s",
        "--state-dir", state.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("attempt 1: FAILED PREEMPTED"), r.out());
    assertTrue(r.out().contains("SUCCEEDED in 2 attempts (1 preempted): 2000/2000 steps"), r.out());

    FlashCliTest.Result status = FlashCliTest.run("status", "--state-dir", state.toString());
    assertTrue(status.out().contains("SUCCEEDED"), status.out());
    String runId = status.out().lines().skip(1).findFirst().orElseThrow().split("\\s+")[0];

    FlashCliTest.Result logs = FlashCliTest.run("logs", runId, "--state-dir", state.toString());
    assertTrue(logs.out().contains("attempt 2: resumed from checkpoint at step"), logs.out());
    assertTrue(logs.out().contains("done: 2000 steps"), logs.out());

    FlashCliTest.Result sweep = FlashCliTest.run("sweep", "--state-dir", state.toString());
    assertEquals(0, sweep.code());
    assertTrue(sweep.out().contains("local: reaped 0"), sweep.out());
  }

  @Test
  void launchRunsASpecFileOnTheNamedProvider() throws Exception {
    Path spec = state.resolve("spec.json");
    java.nio.file.Files.writeString(spec, """
        {"run_id": "spec-file-run", "model": "llama-3.1-8b",
         "resources": {"providers": ["local"]},
         "workload": {"command": ["/bin/sh", "-c", "echo hello from $FLASH_RUN_ID"]}}
        """);
    FlashCliTest.Result r = FlashCliTest.run("launch", spec.toString(), "--provider", "local",
        "--state-dir", state.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("SUCCEEDED in 1 attempt"), r.out());
    FlashCliTest.Result logs = FlashCliTest.run("logs", "spec-file-run", "--state-dir", state.toString());
    assertEquals("hello from spec-file-run\n", logs.out());
  }

  @Test
  void theRunCommandsPrintJson() throws Exception {
    Path spec = state.resolve("json.json");
    java.nio.file.Files.writeString(spec, """
        {"run_id": "json-run", "model": "llama-3.1-8b",
         "resources": {"providers": ["local"]},
         "workload": {"command": ["/bin/sh", "-c", "echo hello json"]}}
        """);
    String dir = state.toString();
    FlashCliTest.Result launch = FlashCliTest.run("launch", spec.toString(), "--json", "--state-dir", dir);
    com.fasterxml.jackson.databind.JsonNode result = JsonOutputs.parse(launch);
    assertEquals("json-run", result.path("run_id").asText());
    assertEquals("SUCCEEDED", result.path("outcome").asText());
    assertEquals("local", result.path("attempts").get(0).path("provider").asText());
    assertTrue(result.path("attempts").get(0).path("billed_seconds").asDouble() > 0, launch.out());
    assertTrue(launch.err().contains("SUCCEEDED in 1 attempt"), "progress goes to stderr: " + launch.err());

    com.fasterxml.jackson.databind.JsonNode status = JsonOutputs.parse(FlashCliTest.run("status", "--json",
        "--state-dir", dir));
    assertEquals("json-run", status.get(0).path("run_id").asText());
    assertEquals("SUCCEEDED", status.get(0).path("outcome").asText());
    assertEquals(0, status.get(0).path("live_attempts").size());

    com.fasterxml.jackson.databind.JsonNode logs = JsonOutputs.parse(FlashCliTest.run("logs", "json-run", "--json",
        "--state-dir", dir));
    assertEquals("hello json\n", logs.path("text").asText());
    assertEquals(1, logs.path("attempt").asInt());

    com.fasterxml.jackson.databind.JsonNode cancel = JsonOutputs.parse(FlashCliTest.run("cancel", "json-run", "--json",
        "--state-dir", dir));
    assertTrue(cancel.path("already_ended").asBoolean());
    assertEquals("SUCCEEDED", cancel.path("outcome").asText());

    com.fasterxml.jackson.databind.JsonNode sweep = JsonOutputs.parse(FlashCliTest.run("sweep", "--json",
        "--state-dir", dir));
    assertEquals("local", sweep.get(0).path("provider").asText());
    assertEquals(0, sweep.get(0).path("failed").size());

    com.fasterxml.jackson.databind.JsonNode providers = JsonOutputs.parse(FlashCliTest.run("providers", "--json",
        "--state-dir", dir));
    assertTrue(java.util.stream.StreamSupport.stream(providers.spliterator(), false)
        .anyMatch(p -> p.path("id").asText().equals("local") && p.path("available").asBoolean()), providers.toString());
  }

  @Test
  void runCommandsNameAnUnknownRunAndHowToListRuns() {
    for (String command : new String[] {"logs", "cancel"}) {
      FlashCliTest.Result r = FlashCliTest.run(command, "no-such-run", "--state-dir", state.toString());
      assertEquals(2, r.code(), command + ": " + r.err());
      assertTrue(r.err().contains("no run 'no-such-run'") && r.err().contains("--state-dir"), r.err());
    }
  }

  @Test
  void logsFollowPrintsEveryAttemptUntilTheRunEnds() throws Exception {
    Path spec = state.resolve("ticks.json");
    java.nio.file.Files.writeString(spec, """
        {"run_id": "ticks-run", "model": "llama-3.1-8b",
         "resources": {"providers": ["local"]},
         "workload": {"command": ["/bin/sh", "-c", "for i in 1 2 3 4 5 6; do echo tick $i; sleep 0.3; done"]}}
        """);
    java.util.concurrent.CompletableFuture<FlashCliTest.Result> launch = java.util.concurrent.CompletableFuture
        .supplyAsync(() -> FlashCliTest.run("launch", spec.toString(), "--preempt-after", "1s",
            "--state-dir", state.toString()));
    for (int i = 0; i < 200 && !FlashCliTest.run("status", "--state-dir", state.toString()).out().contains("ticks-run");
        i++) {
      Thread.sleep(50);
    }
    FlashCliTest.Result follow = FlashCliTest.run("logs", "ticks-run", "--follow", "--state-dir", state.toString());
    assertEquals(0, launch.get(60, java.util.concurrent.TimeUnit.SECONDS).code());
    String out = follow.out();
    assertTrue(out.contains("tick 1\n") && out.contains("--- attempt 2 ---\n"), out);
    assertTrue(out.endsWith("tick 6\n"), out);
  }

  @Test
  void aBadSpecFileIsAUsageErrorNamingTheField() throws Exception {
    Path spec = state.resolve("bad.json");
    java.nio.file.Files.writeString(spec, "{\"run_id\": \"bad-spec\", \"model\": \"llama-3.1-8b\", \"wrkload\": {}}");
    FlashCliTest.Result r = FlashCliTest.run("launch", spec.toString(), "--state-dir", state.toString());
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("wrkload"), r.err());
  }

  @Test
  void providersListsTheLocalProviderAsReady() {
    FlashCliTest.Result r = FlashCliTest.run("providers", "--state-dir", state.toString());
    assertEquals(0, r.code());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("local") && l.contains("ready")), r.out());
  }

  @Test
  void launchNeedsASpecOrTheExample() {
    FlashCliTest.Result r = FlashCliTest.run("launch", "--state-dir", state.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("give SPEC.json") && r.err().contains("--example"), r.err());
  }

  @Test
  void durationsReadShortAndIsoForms() {
    assertEquals(Duration.ofMillis(250), CliUnits.duration("250ms"));
    assertEquals(Duration.ofSeconds(6), CliUnits.duration("6s"));
    assertEquals(Duration.ofMinutes(90), CliUnits.duration("1h30m"));
    assertEquals(Duration.ofSeconds(5), CliUnits.duration("PT5S"));
  }
}
