package dev.flash.providers.ssh.internal;

import dev.flash.core.FlashException;
import dev.flash.core.ProviderException;
import dev.flash.core.Secret;
import dev.flash.providers.ssh.SshHost;
import dev.flash.providers.ssh.SshOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.RejectAllServerKeyVerifier;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.core.CoreModuleProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SSH client for all hosts, one authenticated session per host, reopened when it dropped; every
 * remote operation is one exec channel on it. Keys are read once, host keys are checked against
 * {@code known_hosts} (unknown and changed keys are refused), keepalives run on every session, and
 * only public-key authentication is offered. {@code ~/.ssh/config} is not read: the provider's own
 * settings say where each host is.
 */
public final class Sessions implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);
  private static final AttributeKey<String> HOST_KEY_PROBLEM = new AttributeKey<>();
  private static final List<String> DEFAULT_KEYS = List.of("id_ed25519", "id_ecdsa", "id_rsa");

  private final String provider;
  private final SshOptions options;
  private final SshClient client;
  private final Map<String, List<KeyPair>> keysByHost = new ConcurrentHashMap<>();
  private final Map<String, ClientSession> sessions = new ConcurrentHashMap<>();
  private final Map<String, Object> connectLocks = new ConcurrentHashMap<>();

  /** Reads every host's key now, so a missing or unreadable key fails here, not at the first launch. */
  public Sessions(String provider, SshOptions options) {
    this.provider = provider;
    this.options = options;
    Map<Path, List<KeyPair>> loaded = new ConcurrentHashMap<>();
    for (SshHost h : options.hosts()) {
      Path keyFile = identityOf(h, options);
      keysByHost.put(h.alias(), loaded.computeIfAbsent(keyFile, f -> load(f, options.keyPassphrase())));
    }
    client = SshClient.setUpDefaultClient();
    client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
    client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
    client.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
    client.setServerKeyVerifier(verifier(options));
    CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, options.keepaliveInterval());
    CoreModuleProperties.HEARTBEAT_REPLY_WAIT.set(client, options.keepaliveInterval());
    CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, options.keepaliveMaxMissed());
    client.start();
  }

  /** The key file a host logs in with: its own, else the options' default, else the first of OpenSSH's defaults that exists. */
  public static Path identityOf(SshHost host, SshOptions options) {
    return host.identity().or(options::identity).orElseGet(() -> {
      Path dir = Path.of(System.getProperty("user.home"), ".ssh");
      return DEFAULT_KEYS.stream().map(dir::resolve).filter(Files::isReadable).findFirst()
          .orElse(dir.resolve(DEFAULT_KEYS.get(0)));
    });
  }

  /** Standard input of a remote command. */
  @FunctionalInterface
  public interface Stdin {
    Stdin NONE = out -> {};

    void writeTo(OutputStream out) throws IOException;

    static Stdin of(byte[] bytes) {
      return out -> out.write(bytes);
    }
  }

  /**
   * What a remote command did.
   *
   * @param status its exit status
   * @param out its standard output
   * @param err its standard error, as text
   */
  public record Result(int status, byte[] out, String err) {
    public String text() {
      return new String(out, StandardCharsets.UTF_8);
    }
  }

  /**
   * Runs {@code script} with {@code sh} on the host ({@link Shell#command}).
   *
   * @throws HostUnreachableException when no session could be opened: nothing was run
   * @throws ProviderException (retryable) when the command was sent but its exit status never came back
   */
  public Result exec(SshHost host, String name, String script, Stdin stdin, Duration timeout) {
    ClientSession session = session(host);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (ChannelExec ch = session.createExecChannel(Shell.command(name, script))) {
      ch.setOut(out);
      ch.setErr(err);
      ch.open().verify(timeout);
      try (OutputStream in = ch.getInvertedIn()) {
        stdin.writeTo(in);
      }
      Set<ClientChannelEvent> events = ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED,
          ClientChannelEvent.EXIT_STATUS), timeout);
      if (events.contains(ClientChannelEvent.EXIT_STATUS) && !events.contains(ClientChannelEvent.CLOSED)) {
        ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(5)); // the last output
      }
      Integer status = ch.getExitStatus();
      if (status == null) {
        throw new ProviderException(provider, name + " on " + host.alias() + " (" + host.address() + ") "
            + (events.contains(ClientChannelEvent.TIMEOUT) ? "did not finish within " + timeout
            : "lost its connection before it finished"), true, null);
      }
      return new Result(status, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      if (e instanceof ProviderException pe) {
        throw pe;
      }
      forget(host, session);
      throw new ProviderException(provider, name + " on " + host.alias() + " (" + host.address() + ") failed: "
          + e.getMessage(), true, e);
    }
  }

  @Override
  public void close() {
    sessions.values().forEach(s -> s.close(true));
    sessions.clear();
    client.stop();
  }

  private ClientSession session(SshHost host) {
    ClientSession s = sessions.get(host.alias());
    if (s != null && s.isOpen() && s.isAuthenticated()) {
      return s;
    }
    synchronized (connectLocks.computeIfAbsent(host.alias(), a -> new Object())) {
      s = sessions.get(host.alias());
      if (s != null && s.isOpen() && s.isAuthenticated()) {
        return s;
      }
      if (s != null) {
        s.close(true);
      }
      s = connect(host);
      sessions.put(host.alias(), s);
      return s;
    }
  }

  private void forget(SshHost host, ClientSession session) {
    if (!session.isOpen()) {
      sessions.remove(host.alias(), session);
    }
  }

  private ClientSession connect(SshHost host) {
    ClientSession s;
    try {
      s = client.connect(host.user(), host.hostname(), host.port()).verify(options.connectTimeout()).getSession();
    } catch (IOException | RuntimeException e) {
      throw new HostUnreachableException(provider, host, HostUnreachableException.Why.NETWORK,
          "cannot connect: " + rootMessage(e), e);
    }
    try {
      keysByHost.get(host.alias()).forEach(s::addPublicKeyIdentity);
      s.auth().verify(options.connectTimeout());
      LOG.debug("ssh: connected to {} ({})", host.alias(), host.address());
      return s;
    } catch (IOException | RuntimeException e) {
      String problem = s.getAttribute(HOST_KEY_PROBLEM);
      s.close(true);
      if (problem != null) {
        throw new HostUnreachableException(provider, host, HostUnreachableException.Why.HOST_KEY, problem, e);
      }
      boolean authenticating = s.isOpen() || String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT)
          .contains("authentication");
      throw new HostUnreachableException(provider, host, authenticating ? HostUnreachableException.Why.AUTH
          : HostUnreachableException.Why.NETWORK, authenticating ? "authentication as " + host.user()
          + " failed with key " + identityOf(host, options) + " (is its public key in the host's "
          + "~/.ssh/authorized_keys?): " + rootMessage(e) : "connection failed: " + rootMessage(e), e);
    }
  }

  private ServerKeyVerifier verifier(SshOptions options) {
    if (options.insecureAcceptAnyHostKey()) {
      LOG.warn("ssh: host keys are NOT checked (ssh.insecure-accept-any-host-key=true); anyone on the network "
          + "path can impersonate a host and receive the workload's secrets. Use this for tests only.");
      return AcceptAllServerKeyVerifier.INSTANCE;
    }
    Path file = options.knownHosts();
    return new KnownHostsServerKeyVerifier(RejectAllServerKeyVerifier.INSTANCE, file) {
      @Override
      public boolean acceptModifiedServerKey(ClientSession session, SocketAddress remote, KnownHostEntry entry,
          PublicKey expected, PublicKey actual) {
        session.setAttribute(HOST_KEY_PROBLEM, "host key mismatch for " + remote + ": the server presented "
            + KeyUtils.getFingerPrint(actual) + " but " + file + " has " + KeyUtils.getFingerPrint(expected)
            + " (line '" + entry.getConfigLine() + "'). Someone may be impersonating the host; if the host was "
            + "reinstalled, check its new key out of band and replace the line");
        return false;
      }

      @Override
      protected boolean acceptUnknownHostKey(ClientSession session, SocketAddress remote, PublicKey key) {
        session.setAttribute(HOST_KEY_PROBLEM, "unknown host key for " + remote + " (" + KeyUtils.getFingerPrint(key)
            + "): it is not in " + file + "; verify the key out of band and add it, e.g. ssh-keyscan -p <port> "
            + "<host> >> " + file);
        return false;
      }
    };
  }

  private static List<KeyPair> load(Path keyFile, Optional<Secret> passphrase) {
    if (!Files.isReadable(keyFile)) {
      throw new FlashException("ssh private key " + keyFile + " does not exist or is not readable; set ssh.key "
          + "(or ssh.host.<alias>.key) to the key that logs in to the hosts");
    }
    FilePasswordProvider password = passphrase.map(p -> FilePasswordProvider.of(p.reveal()))
        .orElse(FilePasswordProvider.EMPTY);
    try (InputStream in = Files.newInputStream(keyFile)) {
      List<KeyPair> keys = new ArrayList<>();
      Iterable<KeyPair> read = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(keyFile.toString()),
          in, password);
      if (read != null) {
        read.forEach(keys::add);
      }
      if (keys.isEmpty()) {
        throw new FlashException("ssh private key " + keyFile + " holds no key pair this provider can read "
            + "(OpenSSH or PEM RSA, ECDSA and Ed25519 keys are supported)");
      }
      return List.copyOf(keys);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      if (e instanceof FlashException fe) {
        throw fe;
      }
      throw new FlashException("cannot read ssh private key " + keyFile + ": " + rootMessage(e)
          + (passphrase.isEmpty() ? " (if it is encrypted, set ssh.key-passphrase)" : ""), e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getClass().getSimpleName() + ": "
        + t.getMessage() + ")";
  }
}
