package dev.flash.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flash.testkit.CrashHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real child JVMs commit checkpoints in a loop and are killed with SIGKILL at seeded random
 * moments. After every kill the directory must hold an intact checkpoint matching its manifest
 * and the deterministic bytes of its step, nothing torn may be reported, and progress never goes
 * backwards. {@code -Dflash.crash.kills} sets the count (CI 200, the reliability profile 1000).
 */
class CrashConsistencyTest {
  static final int MAX_PAYLOAD = 128 * 1024;

  @TempDir
  Path dir;

  @Test
  void sigkillAtRandomMomentsNeverLeavesATornCheckpoint() {
    long seed = CrashHarness.seedFromSystemProperty();
    int kills = Integer.getInteger("flash.crash.kills", 200);
    Path store = dir.resolve("store");
    AtomicLong newest = new AtomicLong(-1);
    AtomicInteger progressed = new AtomicInteger();
    AtomicInteger midCommit = new AtomicInteger();
    AtomicInteger orphanPayloads = new AtomicInteger();

    CrashHarness.Report report = CrashHarness.builder(CrashChild.class)
        .args((run, childSeed) -> List.of(store.toString(), Long.toString(seed), Integer.toString(MAX_PAYLOAD)))
        .kills(kills)
        .seed(seed)
        .maxKillDelay(Duration.ofMillis(250))
        .logDirectory(dir.resolve("logs"))
        .build()
        .run(kill -> {
          assertTrue(kill.killedBySigkill(), "the child must die by SIGKILL, exit " + kill.exitCode());
          try (CheckpointStore s = CheckpointStore.open(store)) {
            if (!s.cleanedAtOpen().isEmpty()) {
              midCommit.incrementAndGet();
            }
            if (s.cleanedAtOpen().stream().anyMatch(p -> p.getFileName().toString().startsWith("step-"))) {
              orphanPayloads.incrementAndGet();
            }
            VerifyResult r = s.latestVerified();
            assertEquals(List.of(), r.skipped(), "a SIGKILL must never leave a torn checkpoint");
            if (r.latest().isEmpty()) {
              assertEquals(-1, newest.get(), "a committed checkpoint disappeared");
              return;
            }
            Checkpoint c = r.latest().get();
            byte[] expected = CrashChild.payload(seed, c.step(), MAX_PAYLOAD);
            byte[] actual = c.kind() == CheckpointKind.DIRECTORY ? CrashChild.directoryBytes(c)
                : Files.readAllBytes(c.payload());
            assertEquals(CrashChild.isDirectory(c.step()), c.kind() == CheckpointKind.DIRECTORY);
            assertArrayEquals(expected, actual, "content of step " + c.step());
            assertTrue(c.step() >= newest.get(), "went back from step " + newest.get() + " to " + c.step());
            if (c.step() > newest.get()) {
              progressed.incrementAndGet();
            }
            newest.set(c.step());
          }
        });

    assertEquals(kills, report.kills());
    assertEquals(0, report.exitedBeforeKill());
    assertTrue(newest.get() > kills / 4, "the children made progress: newest step " + newest.get());
    System.out.printf("crash consistency: %d SIGKILLs, 0 torn, 0 lost; newest step %d; %d kills followed new "
            + "commits, %d left temp files behind (an interrupted commit's, or those made for the next commit), %d an "
            + "unreferenced payload (killed between payload and manifest rename); %.1f s, "
            + "mean kill delay %d ms (seed %d)%n", kills, newest.get(), progressed.get(), midCommit.get(),
        orphanPayloads.get(), report.elapsed().toMillis() / 1000.0, report.meanKillDelay().toMillis(), seed);
  }
}
