package dev.flash.checkpoint.internal;

import dev.flash.checkpoint.IoHook;
import dev.flash.checkpoint.IoOp;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;

/** The store's file-system primitives, each announced to the {@link IoHook} first. */
public final class FileOps {
  private final IoHook hook;

  public FileOps(IoHook hook) {
    this.hook = hook;
  }

  public IoHook hook() {
    return hook;
  }

  public FileChannel create(Path file) throws IOException {
    hook.before(IoOp.CREATE, file);
    return FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  }

  public void createDirectory(Path dir) throws IOException {
    hook.before(IoOp.CREATE, dir);
    Files.createDirectory(dir);
  }

  /**
   * Creates a small file (a manifest), writes it through one channel and fsyncs it. A failed fsync
   * is not retried: the caller deletes the file and reports the failure.
   */
  public void writeDurably(Path file, byte[] bytes) throws IOException {
    try (FileChannel ch = create(file)) {
      writeDurably(ch, file, bytes);
    }
  }

  /** Writes {@code bytes} to {@code file}, created empty through {@code ch}, and fsyncs it; not retried either. */
  public void writeDurably(FileChannel ch, Path file, byte[] bytes) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.hasRemaining()) {
      hook.before(IoOp.WRITE, file);
      ch.write(b);
    }
    hook.before(IoOp.FORCE, file);
    ch.force(true);
  }

  /**
   * Fills an empty file with {@code bytes} copies of {@code fill} and fdatasyncs it, so that its
   * blocks are allocated on disk; leaves the position at 0.
   */
  public void preallocate(FileChannel ch, Path file, long bytes, byte fill) throws IOException {
    byte[] chunk = new byte[(int) Math.min(bytes, 1 << 20)];
    Arrays.fill(chunk, fill);
    ByteBuffer buf = ByteBuffer.wrap(chunk);
    for (long left = bytes; left > 0; ) {
      buf.clear().limit((int) Math.min(chunk.length, left));
      while (buf.hasRemaining()) {
        hook.before(IoOp.WRITE, file);
        left -= ch.write(buf);
      }
    }
    hook.before(IoOp.FORCE, file);
    ch.force(false);
    ch.position(0);
  }

  /** rename(2): atomic, and replaces an existing target file on POSIX systems. */
  public void moveAtomically(Path from, Path to) throws IOException {
    hook.before(IoOp.MOVE, from);
    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
  }

  /** fsync of a directory: makes the names created, renamed or removed in it durable. */
  public void fsyncDirectory(Path dir) throws IOException {
    hook.before(IoOp.FSYNC_DIRECTORY, dir);
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** fsync of {@code dir} through a channel the caller keeps open on it. */
  public void fsyncDirectory(FileChannel open, Path dir) throws IOException {
    hook.before(IoOp.FSYNC_DIRECTORY, dir);
    open.force(true);
  }

  /** fsyncs {@code root} and every directory below it, deepest first. */
  public void fsyncTree(Path root) throws IOException {
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        fsyncDirectory(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** Deletes a file or a directory tree; a missing path is fine. Symlinks are removed, never followed. */
  public void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      delete(path);
      return;
    }
    Files.walkFileTree(path, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        delete(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** Best-effort removal of a temp file after a failure; the failure being reported matters more. */
  public void deleteQuietly(Path path, Throwable reported) {
    try {
      deleteRecursively(path);
    } catch (IOException | RuntimeException e) {
      reported.addSuppressed(e);
    }
  }

  private void delete(Path p) throws IOException {
    hook.before(IoOp.DELETE, p);
    try {
      Files.delete(p);
    } catch (NoSuchFileException ignored) {
      // already gone: the goal of a delete
    }
  }
}
