package dev.flash.checkpoint.internal;

import dev.flash.checkpoint.IoHook;
import dev.flash.checkpoint.IoOp;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Bytes on their way into one payload file: written through the file's one {@link FileChannel} on
 * the IO thread while sha256 is computed from the same memory on the hash thread. Small writes are
 * gathered into pooled slices; a large caller array is handed out in slices without copying and
 * {@link #write} returns only when both threads are done with it.
 *
 * <p>The first failure (a write, an injected fault) is kept; everything after it is skipped and
 * the failure is rethrown to the caller. {@link #force()} is submitted at most once: a failed fsync
 * is never retried on this file (after a failed fsync the kernel may have dropped the dirty pages,
 * so a second fsync could "succeed" on lost data).
 */
public final class HashingSink {
  /**
   * Bytes between early writebacks of a large payload: without them the kernel starts writing a
   * 1 GiB checkpoint only at the final fsync (background writeback waits for 10 % of RAM to be
   * dirty), so the disk would idle while sha256 runs.
   */
  static final long WRITEBACK_EVERY = 64L << 20;

  private final FileChannel channel;
  private final Path path;
  private final IoHook hook;
  private final Workers workers;
  private final MessageDigest digest = Manifest.newSha256();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private volatile boolean abandoned;
  private byte[] current;
  private int fill;
  private long size;
  private Future<?> lastWrite;
  private Future<?> lastHash;
  private Future<?> force;
  private Future<?> writeback;
  private long sinceWriteback;

  public HashingSink(FileChannel channel, Path path, IoHook hook, Workers workers) {
    this.channel = channel;
    this.path = path;
    this.hook = hook;
    this.workers = workers;
  }

  public Path path() {
    return path;
  }

  public long size() {
    return size + fill;
  }

  public void write(byte[] b, int off, int len) throws IOException {
    rethrow();
    if (len >= Workers.SLICE / 4) {
      flushCurrent();
      for (int pos = 0; pos < len; pos += Workers.SLICE) {
        dispatch(b, off + pos, Math.min(Workers.SLICE, len - pos), null);
      }
      awaitIdle();
      rethrow();
      return;
    }
    while (len > 0) {
      if (current == null) {
        current = take();
      }
      int n = Math.min(len, current.length - fill);
      System.arraycopy(b, off, current, fill, n);
      fill += n;
      off += n;
      len -= n;
      if (fill == current.length) {
        flushCurrent();
      }
    }
  }

  /**
   * Hands {@code b[off, off+len)} to the threads without copying and without waiting: the caller
   * promises not to change it until {@link #awaitDurable()} returns. Lets the fsync start while
   * the last bytes are still being hashed.
   *
   * <p>The caller only waits for the hash, yet hashing stays on the hash thread: on the 2-core CI
   * machine class a caller that hashed a megabyte itself kept the IO thread it had just woken off
   * the CPU until it was done (the write started 0.8 ms late instead of 0.1 ms).
   */
  public void writeRetained(byte[] b, int off, int len) throws IOException {
    rethrow();
    flushCurrent();
    for (int pos = 0; pos < len; pos += Workers.SLICE) {
      dispatch(b, off + pos, Math.min(Workers.SLICE, len - pos), null);
    }
  }

  public void write(ByteBuffer src) throws IOException {
    if (src.hasArray()) {
      int len = src.remaining();
      write(src.array(), src.arrayOffset() + src.position(), len);
      src.position(src.position() + len);
      return;
    }
    rethrow();
    while (src.hasRemaining()) {
      if (current == null) {
        current = take();
      }
      int n = Math.min(src.remaining(), current.length - fill);
      src.get(current, fill, n);
      fill += n;
      if (fill == current.length) {
        flushCurrent();
      }
    }
  }

  /** Submits the fsync behind every write; call once, after the last write. */
  public void force() throws IOException {
    force(0);
  }

  /**
   * Submits the fsync behind every write, after cutting the file down to the bytes written if it
   * was preallocated longer ({@code allocated} bytes); call once, after the last write.
   */
  public void force(long allocated) throws IOException {
    flushCurrent();
    if (force != null) {
      throw new IllegalStateException("force() is called once per file");
    }
    long written = size;
    force = workers.io().submit(() -> {
      if (!stopped()) {
        try {
          if (allocated > written) {
            hook.before(IoOp.WRITE, path);
            channel.truncate(written);
          }
          hook.before(IoOp.FORCE, path);
          channel.force(true);
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        }
      }
    });
  }

  /** Waits until every byte is in the file (not necessarily on the disk); throws the first failure. */
  public void awaitWritten() throws IOException {
    flushCurrent();
    await(lastWrite);
    rethrow();
  }

  /** Waits for hashing to finish; the hex sha256 of everything written. */
  public String awaitDigest() throws IOException {
    flushCurrent();
    await(lastHash);
    rethrow();
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Waits for the writes and the fsync; throws the first failure. */
  public void awaitDurable() throws IOException {
    await(force != null ? force : lastWrite);
    await(lastHash);
    await(writeback);
    rethrow();
  }

  /**
   * Used when abandoning the file: skips queued work, waits for what is running and returns the
   * failure this file hit, if any (a commit failing for one reason may have hit another here).
   */
  public Optional<Throwable> drain() {
    abandoned = true;
    try {
      await(force);
      await(lastWrite);
      await(lastHash);
      await(writeback);
    } catch (IOException ignored) {
      // abandoning: the temp file is deleted next
    }
    return Optional.ofNullable(failure.get());
  }

  private boolean stopped() {
    return abandoned || failure.get() != null;
  }

  private void flushCurrent() throws IOException {
    if (current != null && fill > 0) {
      byte[] owned = current;
      dispatch(owned, 0, fill, owned);
    } else if (current != null) {
      workers.give(current);
    }
    current = null;
    fill = 0;
  }

  /** Hash and write {@code b[off, off+len)}; {@code owned} goes back to the pool when both are done. */
  private void dispatch(byte[] b, int off, int len, byte[] owned) {
    AtomicInteger users = new AtomicInteger(2);
    Runnable release = () -> {
      if (users.decrementAndGet() == 0 && owned != null) {
        workers.give(owned);
      }
    };
    lastHash = workers.hash().submit(() -> {
      try {
        if (!stopped()) {
          digest.update(b, off, len);
        }
      } finally {
        release.run();
      }
    });
    lastWrite = workers.io().submit(() -> {
      try {
        if (!stopped()) {
          ByteBuffer buf = ByteBuffer.wrap(b, off, len);
          while (buf.hasRemaining()) {
            hook.before(IoOp.WRITE, path);
            channel.write(buf);
          }
        }
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      } finally {
        release.run();
      }
    });
    size += len;
    sinceWriteback += len;
    if (sinceWriteback >= WRITEBACK_EVERY && (writeback == null || writeback.isDone())) {
      sinceWriteback = 0;
      Future<?> written = lastWrite;
      writeback = workers.writeback().submit(() -> {
        try {
          written.get();
          if (!stopped()) {
            hook.before(IoOp.FORCE, path);
            channel.force(false);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (Throwable t) {
          failure.compareAndSet(null, t instanceof ExecutionException ? t.getCause() : t);
        }
      });
    }
  }

  private void awaitIdle() throws IOException {
    await(lastWrite);
    await(lastHash);
  }

  private byte[] take() throws IOException {
    try {
      return workers.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing " + path);
    }
  }

  private static void await(Future<?> f) throws IOException {
    if (f == null) {
      return;
    }
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the checkpoint writer");
    } catch (ExecutionException e) {
      throw new IOException(e.getCause());
    }
  }

  private void rethrow() throws IOException {
    Throwable t = failure.get();
    if (t == null) {
      return;
    }
    if (t instanceof IOException) {
      throw (IOException) t;
    }
    if (t instanceof RuntimeException) {
      throw (RuntimeException) t;
    }
    if (t instanceof Error) {
      throw (Error) t;
    }
    throw new IOException(t);
  }
}
