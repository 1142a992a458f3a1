package dev.flash.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flash recover} after a {@code flash launch} killed with SIGKILL: real child JVMs, real local runs. */
class RecoverCommandTest {
  @TempDir
  Path state;

  @Test
  void aRunWhoseLaunchWasKilledIsSupervisedToItsEndByRecover() throws Exception {
    Path out = state.resolve("launch.out");
    Process launch = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), FlashCli.class.getName(),
        "launch", "--example", "--steps", "3000", "--plain", "--state-dir", state.toString())
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.readString(out).contains("step ") && System.nanoTime() < deadline && launch.isAlive()) {
        Thread.sleep(100);
      }
      assertTrue(Files.readString(out).contains("step "), "the launch never reported progress:\n" + Files.readString(out));
    } finally {
      launch.destroyForcibly(); // SIGKILL: no shutdown hook, no teardown, the journal says the run is live
    }
    assertTrue(launch.waitFor(30, TimeUnit.SECONDS));
    assertEquals(137, launch.exitValue(), "killed by SIGKILL");
    FlashCliTest.Result before = FlashCliTest.run("status", "--state-dir", state.toString());
    assertTrue(!before.out().contains("SUCCEEDED"), "the killed launch did not finish: " + before.out());

    FlashCliTest.Result r = FlashCliTest.run("recover", "--state-dir", state.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().startsWith("recovering 1 unfinished run from the journal "), r.out());
    assertTrue(r.out().contains("SUCCEEDED in "), r.out());
    assertTrue(r.out().contains("3000/3000 steps"), r.out());

    FlashCliTest.Result after = FlashCliTest.run("status", "--state-dir", state.toString());
    assertTrue(after.out().contains("SUCCEEDED"), after.out());
    FlashCliTest.Result again = FlashCliTest.run("recover", "--json", "--state-dir", state.toString());
    assertEquals(0, again.code(), again.err());
    assertEquals("[ ]", again.out().strip());
    assertTrue(again.err().contains("nothing to recover"), again.err());
    FlashCliTest.Result sweep = FlashCliTest.run("sweep", "--state-dir", state.toString());
    assertTrue(sweep.out().contains("local: reaped 0"), "recover left nothing to reap: " + sweep.out());
  }
}
