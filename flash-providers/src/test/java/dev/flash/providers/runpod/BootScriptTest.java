package dev.flash.providers.runpod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flash.providers.runpod.internal.BootScript;
import dev.flash.providers.runpod.internal.ConsoleRelay;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pod's entry script, run for real by {@code /bin/sh} with a fake {@code runpodctl} that records
 * the self-stop and then kills the script the way RunPod stops the container.
 */
class BootScriptTest {
  @TempDir
  Path dir;

  /** A running entry script and everything it printed. */
  final class Box {
    final Process process;
    final List<String> out = new CopyOnWriteArrayList<>();
    final Thread reader;

    Box(List<String> argv, Optional<Duration> cap) throws IOException {
      Path bin = Files.createDirectories(dir.resolve("bin"));
      Path fake = bin.resolve("runpodctl");
      Files.writeString(fake, "#!/bin/sh\necho \"$@\" > '" + dir.resolve("runpodctl.args") + "'\nkill -KILL $PPID\n");
      fake.toFile().setExecutable(true);
      Path script = dir.resolve("boot.sh");
      Files.writeString(script, BootScript.script(argv, Duration.ofSeconds(1), cap, Duration.ofSeconds(1),
          "https://api.runpod.io/v2"));
      ProcessBuilder pb = new ProcessBuilder("sh", script.toString()).redirectErrorStream(true);
      pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
      pb.environment().put("FLASH_ATTEMPT_DIR", dir.resolve("attempt").toString());
      pb.environment().put("FLASH_CHECKPOINT_DIR", dir.resolve("checkpoints").toString());
      pb.environment().put("RUNPOD_POD_ID", "pod-under-test");
      process = pb.start();
      reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line = r.readLine(); line != null; line = r.readLine()) {
            out.add(line);
          }
        } catch (IOException ignored) {
          // the process ended
        }
      });
      reader.start();
    }

    List<String> awaitEnd() throws Exception {
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the entry script did not end (or stop its pod): " + out);
      reader.join(10_000);
      return new ArrayList<>(out);
    }

    void awaitLine(String prefix) throws InterruptedException {
      for (int i = 0; i < 600 && out.stream().noneMatch(l -> l.startsWith(prefix)); i++) {
        Thread.sleep(50);
      }
    }

    ConsoleRelay relay() {
      ConsoleRelay relay = new ConsoleRelay();
      List<ConsoleRelay.Event> events = new ArrayList<>();
      for (int i = 0; i < out.size(); i++) {
        events.add(new ConsoleRelay.Event(Instant.EPOCH + "/" + String.format("%012d", i), Instant.EPOCH.toString(),
            out.get(i)));
      }
      relay.ingest(events, Instant.now());
      return relay;
    }
  }

  @Test
  void relaysTheWorkerFilesAndTheExitThenStopsItsOwnPod() throws Exception {
    String work = "d=$FLASH_ATTEMPT_DIR; echo \"it's training\"; "
        + "printf '{\"stage\":\"training\",\"step\":5,\"total_steps\":10,\"at\":\"2026-01-01T00:00:00Z\"}' > $d/heartbeat.json; "
        + "printf '{\"steps\":10,\"metrics\":{\"loss\":0.5},\"at\":\"2026-01-01T00:01:00Z\"}\\n' > $d/done.json; "
        + "printf '{\"status\":\"ok\",\"retriable\":false,\"error\":\"\",\"at\":\"2026-01-01T00:01:00Z\"}' > $d/marker.json; "
        + "test -d \"$FLASH_CHECKPOINT_DIR\"";
    Box box = new Box(List.of("sh", "-c", work), Optional.empty());
    List<String> out = box.awaitEnd();
    assertTrue(out.contains("it's training"), "the workload's own output stays on the console: " + out);
    assertEquals(ConsoleRelay.PREFIX + "start {}", out.get(0));
    ConsoleRelay relay = box.relay();
    assertEquals(Optional.of(new ConsoleRelay.Exit(0, "", false)), relay.exit(), out.toString());
    assertEquals(5, relay.progress().orElseThrow().step());
    assertTrue(relay.marker().orElseThrow().ok());
    assertEquals("{\"steps\":10,\"metrics\":{\"loss\":0.5},\"at\":\"2026-01-01T00:01:00Z\"}", relay.rawJson("done")
        .orElseThrow(), "a relayed file arrives on one line, unchanged");
    assertEquals("stop pod pod-under-test", Files.readString(dir.resolve("runpodctl.args")).strip());
  }

  @Test
  void aFailingWorkloadReportsItsExitCode() throws Exception {
    Box box = new Box(List.of("sh", "-c", "echo failing; exit 3"), Optional.empty());
    box.awaitEnd();
    assertEquals(Optional.of(new ConsoleRelay.Exit(3, "", false)), box.relay().exit(), box.out.toString());
  }

  @Test
  void theWallClockCapStopsTheWorkloadWithoutTheControlProcess() throws Exception {
    Box box = new Box(List.of("sleep", "120"), Optional.of(Duration.ofSeconds(1)));
    List<String> out = box.awaitEnd();
    ConsoleRelay.Exit exit = box.relay().exit().orElseThrow(() -> new AssertionError(out.toString()));
    assertTrue(exit.deadline(), out.toString());
    assertEquals(143, exit.code(), "SIGTERM ended the workload: " + out);
    assertEquals("", exit.signal(), "the pod itself was not stopped");
    assertTrue(Files.exists(dir.resolve("runpodctl.args")), "the pod stops itself after the cap");
    assertTrue(out.stream().noneMatch(l -> l.contains("heartbeat.json")),
        "a worker that has not written a heartbeat yet is not an error on the console: " + out);
  }

  @Test
  void aStopFromOutsideIsForwardedAndNoted() throws Exception {
    Box box = new Box(List.of("sleep", "120"), Optional.empty());
    box.awaitLine(ConsoleRelay.PREFIX + "start");
    Thread.sleep(300); // let the script reach its wait
    box.process.toHandle().destroy(); // SIGTERM to the pod's PID 1, as a pod stop does (keeps the pipes open)
    List<String> out = box.awaitEnd();
    ConsoleRelay.Exit exit = box.relay().exit().orElseThrow(() -> new AssertionError(out.toString()));
    assertEquals("TERM", exit.signal(), out.toString());
    assertFalse(exit.deadline());
  }

  @Test
  void argsCarryTheScriptIntactInsideOneQuotedWord() {
    String script = BootScript.script(List.of("python", "train.py", "--name", "it's"), Duration.ofSeconds(10),
        Optional.of(Duration.ofHours(2)), Duration.ofSeconds(60), "https://api.runpod.io/v2");
    String args = BootScript.args(script);
    assertTrue(args.startsWith("sh -c 'mkdir -p /flash && echo "), args);
    String b64 = args.split(" ")[7];
    assertEquals(script, new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8));
    assertEquals(2, args.chars().filter(c -> c == '\'').count(), "only the one quoted word: " + args);
    assertTrue(script.contains("'python' 'train.py' '--name' 'it'\\''s' &"), script);
    assertTrue(script.contains("sleep 7200; say deadline"), script);
  }
}
