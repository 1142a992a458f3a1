package dev.flash.providers.ssh.internal;

import dev.flash.core.Money;
import dev.flash.core.SpecValidationException;
import dev.flash.core.Violation;
import dev.flash.core.spi.ProviderConfig;
import dev.flash.providers.ssh.SshHost;
import dev.flash.providers.ssh.SshInput;
import dev.flash.providers.ssh.SshOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads {@link SshOptions} from {@code ssh.*} settings, naming every bad one at once. */
public final class ConfigParsing {
  public static final String PREFIX = "ssh.";
  public static final String HOSTS = PREFIX + "hosts";
  /** {@code [alias=][user@]host[:port]}; an IPv6 address goes in brackets: {@code [::1]:2222}. */
  private static final Pattern HOST = Pattern.compile(
      "(?:([a-z0-9-]+)=)?(?:([^@=\\s]+)@)?(\\[[0-9A-Fa-f:.]+]|[^:@=\\[\\]\\s]+)(?::(\\d{1,5}))?");
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

  private ConfigParsing() {}

  public static SshOptions options(ProviderConfig config) {
    List<Violation> problems = new ArrayList<>();
    SshOptions.Builder b = SshOptions.builder();
    String processUser = System.getProperty("user.name", "root");
    Optional<String> hosts = config.get(HOSTS);
    if (hosts.isEmpty()) {
      problems.add(new Violation(HOSTS, "is required: comma-separated [alias=][user@]host[:port], e.g. "
          + "box1=ubuntu@10.0.0.5,box2=root@gpu.example.com:2222"));
    }
    for (String entry : hosts.map(h -> h.split(",")).orElse(new String[0])) {
      String spec = entry.strip();
      if (spec.isEmpty()) {
        continue;
      }
      Matcher m = HOST.matcher(spec);
      if (!m.matches()) {
        problems.add(new Violation(HOSTS, "'" + spec + "' is not [alias=][user@]host[:port]"));
        continue;
      }
      String hostname = m.group(3).startsWith("[") ? m.group(3).substring(1, m.group(3).length() - 1) : m.group(3);
      String alias = m.group(1) != null ? m.group(1)
          : hostname.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
      String key = PREFIX + "host." + alias + ".";
      SshHost.Builder h = SshHost.builder().alias(alias).hostname(hostname)
          .user(m.group(2) != null ? m.group(2) : setting(config, key, "user").orElse(processUser));
      Optional<String> port = m.group(4) != null ? Optional.of(m.group(4)) : setting(config, key, "port");
      port.ifPresent(p -> parse(problems, key + "port", p, Integer::parseInt, "a port number").ifPresent(h::port));
      setting(config, key, "key").map(ConfigParsing::path).ifPresent(h::identity);
      setting(config, key, "region").ifPresent(h::region);
      setting(config, key, "root").ifPresent(h::root);
      setting(config, key, "price").ifPresent(p -> parse(problems, key + "price", p, Money::usd,
          "US dollars per hour for the whole host, e.g. 1.20").ifPresent(h::pricePerHour));
      setting(config, key, "gpus").ifPresent(g -> gpus(problems, key + "gpus", g, h));
      try {
        b.addHosts(h.build());
      } catch (SpecValidationException e) {
        problems.addAll(e.under(HOSTS + "." + alias).violations());
      }
    }
    config.get(PREFIX + "key").map(ConfigParsing::path).ifPresent(b::identity);
    config.secret(PREFIX + "key-passphrase").ifPresent(b::keyPassphrase);
    config.get(PREFIX + "known-hosts").map(ConfigParsing::path).ifPresent(b::knownHosts);
    config.get(PREFIX + "insecure-accept-any-host-key").ifPresent(v -> bool(problems, PREFIX
        + "insecure-accept-any-host-key", v).ifPresent(b::insecureAcceptAnyHostKey));
    duration(config, problems, "connect-timeout", b::connectTimeout);
    duration(config, problems, "keepalive", b::keepaliveInterval);
    duration(config, problems, "command-timeout", b::commandTimeout);
    duration(config, problems, "cancel-grace", b::cancelGrace);
    duration(config, problems, "unreachable-grace", b::unreachableGrace);
    config.get(PREFIX + "keepalive-max-missed").ifPresent(v -> parse(problems, PREFIX + "keepalive-max-missed", v,
        Integer::parseInt, "a whole number").ifPresent(b::keepaliveMaxMissed));
    config.get(PREFIX + "inputs").ifPresent(v -> {
      for (String item : v.split(",")) {
        String s = item.strip();
        if (s.isEmpty()) {
          continue;
        }
        int eq = s.lastIndexOf('=');
        try {
          b.addInputs(eq < 0 ? SshInput.of(path(s)) : new SshInput(path(s.substring(0, eq).strip()),
              s.substring(eq + 1).strip()));
        } catch (IllegalArgumentException e) {
          problems.add(new Violation(PREFIX + "inputs", e.getMessage()));
        }
      }
    });
    if (!problems.isEmpty()) {
      throw new SpecValidationException(problems);
    }
    try {
      return b.build();
    } catch (SpecValidationException e) {
      throw e.under("ssh");
    }
  }

  /** {@code 90s}, {@code 10m}, {@code 24h}, {@code 1d}, {@code 500ms}, plain seconds, or ISO-8601 ({@code PT10M}). */
  public static Duration duration(String text) {
    String s = text.strip().toLowerCase(Locale.ROOT);
    Matcher m = DURATION.matcher(s);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      return switch (unit) {
        case "ms" -> Duration.ofMillis(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        case "d" -> Duration.ofDays(n);
        default -> Duration.ofSeconds(n);
      };
    }
    try {
      return Duration.parse(text.strip().toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'" + text + "' is not a duration (90s, 10m, 24h, 1d or PT10M)");
    }
  }

  /** A per-host setting, else the setting for every host ({@code ssh.host.box1.gpus}, then {@code ssh.gpus}). */
  private static Optional<String> setting(ProviderConfig config, String hostKey, String name) {
    return config.get(hostKey + name).or(() -> config.get(PREFIX + name));
  }

  private static void gpus(List<Violation> problems, String key, String value, SshHost.Builder h) {
    String[] parts = value.strip().split(":");
    if (parts.length > 2) {
      problems.add(new Violation(key, "'" + value + "' is not gpu-class[:count], e.g. a100-80gb-sxm:8 or cpu:4"));
      return;
    }
    Optional<String> canonical = SshHost.canonicalClass(parts[0]);
    h.gpuClass(canonical.orElse(parts[0].strip()));
    if (parts.length == 2) {
      parse(problems, key, parts[1], Integer::parseInt, "gpu-class:count with a whole count").ifPresent(h::gpuCount);
    }
  }

  private static void duration(ProviderConfig config, List<Violation> problems, String name, Consumer<Duration> set) {
    config.get(PREFIX + name).ifPresent(v -> parse(problems, PREFIX + name, v, ConfigParsing::duration,
        "a duration such as 90s, 10m or 1h").ifPresent(set));
  }

  private static Optional<Boolean> bool(List<Violation> problems, String key, String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    if (v.equals("true") || v.equals("false")) {
      return Optional.of(Boolean.parseBoolean(v));
    }
    problems.add(new Violation(key, "'" + value + "' must be true or false"));
    return Optional.empty();
  }

  private static <T> Optional<T> parse(List<Violation> problems, String key, String value, Function<String, T> parser,
      String expected) {
    try {
      return Optional.of(parser.apply(value.strip()));
    } catch (RuntimeException e) {
      problems.add(new Violation(key, "'" + value + "' is not " + expected));
      return Optional.empty();
    }
  }

  /** A local path; a leading {@code ~/} is the user's home directory. */
  private static Path path(String p) {
    String s = p.strip();
    return s.equals("~") || s.startsWith("~/") ? Path.of(System.getProperty("user.home"), s.substring(1).replaceFirst("^/", ""))
        : Path.of(s);
  }
}
