package dev.flash.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python example of docs/CHECKPOINTS.md, run as written: Python commits, the JVM verifies, and
 * the other way round. Skipped where no python3 is installed.
 */
class PythonInteropTest {
  static final Path DOC = Path.of("..", "docs", "CHECKPOINTS.md");

  @TempDir
  Path tmp;

  static String example() throws IOException {
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    String block = doc.substring(doc.indexOf("<!-- python-example:start -->"), doc.indexOf("<!-- python-example:end -->"));
    return block.substring(block.indexOf("```python") + "```python".length(), block.lastIndexOf("```"));
  }

  static boolean hasPython() {
    try {
      Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
      return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  String python(String driver) throws Exception {
    Path script = tmp.resolve("driver.py");
    Files.writeString(script, example() + "\n\nimport sys\n" + driver + "\n", StandardCharsets.UTF_8);
    Process p = new ProcessBuilder("python3", script.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    return out.trim();
  }

  @Test
  void pythonWritesWhatTheJvmVerifies() throws Exception {
    assumeTrue(hasPython(), "python3 is not installed");
    Path d = tmp.resolve("ckpt");
    python("commit_file(" + q(d) + ", 1, bytes(range(256)) * 4000)");
    Checkpoint one = CheckpointStore.inspect(d).latest().orElseThrow();
    assertEquals(1, one.step());
    assertEquals(CheckpointKind.FILE, one.kind());
    assertEquals(1_024_000, one.size());

    python("commit_directory(" + q(d) + ", 2, {'model/weights.bin': b'w' * 100000, 'optimizer.pt': b'o' * 777, "
        + "'a': b''})");
    VerifyResult r = CheckpointStore.inspect(d);
    assertEquals(List.of(), r.skipped());
    Checkpoint two = r.latest().orElseThrow();
    assertEquals(2, two.step());
    assertEquals(List.of("a", "model/weights.bin", "optimizer.pt"),
        two.files().stream().map(CheckpointFile::path).collect(Collectors.toList()));
    assertEquals("my-trainer", two.producer());

    try (CheckpointStore store = CheckpointStore.open(d)) {
      assertEquals(List.of(), store.cleanedAtOpen());
      assertEquals(2, store.latestVerified().latest().orElseThrow().step());
    }
  }

  @Test
  void jvmWritesWhatPythonVerifiesAndPythonWalksBackPastDamage() throws Exception {
    assumeTrue(hasPython(), "python3 is not installed");
    Path d = tmp.resolve("ckpt");
    Checkpoint dir;
    try (CheckpointStore store = CheckpointStore.open(d)) {
      store.commit(2, new byte[300_000]);
      // The second single-file commit writes its manifest over 4 KiB of spaces made ahead.
      store.commit(3, new byte[300_000]);
      dir = store.commitFiles(4, out -> {
        out.file("shards/0.pt").write(new byte[70_000]);
        out.file("shards/1.pt").write(new byte[5]);
      });
    }
    assertEquals("4 True", python("s, p = latest_verified(" + q(d) + "); print(s, os.path.isdir(p))"));
    Files.write(dir.payload().resolve("shards/1.pt"), new byte[6]);
    List<String> lines = new ArrayList<>(List.of(python("s, p = latest_verified(" + q(d) + "); print(s)").split("\n")));
    assertEquals("3", lines.get(lines.size() - 1));
    assertTrue(lines.get(0).contains("skipping corrupt checkpoint step-000000000004.manifest.json"), lines.toString());
  }

  private static String q(Path p) {
    return "'" + p.toAbsolutePath().toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
