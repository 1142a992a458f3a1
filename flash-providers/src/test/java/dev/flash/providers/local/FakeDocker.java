package dev.flash.providers.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The fake Docker client ({@code fake-docker.sh}) in a directory of its own: it records every
 * command line it is given and runs each "container" as a real child process. Switches are files
 * the script looks for.
 */
final class FakeDocker implements AutoCloseable {
  private final Path state;
  private final Path executable;

  private FakeDocker(Path dir) {
    this.state = dir.resolve("state");
    this.executable = dir.resolve("docker");
    try (InputStream in = FakeDocker.class.getResourceAsStream("fake-docker.sh")) {
      String script = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("@STATE@", state.toString());
      Files.createDirectories(state.resolve("containers"));
      Files.writeString(executable, script);
      Files.setPosixFilePermissions(executable, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fake client in {@code dir} (a directory of the test's own). */
  static FakeDocker in(Path dir) {
    return new FakeDocker(dir);
  }

  String executable() {
    return executable.toString();
  }

  /**
   * Every command line the client was given, in order, without the executable; once the provider's
   * background {@code docker run}s have finished, so a launch just returned is in the list.
   */
  List<List<String>> calls() {
    awaitRuns();
    Path f = state.resolve("calls");
    if (!Files.exists(f)) {
      return List.of();
    }
    try {
      List<List<String>> calls = new ArrayList<>();
      for (String line : Files.readAllLines(f)) {
        calls.add(Arrays.asList(line.split("\u001f")));
      }
      return calls;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The command lines of one verb ({@code run}, {@code stop}, …). */
  List<List<String>> calls(String verb) {
    return calls().stream().filter(c -> c.get(0).equals(verb)).toList();
  }

  /** The command line that created {@code name}. */
  List<String> runOf(String name) {
    return calls("run").stream().filter(c -> c.get(c.indexOf("--name") + 1).equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no docker run for " + name + " in " + calls()));
  }

  /** Containers that exist (created, running or exited, not removed). */
  List<String> containers() {
    try (Stream<Path> s = Files.list(state.resolve("containers"))) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The container's working directory (its image's WORKDIR, as it were). */
  Path root(String name) {
    return state.resolve("containers").resolve(name).resolve("root");
  }

  /** The engine stops answering: every command fails as the real client does without a daemon. */
  void engineDown(boolean down) {
    flag("engine-down", down, "");
  }

  /** While held, {@code docker run} waits as if it were pulling the image. */
  void holdPulls(boolean hold) {
    flag("hold-pull", hold, "");
  }

  /** {@code docker run} fails with exit 125 and this message before creating anything. */
  void failRuns(Optional<String> message) {
    flag("run-fails", message.isPresent(), message.orElse(""));
  }

  /**
   * Waits until no {@code docker run} started by this JVM is still running (the provider starts them
   * in the background), so what the fake holds can be counted.
   */
  void awaitRuns() {
    for (int i = 0; i < 1000 && ProcessHandle.current().children().anyMatch(this::isRun); i++) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Removes a container behind the provider's back, as {@code docker rm -f} from a shell would. */
  void removeBehindTheBack(String name) {
    Path d = state.resolve("containers").resolve(name);
    try {
      Path pid = d.resolve("pid");
      if (Files.exists(pid)) {
        ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).ifPresent(ProcessHandle::destroyForcibly);
      }
      try (Stream<Path> walk = Files.walk(d)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Ends every container process still running. */
  @Override
  public void close() {
    for (String name : containers()) {
      try {
        Path pid = state.resolve("containers").resolve(name).resolve("pid");
        if (Files.exists(pid)) {
          ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).ifPresent(ProcessHandle::destroyForcibly);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private boolean isRun(ProcessHandle p) {
    String[] args = p.info().arguments().orElse(new String[0]);
    return args.length > 1 && args[0].equals(executable.toString()) && args[1].equals("run");
  }

  private void flag(String file, boolean on, String content) {
    try {
      if (on) {
        Files.writeString(state.resolve(file), content);
      } else {
        Files.deleteIfExists(state.resolve(file));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
