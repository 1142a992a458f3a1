package dev.flash.providers.ssh.internal;

import dev.flash.core.FlashException;
import dev.flash.core.ProviderException;
import dev.flash.providers.ssh.SshHost;
import dev.flash.providers.ssh.SshInput;
import dev.flash.providers.ssh.SshOptions;
import dev.flash.providers.ssh.StagedInput;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the inputs to a host over exec channels ({@code cat >> part}), so it needs nothing but a
 * shell and coreutils there (no SFTP subsystem). Each file is compared by size and sha256 first and
 * skipped when the host has it; a partial copy left by an interrupted transfer is resumed from its
 * size when its bytes match the local file's first bytes, else started over; the finished copy is
 * checked against the local sha256 before it replaces the old file.
 */
public final class InputStager {
  private static final Logger LOG = LoggerFactory.getLogger(InputStager.class);
  /** The slowest link a copy's time limit allows for: 100 kB/s. */
  private static final long SLOWEST_BYTES_PER_SECOND = 100_000;

  private final String provider;
  private final Sessions sessions;
  private final SshOptions options;
  private final Map<String, Object> hostLocks = new ConcurrentHashMap<>();
  private final Map<Path, Digest> digests = new ConcurrentHashMap<>();

  private record Digest(long size, long modified, String sha256) {}

  private record Remote(String state, long size, String sha256) {}

  public InputStager(String provider, Sessions sessions, SshOptions options) {
    this.provider = provider;
    this.sessions = sessions;
    this.options = options;
  }

  /** Copies every input the host lacks; one copy at a time per host in this process. */
  public List<StagedInput> stage(SshHost host) {
    if (options.inputs().isEmpty()) {
      return List.of();
    }
    synchronized (hostLocks.computeIfAbsent(host.alias(), a -> new Object())) {
      List<StagedInput> staged = new ArrayList<>();
      for (SshInput in : options.inputs()) {
        staged.add(stage(host, in, true));
      }
      return staged;
    }
  }

  private StagedInput stage(SshHost host, SshInput in, boolean mayRetry) {
    Digest local = digest(in.source());
    Remote remote = probe(host, in.name());
    if (remote.state().equals("done") && remote.size() == local.size() && remote.sha256().equals(local.sha256())) {
      return new StagedInput(host.alias(), in.name(), local.size(), 0, local.size(), true);
    }
    long offset = 0;
    if (remote.state().equals("part") && remote.size() > 0 && remote.size() <= local.size()
        && remote.sha256().equals(prefixSha256(in.source(), remote.size()))) {
      offset = remote.size();
    }
    long from = offset;
    long bytes = local.size() - offset;
    Duration timeout = options.commandTimeout().plusSeconds(bytes / SLOWEST_BYTES_PER_SECOND);
    Sessions.Result r = sessions.exec(host, "flash-stage-put",
        Scripts.stagePut(host.root(), in.name(), offset, local.size(), local.sha256()),
        out -> send(in.source(), from, out), timeout);
    if (r.status() == Scripts.PART_MOVED && mayRetry) {
      return stage(host, in, false); // another copy moved the partial file under us: look again
    }
    if (r.status() == Scripts.CHECKSUM_MISMATCH) {
      throw new ProviderException(provider, "copy of " + in.source() + " to " + host.alias() + " does not match "
          + "its sha256 after the transfer (did the local file change while it was copied?); the partial copy "
          + "was removed", true, null);
    }
    if (r.status() != 0) {
      throw new ProviderException(provider, "copy of " + in.source() + " to " + host.alias() + ":" + host.root()
          + "/inputs/" + in.name() + " failed (exit " + r.status() + "): " + r.err().strip(), true, null);
    }
    LOG.debug("ssh: copied {} to {} ({} bytes from offset {})", in.name(), host.alias(), bytes, from);
    return new StagedInput(host.alias(), in.name(), local.size(), bytes, from, false);
  }

  private Remote probe(SshHost host, String name) {
    Sessions.Result r = sessions.exec(host, "flash-stage-probe", Scripts.stageProbe(host.root(), List.of(name)),
        Sessions.Stdin.NONE, options.commandTimeout().plus(options.commandTimeout()));
    if (r.status() != 0) {
      throw new ProviderException(provider, "cannot look at the inputs on " + host.alias() + " (exit " + r.status()
          + "): " + r.err().strip(), true, null);
    }
    for (String line : r.text().split("\n")) {
      String[] f = line.strip().split(" ");
      if (f.length >= 2 && f[0].equals(name)) {
        return f.length >= 4 ? new Remote(f[1], Long.parseLong(f[2]), f[3]) : new Remote(f[1], 0, "");
      }
    }
    return new Remote("none", 0, "");
  }

  private static void send(Path file, long offset, OutputStream out) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ch.position(offset);
      InputStream in = Channels.newInputStream(ch);
      in.transferTo(out);
    }
  }

  private Digest digest(Path file) {
    try {
      long size = Files.size(file);
      long modified = Files.getLastModifiedTime(file).toMillis();
      Digest known = digests.get(file);
      if (known != null && known.size() == size && known.modified() == modified) {
        return known;
      }
      Digest d = new Digest(size, modified, prefixSha256(file, size));
      digests.put(file, d);
      return d;
    } catch (IOException e) {
      throw new FlashException("input " + file + " cannot be read: " + e.getMessage(), e);
    }
  }

  private static String prefixSha256(Path file, long length) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      long left = length;
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          break;
        }
        md.update(buf, 0, n);
        left -= n;
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read input " + file, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JDK", e);
    }
  }
}
