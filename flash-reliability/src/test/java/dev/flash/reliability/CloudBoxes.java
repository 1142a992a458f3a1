package dev.flash.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flash.testkit.stubs.ApiStub;
import dev.flash.testkit.stubs.StubResource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * The boxes behind an instance provider's API stub, booted for real: every instance the stub holds
 * gets a directory laid out like a box (cloud-init's copy of the user data in
 * {@code var/lib/cloud/instance/user-data.txt}, its output in {@code var/log/cloud-init-output.log},
 * the agent's {@code var/lib/flash}), and its user data runs in bash in a session of its own with an
 * empty environment, as cloud-init runs a user-data script at first boot. {@code docker},
 * {@code nvidia-ctk} and {@code shutdown} are the recording fakes next to this class; the agent, curl
 * to the presigned URLs and everything else are real. What the boxes wrote stays for the scan.
 */
final class CloudBoxes implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/=\\s]+");
  private final ApiStub stub;
  private final Path dir;
  private final Path bin;
  private final Map<String, Process> boxes = new ConcurrentHashMap<>();
  private final List<Throwable> failures = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "cloud-boxes");
    t.setDaemon(true);
    return t;
  });

  CloudBoxes(ApiStub stub, Path dir) throws IOException {
    this.stub = stub;
    this.dir = Files.createDirectories(dir);
    this.bin = Files.createDirectories(dir.resolve("bin"));
    for (String fake : List.of("docker", "nvidia-ctk", "shutdown")) {
      try (InputStream in = CloudBoxes.class.getResourceAsStream("box/" + fake)) {
        Path target = bin.resolve(fake);
        Files.write(target, in.readAllBytes());
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
    watcher.scheduleWithFixedDelay(this::bootNewInstances, 0, 50, TimeUnit.MILLISECONDS);
  }

  /**
   * The user data of a create request's JSON body, decoded when the API took it base64-encoded (a
   * script, once decoded, starts with {@code #!}; the decoded text is what the box runs and holds).
   */
  static String userData(String createBody) {
    String sent;
    try {
      sent = JSON.readTree(createBody).path("user_data").asText("");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (sent.startsWith("#!") || !BASE64.matcher(sent).matches()) {
      return sent;
    }
    String decoded = new String(Base64.getMimeDecoder().decode(sent), StandardCharsets.UTF_8);
    return decoded.startsWith("#!") ? decoded : sent;
  }

  /** The directory of the box an instance of this name booted. */
  Path box(String name) {
    return dir.resolve(name);
  }

  /** Names of the instances whose boxes booted. */
  List<String> booted() {
    return new ArrayList<>(boxes.keySet());
  }

  private void bootNewInstances() {
    try {
      for (StubResource r : stub.resources()) {
        if (!r.external() && !boxes.containsKey(r.name())) {
          boxes.put(r.name(), boot(r));
        }
      }
    } catch (IOException | RuntimeException e) {
      failures.add(e);
    }
  }

  private Process boot(StubResource r) throws IOException {
    Path box = Files.createDirectories(box(r.name()));
    Path instance = Files.createDirectories(box.resolve("var/lib/cloud/instance"));
    Path log = Files.createDirectories(box.resolve("var/log")).resolve("cloud-init-output.log");
    Path userData = Files.writeString(instance.resolve("user-data.txt"), userData(r.createBody()));
    if (!Files.readString(userData).startsWith("#!")) {
      throw new IllegalStateException(r.name() + "'s user data is not a script cloud-init would run (no #! line)");
    }
    ProcessBuilder pb = new ProcessBuilder("setsid", "bash", userData.toString()).directory(box.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().clear();
    pb.environment().put("PATH", bin + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
    pb.environment().put("LANG", "C.UTF-8");
    pb.environment().put("FLASH_BOX_ROOT", box.resolve("var/lib/flash").toString());
    pb.environment().put("FAKE_BOX", box.toString());
    return pb.start();
  }

  /**
   * Waits for a run's result, failing at once (with the box's console and agent log) when a box could
   * not boot or its script failed, rather than when the run gives up on a silent box.
   */
  <T> T await(CompletableFuture<T> result, Duration timeout) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    while (!result.isDone()) {
      List<String> problems = problems(false);
      if (!problems.isEmpty()) {
        throw new AssertionError(stub.provider() + " boxes: " + String.join("\n", problems));
      }
      if (Instant.now().isAfter(deadline)) {
        throw new TimeoutException("no result after " + timeout + "; boxes " + boxes.keySet());
      }
      Thread.sleep(50);
    }
    return result.get();
  }

  /** Boxes that failed: scripts that exited non-zero, or (when {@code mustHaveEnded}) still run. */
  private List<String> problems(boolean mustHaveEnded) throws IOException {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Process> e : boxes.entrySet()) {
      Process p = e.getValue();
      boolean ended = !p.isAlive();
      if (ended ? p.exitValue() != 0 : mustHaveEnded) {
        problems.add(e.getKey() + (ended ? " exited " + p.exitValue() : " did not finish") + ":\n"
            + read(box(e.getKey()).resolve("var/log/cloud-init-output.log"))
            + read(box(e.getKey()).resolve("var/lib/flash/agent.log")));
      }
    }
    failures.forEach(f -> problems.add("booting a box failed: " + f));
    return problems;
  }

  /**
   * Stops booting new boxes, waits for each box's script to end and ends what it left running (the
   * agent's timers) by its session; fails when a box could not boot or its script failed.
   */
  @Override
  public void close() throws InterruptedException, IOException {
    watcher.shutdownNow();
    watcher.awaitTermination(10, TimeUnit.SECONDS);
    for (Process p : boxes.values()) {
      p.waitFor(60, TimeUnit.SECONDS);
    }
    List<String> problems = problems(true);
    for (Process p : boxes.values()) {
      // setsid made the box's bash the leader of its own session and process group (same id).
      new ProcessBuilder("kill", "-KILL", "--", "-" + p.pid()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
    }
    if (!problems.isEmpty()) {
      throw new AssertionError(stub.provider() + " boxes: " + String.join("\n", problems));
    }
  }

  private static String read(Path p) throws IOException {
    return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
  }
}
