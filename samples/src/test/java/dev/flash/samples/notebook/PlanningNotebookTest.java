package dev.flash.samples.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code samples/notebooks/planning.ipynb}, every code cell in order, through JShell with flash on the
 * class path ({@link NotebookKernel} stands in for the IJava/JJava kernel).
 */
class PlanningNotebookTest {
  static final Path NOTEBOOK = Path.of("notebooks", "planning.ipynb");

  @TempDir
  Path dir;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // a hung cell must fail the build, not stall it
  void everyCellRunsAndShowsThePlanTheCadenceAndTheLaunch() throws Exception {
    List<NotebookKernel.Cell> cells = NotebookKernel.cells(NOTEBOOK);
    List<NotebookKernel.Output> outputs = new ArrayList<>();
    try (NotebookKernel kernel = new NotebookKernel(dir)) {
      for (NotebookKernel.Cell cell : cells) {
        outputs.add(kernel.run(cell));
      }
    }
    String shown = String.join("\n", outputs.stream().flatMap(o -> o.displays().stream()).toList());
    String printed = String.join("\n", outputs.stream().map(NotebookKernel.Output::stdout).toList());

    assertTrue(shown.contains("<table>") && shown.contains("</table>"), "HTML tables: " + shown);
    assertTrue(shown.contains("<td>weights</td>") && shown.contains("<td>total per GPU</td>"), "memory: " + shown);
    for (String model : List.of("qwen2.5-1.5b", "llama-3.1-8b", "qwen2.5-14b")) {
      assertTrue(shown.contains("<td>" + model + "</td>"), "cost table row for " + model + ": " + shown);
    }
    Matcher gpu = Pattern.compile("<td>(l4-24gb|rtx-4090-24gb|a100-80gb-sxm|h100-80gb-sxm)</td>").matcher(shown);
    assertTrue(gpu.find(), "the offer table names a GPU: " + shown);
    assertTrue(Pattern.compile("<td>checkpoint every</td><td>\\d+ steps</td>").matcher(shown).find(), shown);
    assertTrue(printed.contains("SUCCEEDED: 400 steps, loss "), "the launch cell: " + printed);
    assertTrue(shown.contains("<td>done</td>") && shown.contains("400/400"), "the final progress table: " + shown);
    assertTrue(Pattern.compile("<td>local cpu×1 local \\$0\\.00/h</td>").matcher(shown).find(), "ledger: " + shown);
  }

  @Test
  void magicsBecomeClassPathEntriesAndOtherMagicsAreDropped() {
    NotebookKernel.Cell maven = NotebookKernel.translate(0, "%maven dev.flash:flash-cost:0.1.0-SNAPSHOT\nint x = 1;\n",
        dir);
    assertEquals(NotebookKernel.testClassPath(), maven.classPath());
    assertEquals("\nint x = 1;\n\n", maven.java());

    NotebookKernel.Cell jar = NotebookKernel.translate(1, "%classpath ../target/flash.jar", Path.of("notebooks"));
    assertEquals(NotebookKernel.testClassPath(), jar.classPath(), "flash.jar stands for the reactor's classes");

    NotebookKernel.Cell other = NotebookKernel.translate(2, "%time\nString s = \"a\";", dir);
    assertEquals(List.of(), other.classPath());
    assertFalse(other.java().contains("%"), other.java());

    assertTrue(NotebookKernel.translate(3, "%%loadFromPOM\n<dependency/>", dir).skipped());
  }

  @Test
  void artifactsFromElsewhereAndMissingPathsFailTheNotebook() {
    AssertionError foreign = assertThrows(AssertionError.class,
        () -> NotebookKernel.translate(0, "%maven com.acme:lib:1.0", dir));
    assertTrue(foreign.getMessage().contains("com.acme:lib:1.0"), foreign.getMessage());
    AssertionError missing = assertThrows(AssertionError.class,
        () -> NotebookKernel.translate(0, "%jars lib/nope.jar", dir));
    assertTrue(missing.getMessage().contains("nope.jar"), missing.getMessage());
    AssertionError unknownModule = assertThrows(AssertionError.class,
        () -> NotebookKernel.translate(0, "%maven dev.flash:flash-nothing:0.1.0-SNAPSHOT", dir));
    assertTrue(unknownModule.getMessage().contains("not a module"), unknownModule.getMessage());
  }

  @Test
  void aFailingCellNamesTheCellAndTheProblem() {
    try (NotebookKernel kernel = new NotebookKernel(dir)) {
      AssertionError rejected = assertThrows(AssertionError.class,
          () -> kernel.run(NotebookKernel.translate(4, "int x = \"text\";", dir)));
      assertTrue(rejected.getMessage().contains("cell 4") && rejected.getMessage().contains("incompatible types"),
          rejected.getMessage());
      AssertionError thrown = assertThrows(AssertionError.class,
          () -> kernel.run(NotebookKernel.translate(5, "Integer.parseInt(\"nine\");", dir)));
      assertTrue(thrown.getMessage().contains("java.lang.NumberFormatException"), thrown.getMessage());
      AssertionError unresolved = assertThrows(AssertionError.class,
          () -> kernel.run(NotebookKernel.translate(6, "void f() { undefinedThing(); }", dir)));
      assertTrue(unresolved.getMessage().contains("cell 6"), unresolved.getMessage());
      NotebookKernel.Output shown = kernel.run(NotebookKernel.translate(7, "display(\"<b>hi</b>\", \"text/html\");",
          dir));
      assertEquals(List.of("<b>hi</b>"), shown.displays());
    }
  }
}
