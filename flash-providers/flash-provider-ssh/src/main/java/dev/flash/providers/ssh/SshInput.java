package dev.flash.providers.ssh;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A local file every attempt needs on its host (a training script, a tokenizer, a small data set). It
 * is copied once per host into {@code <root>/inputs/<name>} (the workload finds it through
 * {@code FLASH_INPUTS_DIR}), checked by size and sha256, resumed from where an interrupted copy
 * stopped, and skipped when the host already has it.
 *
 * @param source the local file
 * @param name its file name on the host: letters, digits, '.', '_' and '-', not starting with '.'
 */
public record SshInput(Path source, String name) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");

  public SshInput {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("input name '" + name + "' must be 1-128 letters, digits, '.', '_' or '-' "
          + "and not start with '.'");
    }
  }

  /** The file under its own file name. */
  public static SshInput of(Path source) {
    return new SshInput(source, source.getFileName().toString());
  }
}
