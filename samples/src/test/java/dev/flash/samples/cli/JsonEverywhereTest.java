package dev.flash.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The offline commands' {@code --json}: one parseable document each, snake_case keys throughout. */
class JsonEverywhereTest {
  @TempDir
  Path dir;

  @Test
  void catalogCommands() {
    assertTrue(JsonOutputs.parse(FlashCliTest.run("models", "--json")).size() > 40);
    assertEquals("gpt2", JsonOutputs.parse(FlashCliTest.run("models", "gpt2", "--json")).path("id").asText());
    assertTrue(JsonOutputs.parse(FlashCliTest.run("gpus", "--json")).size() > 20);
    assertEquals(80.0, JsonOutputs.parse(FlashCliTest.run("gpus", "h100-80gb-sxm", "--json")).path("memory_gib")
        .asDouble(), 1.0);
  }

  @Test
  void planningCommands() throws Exception {
    Path setup = Files.writeString(dir.resolve("e.json"), "{\"model\": \"qwen2.5-0.5b\"}");
    assertTrue(JsonOutputs.parse(FlashCliTest.run("estimate", setup.toString(), "--json")).path("total_gib")
        .asDouble() > 0);
    Path spec = Files.writeString(dir.resolve("spec.json"), "{\"run_id\": \"json-plan\", \"model\": \"qwen2.5-0.5b\","
        + " \"training\": {\"steps\": 100}, \"workload\": {\"command\": [\"python\", \"train.py\"]}}");
    JsonNode plan = JsonOutputs.parse(FlashCliTest.run("plan", spec.toString(), "--json"));
    assertTrue(plan.path("ranked").size() > 0, plan.toString());
    JsonNode cadence = JsonOutputs.parse(FlashCliTest.run("cadence", "--mtbf", "3h", "--cost", "30s", "--json"));
    assertTrue(cadence.path("daly_seconds").asDouble() > 0);
  }

  @Test
  void checkpointCommands() {
    String d = dir.resolve("ckpt").toString();
    assertEquals(3, JsonOutputs.parse(FlashCliTest.run("checkpoint", "write", "--dir", d, "--step", "3", "--bytes",
        "4KiB", "--json")).path("step").asLong());
    assertEquals(3, JsonOutputs.parse(FlashCliTest.run("checkpoint", "verify", "--dir", d, "--json"))
        .path("latest_step").asLong());
    assertTrue(JsonOutputs.parse(FlashCliTest.run("checkpoint", "probe", "--dir", d, "--size", "1MiB", "--json"))
        .path("atomic_rename").asBoolean());
  }

  @Test
  void schedulerCheck() {
    JsonNode jobs = JsonOutputs.parse(FlashCliTest.run("scheduler", "check", "scheduler/jobs.json", "--json"));
    assertEquals(4, jobs.size());
    assertTrue(jobs.get(0).path("id").asText().startsWith("job-"), jobs.toString());
  }
}
