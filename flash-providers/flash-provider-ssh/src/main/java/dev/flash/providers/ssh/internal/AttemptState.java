package dev.flash.providers.ssh.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flash.core.FailureClass;
import dev.flash.core.RunState;
import dev.flash.core.spi.JobStatus;
import dev.flash.core.spi.Progress;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What {@link Scripts#poll} saw in an attempt directory, and the status that follows from it.
 *
 * @param exists the attempt directory exists
 * @param runnerAlive the runner process lives (in this boot of the host)
 * @param groupAlive a process of the workload's group lives (in this boot)
 * @param workloadStarted the runner recorded the workload's process group
 * @param boot the host's boot id now
 * @param marks request markers present: {@code cancel}, {@code preempt}, {@code wallcap}
 * @param files the record ({@code ssh.json}), {@code exit.json} and the worker's files, parsed
 */
public record AttemptState(boolean exists, boolean runnerAlive, boolean groupAlive, boolean workloadStarted,
    String boot, Set<String> marks, Map<String, JsonNode> files) {
  static final ObjectMapper JSON = new ObjectMapper();

  public static AttemptState parse(String text) {
    Map<String, String> values = new HashMap<>();
    Set<String> marks = new HashSet<>();
    Map<String, JsonNode> files = new HashMap<>();
    for (String line : text.split("\n")) {
      int eq = line.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String key = line.substring(0, eq);
      String value = line.substring(eq + 1);
      if (key.equals("mark")) {
        marks.add(value.strip());
      } else if (key.endsWith(".json")) {
        json(value).ifPresent(n -> files.put(key, n));
      } else {
        values.put(key, value.strip());
      }
    }
    return new AttemptState("1".equals(values.get("dir")), "1".equals(values.get("runner")),
        "1".equals(values.get("group")), "1".equals(values.get("workload_started")),
        values.getOrDefault("boot", "unknown"), Set.copyOf(marks), Map.copyOf(files));
  }

  /** A JSON object, or empty when the text is not one (a worker file half replaced by hand). */
  public static Optional<JsonNode> json(String text) {
    try {
      JsonNode n = JSON.readTree(text);
      return n != null && n.isObject() ? Optional.of(n) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  public Optional<JsonNode> file(String name) {
    return Optional.ofNullable(files.get(name));
  }

  /** When the workload exited, from {@code exit.json}. */
  public Optional<Instant> exitedAt() {
    return file("exit.json").flatMap(n -> instant(n.path("at").asText()));
  }

  /** The status this state means. */
  public JobStatus status() {
    JobStatus s = file("exit.json").map(AttemptState::exited).orElseGet(this::live);
    Optional<Progress> p = progress();
    return p.isPresent() ? s.withProgress(p.get()) : s;
  }

  private JobStatus live() {
    if (runnerAlive || groupAlive) {
      if (runnerAlive && !workloadStarted) {
        return JobStatus.of(RunState.PROVISIONING);
      }
      return runnerAlive ? JobStatus.of(RunState.RUNNING) : new JobStatus(RunState.RUNNING, Optional.empty(),
          Optional.empty(), "the runner is gone but the workload still runs (its wall-clock cap is no longer "
          + "enforced on the host)", OptionalInt.empty());
    }
    if (marks.contains("cancel")) {
      return new JobStatus(RunState.CANCELLED, Optional.empty(), Optional.empty(), "cancelled", OptionalInt.empty());
    }
    if (marks.contains("preempt")) {
      return JobStatus.failed(FailureClass.PREEMPTED, "preempted (a preemption notice was left on the host)");
    }
    if (marks.contains("wallcap")) {
      return JobStatus.failed(FailureClass.JOB_FAILED, "killed at its wall-clock cap");
    }
    String recordedBoot = file("ssh.json").map(n -> n.path("boot_id").asText("")).orElse("");
    if (!recordedBoot.isEmpty() && !recordedBoot.equals(boot)) {
      return JobStatus.failed(FailureClass.PREEMPTED, "the host restarted while the attempt ran");
    }
    return JobStatus.failed(FailureClass.STALLED, "the attempt's processes are gone without an exit record "
        + "(killed from outside, or the host's container restarted)");
  }

  private static JobStatus exited(JsonNode exit) {
    int code = exit.path("code").asInt(-1);
    JobStatus s = switch (exit.path("reason").asText("EXITED")) {
      case "CANCELLED" -> new JobStatus(RunState.CANCELLED, Optional.empty(), Optional.empty(), "cancelled",
          OptionalInt.empty());
      case "PREEMPTED" -> JobStatus.failed(FailureClass.PREEMPTED, "preempted (a preemption notice was left on the host)");
      case "WALL_CAP" -> JobStatus.failed(FailureClass.JOB_FAILED, "killed at its wall-clock cap");
      default -> code == 0 ? JobStatus.of(RunState.SUCCEEDED)
          : JobStatus.failed(FailureClass.JOB_FAILED, "exited with code " + code);
    };
    return s.withExitCode(code);
  }

  private Optional<Progress> progress() {
    return file("heartbeat.json").flatMap(n -> instant(n.path("at").asText()).map(at -> new Progress(
        n.path("stage").asText("unknown"), n.path("step").asLong(0), n.path("total_steps").asLong(0), at)));
  }

  /** The worker's own failure text from {@code marker.json}, when it wrote one. */
  public Optional<String> workerError() {
    return file("marker.json").filter(n -> "failed".equals(n.path("status").asText()))
        .map(n -> n.path("error").asText("")).filter(e -> !e.isBlank());
  }

  static Optional<Instant> instant(String s) {
    try {
      return Optional.of(Instant.parse(s));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
