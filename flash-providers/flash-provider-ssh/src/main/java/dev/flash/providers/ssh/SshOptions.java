package dev.flash.providers.ssh;

import dev.flash.core.Checks;
import dev.flash.core.FlashStyle;
import dev.flash.core.Secret;
import dev.flash.core.spi.ProviderConfig;
import dev.flash.providers.ssh.internal.ConfigParsing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.immutables.value.Value;

/**
 * The pool of hosts and how the provider talks to them. Build it in code, or read it from a
 * {@link ProviderConfig} with {@link #fromConfig} (keys in the module README).
 */
@Value.Immutable
@FlashStyle
public abstract class SshOptions {

  public static Builder builder() {
    return new Builder();
  }

  /** Reads every {@code ssh.*} setting; throws {@link dev.flash.core.SpecValidationException} listing each bad one. */
  public static SshOptions fromConfig(ProviderConfig config) {
    return ConfigParsing.options(config);
  }

  /** The machines, in the order offers list them. */
  public abstract List<SshHost> hosts();

  /**
   * Private key for hosts that name none. Absent: {@code ~/.ssh/id_ed25519}, {@code id_ecdsa},
   * {@code id_rsa}, the first that exists (as OpenSSH picks).
   */
  public abstract Optional<Path> identity();

  /** Passphrase of the private keys, when they are encrypted. */
  public abstract Optional<Secret> keyPassphrase();

  /** OpenSSH {@code known_hosts} file the host keys are checked against. */
  @Value.Default
  public Path knownHosts() {
    return Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
  }

  /**
   * Accepts any host key without checking. For tests against throw-away servers only: anyone on the
   * network path can then impersonate a host and receive the workload's secrets.
   */
  @Value.Default
  public boolean insecureAcceptAnyHostKey() {
    return false;
  }

  @Value.Default
  public Duration connectTimeout() {
    return Duration.ofSeconds(15);
  }

  /** Keepalive period: an idle connection sends a keepalive request this often. */
  @Value.Default
  public Duration keepaliveInterval() {
    return Duration.ofSeconds(15);
  }

  /** Unanswered keepalives after which the connection is dropped (and reopened on next use). */
  @Value.Default
  public int keepaliveMaxMissed() {
    return 4;
  }

  /** How long a remote command may take (beyond the cancel grace for cancel). */
  @Value.Default
  public Duration commandTimeout() {
    return Duration.ofSeconds(60);
  }

  /** Time between SIGTERM and SIGKILL on cancel, preemption notices and the wall-clock cap. */
  @Value.Default
  public Duration cancelGrace() {
    return Duration.ofSeconds(10);
  }

  /**
   * How long a host may stay unreachable while an attempt runs there: polls fail (the supervisor
   * counts poll errors) until then, and report the attempt {@code STALLED} after.
   */
  @Value.Default
  public Duration unreachableGrace() {
    return Duration.ofMinutes(5);
  }

  /** Local files copied to each host before its first launch. */
  public abstract List<SshInput> inputs();

  /** The host with this alias. */
  public Optional<SshHost> host(String alias) {
    return hosts().stream().filter(h -> h.alias().equals(alias)).findFirst();
  }

  @Value.Check
  protected void check() {
    Checks c = Checks.start();
    c.require(!hosts().isEmpty(), "$.hosts", "needs at least one host");
    Set<String> aliases = new HashSet<>();
    for (SshHost h : hosts()) {
      c.require(aliases.add(h.alias()), "$.hosts." + h.alias(), "two hosts share the alias '" + h.alias() + "'");
    }
    Set<String> names = new HashSet<>();
    for (SshInput in : inputs()) {
      c.require(names.add(in.name()), "$.inputs." + in.name(), "two inputs share the name '" + in.name() + "'");
    }
    positive(c, connectTimeout(), "$.connect_timeout");
    positive(c, keepaliveInterval(), "$.keepalive_interval");
    positive(c, commandTimeout(), "$.command_timeout");
    c.require(!cancelGrace().isNegative(), "$.cancel_grace", "must not be negative");
    c.require(!unreachableGrace().isNegative(), "$.unreachable_grace", "must not be negative");
    c.positive(keepaliveMaxMissed(), "$.keepalive_max_missed");
    c.throwIfAny();
  }

  private static void positive(Checks c, Duration d, String path) {
    c.require(!d.isNegative() && !d.isZero(), path, "must be positive, got " + d);
  }

  public static class Builder extends ImmutableSshOptions.Builder {}
}
