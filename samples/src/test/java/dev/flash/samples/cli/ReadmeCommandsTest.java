package dev.flash.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every {@code java -jar samples/target/flash.jar ...} command the samples' READMEs show parses with
 * the CLI as it is (commands, options, required values, durations), so the instructions a user copies
 * do not rot. Placeholders in brackets ({@code [--json]}, {@code <run id>}) are skipped, and so are
 * commands shown with the error they produce.
 */
class ReadmeCommandsTest {
  static final String JAR = "java -jar samples/target/flash.jar";
  static final List<Path> READMES = List.of(Path.of("..", "README.md"), Path.of("README.md"),
      Path.of("scheduler", "README.md"), Path.of("notebooks", "README.md"));

  @Test
  void everyCommandInTheReadmesParses() throws IOException {
    List<String> failures = new ArrayList<>();
    int checked = 0;
    for (Path readme : READMES) {
      List<String> lines = Files.readAllLines(readme);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        int at = line.indexOf(JAR);
        if (at < 0) {
          continue;
        }
        StringBuilder command = new StringBuilder(line.substring(at + JAR.length()));
        while (command.toString().stripTrailing().endsWith("\\") && i + 1 < lines.size()) {
          command.setLength(command.toString().stripTrailing().length() - 1);
          command.append(' ').append(lines.get(++i).strip());
        }
        boolean showsAnError = i + 1 < lines.size() && lines.get(i + 1).startsWith("error:");
        String text = shellWords(command.toString());
        if (showsAnError || text.contains("[") || text.contains("<")) {
          continue;
        }
        String[] args = text.isBlank() ? new String[0] : text.trim().split("\\s+");
        try {
          FlashCli.commandLine().parseArgs(args);
          checked++;
        } catch (CommandLine.ParameterException e) {
          failures.add(readme + ":" + (i + 1) + ": flash " + text.trim() + "\n    " + e.getMessage());
        }
      }
    }
    assertEquals(List.of(), failures);
    assertTrue(checked >= 30, "found only " + checked + " commands; did the READMEs move?");
  }

  @Test
  void shellNoiseIsNotPartOfTheCommand() {
    assertEquals(" ledger --json", shellWords(" ledger --json | jq .total   # totals"));
    assertEquals(" completion", shellWords(" completion)     # bash"));
    assertEquals(" launch --example --steps 600", shellWords(" launch --example --steps 600 > /dev/null"));
    assertEquals(" scheduler serve --db x", shellWords(" scheduler serve --db x &"));
  }

  /** The CLI's words of a shell line: without a trailing comment, pipe, redirection, ')' or '&'. */
  static String shellWords(String s) {
    String out = s;
    for (String cut : new String[] {" #", " |", " >", ")", " 2>"}) {
      int at = out.indexOf(cut);
      if (at >= 0) {
        out = out.substring(0, at);
      }
    }
    out = out.stripTrailing();
    return out.endsWith("&") ? out.substring(0, out.length() - 1).stripTrailing() : out;
  }
}
