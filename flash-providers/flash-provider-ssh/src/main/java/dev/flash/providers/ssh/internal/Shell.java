package dev.flash.providers.ssh.internal;

import java.util.List;
import java.util.stream.Collectors;

/** POSIX shell quoting. */
public final class Shell {
  private Shell() {}

  /** {@code s} as one single-quoted word: {@code it's} → {@code 'it'\''s'}. */
  public static String quote(String s) {
    if (s.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a shell word cannot hold a NUL character");
    }
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /** Each word quoted, separated by spaces. */
  public static String words(List<String> words) {
    return words.stream().map(Shell::quote).collect(Collectors.joining(" "));
  }

  /**
   * The ssh command that runs {@code script} with {@code sh}: the login shell only starts
   * {@code sh -c '<script>' <name>}, so the script is POSIX sh whatever the login shell is, and
   * {@code name} ({@code flash-launch}, {@code flash-poll} …) is what {@code ps} shows for it.
   */
  public static String command(String name, String script) {
    return "exec sh -c " + quote(script) + " " + name;
  }
}
