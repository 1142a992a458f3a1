package dev.flash.providers.ssh;

import dev.flash.core.Checks;
import dev.flash.core.FlashStyle;
import dev.flash.core.GpuCatalog;
import dev.flash.core.Money;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;
import org.immutables.value.Value;

/**
 * One machine of the pool: where to reach it, which key logs in, what GPUs it has and what an hour
 * of it costs. An attempt occupies the GPUs it asks for ({@code CUDA_VISIBLE_DEVICES}); a host
 * without GPUs ({@link #CPU}) has {@link #gpuCount()} slots, one attempt each.
 */
@Value.Immutable
@FlashStyle
public abstract class SshHost {
  /** The pseudo GPU class of hosts without GPUs. */
  public static final String CPU = "cpu";
  /** Default directory of attempts, relative to the login's home directory. */
  public static final String DEFAULT_ROOT = ".flash/ssh";
  static final Pattern ALIAS = Pattern.compile("[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?");
  private static final Pattern USER = Pattern.compile("[A-Za-z0-9._][A-Za-z0-9._-]{0,63}");

  public static Builder builder() {
    return new Builder();
  }

  /** Short name of the host: the offers' sku and the handles' {@code host} attribute. */
  public abstract String alias();

  /** DNS name or IP address. */
  public abstract String hostname();

  @Value.Default
  public int port() {
    return 22;
  }

  public abstract String user();

  /** Private key file that logs in; absent = the provider's default key. */
  public abstract Optional<Path> identity();

  /** Canonical GPU class from the GPU catalog, or {@link #CPU}. */
  @Value.Default
  public String gpuClass() {
    return CPU;
  }

  /** GPUs of the host (slots for a CPU host). */
  @Value.Default
  public int gpuCount() {
    return 1;
  }

  /** What an hour of the whole host costs (a rental's price, an internal rate); $0 for a machine you own. */
  @Value.Default
  public Money pricePerHour() {
    return Money.ZERO;
  }

  /** The region offers carry; after a capacity failure the run supervisor prefers another region. */
  @Value.Default
  public String region() {
    return "ssh";
  }

  /** Directory of flash's attempts on the host: absolute, or relative to the login's home directory. */
  @Value.Default
  public String root() {
    return DEFAULT_ROOT;
  }

  /** {@code user@hostname:port}, for messages. */
  public String address() {
    return user() + "@" + hostname() + ":" + port();
  }

  /** {@code cpu}, or the catalog's canonical name for a GPU name or alias. */
  public static Optional<String> canonicalClass(String name) {
    if (CPU.equalsIgnoreCase(name.strip())) {
      return Optional.of(CPU);
    }
    return GpuCatalog.builtIn().find(name).map(g -> g.name());
  }

  @Value.Check
  protected void check() {
    Checks c = Checks.start();
    c.require(ALIAS.matcher(alias()).matches(), "$.alias", "'" + alias()
        + "' must be 1-40 lowercase letters, digits and '-' (not at either end), e.g. gpu-box-1");
    c.require(!hostname().isBlank() && hostname().chars().noneMatch(ch -> Character.isWhitespace(ch) || ch == '@'),
        "$.hostname", "must be a host name or address without spaces or '@'");
    c.require(port() > 0 && port() < 65536, "$.port", "must be a TCP port, got " + port());
    c.require(USER.matcher(user()).matches(), "$.user", "'" + user() + "' is not a login name");
    Optional<String> canonical = canonicalClass(gpuClass());
    c.require(canonical.isPresent() && canonical.get().equals(gpuClass()), "$.gpu_class", "'" + gpuClass()
        + "' is not a canonical GPU class; use cpu or a GPU catalog name such as a100-80gb-sxm ("
        + canonical.map(n -> "did you mean " + n + "?").orElse("see GpuCatalog.builtIn()") + ")");
    c.positive(gpuCount(), "$.gpu_count");
    c.require(!pricePerHour().isNegative(), "$.price_per_hour", "must not be negative");
    c.require(!region().isBlank(), "$.region", "must not be blank");
    c.require(!root().isBlank() && root().chars().noneMatch(ch -> ch == '\n' || ch == '\r' || ch == 0), "$.root",
        "must be a directory path on one line");
    c.throwIfAny();
  }

  public static class Builder extends ImmutableSshHost.Builder {}
}
