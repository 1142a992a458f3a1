package dev.flash.samples.notebook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;

/**
 * Runs a Jupyter notebook's code cells the way the IJava/JJava kernels do, on {@code jdk.jshell}
 * (the engine those kernels are built on), so CI can execute a notebook without the kernel jars.
 *
 * <p>What stands in for the kernel:
 * <ul>
 *   <li>{@code %classpath PATH...} and {@code %jars PATH...}: each path, relative to the notebook's
 *       directory, is added to the JShell class path. {@code flash.jar} (the CLI jar that
 *       {@code mvn package} builds after the tests ran) stands for the classes it is shaded from: this
 *       test's class path, which the reactor build fills with flash's modules and their dependencies.</li>
 *   <li>{@code %maven GROUP:ARTIFACT:VERSION}: an artifact of this build ({@code dev.flash:*}, checked to
 *       be on this test's class path) adds this test's class path, as the kernel would add the
 *       artifact and its dependencies; anything else fails (CI downloads nothing).</li>
 *   <li>Any other {@code %magic} line is removed; a cell starting with a {@code %%cell} magic is skipped
 *       (its body is the magic's input, not Java).</li>
 *   <li>{@code display(value, mimeTypes...)} and {@code updateDisplay(id, value, mimeTypes...)}: the
 *       kernel's display functions, defined in a preamble; they print the published value between
 *       markers so a test can read what a cell showed.</li>
 * </ul>
 * Each cell is split into snippets with JShell's own source analysis and evaluated in order; a
 * snippet that is rejected, left with unresolved references, or throws fails the cell with its
 * diagnostics or exception.
 */
final class NotebookKernel implements AutoCloseable {
  static final String DISPLAY_START = "<<display ";
  static final String DISPLAY_END = "<<end display>>";
  private static final Pattern MAVEN = Pattern.compile("([\\w.-]+):([\\w.-]+):([\\w.-]+)");
  private static final String PREAMBLE = """
      String display(Object value, String... mimeTypes) {
          String id = java.util.UUID.randomUUID().toString();
          System.out.println("<<display " + id + " " + String.join(",", mimeTypes) + ">>");
          System.out.println(value);
          System.out.println("<<end display>>");
          return id;
      }
      void updateDisplay(String id, Object value, String... mimeTypes) {
          System.out.println("<<display " + id + " " + String.join(",", mimeTypes) + ">>");
          System.out.println(value);
          System.out.println("<<end display>>");
      }
      """;

  /** One code cell, after magic translation. */
  record Cell(int index, String java, List<String> classPath, boolean skipped) {}

  /** What a cell printed, and the values it displayed (in order, updates included). */
  record Output(int cell, String stdout, List<String> displays) {}

  private final JShell shell;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final Set<String> added = new LinkedHashSet<>();

  /** A fresh kernel whose execution JVM keeps its temporary files (the notebook's state) in {@code tmp}. */
  NotebookKernel(Path tmp) {
    PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
    this.shell = JShell.builder().out(print).err(print).remoteVMOptions("-Djava.io.tmpdir=" + tmp).build();
    run(-1, PREAMBLE);
  }

  /** The code cells of {@code notebook}, in order, with their magics translated. */
  static List<Cell> cells(Path notebook) throws IOException {
    JsonNode nb = new ObjectMapper().readTree(Files.readString(notebook, StandardCharsets.UTF_8));
    List<Cell> cells = new ArrayList<>();
    int index = 0;
    for (JsonNode cell : nb.path("cells")) {
      if (cell.path("cell_type").asText().equals("code")) {
        StringBuilder source = new StringBuilder();
        JsonNode s = cell.path("source");
        if (s.isArray()) {
          s.forEach(line -> source.append(line.asText()));
        } else {
          source.append(s.asText());
        }
        cells.add(translate(index, source.toString(), notebook.toAbsolutePath().getParent()));
      }
      index++;
    }
    return cells;
  }

  /** One cell's magics as class-path entries, and the Java left to evaluate. */
  static Cell translate(int index, String source, Path notebookDir) {
    if (source.stripLeading().startsWith("%%")) {
      return new Cell(index, "", List.of(), true);
    }
    List<String> classPath = new ArrayList<>();
    StringBuilder java = new StringBuilder();
    for (String line : source.split("\n", -1)) {
      String t = line.strip();
      if (!t.startsWith("%")) {
        java.append(line).append('\n');
        continue;
      }
      String[] words = t.substring(1).split("\\s+");
      List<String> args = List.of(words).subList(1, words.length);
      switch (words[0]) {
        case "classpath", "jars" -> args.forEach(a -> classPath.addAll(localEntry(a, notebookDir)));
        case "maven", "addMavenDependency", "addMavenDependencies" -> args.forEach(a -> classPath.addAll(maven(a)));
        default -> { } // other line magics have no meaning without the kernel
      }
      java.append('\n'); // keep line numbers of the diagnostics aligned with the cell
    }
    return new Cell(index, java.toString(), classPath, false);
  }

  private static List<String> localEntry(String path, Path notebookDir) {
    Path p = notebookDir.resolve(path).normalize();
    if (p.getFileName() != null && p.getFileName().toString().equals("flash.jar")) {
      return testClassPath();
    }
    if (!Files.exists(p)) {
      throw new AssertionError("the notebook adds " + path + " to its class path, and " + p + " does not exist");
    }
    return List.of(p.toString());
  }

  private static List<String> maven(String coordinates) {
    Matcher m = MAVEN.matcher(coordinates);
    if (!m.matches() || !m.group(1).equals("dev.flash")) {
      throw new AssertionError("the notebook asks for " + coordinates + "; CI resolves only this build's artifacts "
          + "(dev.flash:ARTIFACT:VERSION)");
    }
    String artifact = m.group(2);
    List<String> cp = testClassPath();
    boolean present = cp.stream().anyMatch(e -> e.contains(File.separator + artifact + File.separator + "target")
        || Path.of(e).getFileName().toString().startsWith(artifact + "-"));
    if (!present) {
      throw new AssertionError("the notebook asks for " + coordinates + ", which is not a module on this build's "
          + "class path");
    }
    return cp;
  }

  /** This test's class path without its test-only classes. */
  static List<String> testClassPath() {
    return List.of(System.getProperty("java.class.path").split(File.pathSeparator)).stream()
        .filter(e -> !e.isBlank() && !e.endsWith("test-classes"))
        .map(e -> Path.of(e).toAbsolutePath().normalize().toString())
        .collect(Collectors.toList());
  }

  /** Evaluates {@code cell}; throws {@link AssertionError} naming the cell and the snippet that failed. */
  Output run(Cell cell) {
    for (String entry : cell.classPath()) {
      if (added.add(entry)) {
        shell.addToClasspath(entry);
      }
    }
    return cell.skipped() ? new Output(cell.index(), "", List.of()) : run(cell.index(), cell.java());
  }

  private Output run(int index, String java) {
    out.reset();
    SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
    String remaining = java;
    while (!remaining.isBlank()) {
      SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
      if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) {
        break; // only comments left
      }
      if (!info.completeness().isComplete()) {
        throw new AssertionError("cell " + index + " ends with an incomplete snippet (" + info.completeness() + "):\n"
            + remaining.strip());
      }
      for (SnippetEvent e : shell.eval(info.source())) {
        check(index, e);
      }
      remaining = info.remaining();
    }
    String printed = out.toString(StandardCharsets.UTF_8);
    return new Output(index, printed, displays(printed));
  }

  private void check(int index, SnippetEvent e) {
    Snippet s = e.snippet();
    if (e.causeSnippet() != null) {
      return; // an update of a dependent snippet, not what this cell evaluated
    }
    String where = "cell " + index + ", snippet:\n" + s.source().strip() + "\n";
    switch (e.status()) {
      case REJECTED -> throw new AssertionError(where + "was rejected:\n" + diagnostics(s));
      case RECOVERABLE_DEFINED, RECOVERABLE_NOT_DEFINED -> throw new AssertionError(where + "refers to what is not "
          + "defined: " + (s instanceof DeclarationSnippet d ? shell.unresolvedDependencies(d).toList() : List.of())
          + "\n" + diagnostics(s));
      default -> { }
    }
    JShellException thrown = e.exception();
    if (thrown != null) {
      String type = thrown instanceof EvalException ee ? ee.getExceptionClassName() : thrown.getClass().getName();
      AssertionError failure = new AssertionError(where + "threw " + type + ": " + thrown.getMessage()
          + "\noutput so far:\n" + out.toString(StandardCharsets.UTF_8));
      failure.initCause(thrown);
      throw failure;
    }
  }

  private String diagnostics(Snippet s) {
    return shell.diagnostics(s).map(d -> "  " + d.getMessage(null)).collect(Collectors.joining("\n"));
  }

  private static List<String> displays(String printed) {
    List<String> shown = new ArrayList<>();
    int from = 0;
    while (true) {
      int start = printed.indexOf(DISPLAY_START, from);
      if (start < 0) {
        return shown;
      }
      int body = printed.indexOf('\n', start) + 1;
      int end = printed.indexOf(DISPLAY_END, body);
      shown.add(printed.substring(body, end).strip());
      from = end + DISPLAY_END.length();
    }
  }

  @Override
  public void close() {
    shell.close();
  }
}
