package dev.flash.providers.ssh;

import dev.flash.core.Secret;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyEncryptionContext;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/**
 * A real SSH server on 127.0.0.1 (Apache MINA SSHD, random port) whose exec requests run in a real
 * {@code sh -c} child process in a scratch home directory, as OpenSSH runs them through the login
 * shell. Keys are generated per box: an ECDSA host key (written to a known_hosts file) and an
 * ECDSA user key written in OpenSSH format, encrypted with a passphrase. Every exec is recorded
 * with its standard input; the next launch can be failed before it runs, or run with its answer
 * lost (the connection drops before the exit status is sent).
 */
final class TestBox implements AutoCloseable {

  /** One exec request as the server got it. */
  record Exec(String command, byte[] stdin) {
    String stdinText() {
      return new String(stdin, StandardCharsets.UTF_8);
    }
  }

  final Path dir;
  final Path home;
  final Path userKeyFile;
  final Path knownHosts;
  final Secret passphrase = Secret.of("tck-key-passphrase-" + Long.toHexString(System.nanoTime()));
  final List<Exec> received = new CopyOnWriteArrayList<>();
  final AtomicInteger launches = new AtomicInteger();
  final AtomicBoolean failNextLaunch = new AtomicBoolean();
  final AtomicBoolean loseNextLaunchAnswer = new AtomicBoolean();
  /** Keepalive requests the clients sent (they are answered by the server's usual handler). */
  final AtomicInteger keepalives = new AtomicInteger();
  private final KeyPair hostKey;
  private final KeyPair userKey;
  private final SshServer server;
  private final int port;

  TestBox() {
    try {
      dir = Files.createTempDirectory("flash-ssh-box");
      home = Files.createDirectories(dir.resolve("home"));
      hostKey = ecKey();
      userKey = ecKey();
      userKeyFile = dir.resolve("id_ecdsa");
      OpenSSHKeyEncryptionContext enc = new OpenSSHKeyEncryptionContext();
      enc.setPassword(passphrase.reveal());
      enc.setCipherName("AES");
      enc.setCipherMode("CTR");
      enc.setCipherType("256");
      try (OutputStream out = Files.newOutputStream(userKeyFile)) {
        OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(userKey, "flash-test", enc, out);
      }
      server = SshServer.setUpDefaultServer();
      server.setHost("127.0.0.1");
      server.setPort(0);
      server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
      server.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(key, userKey.getPublic()));
      server.setCommandFactory((channel, command) -> new ShellCommand(command));
      List<RequestHandler<ConnectionService>> handlers = new ArrayList<>(server.getGlobalRequestHandlers());
      handlers.add(0, (connection, request, wantReply, buffer) -> {
        if (request.startsWith("keepalive@")) {
          keepalives.incrementAndGet();
        }
        return RequestHandler.Result.Unsupported; // the next handler answers it
      });
      server.setGlobalRequestHandlers(handlers);
      server.start();
      port = server.getPort();
      knownHosts = dir.resolve("known_hosts");
      Files.writeString(knownHosts, knownHostsLine(hostKey) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  int port() {
    return port;
  }

  /** A known_hosts line for this server's address with another key: what a man in the middle would present. */
  String impostorKnownHostsLine() throws GeneralSecurityException {
    return knownHostsLine(ecKey());
  }

  /** Stops accepting connections and drops the open ones: the host went away. */
  void stop() throws IOException {
    server.stop(true);
  }

  List<String> commands() {
    return received.stream().map(Exec::command).toList();
  }

  @Override
  public void close() {
    try {
      server.stop(true);
    } catch (IOException ignored) {
      // the directory goes anyway
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: a temporary directory
    }
  }

  private String knownHostsLine(KeyPair key) {
    return "[127.0.0.1]:" + port + " " + PublicKeyEntry.toString(key.getPublic());
  }

  private static KeyPair ecKey() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    return g.generateKeyPair();
  }

  /** An exec request run by {@code sh -c} in the box's home, with a login-like environment. */
  private final class ShellCommand implements Command {
    private final String command;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private volatile Process process;

    ShellCommand(String command) {
      this.command = command;
    }

    @Override
    public void setInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
      this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
      this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) throws IOException {
      boolean launch = command.endsWith(" flash-launch");
      if (launch) {
        launches.incrementAndGet();
        if (failNextLaunch.compareAndSet(true, false)) {
          received.add(new Exec(command, new byte[0]));
          err.write("sshd: cannot run the command (injected)\n".getBytes(StandardCharsets.UTF_8));
          err.flush();
          exit.onExit(255, "injected failure");
          return;
        }
      }
      boolean loseAnswer = launch && loseNextLaunchAnswer.compareAndSet(true, false);
      ProcessBuilder pb = new ProcessBuilder("sh", "-c", command).directory(home.toFile());
      Map<String, String> e = pb.environment();
      String path = e.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
      e.clear();
      e.putAll(Map.of("PATH", path, "HOME", home.toString(), "USER", "tck", "LOGNAME", "tck", "LANG", "C.UTF-8",
          "SHELL", "/bin/sh"));
      Process p = pb.start();
      process = p;
      Thread t = new Thread(() -> run(p, channel, loseAnswer), "test-sshd-exec");
      t.setDaemon(true);
      t.start();
    }

    private void run(Process p, ChannelSession channel, boolean loseAnswer) {
      ByteArrayOutputStream stdin = new ByteArrayOutputStream();
      Thread feed = pump(in, p.getOutputStream(), stdin, true);
      Thread o = pump(p.getInputStream(), out, null, false);
      Thread r = pump(p.getErrorStream(), err, null, false);
      int code;
      try {
        code = p.waitFor();
        o.join();
        r.join();
        feed.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      synchronized (stdin) {
        received.add(new Exec(command, stdin.toByteArray()));
      }
      if (loseAnswer) {
        channel.getSession().close(true);
      } else {
        exit.onExit(code);
      }
    }

    private Thread pump(InputStream from, OutputStream to, ByteArrayOutputStream copy, boolean closeTo) {
      Thread t = new Thread(() -> {
        byte[] buf = new byte[8192];
        try {
          int n;
          while ((n = from.read(buf)) >= 0) {
            if (copy != null) {
              synchronized (copy) {
                copy.write(buf, 0, n);
              }
            }
            to.write(buf, 0, n);
            to.flush();
          }
        } catch (IOException ignored) {
          // the other side closed: nothing more to move
        } finally {
          if (closeTo) {
            try {
              to.close();
            } catch (IOException ignored) {
              // already closed
            }
          }
        }
      }, "test-sshd-pump");
      t.setDaemon(true);
      t.start();
      return t;
    }

    @Override
    public void destroy(ChannelSession channel) {
      Process p = process;
      if (p != null && p.isAlive()) {
        p.destroy();
      }
    }
  }
}
