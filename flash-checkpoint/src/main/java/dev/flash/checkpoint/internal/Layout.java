package dev.flash.checkpoint.internal;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names inside a checkpoint directory (docs/CHECKPOINTS.md is the specification):
 * <pre>
 *   step-000000000042.manifest.json   commit record of step 42
 *   step-000000000042-1f0c9a2e.bin    its payload file (or a directory without the suffix)
 *   .flash-tmp-*                      work in progress; removed when a store opens
 *   .flash-tmp-next-*                 of which: temp files made ahead for the next commit
 *   .flash-lock                       held by the one writer
 * </pre>
 * Payload names carry a random id so a re-commit of the same step never overwrites the payload the
 * current manifest points to.
 */
public final class Layout {
  public static final String FORMAT = "flash-checkpoint/1";
  public static final String TEMP_PREFIX = ".flash-tmp-";
  public static final String LOCK_NAME = ".flash-lock";
  public static final String FILE_SUFFIX = ".bin";
  public static final String MANIFEST_SUFFIX = ".manifest.json";

  private static final Pattern MANIFEST = Pattern.compile("step-(\\d{1,18})\\.manifest\\.json");
  private static final Pattern PAYLOAD = Pattern.compile("step-(\\d{1,18})-[A-Za-z0-9]+(\\.[A-Za-z0-9]+)?");
  private static final SecureRandom RANDOM = new SecureRandom();

  private Layout() {}

  public static String manifestName(long step) {
    return "step-" + padded(step) + MANIFEST_SUFFIX;
  }

  public static String payloadName(long step, String id, boolean file) {
    return "step-" + padded(step) + "-" + id + (file ? FILE_SUFFIX : "");
  }

  /** The step with at least 12 digits; String.format costs more than the rest of a small commit's bookkeeping. */
  private static String padded(long step) {
    String digits = Long.toString(step);
    return digits.length() >= 12 ? digits : "0".repeat(12 - digits.length()) + digits;
  }

  public static String newId() {
    byte[] b = new byte[4];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  public static String tempName(String id, String suffix) {
    return TEMP_PREFIX + id + suffix;
  }

  /** The name of a temp file made ahead of the commit that will use it. */
  public static String aheadName(String id, String suffix) {
    return TEMP_PREFIX + "next-" + id + suffix;
  }

  public static boolean isTemp(Path p) {
    return p.getFileName().toString().startsWith(TEMP_PREFIX);
  }

  /** The step of a manifest file name, or empty when the name is not a manifest's. */
  public static OptionalLong manifestStep(Path p) {
    return step(MANIFEST, p.getFileName().toString());
  }

  /** The step of a payload name, or empty when the name is not a payload's. */
  public static OptionalLong payloadStep(String name) {
    return step(PAYLOAD, name);
  }

  private static OptionalLong step(Pattern pattern, String name) {
    Matcher m = pattern.matcher(name);
    return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
  }
}
