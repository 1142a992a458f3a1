package dev.flash.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flash.core.FlashException;
import dev.flash.core.SpecValidationException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CheckpointStoreTest {
  static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @TempDir
  Path dir;

  CheckpointStore open() {
    return CheckpointStore.builder(dir).clock(CLOCK).producer("test").open();
  }

  static byte[] bytes(long seed, int size) {
    byte[] b = new byte[size];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  List<String> entries() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  @Test
  void committedFileMatchesItsManifest() throws Exception {
    byte[] payload = bytes(1, 3 * 1024 * 1024 + 17);
    try (CheckpointStore store = open()) {
      Checkpoint c = store.commit(42, payload);
      assertEquals(42, c.step());
      assertEquals(CheckpointKind.FILE, c.kind());
      assertEquals(payload.length, c.size());
      assertEquals(sha256(payload), c.sha256());
      assertEquals(NOW, c.created());
      assertEquals("test", c.producer());
      assertArrayEquals(payload, Files.readAllBytes(c.payload()));

      VerifyResult r = store.latestVerified();
      assertEquals(c, r.latest().orElseThrow());
      assertTrue(r.skipped().isEmpty());
      assertTrue(store.lastCommitDuration().isPresent());
    }
    JsonNode m = new ObjectMapper().readTree(dir.resolve("step-000000000042.manifest.json").toFile());
    List<String> fields = new ArrayList<>();
    m.fieldNames().forEachRemaining(fields::add);
    assertEquals(List.of("format", "step", "kind", "payload", "size", "sha256", "created", "producer"), fields);
    assertEquals("flash-checkpoint/1", m.get("format").asText());
    assertEquals("2025-01-02T03:04:05Z", m.get("created").asText());
    assertTrue(m.get("payload").asText().matches("step-000000000042-[0-9a-f]{8}\\.bin"), m.toString());
    assertEquals(List.of(".flash-lock", m.get("payload").asText(), "step-000000000042.manifest.json"), entries());
  }

  /** Entries that are not temp files: a commit leaves the temp files of the next one behind it. */
  List<String> checkpointEntries() throws IOException {
    return entries().stream().filter(n -> !n.startsWith(".flash-tmp-")).collect(Collectors.toList());
  }

  /**
   * docs/CHECKPOINTS.md, "Temp files made ahead": after a commit the next one's files exist,
   * preallocated at the committed size (payload) and 4 KiB of spaces (manifest); a commit of the
   * same, a smaller, a larger and no size all come out exact, and closing removes the unused files.
   */
  @Test
  void theNextCommitsTempFilesAreMadeAheadAndPreallocated() throws Exception {
    try (CheckpointStore store = open()) {
      store.commit(1, bytes(1, 100_000));
      store.steps(); // waits for the work the commit left to the background thread
      List<String> temp = entries().stream().filter(n -> n.startsWith(".flash-tmp-")).collect(Collectors.toList());
      assertEquals(2, temp.size(), entries().toString());
      assertTrue(temp.get(0).startsWith(".flash-tmp-next-"), temp.toString());
      String id = temp.get(0).substring(".flash-tmp-next-".length(), temp.get(0).indexOf('.', 1));
      assertEquals(100_000, Files.size(dir.resolve(".flash-tmp-next-" + id + ".bin")));
      byte[] spaces = Files.readAllBytes(dir.resolve(".flash-tmp-next-" + id + ".manifest.json"));
      assertEquals(4096, spaces.length);
      assertTrue(new String(spaces, StandardCharsets.US_ASCII).isBlank());

      int step = 2;
      for (int size : new int[] {100_000, 1000, 300_000, 0}) {
        byte[] payload = bytes(step, size);
        Checkpoint c = store.commit(step, payload);
        if (step == 2) {
          assertEquals("step-000000000002-" + id + ".bin", c.payload().getFileName().toString(), "used the files made ahead");
          byte[] manifest = Files.readAllBytes(c.manifest());
          assertEquals(4096, manifest.length, "written over the spaces: no block allocated");
          assertEquals(c.sha256(), new ObjectMapper().readTree(manifest).get("sha256").asText());
        }
        assertArrayEquals(payload, Files.readAllBytes(c.payload()), "size " + size);
        assertEquals(c, store.latestVerified().latest().orElseThrow());
        step++;
      }
      store.commitFiles(step, out -> out.file("a").write(new byte[10]));
      assertEquals(List.of(), entries().stream().filter(n -> n.startsWith(".flash-tmp-")).collect(Collectors.toList()),
          "a directory commit does not use them and removes them first");
    }
    assertTrue(entries().stream().noneMatch(n -> n.startsWith(".flash-tmp-")), entries().toString());
  }

  /** A store that is not closed (its process died) leaves its next commit's files to the next open. */
  @Test
  void tempFilesMadeAheadAreRemovedAtTheNextOpen() throws Exception {
    Path copy = dir.resolveSibling(dir.getFileName() + "-copy");
    List<String> temp;
    try (CheckpointStore store = open()) {
      store.commit(1, bytes(1, 1000));
      store.steps();
      temp = entries().stream().filter(n -> n.startsWith(".flash-tmp-")).collect(Collectors.toList());
      // As if the process had died now: copy the directory while the store still holds its files.
      Files.createDirectories(copy);
      for (String n : entries()) {
        if (!n.equals(".flash-lock")) {
          Files.copy(dir.resolve(n), copy.resolve(n));
        }
      }
    }
    try (CheckpointStore store = CheckpointStore.open(copy)) {
      assertEquals(temp, store.cleanedAtOpen().stream().map(p -> p.getFileName().toString()).sorted()
          .collect(Collectors.toList()));
      assertEquals(1, store.latestVerified().latest().orElseThrow().step());
    } finally {
      try (Stream<Path> s = Files.walk(copy)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Payloads of several 4 MiB work slices and of less than one. */
  @ParameterizedTest
  @ValueSource(ints = {5 * 1024 * 1024 + 3, 300_007})
  void everyWayOfWritingHashesTheSameBytes(int size) throws Exception {
    byte[] payload = bytes(2, size);
    try (CheckpointStore store = CheckpointStore.builder(dir).keepLast(10).open()) {
      Checkpoint oneByOne = store.commit(1, out -> {
        for (int i = 0; i < 300_000; i++) {
          out.write(payload[i]);
        }
        out.write(payload, 300_000, payload.length - 300_000);
      });
      Checkpoint viaDirectBuffers = store.commit(2, out -> {
        ByteBuffer direct = ByteBuffer.allocateDirect(1000);
        for (int pos = 0; pos < payload.length; pos += 1000) {
          direct.clear();
          direct.put(payload, pos, Math.min(1000, payload.length - pos)).flip();
          assertEquals(direct.remaining(), out.write(direct));
        }
      });
      Path source = dir.resolveSibling(dir.getFileName() + "-src.bin");
      Files.write(source, payload);
      Checkpoint copied = store.commitFile(3, source);
      Checkpoint empty = store.commit(4, new byte[0]);
      Checkpoint retained = store.commit(5, payload);
      Checkpoint retainedThenStreamed = store.commit(6, out -> {
        out.writeRetained(Arrays.copyOf(payload, 1000));
        out.write(payload, 1000, payload.length - 1000);
      });
      for (Checkpoint c : List.of(oneByOne, viaDirectBuffers, copied, retained, retainedThenStreamed)) {
        assertEquals(sha256(payload), c.sha256(), "step " + c.step());
        assertArrayEquals(payload, Files.readAllBytes(c.payload()), "step " + c.step());
      }
      assertEquals(sha256(new byte[0]), empty.sha256());
      assertEquals(6, store.latestVerified().latest().orElseThrow().step());
      Files.delete(source);
    }
  }

  @Test
  void directoryCheckpointListsItsFilesAndHashesTheListing() throws Exception {
    byte[] weights = bytes(3, 2 * 1024 * 1024 + 5);
    byte[] optim = bytes(4, 777);
    try (CheckpointStore store = open()) {
      Checkpoint c = store.commitFiles(7, out -> {
        out.file("model/weights.bin").write(weights);
        out.file("optimizer.bin").write(optim);
        out.file("empty").close();
      });
      assertEquals(CheckpointKind.DIRECTORY, c.kind());
      assertEquals(weights.length + optim.length, c.size());
      assertEquals(List.of("empty", "model/weights.bin", "optimizer.bin"),
          c.files().stream().map(CheckpointFile::path).collect(Collectors.toList()));
      String listing = sha256(new byte[0]) + "  empty\n" + sha256(weights) + "  model/weights.bin\n"
          + sha256(optim) + "  optimizer.bin\n";
      assertEquals(sha256(listing.getBytes(StandardCharsets.UTF_8)), c.sha256());
      assertArrayEquals(weights, Files.readAllBytes(c.payload().resolve("model/weights.bin")));
      assertEquals(c, store.latestVerified().latest().orElseThrow());

      Checkpoint copy = store.commitDirectory(8, c.payload());
      assertEquals(c.sha256(), copy.sha256());
      assertEquals(c.files(), copy.files());
    }
  }

  @Test
  void directoryWriterRejectsEscapingOrRepeatedPaths() {
    try (CheckpointStore store = open()) {
      for (String bad : List.of("../x", "/abs", "a//b", "a/./b", "", "a\\b")) {
        assertThrows(IllegalArgumentException.class, () -> store.commitFiles(1, out -> out.file(bad)), bad);
      }
      assertThrows(IllegalArgumentException.class, () -> store.commitFiles(1, out -> {
        out.file("a").write(1);
        out.file("a");
      }));
      assertTrue(store.steps().isEmpty());
    }
  }

  @Test
  void retentionKeepsTheLastNAndEveryKth() throws Exception {
    try (CheckpointStore store = CheckpointStore.builder(dir).keepLast(2).keepEvery(5).open()) {
      for (long s = 0; s <= 12; s++) {
        store.commit(s, bytes(s, 100));
      }
      assertEquals(List.of(12L, 11L, 10L, 5L, 0L), store.steps());
    }
    // 5 manifests + 5 payloads + lock: no payload outlived its manifest
    assertEquals(11, entries().size(), entries().toString());
  }

  /** Old checkpoints are removed after commit returns; the store's next call waits until they are gone. */
  @Test
  void retentionRunsAfterTheCommitHasReturned() throws Exception {
    CountDownLatch deletes = new CountDownLatch(1);
    IoHook held = (op, p) -> {
      try {
        if (op == IoOp.DELETE && !deletes.await(10, TimeUnit.SECONDS)) {
          throw new IOException("test: deletes were never released");
        }
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
    };
    try (CheckpointStore store = CheckpointStore.builder(dir).keepLast(1).ioHook(held).open()) {
      Checkpoint first = store.commit(1, bytes(1, 1000));
      Checkpoint second = store.commit(2, bytes(2, 1000));
      assertTrue(Files.exists(first.manifest()), "commit returned before removing step 1");
      assertTrue(Files.exists(first.payload()));
      deletes.countDown();
      assertEquals(List.of(2L), store.steps());
      assertFalse(Files.exists(first.manifest()));
      assertFalse(Files.exists(first.payload()));
      assertEquals(List.of(".flash-lock", second.payload().getFileName().toString(),
          second.manifest().getFileName().toString()), checkpointEntries());
    }
  }

  @Test
  void recommittingAStepReplacesItAtomically() throws Exception {
    try (CheckpointStore store = open()) {
      Checkpoint first = store.commit(5, bytes(1, 1000));
      Checkpoint second = store.commit(5, bytes(2, 2000));
      assertEquals(second, store.latestVerified().latest().orElseThrow());
      assertFalse(Files.exists(first.payload()));
      assertEquals(3, checkpointEntries().size(), entries().toString());
    }
  }

  @Test
  void committingAnOlderStepAbandonsTheNewerTimeline() {
    try (CheckpointStore store = open()) {
      for (long s = 10; s <= 12; s++) {
        store.commit(s, bytes(s, 10));
      }
      store.commit(8, bytes(8, 10));
      assertEquals(List.of(8L), store.steps());
      assertEquals(8, store.latestVerified().latest().orElseThrow().step());
    }
  }

  @Test
  void latestVerifiedWalksBackPastEveryKindOfDamage() throws Exception {
    try (CheckpointStore store = CheckpointStore.builder(dir).keepLast(10).open()) {
      Checkpoint good = store.commit(1, bytes(1, 5000));
      Checkpoint flipped = store.commit(2, bytes(2, 5000));
      Checkpoint truncated = store.commit(3, bytes(3, 5000));
      Checkpoint missing = store.commit(4, bytes(4, 5000));
      store.commit(5, bytes(5, 5000));
      Checkpoint extraFile = store.commitFiles(6, out -> out.file("a").write(1));

      byte[] b = Files.readAllBytes(flipped.payload());
      b[1234] ^= 1;
      Files.write(flipped.payload(), b);
      Files.write(truncated.payload(), bytes(3, 4999));
      Files.delete(missing.payload());
      Files.writeString(dir.resolve("step-000000000005.manifest.json"), "{\"format\": \"flash-checkp");
      Files.write(extraFile.payload().resolve("b"), new byte[1]);

      VerifyResult r = store.latestVerified();
      assertEquals(good, r.latest().orElseThrow());
      List<String> reasons = r.skipped().stream().map(SkippedCheckpoint::reason).collect(Collectors.toList());
      assertEquals(List.of(6L, 5L, 4L, 3L, 2L),
          r.skipped().stream().map(SkippedCheckpoint::step).collect(Collectors.toList()));
      assertTrue(reasons.get(0).contains("unexpected [b]"), reasons.get(0));
      assertTrue(reasons.get(1).contains("not valid JSON"), reasons.get(1));
      assertTrue(reasons.get(2).contains("missing"), reasons.get(2));
      assertTrue(reasons.get(3).contains("4999 bytes, manifest says 5000"), reasons.get(3));
      assertTrue(reasons.get(4).contains("sha256"), reasons.get(4));
      assertEquals(r.latest(), CheckpointStore.inspect(dir).latest());
    }
  }

  @Test
  void noIntactCheckpointIsReportedNotThrown() throws Exception {
    try (CheckpointStore store = open()) {
      assertFalse(store.latestVerified().intact());
      Checkpoint only = store.commit(1, bytes(1, 10));
      Files.write(only.payload(), bytes(9, 10));
      VerifyResult r = store.latestVerified();
      assertFalse(r.intact());
      assertEquals(1, r.skipped().size());
    }
    assertFalse(CheckpointStore.inspect(dir.resolve("nowhere")).intact());
  }

  @Test
  void openingRemovesLeftoversButNotWhatACorruptManifestMayOwn() throws Exception {
    try (CheckpointStore store = open()) {
      store.commit(1, bytes(1, 10));
    }
    Files.write(dir.resolve(".flash-tmp-abc.bin"), new byte[5]);
    Files.createDirectories(dir.resolve(".flash-tmp-def/sub"));
    Files.write(dir.resolve(".flash-tmp-def/sub/x"), new byte[5]);
    Files.write(dir.resolve("step-000000000002-0badc0de.bin"), new byte[5]);
    Files.writeString(dir.resolve("step-000000000003.manifest.json"), "garbage");
    Files.write(dir.resolve("step-000000000003-feedface.bin"), new byte[5]);
    Files.writeString(dir.resolve("notes.txt"), "user file");
    try (CheckpointStore store = open()) {
      assertEquals(3, store.cleanedAtOpen().size(), store.cleanedAtOpen().toString());
      assertTrue(Files.exists(dir.resolve("step-000000000003-feedface.bin")));
      assertTrue(Files.exists(dir.resolve("notes.txt")));
      assertEquals(1, store.latestVerified().latest().orElseThrow().step());
    }
  }

  @Test
  void oneWriterPerDirectory() {
    try (CheckpointStore store = open()) {
      FlashException e = assertThrows(FlashException.class, this::open);
      assertTrue(e.getMessage().contains("already open for writing by process " + ProcessHandle.current().pid()),
          e.getMessage());
      assertTrue(e.retryable());
      store.commit(1, new byte[1]);
      assertTrue(CheckpointStore.inspect(dir).intact());
    }
    try (CheckpointStore again = open()) {
      assertEquals(List.of(1L), again.steps());
    }
  }

  @Test
  void badSettingsNameTheirField() {
    SpecValidationException e = assertThrows(SpecValidationException.class,
        () -> CheckpointStore.builder(dir).keepLast(0).keepEvery(-1).open());
    assertTrue(e.getMessage().contains("$.keep_last") && e.getMessage().contains("$.keep_every"), e.getMessage());
    try (CheckpointStore store = open()) {
      assertThrows(IllegalArgumentException.class, () -> store.commit(-1, new byte[1]));
      assertThrows(IllegalArgumentException.class, () -> store.commitFile(1, dir.resolve("absent")));
    }
  }

  @Test
  void closedStoreRefusesWork() {
    CheckpointStore store = open();
    store.close();
    store.close();
    assertThrows(IllegalStateException.class, () -> store.commit(1, new byte[1]));
  }

  /** Random sequences of commits, kinds and sizes; the newest always verifies byte for byte. */
  @Test
  void seededSequencesOfCommitsAlwaysVerify() throws Exception {
    long seed = Seeds.seed();
    SplittableRandom r = new SplittableRandom(seed);
    int cases = Math.max(20, Seeds.cases() / 500);
    try (CheckpointStore store = CheckpointStore.builder(dir).keepLast(1 + r.nextInt(3)).open()) {
      for (int i = 0; i < cases; i++) {
        int size = r.nextInt(4) == 0 ? r.nextInt(3 * 1024 * 1024) : r.nextInt(70_000);
        byte[] data = bytes(r.nextLong(), size);
        Checkpoint c = r.nextBoolean() ? store.commit(i, data)
            : store.commitFiles(i, out -> {
              out.file("part-a").write(data, 0, data.length / 2);
              out.file("dir/part-b").write(data, data.length / 2, data.length - data.length / 2);
            });
        Checkpoint latest = store.latestVerified().latest().orElseThrow();
        assertEquals(c, latest, Seeds.replay(seed) + " commit " + i);
        byte[] back = c.kind() == CheckpointKind.FILE ? Files.readAllBytes(c.payload())
            : concat(Files.readAllBytes(c.payload().resolve("part-a")), Files.readAllBytes(c.payload().resolve("dir/part-b")));
        assertArrayEquals(data, back, Seeds.replay(seed) + " commit " + i);
      }
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
