package dev.flash.samples.cli;

import dev.flash.checkpoint.Checkpoint;
import dev.flash.checkpoint.CheckpointProbe;
import dev.flash.checkpoint.CheckpointStore;
import dev.flash.checkpoint.ProbeResult;
import dev.flash.checkpoint.SkippedCheckpoint;
import dev.flash.checkpoint.VerifyResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flash checkpoint write|verify|probe}: the crash-safe checkpoint store from the shell. */
@Command(name = "checkpoint", mixinStandardHelpOptions = true,
    description = "Write, verify and probe crash-safe checkpoint directories.",
    subcommands = {CheckpointCommand.Write.class, CheckpointCommand.Verify.class, CheckpointCommand.Probe.class})
final class CheckpointCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: write, verify or probe");
  }

  static void print(CommandLine cli, Map<String, Object> out) {
    CliJson.print(cli.getOut(), out);
  }

  static Path existingDirectory(CommandLine cli, Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new CommandLine.ParameterException(cli, "--dir " + dir + " is not a directory; pass the directory "
          + "the checkpoints were written to (e.g. by `flash checkpoint write --dir " + dir + "`)");
    }
    return dir;
  }

  @Command(name = "write", mixinStandardHelpOptions = true,
      description = "Commit a checkpoint of SIZE pseudo-random bytes, deterministic in --seed and --step.")
  static final class Write implements java.util.concurrent.Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", required = true, description = "Checkpoint directory (created if missing)")
    Path dir;

    @Option(names = "--step", required = true, description = "Step number (0 or more)")
    long step;

    @Option(names = "--bytes", required = true, converter = CliUnits.SizeConverter.class,
        description = "Payload size, e.g. 4096, 64MiB, 1GiB")
    long bytes;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the payload bytes (default 0)")
    long seed;

    @Option(names = "--json", description = "Print JSON")
    boolean json;

    @Override
    public Integer call() {
      CommandLine cli = spec.commandLine();
      if (step < 0) {
        throw new CommandLine.ParameterException(cli, "--step must be 0 or more, got " + step);
      }
      Checkpoint c;
      long took;
      try (CheckpointStore store = CheckpointStore.builder(dir).producer("flash-cli").open()) {
        c = store.commit(step, out -> {
          SplittableRandom random = new SplittableRandom(seed ^ (step * 0x9E3779B97F4A7C15L));
          byte[] chunk = new byte[(int) Math.min(bytes, 1 << 20)];
          for (long left = bytes; left > 0; left -= chunk.length) {
            random.nextBytes(chunk);
            out.write(chunk, 0, (int) Math.min(chunk.length, left));
          }
        });
        took = store.lastCommitDuration().orElseThrow().toNanos();
      }
      if (json) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("step", c.step());
        out.put("size", c.size());
        out.put("sha256", c.sha256());
        out.put("payload", c.payload().toString());
        out.put("manifest", c.manifest().toString());
        out.put("commit_seconds", took / 1e9);
        print(cli, out);
      } else {
        cli.getOut().printf("committed step %d (%d bytes, sha256 %s) in %.3f s to %s%n", c.step(), c.size(), c.sha256(),
            took / 1e9, c.manifest());
      }
      return FlashCli.OK;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Find the newest checkpoint that matches its manifest; exit 1 when there is none.")
  static final class Verify implements java.util.concurrent.Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", required = true, description = "Checkpoint directory")
    Path dir;

    @Option(names = "--json", description = "Print JSON")
    boolean json;

    @Override
    public Integer call() {
      CommandLine cli = spec.commandLine();
      VerifyResult r = CheckpointStore.inspect(existingDirectory(cli, dir));
      List<Long> skipped = r.skipped().stream().map(SkippedCheckpoint::step).collect(Collectors.toList());
      if (json) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("latest_step", r.latest().map(Checkpoint::step).orElse(null));
        out.put("intact", r.intact());
        out.put("skipped_corrupt", skipped);
        out.put("problems", r.skipped().stream().map(s -> Map.of("step", s.step(), "reason", s.reason()))
            .collect(Collectors.toList()));
        r.latest().ifPresent(c -> {
          out.put("sha256", c.sha256());
          out.put("size", c.size());
          out.put("payload", c.payload().toString());
        });
        print(cli, out);
      } else {
        r.skipped().forEach(s -> cli.getOut().println("skipped corrupt " + s));
        cli.getOut().println(r.latest().map(c -> "latest intact checkpoint: step " + c.step() + " (" + c.payload() + ")")
            .orElse("no intact checkpoint in " + dir));
      }
      return r.intact() ? FlashCli.OK : FlashCli.FAILURE;
    }
  }

  @Command(name = "probe", mixinStandardHelpOptions = true,
      description = "Measure a directory: write bandwidth, fsync latency, atomic rename, and the checkpoint cost to use.")
  static final class Probe implements java.util.concurrent.Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", required = true, description = "Directory to probe (created if missing)")
    Path dir;

    @Option(names = "--size", defaultValue = "64MiB", converter = CliUnits.SizeConverter.class,
        description = "Bytes to write, ideally your checkpoint size (default 64MiB)")
    long size;

    @Option(names = "--json", description = "Print JSON")
    boolean json;

    @Override
    public Integer call() {
      CommandLine cli = spec.commandLine();
      if (size < 1) {
        throw new CommandLine.ParameterException(cli, "--size must be at least 1 byte, e.g. --size 64MiB");
      }
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create --dir " + dir + ": " + e.getMessage(), e);
      }
      ProbeResult r = CheckpointProbe.run(dir, size);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("directory", r.directory().toString());
      out.put("size_bytes", r.sizeBytes());
      out.put("write_bytes_per_second", r.writeBytesPerSecond());
      out.put("write_mib_per_second", r.writeBytesPerSecond() / (1 << 20));
      out.put("fsync_latency_ms", r.fsyncLatency().toNanos() / 1e6);
      out.put("atomic_rename", r.atomicRename());
      out.put("directory_fsync", r.directoryFsync());
      out.put("commit_seconds", r.commitTime().toNanos() / 1e9);
      out.put("suggested_cost_seconds", r.suggestedCost().toNanos() / 1e9);
      if (json) {
        print(cli, out);
      } else {
        out.forEach((k, v) -> cli.getOut().println(k + ": " + v));
        if (!r.atomicRename()) {
          cli.getOut().println("warning: rename is not atomic here; checkpoints in this directory are not crash-safe");
        }
      }
      return r.atomicRename() ? FlashCli.OK : FlashCli.FAILURE;
    }
  }
}
