package dev.flash.benchmarks;

import dev.flash.checkpoint.CheckpointStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Commit throughput against a raw sequential write + fsync of the same bytes on the same disk, in
 * one run. Pairs alternate which goes first, and an untimed pause after each measurement absorbs
 * the discard of deleted blocks; the figures are medians. Retention is off while measuring (the raw file's delete is not timed
 * either). Also prints the in-memory sha256 rate, the ceiling for any commit that
 * hashes every byte. {@code --floor} adds two sides to the 1 MiB rounds: the commit's
 * file-system calls alone (see {@link #protocolFloor}), what no implementation of the layout can
 * beat on that disk, and a raw write into a file made beforehand ({@link #rawIntoPreparedFile}).
 * {@code --large-reps 0} skips the 1 GiB rounds. {@code --keep-last N} turns retention on, as a trainer runs the store: each
 * commit then also removes the checkpoint N steps back.
 *
 * <pre>
 * java -cp flash-benchmarks/target/benchmarks.jar dev.flash.benchmarks.CheckpointCommitBenchmark \
 *     [--dir DIR] [--large-reps 7] [--small-reps 300] [--floor] [--keep-last N]
 * </pre>
 */
public final class CheckpointCommitBenchmark {
  private static final int BLOCK = 64 << 20;

  private CheckpointCommitBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "flash-commit-bench");
    int largeReps = 7;
    int smallReps = 300;
    boolean floor = false;
    int keepLast = 0;
    for (int i = 0; i < args.length; i += 2) {
      if (args[i].equals("--floor")) {
        floor = true;
        i--;
        continue;
      }
      if (i + 1 == args.length) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      switch (args[i]) {
        case "--dir":
          dir = Path.of(args[i + 1]);
          break;
        case "--large-reps":
          largeReps = Integer.parseInt(args[i + 1]);
          break;
        case "--small-reps":
          smallReps = Integer.parseInt(args[i + 1]);
          break;
        case "--keep-last":
          keepLast = Integer.parseInt(args[i + 1]);
          break;
        default:
          throw new IllegalArgumentException("unknown option " + args[i] + "; use --dir, --large-reps, --small-reps, --floor, --keep-last");
      }
    }
    Files.createDirectories(dir);
    byte[] block = new byte[BLOCK];
    new SplittableRandom(42).nextBytes(block);
    System.out.printf("java %s, %d cores, dir %s, load average %s%n", System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(), dir, loadAverage());
    System.out.printf("sha256 in memory: %.0f MiB/s%n", sha256Rate(block));
    if (largeReps > 0) {
      compare(dir, "1 GiB", 1L << 30, block, largeReps, false, keepLast);
    }
    compare(dir, "1 MiB", 1L << 20, block, smallReps, floor, keepLast);
    System.out.println(keepLast > 0 ? "retention on: keep the last " + keepLast : "retention off");
    System.out.println("commit = temp files made after the previous commit (a small payload's preallocated at its size) + "
        + "sha256 while writing + fsync, the manifest (written while the hash runs, its sha256 filled in) + fsync, both "
        + "renames + directory fsync; closing, making the next temp files and retention run after it returns (untimed)");
    System.out.println("load average at the end " + loadAverage());
  }

  /** One side of a round: returns the nanoseconds it took. */
  private interface Side {
    long run(long step) throws IOException;
  }

  /** {@code keepLast} 0: retention off. */
  private static void compare(Path dir, String label, long size, byte[] block, int reps, boolean floor, int keepLast)
      throws IOException {
    Path storeDir = dir.resolve("store-" + size);
    Path floorDir = dir.resolve("floor-" + size);
    Path raw = dir.resolve("raw.bin");
    List<Long> rawNanos = new ArrayList<>();
    List<Long> commitNanos = new ArrayList<>();
    List<Long> floorNanos = new ArrayList<>();
    List<Long> rawPreparedNanos = new ArrayList<>();
    List<Double> pairRatios = new ArrayList<>();
    int warmup = Math.max(1, reps / 10);
    ExecutorService manifestThread = Executors.newSingleThreadExecutor();
    // Retention off by default (it deletes the previous checkpoint, as raw's untimed delete does):
    // the figure is the commit protocol itself. The directory is emptied afterwards.
    int keep = keepLast > 0 ? keepLast : reps + warmup + 1;
    Files.createDirectories(floorDir);
    try (CheckpointStore store = CheckpointStore.builder(storeDir).keepLast(keep).open();
        FileChannel floorDirChannel = FileChannel.open(floorDir, StandardOpenOption.READ)) {
      List<Side> sides = new ArrayList<>(List.of(step -> rawWrite(raw, size, block),
          step -> commit(store, step, size, block)));
      if (floor) {
        sides.add(step -> protocolFloor(floorDir, floorDirChannel, step, size, block, manifestThread));
        sides.add(step -> rawIntoPreparedFile(raw, size, block));
      }
      long step = 0;
      for (int i = -warmup; i < reps; i++) {
        long[] took = new long[sides.size()];
        for (int k = 0; k < sides.size(); k++) {
          int side = Math.floorMod(i + k, sides.size());
          took[side] = sides.get(side).run(step);
          settle(dir, raw, size);
        }
        step++;
        if (i >= 0) {
          rawNanos.add(took[0]);
          commitNanos.add(took[1]);
          pairRatios.add((double) took[0] / took[1]);
          if (floor) {
            floorNanos.add(took[2]);
            rawPreparedNanos.add(took[3]);
          }
        }
      }
    } finally {
      manifestThread.shutdown();
    }
    deleteTree(storeDir);
    deleteTree(floorDir);
    if (reps <= 20) {
      for (int i = 0; i < reps; i++) {
        System.out.printf("  %s pair %d: raw %.3f s, commit %.3f s%n", label, i, rawNanos.get(i) / 1e9, commitNanos.get(i) / 1e9);
      }
    }
    double rawMedian = median(rawNanos) / 1e9;
    double commitMedian = median(commitNanos) / 1e9;
    double mib = size / (double) (1 << 20);
    System.out.printf("%s x %d pairs: raw write+fsync median %.4f s (%.0f MiB/s), commit median %.4f s (%.0f MiB/s); "
            + "commit throughput / raw = %.2f (median of pair ratios %.2f); commit time / raw = %.2f%n",
        label, reps, rawMedian, mib / rawMedian, commitMedian, mib / commitMedian, rawMedian / commitMedian,
        medianD(pairRatios), commitMedian / rawMedian);
    if (floor) {
      double floorMedian = median(floorNanos) / 1e9;
      double rawPreparedMedian = median(rawPreparedNanos) / 1e9;
      System.out.printf("%s protocol floor (the commit's file-system calls without hashing or bookkeeping) median %.4f s; "
          + "floor time / raw = %.2f; commit time / floor = %.2f%n", label, floorMedian, floorMedian / rawMedian,
          commitMedian / floorMedian);
      System.out.printf("%s raw write+fsync into a file created and allocated beforehand median %.4f s; commit time / that "
          + "= %.2f%n", label, rawPreparedMedian, commitMedian / rawPreparedMedian);
    }
  }

  /**
   * The file-system calls of a commit and nothing else, with its temp files made beforehand as the
   * store makes them after the previous commit (untimed: created, the payload's preallocated at its
   * size). Timed: the payload written and fsynced while a manifest-sized file is written and
   * fsynced on another thread, both renamed, the directory fsynced. No sha256, no JSON, no hand-off
   * of the bytes to workers. Files are kept like the store's (retention is
   * off), so both directories grow alike.
   */
  private static long protocolFloor(Path floorDir, FileChannel floorDirChannel, long step, long size, byte[] block,
      ExecutorService manifestThread) throws IOException {
    Path payloadTemp = floorDir.resolve(".tmp-" + step + ".bin");
    Path manifestTemp = floorDir.resolve(".tmp-" + step + ".manifest.json");
    byte[] manifest = new byte[400];
    try (FileChannel payload = FileChannel.open(payloadTemp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        FileChannel m = FileChannel.open(manifestTemp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      allocate(payload, size);
      long start = System.nanoTime();
      Future<?> manifestDurable = manifestThread.submit(() -> {
        writeFully(m, manifest, 0, manifest.length);
        m.force(true);
        return null;
      });
      writeFully(payload, block, 0, (int) size);
      payload.force(true);
      manifestDurable.get();
      Files.move(payloadTemp, floorDir.resolve("step-" + step + ".bin"), StandardCopyOption.ATOMIC_MOVE);
      Files.move(manifestTemp, floorDir.resolve("step-" + step + ".manifest.json"), StandardCopyOption.ATOMIC_MOVE);
      floorDirChannel.force(true);
      return System.nanoTime() - start;
    } catch (InterruptedException | ExecutionException e) {
      throw new IOException(e);
    }
  }

  /**
   * A raw write + fsync into a file created and allocated beforehand (untimed), as the store's
   * temp files are: how much of the gap between raw and commit is the creation of the raw file.
   */
  private static long rawIntoPreparedFile(Path file, long size, byte[] block) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      allocate(ch, size);
      long start = System.nanoTime();
      writeFully(ch, block, 0, (int) size);
      ch.force(true);
      return System.nanoTime() - start;
    }
  }

  /** Untimed: gives an empty file {@code size} bytes of zeros on the disk, as the store's temp files get. */
  private static void allocate(FileChannel ch, long size) throws IOException {
    writeFully(ch, new byte[(int) size], 0, (int) size);
    ch.force(false);
    ch.position(0);
  }

  private static void writeFully(FileChannel ch, byte[] b, int off, int len) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(b, off, len);
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  /**
   * Untimed pause between measurements: the raw file is deleted and the directory fsynced, so the
   * discard of the freed blocks (ext4 mounted with "discard") lands here and not in whichever
   * measurement comes next; then the disk gets a moment to drain.
   */
  private static void settle(Path dir, Path raw, long size) throws IOException {
    Files.deleteIfExists(raw);
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
    try {
      Thread.sleep(Math.max(5, size >> 19));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The 1, 5 and 15 minute load averages on Linux: other work on the machine skews every figure. */
  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.delete(p);
      }
    }
  }

  private static long rawWrite(Path file, long size, byte[] block) throws IOException {
    long start = System.nanoTime();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (long left = size; left > 0; left -= block.length) {
        ByteBuffer b = ByteBuffer.wrap(block, 0, (int) Math.min(block.length, left));
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
      ch.force(true);
    }
    return System.nanoTime() - start;
  }

  /** Through the OutputStream, 64 MiB per write; a payload that fits one block as {@code commit(step, byte[])}. */
  private static long commit(CheckpointStore store, long step, long size, byte[] block) {
    long start;
    if (size <= block.length) {
      byte[] payload = Arrays.copyOf(block, (int) size);
      start = System.nanoTime();
      store.commit(step, payload);
    } else {
      start = System.nanoTime();
      store.commit(step, out -> {
        for (long left = size; left > 0; left -= block.length) {
          out.write(block, 0, (int) Math.min(block.length, left));
        }
      });
    }
    long took = System.nanoTime() - start;
    // Untimed: wait for the work the commit left to the store's background thread (closing, the
    // next temp files, retention), so that it does not run into the next side's measurement.
    store.steps();
    return took;
  }

  private static double sha256Rate(byte[] block) throws Exception {
    // 1 MiB updates, as the store hashes: the SHA-256 intrinsic only runs in JIT-compiled callers.
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    int slice = 1 << 20;
    for (int i = 0; i < 512; i++) {
      md.update(block, (i * slice) % block.length, slice);
    }
    long start = System.nanoTime();
    for (int i = 0; i < 1024; i++) {
      md.update(block, (i * slice) % block.length, slice);
    }
    md.digest();
    return 1024 / ((System.nanoTime() - start) / 1e9);
  }

  private static double median(List<Long> xs) {
    long[] a = xs.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2.0;
  }

  private static double medianD(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2.0;
  }
}
