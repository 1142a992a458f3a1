package dev.flash.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flash.checkpoint.Checkpoint;
import dev.flash.checkpoint.CheckpointStore;
import dev.flash.checkpoint.IoHook;
import dev.flash.checkpoint.IoOp;
import dev.flash.checkpoint.VerifyResult;
import dev.flash.core.CheckpointIntegrityException;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Commits checkpoints into a small file system until it is full, in rounds, and reports after each
 * round what the store shows: one {@code FULLDISK {json}} line per round on stdout. Run inside a
 * private mount namespace on a size-limited tmpfs or ext4 image by {@link FullDiskTest}; with
 * {@code --inject BYTES} it runs anywhere, failing writes past BYTES with the ENOSPC message instead.
 *
 * <p>Each round tries one of three commits against the space left: a file well over it, a file
 * about its size (so the payload may fit and the manifest not), and a directory of three files
 * whose sum is over it. After each round the newest verified checkpoint must be the last committed
 * one, byte for byte, with nothing torn, skipped or left over.
 */
public final class FullDiskChild {
  private static final ObjectMapper JSON = new ObjectMapper();

  private FullDiskChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int rounds = Integer.parseInt(args[1]);
    long seed = Long.parseLong(args[2]);
    long injectedCapacity = args.length > 4 && args[3].equals("--inject") ? Long.parseLong(args[4]) : -1;
    SplittableRandom random = new SplittableRandom(seed);
    Path ckpt = dir.resolve("ckpt");
    Files.createDirectories(ckpt);
    FileStore fs = Files.getFileStore(ckpt);
    Disk disk = new Disk(ckpt, injectedCapacity);
    try (CheckpointStore store = CheckpointStore.builder(ckpt).keepLast(1).ioHook(disk).open()) {
      byte[] committed = bytes(random, 16 * 1024);
      store.commit(1, committed);
      long step = 1;
      List<byte[]> committedFiles = List.of();
      for (int round = 0; round < rounds; round++) {
        long free = injectedCapacity >= 0 ? disk.free() : fs.getUsableSpace();
        int kind = round % 3;
        ObjectNode line = JSON.createObjectNode().put("round", round).put("free_before", free);
        long size = switch (kind) {
          case 0 -> free + 64 * 1024 + random.nextInt(1 << 20);
          case 1 -> Math.max(1, free - 8 * 1024 + random.nextInt(16 * 1024));
          default -> free + 4096 + random.nextInt(1 << 18);
        };
        line.put("kind", kind == 0 ? "file over the space left" : kind == 1 ? "file about the space left"
            : "directory over the space left").put("size", size);
        disk.commitOf(size);
        String outcome;
        try {
          if (kind == 2) {
            long third = size / 3 + 1;
            List<byte[]> files = List.of(bytes(random, (int) third), bytes(random, (int) third), bytes(random, (int) third));
            store.commitFiles(step + 1, out -> {
              for (int i = 0; i < files.size(); i++) {
                try (var o = out.file("shard-" + i + ".bin")) {
                  o.write(java.nio.ByteBuffer.wrap(files.get(i)));
                }
              }
            });
            committedFiles = files;
            committed = null;
          } else {
            byte[] payload = bytes(random, (int) size);
            store.commit(step + 1, payload);
            committed = payload;
            committedFiles = List.of();
          }
          step++;
          outcome = "committed";
        } catch (CheckpointIntegrityException e) {
          outcome = "refused";
          line.put("message", e.getMessage());
        } catch (RuntimeException e) {
          outcome = "other";
          line.put("message", e.toString());
        }
        line.put("outcome", outcome);
        VerifyResult v = store.latestVerified();
        Checkpoint latest = v.latest().orElseThrow();
        boolean intact = latest.step() == step && (committed != null
            ? Arrays.equals(committed, Files.readAllBytes(latest.payload()))
            : sameFiles(latest.payload(), committedFiles));
        line.put("latest_step", latest.step()).put("expected_step", step).put("previous_intact", intact)
            .put("skipped", v.skipped().size())
            .put("temp_files_left", tempFiles(ckpt, outcome.equals("committed") && kind != 2))
            .put("free_after", injectedCapacity >= 0 ? disk.free() : fs.getUsableSpace());
        System.out.println("FULLDISK " + line);
      }
    }
    // Reopened, the store finds nothing to clean up: the failed attempts left nothing behind. And
    // where there is room (the last committed checkpoint may nearly fill the disk), a commit works.
    try (CheckpointStore store = CheckpointStore.builder(ckpt).keepLast(1).ioHook(disk).open()) {
      long step = store.latestVerified().latest().orElseThrow().step();
      long free = injectedCapacity >= 0 ? disk.free() : fs.getUsableSpace();
      ObjectNode after = JSON.createObjectNode().put("round", "after").put("cleaned_at_open", store.cleanedAtOpen().size())
          .put("temp_files_left", tempFiles(ckpt, false)).put("free", free);
      if (free >= 64 * 1024) {
        byte[] small = bytes(random, 4096);
        disk.commitOf(small.length);
        store.commit(step + 1, small);
        after.put("small_commit_ok",
            Arrays.equals(small, Files.readAllBytes(store.latestVerified().latest().orElseThrow().payload())));
      }
      System.out.println("FULLDISK " + after);
    }
  }

  static boolean sameFiles(Path payloadDir, List<byte[]> files) throws IOException {
    for (int i = 0; i < files.size(); i++) {
      if (!Arrays.equals(files.get(i), Files.readAllBytes(payloadDir.resolve("shard-" + i + ".bin")))) {
        return false;
      }
    }
    return !files.isEmpty();
  }

  /**
   * Temp files in {@code dir}; after a committed single-file checkpoint without the two the store
   * made for its next commit ({@code .flash-tmp-next-*}, docs/CHECKPOINTS.md): a failed commit uses
   * up or removes those, so after one every temp file is a leftover.
   */
  static long tempFiles(Path dir, boolean afterFileCommit) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(".flash-tmp-") && !(afterFileCommit && n.startsWith(".flash-tmp-next-"))).count();
    }
  }

  static byte[] bytes(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  /**
   * For {@code --inject}: a disk of a fixed capacity (the bytes in the checkpoint directory) whose
   * writes fail with ENOSPC's message when the commit under way would not fit. An approximation: a
   * WRITE does not show its size, so the child announces each commit's size, and the refusal comes
   * at the commit's first write rather than at the byte that overflows.
   */
  static final class Disk implements IoHook {
    private final Path dir;
    private final long capacity;
    private volatile long usedBefore;
    private volatile long pending;

    Disk(Path dir, long capacity) {
      this.dir = dir;
      this.capacity = capacity;
    }

    void commitOf(long bytes) throws IOException {
      usedBefore = capacity >= 0 ? used() : 0;
      pending = bytes + 1024; // and a manifest
    }

    long free() throws IOException {
      return Math.max(0, capacity - used());
    }

    private long used() throws IOException {
      try (Stream<Path> s = Files.walk(dir)) {
        return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
      }
    }

    @Override
    public void before(IoOp op, Path path) throws IOException {
      if (capacity >= 0 && op == IoOp.WRITE && usedBefore + pending > capacity) {
        throw new IOException("No space left on device (injected: " + capacity + " bytes used)");
      }
    }
  }
}
