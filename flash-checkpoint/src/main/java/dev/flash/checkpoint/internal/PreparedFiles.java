package dev.flash.checkpoint.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The two temp files of a single-file commit (payload and manifest), open for writing. Normally
 * the store's background thread makes them after the previous commit ({@link #forNextCommit}):
 * creating a file took 0.05-0.7 ms on the CI machine class's ext4 (and the two creations serialise
 * on the directory's lock), which is then off the critical path of the commit that uses them.
 *
 * <p>For a small payload both files are also preallocated: the payload's at the previous
 * checkpoint's size (zeros), the manifest's at {@link #MANIFEST_ALLOCATION} (spaces), written and
 * fdatasynced. The next commit then overwrites allocated blocks without changing any size, so the
 * journal commits behind its two fsyncs record only timestamps: about 0.1 ms on the CI machine
 * class, against 0.3-0.5 ms for one that allocates blocks. It costs writing the payload's size once
 * more in the background, which is why it is limited to small payloads, whose commits are
 * dominated by syncs rather than bandwidth.
 *
 * <p>Files made ahead are named {@code .flash-tmp-next-*}, a kind of {@code .flash-tmp-*} file: the
 * next open removes them if the process dies first.
 */
public final class PreparedFiles {
  /**
   * Bytes of spaces the manifest's temp file is preallocated with alongside a preallocated payload.
   * A single-file manifest is a few hundred bytes; written over the spaces it leaves the file's
   * size and blocks as they were (trailing whitespace is valid JSON, RFC 8259 section 2), so its
   * fsync commits no allocation either.
   */
  static final int MANIFEST_ALLOCATION = 4096;

  private final String id;
  private final Path payload;
  private final Path manifest;
  private final FileChannel payloadChannel;
  private final long preallocated;
  private final FileChannel manifestChannel;

  private PreparedFiles(String id, Path payload, FileChannel payloadChannel, long preallocated, Path manifest,
      FileChannel manifestChannel) {
    this.id = id;
    this.payload = payload;
    this.payloadChannel = payloadChannel;
    this.preallocated = preallocated;
    this.manifest = manifest;
    this.manifestChannel = manifestChannel;
  }

  /** Creates both files, empty, for the commit that is starting (no files were made ahead). */
  public static PreparedFiles forThisCommit(Path dir, FileOps ops) throws IOException {
    String id = Layout.newId();
    return create(id, dir.resolve(Layout.tempName(id, Layout.FILE_SUFFIX)),
        dir.resolve(Layout.tempName(id, Layout.MANIFEST_SUFFIX)), ops, 0);
  }

  /**
   * Creates both files for the next commit, named {@code .flash-tmp-next-*}; with {@code preallocate}
   * above 0 the payload's holds that many zero bytes and the manifest's {@link #MANIFEST_ALLOCATION}
   * spaces, on the disk.
   */
  public static PreparedFiles forNextCommit(Path dir, FileOps ops, long preallocate) throws IOException {
    String id = Layout.newId();
    return create(id, dir.resolve(Layout.aheadName(id, Layout.FILE_SUFFIX)),
        dir.resolve(Layout.aheadName(id, Layout.MANIFEST_SUFFIX)), ops, preallocate);
  }

  /** On failure nothing is left behind. */
  private static PreparedFiles create(String id, Path payload, Path manifest, FileOps ops, long preallocate)
      throws IOException {
    FileChannel payloadChannel = null;
    FileChannel manifestChannel = null;
    try {
      payloadChannel = ops.create(payload);
      manifestChannel = ops.create(manifest);
      if (preallocate > 0) {
        ops.preallocate(payloadChannel, payload, preallocate, (byte) 0);
        ops.preallocate(manifestChannel, manifest, MANIFEST_ALLOCATION, (byte) ' ');
      }
      return new PreparedFiles(id, payload, payloadChannel, preallocate, manifest, manifestChannel);
    } catch (IOException | RuntimeException e) {
      for (FileChannel ch : new FileChannel[] {payloadChannel, manifestChannel}) {
        if (ch != null) {
          closeQuietly(ch);
        }
      }
      ops.deleteQuietly(payload, e);
      ops.deleteQuietly(manifest, e);
      throw e;
    }
  }

  /** The id the payload's final name carries. */
  public String id() {
    return id;
  }

  public Path payload() {
    return payload;
  }

  public Path manifest() {
    return manifest;
  }

  public FileChannel payloadChannel() {
    return payloadChannel;
  }

  /** Bytes already allocated to the payload file (its size); its channel's position is 0. */
  public long preallocated() {
    return preallocated;
  }

  public FileChannel manifestChannel() {
    return manifestChannel;
  }

  /** Closes both channels; the commit that took them deletes or renames the files. */
  public void close() {
    closeQuietly(payloadChannel);
    closeQuietly(manifestChannel);
  }

  /** Closes and deletes both files: the store is closing without having used them. */
  public void discard(FileOps ops) throws IOException {
    close();
    ops.deleteRecursively(payload);
    ops.deleteRecursively(manifest);
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // nothing was written through it that could be lost
    }
  }
}
