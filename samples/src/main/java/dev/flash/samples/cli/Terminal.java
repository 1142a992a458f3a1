package dev.flash.samples.cli;

import java.io.Console;
import java.lang.reflect.Method;
import java.util.Optional;

/**
 * Whether the CLI's output is an interactive terminal that understands ANSI cursor controls (so a
 * progress line can be redrawn in place), and how wide it is. Anything else (a pipe, a file, CI logs,
 * {@code TERM=dumb}, {@code --plain}) gets plain lines.
 */
final class Terminal {
  static final int DEFAULT_WIDTH = 80;

  private Terminal() {}

  /** This process's answer. */
  static boolean interactive(boolean plainRequested) {
    Console console = System.console();
    return interactive(plainRequested, Optional.ofNullable(System.getenv("TERM")), console != null,
        console == null ? Optional.empty() : isTerminal(console));
  }

  /**
   * The decision itself. Before JDK 22 {@code System.console()} is null unless standard input and
   * output are both a terminal; from JDK 22 it is there even when output is redirected, and
   * {@code Console.isTerminal()} (22+) tells the two apart.
   */
  static boolean interactive(boolean plainRequested, Optional<String> term, boolean consolePresent,
      Optional<Boolean> consoleIsTerminal) {
    if (plainRequested || !consolePresent || consoleIsTerminal.equals(Optional.of(false))) {
      return false;
    }
    return term.filter(t -> !t.isBlank() && !t.equals("dumb")).isPresent();
  }

  /**
   * The terminal's width: {@code COLUMNS} when the shell exports it, else what {@code stty size} says
   * about the controlling terminal, else 80.
   */
  static int width() {
    return columns(System.getenv("COLUMNS")).or(Terminal::sttyColumns).orElse(DEFAULT_WIDTH);
  }

  static Optional<Integer> columns(String text) {
    try {
      int columns = Integer.parseInt(Optional.ofNullable(text).orElse("").trim());
      return columns >= 20 ? Optional.of(columns) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** {@code stty size < /dev/tty} prints "ROWS COLUMNS"; nothing when there is no terminal or no stty. */
  private static Optional<Integer> sttyColumns() {
    try {
      Process p = new ProcessBuilder("sh", "-c", "stty size < /dev/tty").redirectErrorStream(true).start();
      String answer = new String(p.getInputStream().readNBytes(64), java.nio.charset.StandardCharsets.US_ASCII);
      if (!p.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.empty();
      }
      String[] words = answer.trim().split("\\s+");
      return p.exitValue() == 0 && words.length == 2 ? columns(words[1]) : Optional.empty();
    } catch (java.io.IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** {@code Console.isTerminal()} on JDK 22+, by reflection: flash is compiled for Java 17. */
  private static Optional<Boolean> isTerminal(Console console) {
    try {
      Method m = Console.class.getMethod("isTerminal");
      return Optional.of((Boolean) m.invoke(console));
    } catch (NoSuchMethodException e) {
      return Optional.empty();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return Optional.of(false);
    }
  }
}
