package dev.flash.providers.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flash.core.FailureClass;
import dev.flash.core.RunState;
import dev.flash.core.spi.JobStatus;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The status each state of an attempt directory means, from {@link Scripts#poll}'s output. */
class AttemptStateTest {
  private static final String RECORD = "ssh.json={\"name\":\"flash-r-s0-a1\",\"boot_id\":\"boot-1\"}\n";

  @Test
  void aMissingDirectoryIsNotAnAttempt() {
    assertFalse(AttemptState.parse("dir=0\n").exists());
  }

  @Test
  void livingProcessesAreProvisioningUntilTheWorkloadStartedThenRunning() {
    assertEquals(RunState.PROVISIONING, status("runner=1\ngroup=0\n").state());
    assertEquals(RunState.RUNNING, status("runner=1\ngroup=1\nworkload_started=1\n").state());
    JobStatus orphan = status("runner=0\ngroup=1\nworkload_started=1\n");
    assertEquals(RunState.RUNNING, orphan.state());
    assertTrue(orphan.detail().contains("runner is gone"), orphan.detail());
  }

  @Test
  void exitRecordsMapToTheirStatus() {
    assertEquals(RunState.SUCCEEDED, exited(0, "EXITED").state());
    JobStatus failed = exited(3, "EXITED");
    assertEquals(Optional.of(FailureClass.JOB_FAILED), failed.failure());
    assertEquals(3, failed.exitCode().orElseThrow());
    assertEquals(Optional.of(FailureClass.JOB_FAILED), exited(137, "WALL_CAP").failure());
    assertEquals(Optional.of(FailureClass.PREEMPTED), exited(143, "PREEMPTED").failure());
    assertEquals(RunState.CANCELLED, exited(143, "CANCELLED").state());
  }

  @Test
  void processesGoneWithoutAnExitRecordAreExplainedByMarkersThenByTheBootId() {
    assertEquals(RunState.CANCELLED, status("runner=0\ngroup=0\nmark=cancel\n").state());
    assertEquals(Optional.of(FailureClass.PREEMPTED), status("runner=0\ngroup=0\nmark=preempt\n").failure());
    assertEquals(Optional.of(FailureClass.JOB_FAILED), status("runner=0\ngroup=0\nmark=wallcap\n").failure());
    JobStatus rebooted = AttemptState.parse("dir=1\nrunner=0\ngroup=0\nboot=boot-2\n" + RECORD).status();
    assertEquals(Optional.of(FailureClass.PREEMPTED), rebooted.failure(), "the host restarted: " + rebooted);
    assertEquals(Optional.of(FailureClass.STALLED), status("runner=0\ngroup=0\n").failure());
  }

  @Test
  void aHeartbeatIsProgressAndABrokenOneIsIgnored() {
    JobStatus s = status("runner=1\ngroup=1\nworkload_started=1\nheartbeat.json={\"stage\":\"training\",\"step\":5,"
        + "\"total_steps\":20,\"at\":\"2026-01-01T00:00:00Z\"}\n");
    assertEquals(0.25, s.progress().orElseThrow().fraction(), 1e-9);
    assertTrue(status("runner=1\ngroup=1\nworkload_started=1\nheartbeat.json={\"stage\":\n").progress().isEmpty());
  }

  @Test
  void theWorkersOwnErrorComesFromAFailedMarker() {
    AttemptState s = AttemptState.parse("dir=1\nmarker.json={\"status\":\"failed\",\"error\":\"OOM on rank 0\"}\n");
    assertEquals(Optional.of("OOM on rank 0"), s.workerError());
    assertEquals(Optional.empty(), AttemptState.parse("dir=1\nmarker.json={\"status\":\"ok\",\"error\":\"\"}\n")
        .workerError());
  }

  private static JobStatus exited(int code, String reason) {
    return status("runner=0\ngroup=0\nexit.json={\"code\":" + code + ",\"reason\":\"" + reason
        + "\",\"at\":\"2026-01-01T00:00:00Z\"}\n");
  }

  private static JobStatus status(String lines) {
    return AttemptState.parse("dir=1\nboot=boot-1\n" + RECORD + lines).status();
  }
}
