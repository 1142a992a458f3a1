package dev.flash.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flash.providers.AttemptRef;
import dev.flash.providers.RunArtifacts;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The root README's "Quick start in Java", kept true: the block is cut out of README.md as it
 * stands, compiled with {@code --release 17} against flash's modules, and run as a program in its
 * own JVM (a real local run: child process, journal, teardown).
 */
class QuickStartReadmeTest {
  private static final Path README = Path.of("..", "README.md");

  @TempDir
  Path dir;

  @Test
  void theQuickStartCompilesAndRunsToSuccess() throws Exception {
    Path source = dir.resolve("src").resolve("QuickStart.java");
    Files.createDirectories(source.getParent());
    Files.writeString(source, quickStartBlock());
    Path classes = Files.createDirectories(dir.resolve("classes"));
    String classPath = System.getProperty("java.class.path");

    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int compiled = javac.run(null, null, null, "--release", "17", "-Xlint:all", "-Werror",
        "-proc:none", "-cp", classPath, "-d", classes.toString(), source.toString());
    assertEquals(0, compiled, "the README's Java quick start does not compile (javac output above)");

    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path out = dir.resolve("out.txt");
    Process p = new ProcessBuilder(java.toString(), "-cp", classes + File.pathSeparator + classPath,
        "QuickStart", dir.resolve("run").toString())
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the quick start did not finish within 120 s");
    String output = Files.readString(out);
    assertEquals(0, p.exitValue(), output);

    assertTrue(output.contains("need/GPU"), "the plan's table comes first:\n" + output);
    assertTrue(output.lines().anyMatch(l -> l.startsWith("SUCCEEDED: ") && l.contains(", cost $0.00")), output);
    String console = RunArtifacts.directory(dir.resolve("run").resolve("artifacts"))
        .consoleTail(new AttemptRef("quick-start", 0, 1), 1000);
    assertEquals("training quick-start\n", console);
  }

  /** The only ```java block of the "Quick start in Java" section. */
  static String quickStartBlock() throws IOException {
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    int section = readme.indexOf("## Quick start in Java");
    assertTrue(section >= 0, "README.md has no '## Quick start in Java' section");
    Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertTrue(m.find(section), "the quick-start section has no ```java block");
    return m.group(1);
  }
}
