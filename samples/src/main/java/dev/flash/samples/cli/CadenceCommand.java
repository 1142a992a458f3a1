package dev.flash.samples.cli;

import dev.flash.checkpoint.CadencePlan;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flash cadence}: Young/Daly checkpoint interval, as whole steps when the step time is known. */
@Command(name = "cadence", mixinStandardHelpOptions = true,
    description = "How often to checkpoint: Young's and Daly's optimum interval, whole steps, expected waste.")
final class CadenceCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--mtbf", required = true, converter = CliUnits.DurationConverter.class,
      description = "Mean time between interruptions of one machine, e.g. 3h")
  Duration mtbf;

  @Option(names = "--cost", required = true, converter = CliUnits.DurationConverter.class,
      description = "Time to write one checkpoint, e.g. 30s (see `flash checkpoint probe`)")
  Duration cost;

  @Option(names = "--restart", converter = CliUnits.DurationConverter.class, defaultValue = "0s",
      description = "Time from an interruption until training resumes (default 0s)")
  Duration restart;

  @Option(names = "--step-seconds", description = "Wall time of one training step in seconds")
  Double stepSeconds;

  @Option(names = "--replicas", defaultValue = "1",
      description = "Machines the job spans; their MTBF is divided by (replicas + 1) / 2 (default 1)")
  int replicas;

  @Option(names = "--json", description = "Print JSON")
  boolean json;

  @Override
  public Integer call() {
    CommandLine cli = spec.commandLine();
    if (mtbf.isNegative() || mtbf.isZero()) {
      throw new CommandLine.ParameterException(cli, "--mtbf must be positive, e.g. --mtbf 3h");
    }
    if (cost.isNegative()) {
      throw new CommandLine.ParameterException(cli, "--cost must not be negative, e.g. --cost 30s");
    }
    if (restart.isNegative()) {
      throw new CommandLine.ParameterException(cli, "--restart must not be negative, e.g. --restart 2m");
    }
    if (stepSeconds != null && !(stepSeconds > 0 && Double.isFinite(stepSeconds))) {
      throw new CommandLine.ParameterException(cli, "--step-seconds must be a positive number, e.g. --step-seconds 2.5");
    }
    if (replicas < 1) {
      throw new CommandLine.ParameterException(cli, "--replicas must be at least 1, got " + replicas);
    }
    CadencePlan.Builder b = CadencePlan.builder().mtbf(mtbf).checkpointCost(cost).restartCost(restart).replicas(replicas);
    if (stepSeconds != null) {
      b.stepTime(Duration.ofNanos(Math.round(stepSeconds * 1e9)));
    }
    CadencePlan plan = b.build();
    if (json) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("young_seconds", plan.youngSeconds());
      out.put("daly_seconds", plan.dalySeconds());
      out.put("steps", plan.steps().isPresent() ? plan.steps().getAsLong() : null);
      out.put("expected_waste", plan.expectedWaste());
      out.put("interval_seconds", plan.intervalSeconds());
      out.put("job_mtbf_seconds", plan.jobMtbfSeconds());
      out.put("replica_multiplier", plan.multiplier());
      CliJson.print(cli.getOut(), out);
    } else {
      cli.getOut().printf("Young %.1f s, Daly %.1f s%s; expected waste %.2f %%%n", plan.youngSeconds(), plan.dalySeconds(),
          plan.steps().isPresent() ? String.format(", every %d steps (%.1f s)", plan.steps().getAsLong(), plan.intervalSeconds()) : "",
          plan.expectedWaste() * 100);
    }
    return FlashCli.OK;
  }
}
