package dev.flash.providers.ssh;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flash.core.GpuCatalog;
import dev.flash.core.GpuOffer;
import dev.flash.core.JobHandle;
import dev.flash.core.Money;
import dev.flash.core.ProviderException;
import dev.flash.core.Secret;
import dev.flash.core.spi.JobStatus;
import dev.flash.core.spi.LaunchRejectedException;
import dev.flash.core.spi.LaunchRequest;
import dev.flash.core.spi.LogChunk;
import dev.flash.core.spi.OfferQuery;
import dev.flash.core.spi.OwnedResource;
import dev.flash.core.spi.Provider;
import dev.flash.core.spi.ResourceNames;
import dev.flash.core.spi.SweepReport;
import dev.flash.core.spi.SweepScope;
import dev.flash.providers.ssh.internal.AttemptState;
import dev.flash.providers.ssh.internal.HostUnreachableException;
import dev.flash.providers.ssh.internal.InputStager;
import dev.flash.providers.ssh.internal.Scripts;
import dev.flash.providers.ssh.internal.Sessions;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs attempts on machines you already have (bare metal, marketplace rentals), reached over SSH.
 * Each attempt lives in its own directory on its host, {@code <root>/<resource name>/}: the
 * workload runs there under {@code setsid nohup} in its own session, supervised by a small runner
 * script that enforces the wall-clock cap on the host (so the cap holds when the control process is
 * gone) and records the exit code; the worker protocol's files (heartbeat, marker, console log) are
 * read back over the SSH connection. Layout, scripts and settings: the module README.
 *
 * <ul>
 *   <li>An attempt occupies the GPUs it asks for ({@code CUDA_VISIBLE_DEVICES}), claimed under a
 *       lock on the host, so two control planes sharing a pool never hand out one GPU twice.
 *   <li>The workload's secrets travel on the launcher's standard input and reach the workload only
 *       through its environment: never on a command line, never in a file on the host.
 *   <li>Cancel sends SIGTERM to the workload's process group, SIGKILL after the grace, and checks
 *       that no process of the group is left; destroy kills what is left and removes the directory.
 *   <li>A host that stops answering makes polls fail (the supervisor counts poll errors); after
 *       {@link SshOptions#unreachableGrace()} the attempt is reported {@code STALLED}.
 * </ul>
 */
public final class SshProvider implements Provider {
  public static final String ID = "ssh";
  private static final Logger LOG = LoggerFactory.getLogger(SshProvider.class);
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  /** Worker-protocol files {@link #attemptFile} reads. */
  private static final Set<String> READABLE = Set.of("heartbeat.json", "marker.json", "done.json", "exit.json",
      "ssh.json");

  private final SshOptions options;
  private final Clock clock;
  private final Sessions sessions;
  private final InputStager stager;
  private final Map<String, Instant> unreachableSince = new ConcurrentHashMap<>();
  private final Map<String, Instant> endedAt = new ConcurrentHashMap<>();

  private SshProvider(SshOptions options, Clock clock) {
    this.options = options;
    this.clock = clock;
    this.sessions = new Sessions(ID, options);
    this.stager = new InputStager(ID, sessions, options);
  }

  /** A provider over the options' hosts; reads the private keys now (a missing key fails here). */
  public static SshProvider create(SshOptions options) {
    return create(options, Clock.systemUTC());
  }

  /** With the clock that times the unreachable grace and the cost of running attempts. */
  public static SshProvider create(SshOptions options, Clock clock) {
    return new SshProvider(options, clock);
  }

  public SshOptions options() {
    return options;
  }

  @Override
  public String id() {
    return ID;
  }

  /**
   * One offer per host of a wanted class with at least the query's GPU count: {@code gpuCount} of
   * its GPUs at that share of the host's price, capacity = how many such attempts fit now (0 when
   * the host is drained or unreachable).
   */
  @Override
  public List<GpuOffer> offers(OfferQuery query) {
    List<GpuOffer> offers = new ArrayList<>();
    for (SshHost h : options.hosts()) {
      if (h.gpuCount() < query.gpuCount()
          || !query.gpuClasses().isEmpty() && query.gpuClasses().stream()
              .noneMatch(c -> SshHost.canonicalClass(c).orElse(c).equals(h.gpuClass()))
          || !query.regions().isEmpty() && !query.regions().contains(h.region())) {
        continue;
      }
      double memory = memoryGib(h);
      if (query.minGpuMemoryGib().map(m -> memory < m).orElse(false)) {
        continue;
      }
      offers.add(GpuOffer.builder().provider(ID).gpuClass(h.gpuClass()).gpuCount(query.gpuCount())
          .gpuMemoryGib(memory).region(h.region()).sku(h.alias())
          .pricePerHour(Money.ofMicros(h.pricePerHour().micros() * query.gpuCount() / h.gpuCount()))
          .capacity(OptionalInt.of(freeGpus(h) / query.gpuCount())).build());
    }
    return offers;
  }

  @Override
  public JobHandle launch(LaunchRequest request) {
    SshHost host = check(request);
    String name = request.name();
    try {
      stager.stage(host);
    } catch (HostUnreachableException e) {
      throw rejected(e, name);
    } catch (ProviderException e) {
      throw new LaunchRejectedException(ID, "cannot copy the inputs of " + name + " to " + host.alias() + ": "
          + e.getMessage(), OptionalInt.empty(), false, Optional.empty());
    }
    ResourceNames.Parsed parsed = ResourceNames.parse(name).orElseThrow();
    List<String> argv = new ArrayList<>(request.workload().command());
    argv.addAll(request.workload().args());
    int gpus = request.offer().gpuCount();
    long price = request.offer().pricePerHour().micros();
    String script;
    try {
      script = Scripts.launch(host.root(), name, host.alias(), host.gpuClass(), !host.gpuClass().equals(SshHost.CPU),
          host.gpuCount(), gpus, price, parsed.prefix() + "/s" + parsed.seed(), argv,
          request.wallClockCap().map(SshProvider::ceilSeconds).orElse(0L), ceilSeconds(options.cancelGrace()));
    } catch (IllegalArgumentException e) {
      throw refused("cannot run the command of " + name + ": " + e.getMessage());
    }
    Map<String, String> env = new LinkedHashMap<>(request.workload().env());
    env.putAll(request.env());
    request.secrets().forEach((k, v) -> env.put(k, v.reveal()));
    Sessions.Result r;
    try {
      r = sessions.exec(host, "flash-launch", script, Sessions.Stdin.of(Scripts.environmentBlock(env)),
          options.commandTimeout());
    } catch (HostUnreachableException e) {
      throw rejected(e, name);
    } catch (RuntimeException e) {
      throw ambiguous(name, host, redact(e.getMessage(), request), e);
    }
    String err = redact(r.err().strip(), request);
    switch (r.status()) {
      case 0:
        break;
      case Scripts.EXISTS:
        throw new ProviderException(ID, "attempt " + name + " was already launched on " + host.alias()
            + "; find it with find(name) instead of launching it again", false, null);
      case Scripts.DRAINED:
        throw new LaunchRejectedException(ID, "host " + host.alias() + " is drained (" + host.root()
            + "/.drained exists): it takes no new attempts", OptionalInt.empty(), true, Optional.empty());
      case Scripts.NO_FREE_GPUS:
        throw new LaunchRejectedException(ID, "host " + host.alias() + " has fewer than " + gpus + " free "
            + host.gpuClass() + " (of " + host.gpuCount() + "): other attempts hold them", OptionalInt.empty(),
            true, Optional.empty());
      case Scripts.LOCK_BUSY:
        throw new LaunchRejectedException(ID, "host " + host.alias() + ": another launch held the lock for 30 s",
            OptionalInt.empty(), true, Optional.empty());
      case Scripts.PREPARE_FAILED:
        throw new LaunchRejectedException(ID, "host " + host.alias() + " could not prepare " + host.root() + "/"
            + name + " (removed again): " + err, OptionalInt.empty(), false, Optional.empty());
      default:
        throw ambiguous(name, host, "the launcher exited with " + r.status() + (err.isEmpty() ? "" : ": " + err),
            null);
    }
    String[] started = r.text().strip().split(" ");
    if (started.length < 4 || !started[0].equals("started")) {
      throw ambiguous(name, host, "the launcher answered '" + r.text().strip() + "'", null);
    }
    LOG.debug("ssh: launched {} on {} (runner pid {}, gpus {})", name, host.alias(), started[1],
        started.length > 4 ? started[4] : "-");
    return handle(name, host, started[2], started[3], started.length > 4 ? started[4] : "", price);
  }

  @Override
  public Optional<JobHandle> find(String resourceName) {
    if (!ResourceNames.isFlashName(resourceName)) {
      return Optional.empty();
    }
    List<String> unreachable = new ArrayList<>();
    for (SshHost h : options.hosts()) {
      try {
        List<OwnedResource> found = list(h, Optional.of(resourceName));
        if (!found.isEmpty()) {
          return Optional.of(found.get(0).handle());
        }
      } catch (HostUnreachableException e) {
        unreachable.add(e.getMessage());
      }
    }
    if (!unreachable.isEmpty()) {
      throw new ProviderException(ID, "cannot tell whether " + resourceName + " exists: " + String.join("; ",
          unreachable), true, null);
    }
    return Optional.empty();
  }

  /**
   * The attempt's state from its directory. A vanished directory throws a {@link ProviderException}
   * with status 404; an unreachable host throws (retryable) until the unreachable grace has passed,
   * then reports {@code STALLED}.
   */
  @Override
  public JobStatus poll(JobHandle handle) {
    SshHost host = hostOf(handle);
    Sessions.Result r;
    try {
      r = sessions.exec(host, "flash-poll", Scripts.poll(host.root(), handle.name()), Sessions.Stdin.NONE,
          options.commandTimeout());
    } catch (ProviderException e) {
      return unreachable(handle, host, e);
    }
    unreachableSince.remove(handle.name());
    if (r.status() != 0) {
      throw new ProviderException(ID, "poll of " + handle.name() + " on " + host.alias() + " failed (exit "
          + r.status() + "): " + r.err().strip(), true, null);
    }
    AttemptState state = AttemptState.parse(r.text());
    if (!state.exists()) {
      throw new ProviderException(ID, "attempt " + handle.name() + " no longer exists on " + host.alias() + " ("
          + host.root() + "/" + handle.name() + " is gone)", OptionalInt.of(404), Optional.empty(), Optional.empty(),
          false, null);
    }
    JobStatus s = state.status();
    if (s.isTerminal()) {
      endedAt.putIfAbsent(handle.name(), state.exitedAt().orElse(clock.instant()));
      Optional<String> workerError = state.workerError();
      if (workerError.isPresent() && s.failure().isPresent()) {
        String excerpt = workerError.get().length() > 300 ? workerError.get().substring(0, 300) + "…" : workerError.get();
        s = new JobStatus(s.state(), s.failure(), s.progress(), s.detail() + "; the worker says: " + excerpt,
            s.exitCode());
      }
    }
    return s;
  }

  /** Up to {@code maxBytes} of {@code console.log} (stdout and stderr of the workload), cut on a whole UTF-8 character. */
  @Override
  public LogChunk logs(JobHandle handle, long offset, int maxBytes) {
    SshHost host = hostOf(handle);
    long from = Math.max(0, offset);
    int max = Math.max(1, maxBytes);
    // One byte more than asked, to see whether the cut falls inside a UTF-8 character.
    Sessions.Result r = sessions.exec(host, "flash-logs", Scripts.logs(host.root(), handle.name(), from, max + 1),
        Sessions.Stdin.NONE, options.commandTimeout());
    byte[] out = r.out();
    int nl = indexOf(out, (byte) '\n');
    String header = new String(out, 0, nl < 0 ? out.length : nl, StandardCharsets.UTF_8).strip();
    if (r.status() != 0 || !header.startsWith("log ")) {
      if (header.equals("gone")) {
        return LogChunk.empty(from, true);
      }
      throw new ProviderException(ID, "cannot read the console of " + handle.name() + " on " + host.alias()
          + " (exit " + r.status() + "): " + r.err().strip(), true, null);
    }
    String[] f = header.split("\\s+");
    long size = Long.parseLong(f[1]);
    boolean ended = f[2].equals("1");
    byte[] bytes = Arrays.copyOfRange(out, nl + 1, out.length);
    int n = Math.min(bytes.length, max);
    // Never end inside a UTF-8 character: back off over continuation bytes (10xxxxxx) to its first byte.
    int cut = n;
    while (cut > 0 && cut < bytes.length && (bytes[cut] & 0xC0) == 0x80) {
      cut--;
    }
    n = cut == 0 ? n : cut;
    long next = from + n;
    return new LogChunk(new String(bytes, 0, n, StandardCharsets.UTF_8), next, ended && next >= size);
  }

  /**
   * Marks the attempt cancelled, sends SIGTERM to the workload's process group, SIGKILL after the
   * cancel grace, and checks that no process of the group is left (throws when one is).
   */
  @Override
  public void cancel(JobHandle handle) {
    SshHost host = hostOf(handle);
    Sessions.Result r = sessions.exec(host, "flash-cancel", Scripts.cancel(host.root(), handle.name(),
        ceilSeconds(options.cancelGrace())), Sessions.Stdin.NONE, options.commandTimeout().plus(options.cancelGrace()));
    if (r.status() == Scripts.STILL_ALIVE) {
      throw new ProviderException(ID, "cancel of " + handle.name() + " on " + host.alias() + ": " + r.text().strip()
          + " process(es) of its group survived SIGKILL (uninterruptible I/O?)", true, null);
    }
    if (r.status() != 0) {
      throw new ProviderException(ID, "cancel of " + handle.name() + " on " + host.alias() + " failed (exit "
          + r.status() + "): " + r.err().strip(), true, null);
    }
    LOG.debug("ssh: cancel {} on {}: {}", handle.name(), host.alias(), r.text().strip());
  }

  /** Kills whatever of the attempt still runs, checks, and removes its directory; already gone is success. */
  @Override
  public void destroy(JobHandle handle) {
    SshHost host = hostOf(handle);
    Sessions.Result r = sessions.exec(host, "flash-destroy", Scripts.destroy(host.root(), handle.name()),
        Sessions.Stdin.NONE, options.commandTimeout());
    String text = r.text().strip();
    if (r.status() == Scripts.STILL_ALIVE) {
      throw new ProviderException(ID, "destroy of " + handle.name() + " on " + host.alias() + ": " + text
          + " process(es) survived SIGKILL; the directory is kept so a retry can find them", true, null);
    }
    if (r.status() != 0) {
      throw new ProviderException(ID, "destroy of " + handle.name() + " on " + host.alias() + " failed (exit "
          + r.status() + "): " + r.err().strip(), true, null);
    }
    if (text.startsWith("destroyed ")) {
      parseInstant(text.substring("destroyed ".length())).ifPresent(end -> endedAt.putIfAbsent(handle.name(), end));
    }
    unreachableSince.remove(handle.name());
    LOG.debug("ssh: destroy {} on {}: {}", handle.name(), host.alias(), text);
  }

  /** Every flash-named attempt directory on every host; throws when a host cannot be listed (never a partial list). */
  @Override
  public List<OwnedResource> listOwned() {
    List<OwnedResource> owned = new ArrayList<>();
    List<String> unreachable = new ArrayList<>();
    for (SshHost h : options.hosts()) {
      try {
        owned.addAll(list(h, Optional.empty()));
      } catch (HostUnreachableException e) {
        unreachable.add(e.getMessage());
      }
    }
    if (!unreachable.isEmpty()) {
      throw new ProviderException(ID, "cannot list every host: " + String.join("; ", unreachable), true, null);
    }
    return owned;
  }

  /** Host by host, so one unreachable host is reported in {@code failed} without stopping the others' sweep. */
  @Override
  public SweepReport sweep(SweepScope scope) {
    List<String> reaped = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    for (SshHost h : options.hosts()) {
      List<OwnedResource> owned;
      try {
        owned = list(h, Optional.empty());
      } catch (ProviderException e) {
        failed.add(h.alias() + ": " + e.getMessage());
        continue;
      }
      for (OwnedResource r : owned) {
        if (!scope.shouldReap(r.name())) {
          kept.add(r.name());
          continue;
        }
        try {
          destroy(r.handle());
          reaped.add(r.name());
        } catch (RuntimeException e) {
          failed.add(r.name() + ": " + e.getMessage());
        }
      }
    }
    return new SweepReport(ID, reaped, kept, failed);
  }

  /** The launch price (this attempt's share of the host) × run time, from its start to its exit (or now). */
  @Override
  public Optional<Money> realizedCost(JobHandle handle) {
    Optional<Instant> start = handle.attribute("started_at").flatMap(SshProvider::parseInstant);
    if (start.isEmpty()) {
      return Optional.empty();
    }
    Instant end = endedAt.getOrDefault(handle.name(), clock.instant());
    Money rate = Money.ofMicros(Long.parseLong(handle.attribute("price_micros_per_hour").orElse("0")));
    return Optional.of(rate.forSeconds(Math.max(0, Duration.between(start.get(), end).toMillis() / 1000.0)));
  }

  /**
   * Copies the configured inputs to a host now (launch does it too): each file is skipped when the
   * host has it, resumed when a partial copy is there, checked by sha256.
   */
  public List<StagedInput> stageInputs(String hostAlias) {
    SshHost host = options.host(hostAlias).orElseThrow(() -> new IllegalArgumentException("no host '" + hostAlias
        + "'; configured: " + options.hosts().stream().map(SshHost::alias).toList()));
    return stager.stage(host);
  }

  /**
   * One of the attempt's worker-protocol files ({@code heartbeat.json}, {@code marker.json},
   * {@code done.json}) or the provider's own ({@code exit.json}, {@code ssh.json}), read over SSH;
   * empty when it was not written (yet).
   */
  public Optional<String> attemptFile(JobHandle handle, String fileName) {
    if (!READABLE.contains(fileName)) {
      throw new IllegalArgumentException("attemptFile reads only " + READABLE + ", not '" + fileName + "'");
    }
    SshHost host = hostOf(handle);
    Sessions.Result r = sessions.exec(host, "flash-read", Scripts.read(host.root(), handle.name(), fileName),
        Sessions.Stdin.NONE, options.commandTimeout());
    if (r.status() == 44 || r.status() == 45) {
      return Optional.empty();
    }
    if (r.status() != 0) {
      throw new ProviderException(ID, "cannot read " + fileName + " of " + handle.name() + " (exit " + r.status()
          + "): " + r.err().strip(), true, null);
    }
    return Optional.of(r.text());
  }

  @Override
  public void close() {
    sessions.close();
  }

  @Override
  public String toString() {
    return "SshProvider" + options.hosts().stream().map(h -> h.alias() + "=" + h.address()).toList();
  }

  // ---------------------------------------------------------------- internals

  private SshHost check(LaunchRequest request) {
    GpuOffer offer = request.offer();
    String name = request.name();
    if (!offer.provider().equals(ID)) {
      throw refused("offer " + offer.describe() + " is not an ssh offer");
    }
    SshHost host = options.host(offer.sku()).orElseThrow(() -> refused("offer " + offer.describe()
        + " names host '" + offer.sku() + "', which is not configured (hosts: "
        + options.hosts().stream().map(SshHost::alias).toList() + ")"));
    if (request.nodes() != 1) {
      throw refused(name + " asks for " + request.nodes() + " nodes; the ssh provider runs single-node attempts");
    }
    if (request.workload().command().isEmpty()) {
      throw refused("the ssh provider runs commands on the host; workload " + name
          + " has only an image (give it a command, e.g. [\"python\", \"train.py\"])");
    }
    if (!offer.gpuClass().equals(host.gpuClass()) || offer.gpuCount() > host.gpuCount()) {
      throw refused("host " + host.alias() + " has " + host.gpuCount() + " " + host.gpuClass() + ", not "
          + offer.gpuCount() + " " + offer.gpuClass());
    }
    List<String> names = new ArrayList<>(request.workload().env().keySet());
    names.addAll(request.env().keySet());
    names.addAll(request.secrets().keySet());
    for (String n : names) {
      if (!ENV_NAME.matcher(n).matches() || n.startsWith(Scripts.RESERVED_PREFIX)) {
        throw refused("environment variable name '" + n + "' of " + name + " is not valid here (letters, digits "
            + "and '_', not starting with a digit or '" + Scripts.RESERVED_PREFIX + "')");
      }
    }
    return host;
  }

  private static LaunchRejectedException refused(String message) {
    return new LaunchRejectedException(ID, message, OptionalInt.empty(), false, Optional.empty());
  }

  private static LaunchRejectedException rejected(HostUnreachableException e, String name) {
    return new LaunchRejectedException(ID, "nothing launched for " + name + ": " + e.getMessage(),
        OptionalInt.empty(), e.why() == HostUnreachableException.Why.NETWORK, Optional.empty());
  }

  private static ProviderException ambiguous(String name, SshHost host, String why, Throwable cause) {
    return new ProviderException(ID, "launch of " + name + " on " + host.alias() + " has an unknown outcome (" + why
        + "); reconcile with find(name), never launch it again", true, cause);
  }

  /** Removes the request's secret values from text that came back from the host. */
  private static String redact(String text, LaunchRequest request) {
    String s = String.valueOf(text);
    for (Secret secret : request.secrets().values()) {
      s = s.replace(secret.reveal(), secret.toString());
    }
    return s;
  }

  private JobStatus unreachable(JobHandle handle, SshHost host, ProviderException e) {
    Instant now = clock.instant();
    Instant since = unreachableSince.computeIfAbsent(handle.name(), n -> now);
    Duration down = Duration.between(since, now);
    if (down.compareTo(options.unreachableGrace()) >= 0) {
      LOG.warn("ssh: {} unreachable for {}; reporting {} stalled", host.alias(), down, handle.name());
      return JobStatus.failed(dev.flash.core.FailureClass.STALLED, "host " + host.alias() + " unreachable for "
          + down.toSeconds() + " s (grace " + options.unreachableGrace().toSeconds() + " s): " + e.getMessage());
    }
    throw new ProviderException(ID, "POLL_ERROR: cannot poll " + handle.name() + " (unreachable for "
        + down.toSeconds() + " s, STALLED after " + options.unreachableGrace().toSeconds() + " s): " + e.getMessage(),
        true, e);
  }

  private SshHost hostOf(JobHandle handle) {
    String alias = handle.require("host");
    return options.host(alias).orElseThrow(() -> new ProviderException(ID, "handle " + handle.name()
        + " names host '" + alias + "', which is not configured (hosts: "
        + options.hosts().stream().map(SshHost::alias).toList() + ")", false, null));
  }

  private List<OwnedResource> list(SshHost h, Optional<String> only) {
    Sessions.Result r = sessions.exec(h, "flash-list", Scripts.list(h.root(), only), Sessions.Stdin.NONE,
        options.commandTimeout());
    if (r.status() != 0) {
      throw new ProviderException(ID, "cannot list attempts on " + h.alias() + " (exit " + r.status() + "): "
          + r.err().strip(), true, null);
    }
    List<OwnedResource> owned = new ArrayList<>();
    for (String line : r.text().split("\n")) {
      String[] f = line.split("\t", 3);
      if (f.length < 2 || !ResourceNames.isFlashName(f[0])) {
        continue;
      }
      Optional<JsonNode> rec = f.length == 3 ? AttemptState.json(f[2]) : Optional.empty();
      String started = rec.map(n -> n.path("started_at").asText("")).orElse("");
      JobHandle handle = handle(f[0], h, started, rec.map(n -> n.path("boot_id").asText("")).orElse(""),
          rec.map(n -> n.path("gpus").asText("").replace(' ', ',')).orElse(""),
          rec.map(n -> n.path("price_micros_per_hour").asLong(0)).orElse(0L));
      owned.add(new OwnedResource(f[0], handle, f[1], parseInstant(started)));
    }
    return owned;
  }

  private JobHandle handle(String name, SshHost host, String startedAt, String bootId, String gpus, long price) {
    JobHandle.Builder b = JobHandle.builder().providerId(ID).name(name)
        .putAttributes("host", host.alias())
        .putAttributes("region", host.region())
        .putAttributes("gpu_class", host.gpuClass())
        .putAttributes("price_micros_per_hour", Long.toString(price));
    if (!startedAt.isEmpty()) {
      b.putAttributes("started_at", startedAt);
    }
    if (!bootId.isEmpty()) {
      b.putAttributes("boot_id", bootId);
    }
    if (!gpus.isEmpty()) {
      b.putAttributes("gpus", gpus);
    }
    return b.build();
  }

  private int freeGpus(SshHost h) {
    try {
      Sessions.Result r = sessions.exec(h, "flash-probe", Scripts.probe(h.root(), h.gpuCount()), Sessions.Stdin.NONE,
          options.commandTimeout());
      Map<String, String> v = new LinkedHashMap<>();
      for (String line : r.text().split("\n")) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          v.put(line.substring(0, eq), line.substring(eq + 1).strip());
        }
      }
      if (r.status() != 0 || "1".equals(v.get("drained"))) {
        return 0;
      }
      return Integer.parseInt(v.getOrDefault("free", "0"));
    } catch (RuntimeException e) {
      LOG.debug("ssh: {} unavailable for offers: {}", h.alias(), e.getMessage());
      return 0;
    }
  }

  private static double memoryGib(SshHost h) {
    return h.gpuClass().equals(SshHost.CPU) ? 0 : GpuCatalog.builtIn().find(h.gpuClass()).map(g -> g.memoryGib()).orElse(0.0);
  }

  private static long ceilSeconds(Duration d) {
    return d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
  }

  private static Optional<Instant> parseInstant(String s) {
    try {
      return s.isEmpty() ? Optional.empty() : Optional.of(Instant.parse(s.strip()));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static int indexOf(byte[] a, byte b) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
