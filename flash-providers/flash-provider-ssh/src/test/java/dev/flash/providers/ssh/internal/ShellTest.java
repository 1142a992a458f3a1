package dev.flash.providers.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Quoted words come back unchanged from a real {@code sh}, whatever characters they hold. */
class ShellTest {
  private static final String ALPHABET = "ab Z09'\"\\$`!*?[]{}();&|<>~#%^=,.:-_\t\né✓";

  @Test
  void quotedWordsSurviveTheShell() throws Exception {
    long seed = Long.getLong("flash.seed", System.nanoTime());
    int cases = Math.min(Integer.getInteger("flash.property.cases", 10_000), 10_000);
    Random rnd = new Random(seed);
    List<String> words = new ArrayList<>();
    for (int i = 0; i < cases; i++) {
      StringBuilder w = new StringBuilder();
      int len = rnd.nextInt(12);
      for (int j = 0; j < len; j++) {
        w.appendCodePoint(ALPHABET.codePointAt(ALPHABET.offsetByCodePoints(0, rnd.nextInt(ALPHABET.codePointCount(0,
            ALPHABET.length())))));
      }
      words.add(w.toString());
    }
    // Each sh prints its batch of words NUL-terminated: the words are the script, as on a remote host.
    // Batches keep the one script argument under Linux's 128 KiB limit for a single argument.
    List<String> back = new ArrayList<>();
    for (int from = 0; from < words.size(); from += 500) {
      List<String> batch = words.subList(from, Math.min(words.size(), from + 500));
      String script = "for w in " + Shell.words(batch) + "; do printf '%s\\0' \"$w\"; done";
      back.addAll(split(run(Shell.command("flash-test", script))));
    }
    assertEquals(words.size(), back.size(), "seed " + seed + " (replay with -Dflash.seed=" + seed + ")");
    for (int i = 0; i < words.size(); i++) {
      assertEquals(words.get(i), back.get(i), "word " + i + ", seed " + seed + " (replay with -Dflash.seed=" + seed + ")");
    }
  }

  private static byte[] run(String command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    assertEquals(0, p.waitFor(), out.toString(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  private static List<String> split(byte[] bytes) {
    List<String> words = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        words.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    return words;
  }
}
