package dev.flash.checkpoint.internal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The worker threads of a store and its buffer pool. Writes and the final fsync run in order on
 * the IO thread while sha256 runs on the hash thread, and a writeback thread pushes dirty pages of
 * large payloads to the disk while they are still being written and hashed, so hashing overlaps the
 * disk instead of adding to it (see docs/BENCHMARKS.md). A fourth thread, after a commit has
 * returned, closes its files, makes the next commit's temp files and removes old checkpoints.
 */
public final class Workers implements AutoCloseable {
  /** Bytes per unit of work handed to the threads. */
  public static final int SLICE = 4 << 20;
  private static final int POOL = 8;

  private final ExecutorService io = Executors.newSingleThreadExecutor(daemon("flash-checkpoint-io"));
  private final ExecutorService hash = Executors.newSingleThreadExecutor(daemon("flash-checkpoint-hash"));
  private final ExecutorService writeback = Executors.newSingleThreadExecutor(daemon("flash-checkpoint-writeback"));
  private final ExecutorService retention = Executors.newSingleThreadExecutor(daemon("flash-checkpoint-retention"));
  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(POOL);
  private int allocated;

  ExecutorService io() {
    return io;
  }

  ExecutorService hash() {
    return hash;
  }

  ExecutorService writeback() {
    return writeback;
  }

  /** Runs {@code task} on the retention thread. */
  public Future<?> inBackground(Runnable task) {
    return retention.submit(task);
  }

  /** A slice-sized buffer; blocks while all are in flight (they come back as work completes). */
  byte[] take() throws InterruptedException {
    byte[] b = free.poll();
    if (b != null) {
      return b;
    }
    synchronized (this) {
      if (allocated < POOL) {
        allocated++;
        return new byte[SLICE];
      }
    }
    return free.take();
  }

  void give(byte[] b) {
    free.offer(b);
  }

  @Override
  public void close() {
    io.shutdown();
    hash.shutdown();
    writeback.shutdown();
    retention.shutdown();
    try {
      io.awaitTermination(1, TimeUnit.MINUTES);
      hash.awaitTermination(1, TimeUnit.MINUTES);
      writeback.awaitTermination(1, TimeUnit.MINUTES);
      retention.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
