package dev.flash.providers.local;

import dev.flash.core.ProviderException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Docker command-line client as the local provider drives it: each call runs the client as a
 * child process whose environment holds only what the client itself reads (PATH, HOME, DOCKER_HOST
 * and the like) plus the variables the caller hands over, so values given that way never appear on
 * a command line.
 */
final class DockerCli {
  /** Variables the client reads besides {@code DOCKER_*}; nothing else of this JVM's environment reaches it. */
  private static final List<String> CLIENT_ENV = List.of("PATH", "HOME", "USER", "TMPDIR", "XDG_RUNTIME_DIR",
      "XDG_CONFIG_HOME");

  /** What one finished call printed. */
  record Result(int exitCode, String out, String err) {
    boolean ok() {
      return exitCode == 0;
    }

    /** The client's first line of complaint, for messages. */
    String problem() {
      String text = err.isBlank() ? out : err;
      return text.strip().lines().findFirst().orElse("exit code " + exitCode);
    }
  }

  private final String executable;
  private final Map<String, String> hostEnv;

  DockerCli(String executable, Map<String, String> hostEnv) {
    this.executable = executable;
    this.hostEnv = Map.copyOf(hostEnv);
  }

  String executable() {
    return executable;
  }

  /** Whether the client reads this variable itself, so a workload's value for it cannot travel by name. */
  static boolean readByClient(String name) {
    return name.startsWith("DOCKER_") || CLIENT_ENV.contains(name);
  }

  /** Starts the client without waiting for it. {@code vars} are added to the client's environment. */
  Process start(List<String> args, Map<String, String> vars, ProcessBuilder.Redirect out, ProcessBuilder.Redirect err)
      throws IOException {
    List<String> argv = new ArrayList<>(args.size() + 1);
    argv.add(executable);
    argv.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(out).redirectError(err);
    Map<String, String> env = pb.environment();
    env.clear();
    hostEnv.forEach((k, v) -> {
      if (readByClient(k)) {
        env.put(k, v);
      }
    });
    env.putAll(vars);
    return pb.start();
  }

  /**
   * Runs the client to its end. Output goes through temporary files, so a client that prints a lot
   * or leaves a child holding its output cannot block the wait.
   *
   * @throws ProviderException (retryable) when the client cannot be started or does not answer in time
   */
  Result call(Duration timeout, List<String> args) {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("flash-docker", ".out");
      err = Files.createTempFile("flash-docker", ".err");
      Process p = start(args, Map.of(), ProcessBuilder.Redirect.to(out.toFile()), ProcessBuilder.Redirect.to(err.toFile()));
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new ProviderException(LocalProvider.ID, "`" + executable + " " + args.get(0) + "` did not answer within "
            + timeout + "; is the Docker engine overloaded or stuck?", true, null);
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ProviderException(LocalProvider.ID, "cannot run `" + executable + " " + args.get(0) + "`: "
          + e.getMessage(), true, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProviderException(LocalProvider.ID, "interrupted while running `" + executable + " " + args.get(0) + "`",
          true, e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  /**
   * Why the Docker engine cannot be used, or empty when it answers. The client alone is not enough:
   * {@code docker version} must reach the engine ({@code .Server.Version}) within {@code timeout}.
   */
  Optional<String> engineProblem(Duration timeout) {
    Result r;
    try {
      r = call(timeout, List.of("version", "--format", "{{.Server.Version}}"));
    } catch (ProviderException e) {
      return Optional.of(e.getMessage());
    }
    if (r.ok() && !r.out().isBlank()) {
      return Optional.empty();
    }
    return Optional.of("`" + executable + " version` says: " + r.problem());
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a leftover temporary file holds only the client's output
      }
    }
  }
}
