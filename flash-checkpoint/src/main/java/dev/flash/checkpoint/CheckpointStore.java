package dev.flash.checkpoint;

import dev.flash.checkpoint.internal.FileOps;
import dev.flash.checkpoint.internal.HashingSink;
import dev.flash.checkpoint.internal.Layout;
import dev.flash.checkpoint.internal.Manifest;
import dev.flash.checkpoint.internal.ManifestCodec;
import dev.flash.checkpoint.internal.PreparedFiles;
import dev.flash.checkpoint.internal.Verifier;
import dev.flash.checkpoint.internal.Workers;
import dev.flash.core.CheckpointIntegrityException;
import dev.flash.core.CheckpointPolicy;
import dev.flash.core.Checks;
import dev.flash.core.FlashException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A crash-safe checkpoint directory with one writer.
 *
 * <p>A commit writes the payload into a temp file in the directory through one FileChannel while
 * hashing it and fsyncs it; the manifest (step, size, sha256, created, producer) goes into a temp
 * file of its own, written and fsynced while the payload's fsync may still be running. Once both
 * are durable the payload and then the manifest are renamed into place and the directory is
 * fsynced. After {@code commit} has returned, a background thread removes old checkpoints and makes
 * the next single-file commit's temp files (preallocated when the payload is small, so that its
 * fsyncs need no block allocation; docs/CHECKPOINTS.md). The manifest is the commit record:
 * until it is renamed into place the previous checkpoint is the latest, and a crash at any point
 * leaves either the old or the new checkpoint, never a torn one. Opening a store removes leftovers
 * of interrupted commits; {@link #latestVerified()} re-hashes and walks back past any checkpoint
 * that does not match its manifest. A failed fsync fails the commit and is never retried on the
 * same file. docs/CHECKPOINTS.md specifies the layout so non-JVM trainers can write and read it too.
 *
 * <pre>{@code
 * try (CheckpointStore store = CheckpointStore.builder(dir).keepLast(3).keepEvery(1000).open()) {
 *   long start = store.latestVerified().latest().map(c -> c.step() + 1).orElse(0L);
 *   ...
 *   store.commit(step, out -> model.writeTo(out));
 * }
 * }</pre>
 */
public final class CheckpointStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
  private static final int READ_CHUNK = 128 * 1024;
  private static final int MAX_PENDING_FILES = 64;
  /**
   * Largest payload whose size the next commit's temp file is preallocated at (PreparedFiles): up
   * to here a commit's time is mostly syncs, above it writing the bytes twice would cost more.
   */
  private static final long PREALLOCATE_MAX = 8L << 20;

  private final Path dir;
  private final Clock clock;
  private final int keepLast;
  private final OptionalInt keepEvery;
  private final String producer;
  private final FileOps ops;
  private final Workers workers = new Workers();
  private final FileChannel lockChannel;
  /** Kept open for the commits' directory fsyncs: one open and close less on their critical path. */
  private FileChannel directoryChannel;
  private final List<Path> cleanedAtOpen;
  private volatile Duration lastCommitDuration;
  private Future<?> retention;
  /** Made by the background thread after a commit; read only after {@link #awaitRetention()}. */
  private PreparedFiles prepared;
  private boolean closed;

  private CheckpointStore(Builder b) throws IOException {
    this.dir = b.dir.toAbsolutePath().normalize();
    this.clock = b.clock;
    this.keepLast = b.keepLast;
    this.keepEvery = b.keepEvery;
    this.producer = b.producer;
    this.ops = new FileOps(b.ioHook);
    Files.createDirectories(dir);
    this.lockChannel = lock(dir);
    try {
      this.directoryChannel = FileChannel.open(dir, StandardOpenOption.READ);
      this.cleanedAtOpen = List.copyOf(cleanLeftovers());
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Opens (creating if needed) a store with the defaults: keep the last 3, system clock. */
  public static CheckpointStore open(Path dir) {
    return builder(dir).open();
  }

  public static Builder builder(Path dir) {
    return new Builder(dir);
  }

  /**
   * The newest intact checkpoint in {@code dir} without opening a store: no lock, no cleanup, safe
   * while another process writes. A missing directory has no checkpoints.
   */
  public static VerifyResult inspect(Path dir) {
    if (!Files.isDirectory(dir)) {
      return VerifyResult.builder().build();
    }
    try {
      return Verifier.latest(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoint directory " + dir, e);
    }
  }

  public Path directory() {
    return dir;
  }

  /**
   * Temp files and unreferenced payloads that opening this store removed: what an interrupted commit
   * left, or the temp files a store that was not closed had made for its next commit.
   */
  public List<Path> cleanedAtOpen() {
    return cleanedAtOpen;
  }

  /**
   * How long the last successful commit took, from the first byte to the directory fsync: the
   * measured checkpoint cost for {@link Cadence} and for the last-flush rule.
   */
  public Optional<Duration> lastCommitDuration() {
    return Optional.ofNullable(lastCommitDuration);
  }

  /** Commits a single-file checkpoint written by {@code writer}. */
  public synchronized Checkpoint commit(long step, CheckpointWriter writer) {
    ensureWritable(step);
    long start = System.nanoTime();
    PreparedFiles files;
    try {
      files = takePrepared();
    } catch (IOException e) {
      throw commitFailed(step, e);
    }
    Path temp = files.payload();
    Path manifestTemp = files.manifest();
    String payloadName = Layout.payloadName(step, files.id(), true);
    try {
      OpenFile file = new OpenFile(files.payloadChannel(), new HashingSink(files.payloadChannel(), temp, ops.hook(), workers));
      try {
        writeUserBytes(file, writer);
        file.sink.force(files.preallocated());
        // The manifest is written while the hash thread is still at work, but only once the IO
        // thread's copy into the page cache is done: on two cores a third busy thread slows the hash.
        file.sink.awaitWritten();
        ManifestCodec.Pending manifest = ManifestCodec.pending(new Manifest(Layout.FORMAT, step, CheckpointKind.FILE,
            payloadName, file.sink.size(), "", List.of(), clock.instant(), producer));
        Destination to = destination(step, payloadName);
        String sha = file.sink.awaitDigest();
        ops.writeDurably(files.manifestChannel(), manifestTemp, manifest.complete(sha));
        Manifest m = manifest.manifest(sha);
        file.sink.awaitDurable();
        // Closing the channels and making the next commit's files happen after this one has returned.
        long size = m.size();
        return publish(m, to, temp, manifestTemp, start, () -> {
          files.close();
          prepareNext(size <= PREALLOCATE_MAX ? size : 0);
        });
      } catch (IOException | RuntimeException | Error e) {
        file.abandon(e);
        throw e;
      }
    } catch (IOException e) {
      discardQuietly(files, e);
      throw commitFailed(step, e);
    } catch (RuntimeException | Error e) {
      discardQuietly(files, e);
      throw e;
    }
  }

  /** Commits {@code bytes} as a single-file checkpoint. Do not modify the array during the call. */
  public Checkpoint commit(long step, byte[] bytes) {
    return commit(step, out -> out.writeRetained(bytes));
  }

  /** Commits a copy of {@code source} as a single-file checkpoint. */
  public Checkpoint commitFile(long step, Path source) {
    requireReadable(source, false);
    return commit(step, out -> copy(source, out));
  }

  /** Commits a copy of the regular files under {@code source} (symlinks followed, empty directories dropped). */
  public Checkpoint commitDirectory(long step, Path source) {
    requireReadable(source, true);
    return commitFiles(step, out -> {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(source)) {
        files = walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
      }
      for (Path f : files) {
        String rel = source.relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/");
        CheckpointOutput o = out.file(rel);
        copy(f, o);
        o.close();
      }
    });
  }

  /** Commits a directory checkpoint whose files {@code writer} creates. */
  public synchronized Checkpoint commitFiles(long step, DirectoryWriter writer) {
    ensureWritable(step);
    discardPrepared(); // their space may be what this checkpoint needs on a full disk
    long start = System.nanoTime();
    String id = Layout.newId();
    Path tempDir = dir.resolve(Layout.tempName(id, ""));
    Path manifestTemp = dir.resolve(Layout.tempName(id, Layout.MANIFEST_SUFFIX));
    String payloadName = Layout.payloadName(step, id, false);
    DirectoryCommit files = new DirectoryCommit(tempDir);
    try {
      ops.createDirectory(tempDir);
      try {
        writer.write(new DirectoryOutput(files::start));
        files.finishAll();
      } catch (IOException | RuntimeException | Error e) {
        files.abandon(e);
        throw e;
      }
      ops.fsyncTree(tempDir);
      List<CheckpointFile> listing = Manifest.sorted(files.done);
      long size = listing.stream().mapToLong(CheckpointFile::size).sum();
      Manifest m = new Manifest(Layout.FORMAT, step, CheckpointKind.DIRECTORY, payloadName, size,
          Manifest.listingSha256(listing), listing, clock.instant(), producer);
      ops.writeDurably(manifestTemp, ManifestCodec.write(m));
      return publish(m, destination(step, payloadName), tempDir, manifestTemp, start, () -> {});
    } catch (IOException e) {
      ops.deleteQuietly(tempDir, e);
      ops.deleteQuietly(manifestTemp, e);
      throw commitFailed(step, e);
    } catch (RuntimeException | Error e) {
      ops.deleteQuietly(tempDir, e);
      ops.deleteQuietly(manifestTemp, e);
      throw e;
    }
  }

  /**
   * The newest checkpoint whose payload matches its manifest (every byte re-hashed), walking back
   * past corrupt ones, which are listed in {@link VerifyResult#skipped()} and logged at WARN.
   */
  public synchronized VerifyResult latestVerified() {
    ensureOpen();
    try {
      VerifyResult r = Verifier.latest(dir);
      r.skipped().forEach(s -> LOG.warn("skipping corrupt checkpoint in {}: {}", dir, s));
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoint directory " + dir, e);
    }
  }

  /** Steps with a manifest, newest first (not verified). */
  public synchronized List<Long> steps() {
    ensureOpen();
    try {
      return List.copyOf(Verifier.manifestsNewestFirst(dir).keySet());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoint directory " + dir, e);
    }
  }

  /** Stops the worker threads and releases the directory lock. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    awaitRetention();
    closed = true;
    discardPrepared();
    workers.close();
    try {
      if (directoryChannel != null) {
        directoryChannel.close();
      }
      lockChannel.close();
    } catch (IOException e) {
      LOG.debug("closing the lock of {} failed", dir, e);
    }
  }

  // ---- commit steps ---------------------------------------------------------------------------

  /**
   * Renames the payload and then the manifest into place and fsyncs the directory. Renaming the
   * manifest is the commit; if it replaced the manifest of the same step, the payload it pointed to
   * goes with the retention pass, which runs in the background after {@code afterCommit}.
   */
  private Checkpoint publish(Manifest m, Destination to, Path payloadTemp, Path manifestTemp, long start,
      Runnable afterCommit) throws IOException {
    long step = m.step();
    Path payload = to.payload();
    Path manifest = to.manifest();
    ops.moveAtomically(payloadTemp, payload);
    try {
      ops.moveAtomically(manifestTemp, manifest);
    } catch (IOException e) {
      ops.deleteQuietly(payload, e);
      throw e;
    }
    try {
      ops.fsyncDirectory(directoryChannel, dir);
    } catch (IOException e) {
      // The rename may or may not be durable; take it back so what is visible matches the failure.
      ops.deleteQuietly(manifest, e);
      ops.deleteQuietly(payload, e);
      throw e;
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    lastCommitDuration = took;
    LOG.debug("committed step {} to {} in {} ms", step, dir, took.toMillis());
    Checkpoint committed = Verifier.checkpointOf(dir, manifest, m, m.files());
    Optional<String> replacedPayload = to.replaced().filter(p -> !p.equals(m.payload()));
    // Last: the background thread's work would compete with the rest of this method for the CPU.
    retention = workers.inBackground(() -> {
      afterCommit.run();
      retain(step, replacedPayload);
    });
    return committed;
  }

  /**
   * Keeps the committed step, the newest {@code keepLast} at or below it and every
   * {@code keepEvery}-th; removes the rest, including steps above the committed one (a run that
   * resumed from an older checkpoint has abandoned them). Manifests go first, so an interruption
   * leaves only unreferenced payloads, which the next open removes.
   *
   * <p>Runs on a worker after {@code commit} has returned: the commit is durable already, and
   * deleting old checkpoints (a directory fsync, and on file systems mounted with {@code discard}
   * the freeing of their blocks) need not hold up the training loop. Every later call on the store
   * waits for it first (ensureOpen), so no commit ever overlaps it.
   */
  private void retain(long committed, Optional<String> replacedPayload) {
    try {
      Map<Long, Path> manifests = Verifier.manifestsNewestFirst(dir);
      Set<Long> keep = new HashSet<>();
      keep.add(committed);
      int kept = 0;
      for (long step : manifests.keySet()) {
        if (step <= committed && kept < keepLast) {
          keep.add(step);
          kept++;
        }
        if (step <= committed && keepEvery.isPresent() && step % keepEvery.getAsInt() == 0) {
          keep.add(step);
        }
      }
      List<Long> abandoned = manifests.keySet().stream().filter(s -> s > committed).collect(Collectors.toList());
      if (!abandoned.isEmpty()) {
        LOG.warn("step {} in {} supersedes newer checkpoints {}: removing them", committed, dir, abandoned);
      }
      Set<String> payloads = new LinkedHashSet<>();
      replacedPayload.ifPresent(payloads::add);
      boolean removedManifest = false;
      for (Map.Entry<Long, Path> e : manifests.entrySet()) {
        if (!keep.contains(e.getKey())) {
          referencedPayload(e.getValue()).ifPresent(payloads::add);
          ops.deleteRecursively(e.getValue());
          removedManifest = true;
        }
      }
      if (removedManifest) {
        ops.fsyncDirectory(dir);
      }
      for (String p : payloads) {
        if (Layout.payloadStep(p).isPresent()) {
          ops.deleteRecursively(dir.resolve(p));
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("retention in {} could not remove old checkpoints ({}); the next commit or open retries", dir,
          e.toString());
    }
  }

  /**
   * Where a commit of {@code step} puts its payload and manifest, and the payload that a manifest of
   * the same step points to now (retention removes it once the new one is in place).
   */
  private record Destination(Path payload, Path manifest, Optional<String> replaced) {}

  /** Looked up before the commit's last wait, so that it is off the commit's critical path. */
  private Destination destination(long step, String payloadName) {
    Path manifest = dir.resolve(Layout.manifestName(step));
    return new Destination(dir.resolve(payloadName), manifest, referencedPayload(manifest));
  }

  /** The temp files made after the last commit, or new ones when there are none. */
  private PreparedFiles takePrepared() throws IOException {
    PreparedFiles files = prepared;
    prepared = null;
    return files != null ? files : PreparedFiles.forThisCommit(dir, ops);
  }

  /** On the background thread: a failure here only means the next commit creates its own files. */
  private void prepareNext(long preallocate) {
    try {
      prepared = PreparedFiles.forNextCommit(dir, ops, preallocate);
    } catch (IOException | RuntimeException e) {
      LOG.debug("could not create the next commit's temp files in {} ({}); it will create them itself", dir,
          e.toString());
    }
  }

  /** Removes the unused temp files made for a single-file commit, if there are any. */
  private void discardPrepared() {
    if (prepared == null) {
      return;
    }
    try {
      prepared.discard(ops);
    } catch (IOException | RuntimeException e) {
      LOG.debug("could not remove the unused temp files {} ({}); the next open does", prepared.payload(), e.toString());
    }
    prepared = null;
  }

  private void discardQuietly(PreparedFiles files, Throwable reported) {
    try {
      files.discard(ops);
    } catch (IOException | RuntimeException e) {
      reported.addSuppressed(e);
    }
  }

  /** Waits, without giving up on an interrupt, for the retention of the last commit. */
  private void awaitRetention() {
    if (retention == null) {
      return;
    }
    boolean interrupted = false;
    while (true) {
      try {
        retention.get();
        break;
      } catch (InterruptedException e) {
        // a commit racing a retention pass could see its manifest removed as "abandoned": wait on
        interrupted = true;
      } catch (ExecutionException e) {
        LOG.warn("retention in {} failed", dir, e.getCause());
        break;
      }
    }
    retention = null;
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Removes temp files and payloads no manifest refers to, keeping anything a corrupt manifest might own. */
  private List<Path> cleanLeftovers() throws IOException {
    Set<String> referenced = new HashSet<>();
    Set<Long> unreadable = new HashSet<>();
    for (Map.Entry<Long, Path> e : Verifier.manifestsNewestFirst(dir).entrySet()) {
      Optional<String> p = referencedPayload(e.getValue());
      if (p.isPresent()) {
        referenced.add(p.get());
      } else {
        unreadable.add(e.getKey());
      }
    }
    List<Path> removed = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        OptionalLong payloadStep = Layout.payloadStep(name);
        boolean orphan = payloadStep.isPresent() && !referenced.contains(name)
            && !unreadable.contains(payloadStep.getAsLong());
        if (Layout.isTemp(p) || orphan) {
          ops.deleteRecursively(p);
          removed.add(p);
        }
      }
    }
    if (!removed.isEmpty()) {
      ops.fsyncDirectory(dir);
      LOG.debug("removed {} leftovers of interrupted commits in {}: {}", removed.size(), dir, removed);
    }
    return removed;
  }

  private static Optional<String> referencedPayload(Path manifest) {
    // The usual case is a new step. java.io.File asks stat(2) without an exception; on Java 17
    // Files.exists builds a NoSuchFileException for a missing file (about 0.04 ms of a 1 MiB commit).
    if (!manifest.toFile().exists()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Verifier.readManifest(manifest).payload());
    } catch (IOException | ManifestCodec.InvalidManifestException e) {
      return Optional.empty();
    }
  }

  private OpenFile openFile(Path path) throws IOException {
    FileChannel ch = ops.create(path);
    return new OpenFile(ch, new HashingSink(ch, path, ops.hook(), workers));
  }

  private static void writeUserBytes(OpenFile file, CheckpointWriter writer) throws IOException {
    try (CheckpointOutput out = new CheckpointOutput(file.sink)) {
      writer.write(out);
    }
  }

  private static void copy(Path source, CheckpointOutput out) throws IOException {
    try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(READ_CHUNK);
      while (in.read(buf) >= 0) {
        buf.flip();
        out.write(buf);
        buf.clear();
      }
    }
  }

  private CheckpointIntegrityException commitFailed(long step, IOException e) {
    return new CheckpointIntegrityException("could not commit step " + step + " to " + dir + ": " + e
        + ". Nothing of this attempt was kept and earlier checkpoints are untouched; a failed write or fsync is "
        + "never retried on the same file. Check free space and the disk's health, then commit again.", e);
  }

  private void ensureWritable(long step) {
    ensureOpen();
    if (step < 0) {
      throw new IllegalArgumentException("step must not be negative, got " + step);
    }
  }

  /** Every call starts here: refuses a closed store and waits for the previous commit's retention. */
  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("checkpoint store " + dir + " is closed");
    }
    awaitRetention();
  }

  private static void requireReadable(Path source, boolean directory) {
    boolean ok = directory ? Files.isDirectory(source) : Files.isRegularFile(source);
    if (!ok) {
      throw new IllegalArgumentException(source + " is not " + (directory ? "a directory" : "a regular file")
          + "; pass the " + (directory ? "directory" : "file") + " to checkpoint");
    }
  }

  private static FileChannel lock(Path dir) throws IOException {
    Path lockFile = dir.resolve(Layout.LOCK_NAME);
    FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      ch.close();
      String holder = Files.readString(lockFile, StandardCharsets.UTF_8).trim();
      throw new FlashException("checkpoint directory " + dir + " is already open for writing"
          + (holder.isEmpty() ? "" : " by process " + holder) + " (it holds " + lockFile + "); close that "
          + "CheckpointStore or use CheckpointStore.inspect(dir) to read without writing", true, null);
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)));
    return ch;
  }

  /** A payload file being written: its channel stays open until its fsync has completed. */
  private static final class OpenFile {
    final FileChannel channel;
    final HashingSink sink;

    OpenFile(FileChannel channel, HashingSink sink) {
      this.channel = channel;
      this.sink = sink;
    }

    void finish() throws IOException {
      try {
        sink.awaitDurable();
      } finally {
        channel.close();
      }
    }

    /** Stops the file's work; a failure it hit besides {@code reported} is attached to that. */
    void abandon(Throwable reported) {
      sink.drain().filter(t -> t != reported).ifPresent(reported::addSuppressed);
      try {
        channel.close();
      } catch (IOException ignored) {
        // the file is deleted next
      }
    }
  }

  /** The files of a directory checkpoint: written one at a time, fsyncs overlapping the next file. */
  private final class DirectoryCommit {
    final Path root;
    final List<CheckpointFile> done = new ArrayList<>();
    final Set<String> names = new HashSet<>();
    final Deque<OpenFile> syncing = new ArrayDeque<>();
    OpenFile current;
    String currentName;

    DirectoryCommit(Path root) {
      this.root = root;
    }

    CheckpointOutput start(String relativePath) throws IOException {
      finishCurrent();
      String rel = validate(relativePath);
      if (!names.add(rel)) {
        throw new IllegalArgumentException("file " + rel + " was already written in this checkpoint");
      }
      Path target = root.resolve(rel);
      Path parent = target.getParent();
      if (!Files.isDirectory(parent)) {
        ops.hook().before(IoOp.CREATE, parent);
        Files.createDirectories(parent);
      }
      current = openFile(target);
      currentName = rel;
      return new CheckpointOutput(current.sink);
    }

    void finishCurrent() throws IOException {
      if (current == null) {
        return;
      }
      OpenFile f = current;
      current = null;
      syncing.add(f);
      f.sink.force();
      done.add(new CheckpointFile(currentName, f.sink.size(), f.sink.awaitDigest()));
      while (syncing.size() > MAX_PENDING_FILES) {
        syncing.removeFirst().finish();
      }
    }

    void finishAll() throws IOException {
      finishCurrent();
      while (!syncing.isEmpty()) {
        syncing.removeFirst().finish();
      }
    }

    void abandon(Throwable reported) {
      if (current != null) {
        current.abandon(reported);
        current = null;
      }
      while (!syncing.isEmpty()) {
        syncing.removeFirst().abandon(reported);
      }
    }

    private String validate(String rel) {
      boolean ok = rel != null && !rel.isEmpty() && !rel.startsWith("/") && !rel.contains("\\")
          && Stream.of(rel.split("/", -1)).noneMatch(p -> p.isEmpty() || p.equals(".") || p.equals(".."));
      if (!ok) {
        throw new IllegalArgumentException("'" + rel + "' is not a relative '/'-separated file path without "
            + "empty, '.' or '..' parts, e.g. \"model/weights.safetensors\"");
      }
      return rel;
    }
  }

  /** Options for {@link CheckpointStore}. */
  public static final class Builder {
    private final Path dir;
    private Clock clock = Clock.systemUTC();
    private int keepLast = 3;
    private OptionalInt keepEvery = OptionalInt.empty();
    private String producer = "flash-checkpoint";
    private IoHook ioHook = IoHook.NONE;

    private Builder(Path dir) {
      this.dir = java.util.Objects.requireNonNull(dir, "dir");
    }

    /** Stamps {@code created} in manifests; default the system UTC clock. */
    public Builder clock(Clock clock) {
      this.clock = java.util.Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Newest checkpoints to keep; default 3 (keep at least 2 so a corrupt newest one has a fallback). */
    public Builder keepLast(int keepLast) {
      this.keepLast = keepLast;
      return this;
    }

    /** Also keep every checkpoint whose step is a multiple of {@code keepEvery}. */
    public Builder keepEvery(int keepEvery) {
      this.keepEvery = OptionalInt.of(keepEvery);
      return this;
    }

    /** keepLast and keepEvery from a run's checkpoint policy. */
    public Builder retention(CheckpointPolicy policy) {
      this.keepLast = policy.keepLast();
      this.keepEvery = policy.keepEvery();
      return this;
    }

    /** Recorded as {@code producer} in manifests; default "flash-checkpoint". */
    public Builder producer(String producer) {
      this.producer = java.util.Objects.requireNonNull(producer, "producer");
      return this;
    }

    /** Sees (and may fail) every file-system operation: for fault-injection tests. */
    public Builder ioHook(IoHook hook) {
      this.ioHook = java.util.Objects.requireNonNull(hook, "hook");
      return this;
    }

    /**
     * Creates the directory if needed, takes its writer lock and removes leftovers of interrupted
     * commits.
     *
     * @throws FlashException when another store holds the directory (retryable)
     */
    public CheckpointStore open() {
      Checks c = Checks.start().positive(keepLast, "$.keep_last");
      keepEvery.ifPresent(k -> c.positive(k, "$.keep_every"));
      c.throwIfAny();
      try {
        return new CheckpointStore(this);
      } catch (IOException e) {
        throw new CheckpointIntegrityException("cannot open checkpoint directory " + dir + ": " + e
            + "; check that it is a writable directory on a local or POSIX file system", e);
      }
    }
  }
}
