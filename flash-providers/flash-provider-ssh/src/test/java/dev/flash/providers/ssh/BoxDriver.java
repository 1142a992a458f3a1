package dev.flash.providers.ssh;

import dev.flash.core.GpuOffer;
import dev.flash.core.JobHandle;
import dev.flash.core.Secret;
import dev.flash.core.Workload;
import dev.flash.core.spi.LaunchRequest;
import dev.flash.core.spi.OfferQuery;
import dev.flash.core.spi.ProviderConfig;
import dev.flash.core.spi.ResourceNames;
import dev.flash.testkit.BackendDriver;
import dev.flash.testkit.ReceivedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Drives a {@link TestBox} as two hosts of a pool for the contract kit: {@code gpu-a} (8 × A100 at
 * $8/h) and {@code gpu-b} (2 CPU slots), both the box's server with their own attempt roots. What a
 * backend does on its own (the workload exits, the host is reclaimed, someone deletes an attempt)
 * is done on the box's file system and process table; the credential the kit guards is the private
 * key's passphrase.
 */
final class BoxDriver implements BackendDriver {
  /** Waits for {@code tck-exit} in its attempt directory and exits with the code written there. */
  static final Workload WORKLOAD = Workload.builder().addCommand("sh", "-c",
      "echo started; while [ ! -f \"$FLASH_ATTEMPT_DIR/tck-exit\" ]; do sleep 0.05; done; "
          + "exit \"$(cat \"$FLASH_ATTEMPT_DIR/tck-exit\")\"").build();
  private static final Set<String> NOT_ATTEMPTS = Set.of("inputs", "checkpoints");

  final TestBox box = new TestBox();
  private SshProvider otherPlane;

  @Override
  public ProviderConfig config() {
    return ProviderConfig.of(settings(), Map.of());
  }

  /** The settings of the two-host pool; tests add or override entries. */
  Map<String, String> settings() {
    Map<String, String> s = new TreeMap<>();
    s.put("ssh.hosts", "gpu-a=tck@127.0.0.1:" + box.port() + ",gpu-b=tck@127.0.0.1:" + box.port());
    s.put("ssh.key", box.userKeyFile.toString());
    s.put("ssh.key-passphrase", box.passphrase.reveal());
    s.put("ssh.known-hosts", box.knownHosts.toString());
    s.put("ssh.host.gpu-a.gpus", "a100-80gb-sxm:8");
    s.put("ssh.host.gpu-a.price", "8.00");
    s.put("ssh.host.gpu-a.root", root("gpu-a").toString());
    s.put("ssh.host.gpu-b.gpus", "cpu:2");
    s.put("ssh.host.gpu-b.root", root("gpu-b").toString());
    s.put("ssh.cancel-grace", "2s");
    return s;
  }

  Path root(String alias) {
    return box.home.resolve(alias);
  }

  Path dir(JobHandle h) {
    return root(h.require("host")).resolve(h.name());
  }

  @Override
  public Optional<Secret> credential() {
    return Optional.of(box.passphrase);
  }

  /** The passphrase never travels at all, in no header either. */
  @Override
  public Set<String> credentialHeaders() {
    return Set.of();
  }

  /** Attempt directories on both hosts (anything in a root but the shared inputs and checkpoints). */
  @Override
  public List<String> existingNames() {
    List<String> names = new ArrayList<>();
    for (String alias : List.of("gpu-a", "gpu-b")) {
      Path root = root(alias);
      if (!Files.isDirectory(root)) {
        continue;
      }
      try (Stream<Path> dirs = Files.list(root)) {
        dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString())
            .filter(n -> !n.startsWith(".") && !NOT_ATTEMPTS.contains(n)).forEach(names::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return names;
  }

  @Override
  public int launchRequests() {
    return box.launches.get();
  }

  @Override
  public List<ReceivedRequest> received() {
    return box.received.stream().map(e -> new ReceivedRequest("EXEC", e.command(), Map.of(), e.stdinText())).toList();
  }

  /** A flash name is launched by another control plane sharing the pool; any other name is a stranger's directory. */
  @Override
  public void createExternally(String name) {
    Optional<ResourceNames.Parsed> parsed = ResourceNames.parse(name);
    if (parsed.isEmpty()) {
      try {
        Files.createDirectories(root("gpu-a").resolve(name));
        Files.writeString(root("gpu-a").resolve(name).resolve("index.html"), "not flash's");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return;
    }
    if (otherPlane == null) {
      otherPlane = SshProvider.create(SshOptions.fromConfig(config()));
    }
    GpuOffer offer = otherPlane.offers(OfferQuery.any()).get(0);
    otherPlane.launch(LaunchRequest.builder().runId(parsed.get().prefix().substring("flash-".length()))
        .seed(parsed.get().seed()).attempt(parsed.get().attempt()).offer(offer).workload(WORKLOAD).build());
  }

  @Override
  public void finish(JobHandle handle) {
    exitWith(handle, 0);
  }

  @Override
  public void fail(JobHandle handle, int exitCode) {
    exitWith(handle, exitCode);
  }

  /** The host's agent learned the machine is being reclaimed and left the notice the runner watches. */
  @Override
  public void preempt(JobHandle handle) {
    write(dir(handle).resolve("preempt"), "");
  }

  /** Someone killed the attempt's processes and deleted its directory by hand. */
  @Override
  public void vanish(JobHandle handle) {
    killAttempt(dir(handle));
    delete(dir(handle));
  }

  @Override
  public void makeNextLaunchAmbiguous() {
    box.loseNextLaunchAnswer.set(true);
  }

  @Override
  public void failNextLaunch() {
    box.failNextLaunch.set(true);
  }

  /** Both hosts drained by their operator. */
  @Override
  public void exhaustCapacity() {
    for (String alias : List.of("gpu-a", "gpu-b")) {
      write(root(alias).resolve(".drained"), "maintenance");
    }
  }

  @Override
  public void restoreCapacity() {
    for (String alias : List.of("gpu-a", "gpu-b")) {
      delete(root(alias).resolve(".drained"));
    }
  }

  @Override
  public void tick() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (otherPlane != null) {
      otherPlane.close();
    }
    for (String alias : List.of("gpu-a", "gpu-b")) {
      if (Files.isDirectory(root(alias))) {
        try (Stream<Path> dirs = Files.list(root(alias))) {
          dirs.forEach(BoxDriver::killAttempt);
        } catch (IOException ignored) {
          // best effort before the directory goes
        }
      }
    }
    box.close();
  }

  private void exitWith(JobHandle handle, int code) {
    write(dir(handle).resolve("tck-exit"), Integer.toString(code));
  }

  /** SIGKILL to the workload's and the runner's process groups, as recorded in the attempt directory. */
  static void killAttempt(Path dir) {
    for (String f : List.of("pgid", "runner.pid")) {
      try {
        String pid = Files.readString(dir.resolve(f)).strip();
        if (pid.matches("\\d+")) {
          new ProcessBuilder("sh", "-c", "kill -KILL -" + pid + " 2>/dev/null; true").start().waitFor();
        }
      } catch (IOException ignored) {
        // no such file: nothing recorded to kill
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling("." + file.getFileName() + ".tck");
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void delete(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
