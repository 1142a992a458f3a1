package dev.flash.samples.scheduler;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * How a dispatched run ended.
 *
 * @param succeeded true when the run completed
 * @param detail what happened, in words (cost, steps, the failure)
 * @param retryable for a failure: whether another attempt (perhaps on another worker) could succeed
 * @param artifacts files the run produced, by artifact name, for the worker to upload (whatever the outcome)
 */
public record DispatchOutcome(boolean succeeded, String detail, boolean retryable, Map<String, Path> artifacts) {
  public DispatchOutcome {
    Objects.requireNonNull(detail, "detail");
    artifacts = Map.copyOf(artifacts);
  }

  public static DispatchOutcome succeeded(String detail, Map<String, Path> artifacts) {
    return new DispatchOutcome(true, detail, false, artifacts);
  }

  public static DispatchOutcome failed(String detail, boolean retryable) {
    return new DispatchOutcome(false, detail, retryable, Map.of());
  }

  /** A failure with what the run left behind (its console, its result), uploaded for whoever investigates. */
  public static DispatchOutcome failed(String detail, boolean retryable, Map<String, Path> artifacts) {
    return new DispatchOutcome(false, detail, retryable, artifacts);
  }
}
