package dev.flash.samples.cli;

import dev.flash.core.RunSpec;
import dev.flash.core.SpecJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine;

/** Reads run specs from files with flash-core's strict JSON reader; checks input files exist. */
final class SpecFiles {
  private SpecFiles() {}

  /** {@code file}, when it is a regular file; a usage error naming {@code what} it should be otherwise. */
  static Path existing(CommandLine cli, Path file, String what) {
    if (!Files.isRegularFile(file)) {
      throw new CommandLine.ParameterException(cli, (Files.isDirectory(file) ? file + " is a directory" : "no file "
          + file) + "; pass " + what);
    }
    return file;
  }

  static RunSpec read(CommandLine cli, Path file) {
    try {
      return SpecJson.readRunSpec(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new CommandLine.ParameterException(cli, "no spec file " + file + "; pass the path of a run spec "
          + "(JSON, see flash-core/README.md), or --example for the bundled trainer");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
