package dev.flash.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flash.core.CheckpointIntegrityException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** A full disk, a failing fsync, a failing rename: the commit fails cleanly and the previous checkpoint stays. */
class FaultInjectionTest {
  @TempDir
  Path dir;

  /** Fails the operations {@code when} selects while armed, and records every operation. */
  static final class Faults implements IoHook {
    final List<String> seen = new CopyOnWriteArrayList<>();
    final Map<Path, AtomicInteger> forces = new ConcurrentHashMap<>();
    volatile BiPredicate<IoOp, Path> when = (op, p) -> false;
    volatile During during = (op, p) -> {};

    /** Runs inside the operation's hook before it fails or proceeds: lets a test line threads up. */
    interface During {
      void run(IoOp op, Path path) throws InterruptedException;
    }

    @Override
    public void before(IoOp op, Path path) throws IOException {
      seen.add(op + " " + path.getFileName());
      if (op == IoOp.FORCE) {
        forces.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      }
      try {
        during.run(op, path);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted in the test hook", e);
      }
      if (when.test(op, path)) {
        throw new IOException("injected " + op + " failure on " + path.getFileName());
      }
    }
  }

  static byte[] bytes(long seed, int size) {
    byte[] b = new byte[size];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /** The temp files step 1's commit made for the next commit (CheckpointStoreTest covers them). */
  final Set<String> madeAhead = new HashSet<>();

  /**
   * Commits step 1 and waits for the store's background work after it (retention, the next
   * commit's temp files), so that the faults armed next meet only the commit under test.
   */
  void commitPrevious(CheckpointStore store, byte[] previous) throws IOException {
    store.commit(1, previous);
    store.steps();
    madeAhead.addAll(allNames());
  }

  List<String> allNames() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  /** What the directory holds besides the temp files made ahead after step 1 that are still there. */
  List<String> names() throws IOException {
    return allNames().stream().filter(n -> !n.startsWith(".flash-tmp-") || !madeAhead.contains(n))
        .collect(Collectors.toList());
  }

  void assertPreviousIntact(CheckpointStore store, byte[] previous) throws IOException {
    Checkpoint latest = store.latestVerified().latest().orElseThrow();
    assertEquals(1, latest.step());
    assertArrayEquals(previous, Files.readAllBytes(latest.payload()));
    assertTrue(names().stream().noneMatch(n -> n.startsWith(".flash-tmp-")), names().toString());
    assertEquals(3, names().size(), "lock, manifest and payload of step 1 only: " + names());
  }

  static boolean isManifest(Path p) {
    return p.getFileName().toString().endsWith(".manifest.json");
  }

  @Test
  void diskFullMidWriteFailsTheCommitAndKeepsThePrevious() throws IOException {
    Faults faults = new Faults();
    byte[] previous = bytes(1, 10_000);
    try (CheckpointStore store = CheckpointStore.builder(dir).ioHook(faults).open()) {
      commitPrevious(store, previous);
      AtomicInteger writes = new AtomicInteger();
      faults.when = (op, p) -> op == IoOp.WRITE && writes.incrementAndGet() == 3;
      CheckpointIntegrityException e = assertThrows(CheckpointIntegrityException.class,
          () -> store.commit(2, bytes(2, 8 * 1024 * 1024)));
      assertTrue(e.getMessage().contains("could not commit step 2") && e.getMessage().contains("injected WRITE"),
          e.getMessage());
      assertTrue(e.getMessage().contains("Check free space"), e.getMessage());
      assertPreviousIntact(store, previous);

      faults.when = (op, p) -> false;
      assertEquals(2, store.commit(2, bytes(2, 1000)).step());
    }
  }

  @ParameterizedTest
  @EnumSource(value = Target.class)
  void failedFsyncIsNeverRetriedOnTheSameFile(Target target) throws IOException {
    Faults faults = new Faults();
    byte[] previous = bytes(1, 10_000);
    try (CheckpointStore store = CheckpointStore.builder(dir).ioHook(faults).open()) {
      commitPrevious(store, previous);
      faults.forces.clear();
      faults.when = (op, p) -> op == IoOp.FORCE && target.matches(p);
      assertThrows(CheckpointIntegrityException.class, () -> store.commit(2, bytes(2, 3 * 1024 * 1024)));
      assertPreviousIntact(store, previous);
      Path failed = faults.forces.keySet().stream().filter(target::matches).findFirst().orElseThrow();
      assertEquals(1, faults.forces.get(failed).get(), "fsync attempts on " + failed);

      faults.when = (op, p) -> false;
      store.commit(2, bytes(2, 1000));
      assertEquals(1, faults.forces.get(failed).get(), "the failed file is never touched again");
      assertNotEquals(1, faults.forces.size(), "the next commit used fresh files");
    }
  }

  /** A payload large enough for an early writeback: its failure fails the commit and the final fsync is skipped. */
  @Test
  void failedEarlyWritebackFailsTheCommitWithoutASecondFsync() throws IOException {
    Faults faults = new Faults();
    byte[] previous = bytes(1, 10_000);
    try (CheckpointStore store = CheckpointStore.builder(dir).ioHook(faults).open()) {
      commitPrevious(store, previous);
      faults.forces.clear();
      faults.when = (op, p) -> op == IoOp.FORCE && Target.PAYLOAD.matches(p);
      assertThrows(CheckpointIntegrityException.class, () -> store.commit(2, out -> {
        byte[] block = bytes(2, 1 << 20);
        for (int i = 0; i < 80; i++) {
          out.write(block);
        }
      }));
      assertPreviousIntact(store, previous);
      Path failed = faults.forces.keySet().stream().filter(Target.PAYLOAD::matches).findFirst().orElseThrow();
      assertEquals(1, faults.forces.get(failed).get(), "fsync attempts on " + failed);
    }
  }

  /** Which fsync fails while the other one is in flight (they overlap: the manifest only waits for the sha256). */
  enum Overlap {
    MANIFEST_FAILS(Target.MANIFEST),
    PAYLOAD_FAILS(Target.PAYLOAD),
    BOTH_FAIL(Target.PAYLOAD, Target.MANIFEST);

    final List<Target> failing;

    Overlap(Target... failing) {
      this.failing = List.of(failing);
    }
  }

  /**
   * Each fsync's hook waits until the other has started, so the failing one fails while the other
   * is in flight: the payload is fsynced on the IO thread while the caller writes and fsyncs the
   * manifest. 1 MiB is one work slice, 8 MiB two.
   */
  @ParameterizedTest
  @CsvSource({"MANIFEST_FAILS, 1048576", "PAYLOAD_FAILS, 1048576", "BOTH_FAIL, 1048576",
      "MANIFEST_FAILS, 8388608", "PAYLOAD_FAILS, 8388608", "BOTH_FAIL, 8388608"})
  void anFsyncFailingWhileTheOtherIsInFlightFailsTheCommitCleanly(Overlap overlap, int size) throws Exception {
    Faults faults = new Faults();
    byte[] previous = bytes(1, 10_000);
    try (CheckpointStore store = CheckpointStore.builder(dir).ioHook(faults).open()) {
      commitPrevious(store, previous);
      faults.forces.clear();
      CountDownLatch bothStarted = new CountDownLatch(2);
      AtomicBoolean overlapped = new AtomicBoolean(true);
      faults.during = (op, p) -> {
        if (op == IoOp.FORCE && (Target.PAYLOAD.matches(p) || Target.MANIFEST.matches(p))) {
          bothStarted.countDown();
          if (!bothStarted.await(10, TimeUnit.SECONDS)) {
            overlapped.set(false);
          }
        }
      };
      faults.when = (op, p) -> op == IoOp.FORCE && overlap.failing.stream().anyMatch(t -> t.matches(p));

      CheckpointIntegrityException e = assertThrows(CheckpointIntegrityException.class,
          () -> store.commit(2, bytes(2, size)));
      assertTrue(overlapped.get(), "the payload and manifest fsyncs ran at the same time");
      List<String> failures = Stream.concat(Stream.of(e.getCause()), Stream.of(e.getCause().getSuppressed()))
          .map(Throwable::getMessage).filter(m -> m.startsWith("injected FORCE")).sorted().collect(Collectors.toList());
      assertEquals(overlap.failing.size(), failures.size(), "every failed fsync is reported: " + failures);
      faults.during = (op, p) -> {};
      faults.when = (op, p) -> false;
      assertPreviousIntact(store, previous);
      assertEquals(2, faults.forces.size(), "payload and manifest: " + faults.forces);
      faults.forces.forEach((file, n) -> assertEquals(1, n.get(), "fsync attempts on " + file));

      assertEquals(2, store.commit(2, bytes(2, size)).step());
      store.steps();
      assertTrue(faults.forces.size() >= 4, "the next commit used fresh files: " + faults.forces);
      faults.forces.forEach((file, n) -> assertEquals(1, n.get(), "fsync attempts on " + file));
    }
  }

  /** A payload of one work slice goes out in one write at the end; a full disk there fails the commit the same way. */
  @Test
  void diskFullWritingASmallPayloadFailsTheCommitAndKeepsThePrevious() throws IOException {
    Faults faults = new Faults();
    byte[] previous = bytes(1, 10_000);
    try (CheckpointStore store = CheckpointStore.builder(dir).ioHook(faults).open()) {
      commitPrevious(store, previous);
      faults.forces.clear();
      faults.when = (op, p) -> op == IoOp.WRITE && Target.PAYLOAD.matches(p);
      CheckpointIntegrityException e = assertThrows(CheckpointIntegrityException.class,
          () -> store.commit(2, bytes(2, 100_000)));
      assertTrue(e.getMessage().contains("injected WRITE"), e.getMessage());
      assertTrue(faults.forces.keySet().stream().noneMatch(Target.PAYLOAD::matches), "no fsync after a failed write");
      faults.when = (op, p) -> false;
      assertPreviousIntact(store, previous);
    }
  }

  enum Target {
    PAYLOAD {
      @Override
      boolean matches(Path p) {
        return p.getFileName().toString().endsWith(".bin");
      }
    },
    MANIFEST {
      @Override
      boolean matches(Path p) {
        return isManifest(p);
      }
    };

    abstract boolean matches(Path p);
  }

  @Test
  void failedRenameOfTheManifestLeavesNoOrphan() throws IOException {
    Faults faults = new Faults();
    byte[] previous = bytes(1, 100);
    try (CheckpointStore store = CheckpointStore.builder(dir).ioHook(faults).open()) {
      commitPrevious(store, previous);
      faults.when = (op, p) -> op == IoOp.MOVE && isManifest(p);
      assertThrows(CheckpointIntegrityException.class, () -> store.commit(2, bytes(2, 100)));
      assertPreviousIntact(store, previous);
    }
  }

  @Test
  void failedDirectoryFsyncTakesTheCommitBack() throws IOException {
    Faults faults = new Faults();
    byte[] previous = bytes(1, 100);
    try (CheckpointStore store = CheckpointStore.builder(dir).ioHook(faults).open()) {
      commitPrevious(store, previous);
      faults.when = (op, p) -> op == IoOp.FSYNC_DIRECTORY;
      CheckpointIntegrityException e = assertThrows(CheckpointIntegrityException.class,
          () -> store.commit(2, bytes(2, 100)));
      assertTrue(e.getMessage().contains("FSYNC_DIRECTORY"), e.getMessage());
      faults.when = (op, p) -> false;
      assertPreviousIntact(store, previous);
    }
  }

  /** Retention runs after commit has returned: its failure never fails a commit, and the next commit retries it. */
  @Test
  void failedRetentionKeepsTheCommitAndTheNextCommitRetriesIt() throws IOException {
    Faults faults = new Faults();
    try (CheckpointStore store = CheckpointStore.builder(dir).keepLast(1).ioHook(faults).open()) {
      store.commit(1, bytes(1, 100));
      faults.when = (op, p) -> op == IoOp.DELETE && isManifest(p);
      Checkpoint second = store.commit(2, bytes(2, 100));
      assertEquals(List.of(2L, 1L), store.steps(), "step 1 could not be removed");
      assertEquals(second, store.latestVerified().latest().orElseThrow());

      faults.when = (op, p) -> false;
      store.commit(3, bytes(3, 100));
      assertEquals(List.of(3L), store.steps());
      List<String> kept = names().stream().filter(n -> !n.startsWith(".flash-tmp-")).collect(Collectors.toList());
      assertEquals(3, kept.size(), "lock, manifest and payload of step 3 only: " + names());
    }
  }

  /** The next commit's temp files are made in the background: a full disk there fails no commit. */
  @Test
  void aFullDiskWhilePreparingTheNextTempFilesFailsNoCommit() throws IOException {
    Faults faults = new Faults();
    try (CheckpointStore store = CheckpointStore.builder(dir).ioHook(faults).open()) {
      faults.when = (op, p) -> op == IoOp.WRITE && Thread.currentThread().getName().equals("flash-checkpoint-retention");
      store.commit(1, bytes(1, 100_000));
      store.steps();
      try (Stream<Path> s = Files.list(dir)) {
        assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".flash-tmp-")),
            "the half-made temp files were removed");
      }
      faults.when = (op, p) -> false;
      byte[] next = bytes(2, 100_000);
      Checkpoint c = store.commit(2, next);
      assertArrayEquals(next, Files.readAllBytes(c.payload()));
      assertEquals(c, store.latestVerified().latest().orElseThrow());
    }
  }

  @Test
  void directoryCheckpointFailingMidwayLeavesNothing() throws IOException {
    Faults faults = new Faults();
    byte[] previous = bytes(1, 100);
    try (CheckpointStore store = CheckpointStore.builder(dir).ioHook(faults).open()) {
      commitPrevious(store, previous);
      faults.when = (op, p) -> op == IoOp.FORCE && p.getFileName().toString().equals("b");
      assertThrows(CheckpointIntegrityException.class, () -> store.commitFiles(2, out -> {
        out.file("a").write(bytes(2, 2 * 1024 * 1024));
        out.file("b").write(bytes(3, 100));
        out.file("c").write(bytes(4, 100));
      }));
      assertPreviousIntact(store, previous);
    }
  }

  @Test
  void writerExceptionsAbortTheCommit() throws IOException {
    byte[] previous = bytes(1, 100);
    try (CheckpointStore store = CheckpointStore.open(dir)) {
      commitPrevious(store, previous);
      CheckpointIntegrityException io = assertThrows(CheckpointIntegrityException.class, () -> store.commit(2, out -> {
        out.write(bytes(2, 5 * 1024 * 1024));
        throw new IOException("serialiser broke");
      }));
      assertTrue(io.getMessage().contains("serialiser broke"), io.getMessage());
      IllegalStateException bug = new IllegalStateException("bug in the writer");
      assertSame(bug, assertThrows(IllegalStateException.class, () -> store.commit(2, out -> {
        out.write(1);
        throw bug;
      })));
      assertPreviousIntact(store, previous);
    }
  }
}
