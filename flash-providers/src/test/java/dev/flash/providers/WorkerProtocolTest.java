package dev.flash.providers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flash.core.FailureClass;
import dev.flash.core.ModelRef;
import dev.flash.core.Resources;
import dev.flash.core.RunSpec;
import dev.flash.core.TrainingSetup;
import dev.flash.core.Workload;
import dev.flash.core.spi.Progress;
import dev.flash.providers.local.LocalProvider;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shell worker following docs/WORKER_PROTOCOL.md, supervised on the local provider. */
class WorkerProtocolTest {
  @TempDir
  Path dir;

  /** Writes one protocol file the way the doc says: temporary file, then rename. */
  static String write(String name, String json) {
    return "printf '%s' '" + json + "' > \"$FLASH_ATTEMPT_DIR/." + name + ".tmp\" && mv \"$FLASH_ATTEMPT_DIR/." + name
        + ".tmp\" \"$FLASH_ATTEMPT_DIR/" + name + "\"; ";
  }

  RunResult run(String runId, String script) {
    RunSpec spec = RunSpec.builder().runId(runId).model(ModelRef.catalog("llama-3.1-8b"))
        .training(TrainingSetup.builder().steps(10).build())
        .resources(Resources.builder().providers(List.of("local")).build())
        .workload(Workload.builder().addCommand("/bin/sh", "-c", script).build()).build();
    LocalProvider local = LocalProvider.builder().workDir(dir.resolve("local")).build();
    try (RunSupervisor s = RunSupervisor.builder(List.of(local)).journal(dir).pollInterval(Duration.ofMillis(100))
        .build()) {
      return s.submit(spec).await();
    } finally {
      local.close();
    }
  }

  @Test
  void aRetriableMarkerTurnsAFailedExitIntoARetryAndDoneCarriesTheMetrics() {
    String at = "2025-01-01T00:00:00Z";
    String script = "mkdir -p \"$FLASH_ATTEMPT_DIR\"; "
        + "if [ \"$FLASH_ATTEMPT\" = 1 ]; then "
        + write("marker.json", "{\"status\":\"failed\",\"retriable\":true,\"error\":\"lost a device\",\"at\":\"" + at + "\"}")
        + "exit 1; fi; "
        + write("heartbeat.json", "{\"stage\":\"train\",\"step\":5,\"total_steps\":10,\"at\":\"" + at + "\"}")
        + write("done.json", "{\"steps\":10,\"metrics\":{\"loss\":0.25},\"at\":\"" + at + "\"}")
        + write("marker.json", "{\"status\":\"ok\",\"retriable\":false,\"error\":\"\",\"at\":\"" + at + "\"}");
    RunResult r = run("protocol-retry", script);
    assertEquals(RunOutcome.SUCCEEDED, r.outcome(), r.detail());
    assertEquals(2, r.attempts().size());
    assertEquals(Optional.of(FailureClass.STALLED), r.attempts().get(0).failure());
    assertTrue(r.attempts().get(0).detail().contains("lost a device"), r.attempts().get(0).detail());
    assertEquals(Map.of("loss", 0.25), r.metrics());
    assertEquals(10, r.steps(), "the done report's steps, not the last heartbeat's");
  }

  @Test
  void aNonRetriableMarkerFailsTheRunWithTheWorkersError() {
    String script = "mkdir -p \"$FLASH_ATTEMPT_DIR\"; "
        + write("marker.json", "{\"status\":\"failed\",\"retriable\":false,\"error\":\"bad data in shard 3\","
            + "\"at\":\"2025-01-01T00:00:00Z\"}")
        + "exit 2";
    RunResult r = run("protocol-fail", script);
    assertEquals(RunOutcome.FAILED, r.outcome());
    assertEquals(1, r.attempts().size());
    assertTrue(r.detail().contains("bad data in shard 3"), r.detail());
  }

  @Test
  void flashWorkerWritesWhatTheStoreReads() {
    RunArtifacts store = RunArtifacts.directory(dir);
    AttemptRef ref = new AttemptRef("protocol-jvm", 3, 2);
    FlashWorker w = FlashWorker.of(Map.of(FlashWorker.RUN_ID, "protocol-jvm", FlashWorker.SEED, "3",
        FlashWorker.ATTEMPT, "2", FlashWorker.ATTEMPT_DIR, store.attemptLocation(ref),
        FlashWorker.CHECKPOINT_DIR, store.checkpointLocation("protocol-jvm", 3)), Clock.systemUTC());
    w.heartbeat("training", 7, 10);
    Progress p = store.heartbeat(ref).orElseThrow();
    assertEquals(List.of("training", 7L, 10L), List.of(p.stage(), p.step(), p.totalSteps()));
    w.failed("oom", false);
    assertEquals("oom", store.marker(ref).orElseThrow().error());
    w.done(10, Map.of("acc", 0.9));
    assertEquals(Map.of("acc", 0.9), store.done(ref).orElseThrow().metrics());
    assertTrue(store.marker(ref).orElseThrow().ok());
  }
}
