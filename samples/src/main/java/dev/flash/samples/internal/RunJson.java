package dev.flash.samples.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flash.core.GpuOffer;
import dev.flash.core.Money;
import dev.flash.core.spi.Progress;
import dev.flash.providers.AttemptResult;
import dev.flash.providers.RunResult;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The samples' JSON forms of runs, shared by the CLI's {@code --json} outputs and the scheduler's
 * {@code result.json} artifact: snake_case keys, money as exact decimal dollars in {@code *_usd},
 * durations as seconds in {@code *_seconds}, instants as ISO-8601 in {@code *_at}, absent values as
 * {@code null} (the key is always there).
 */
public final class RunJson {
  public static final ObjectMapper MAPPER = new ObjectMapper();

  private RunJson() {}

  /** How a supervised run ended: outcome, steps, cost, metrics, and every attempt. */
  public static ObjectNode result(RunResult r) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("run_id", r.runId());
    o.put("outcome", r.outcome().name());
    o.put("detail", r.detail());
    o.put("steps", r.steps());
    o.put("total_steps", r.lastProgress().map(Progress::totalSteps).orElse(0L));
    seconds(o, "wall_seconds", r.wall());
    usd(o, "cost_usd", r.cost());
    ObjectNode metrics = o.putObject("metrics");
    r.metrics().forEach(metrics::put);
    ArrayNode attempts = o.putArray("attempts");
    for (AttemptResult a : r.attempts()) {
      ObjectNode j = attempts.addObject();
      j.put("seed", a.seed());
      j.put("attempt", a.attempt());
      j.put("name", a.name());
      offer(j, a.offer());
      j.put("state", a.state().name());
      j.put("failure", a.failure().map(Enum::name).orElse(null));
      j.put("detail", a.detail());
      instant(j, "launched_at", Optional.of(a.launchedAt()));
      instant(j, "ended_at", Optional.of(a.endedAt()));
      seconds(j, "billed_seconds", Duration.between(a.launchedAt(), a.endedAt()));
      usd(j, "cost_usd", a.cost());
    }
    return o;
  }

  /** The offer's fields, as {@code flash plan --json} names them. */
  public static ObjectNode offer(ObjectNode into, GpuOffer o) {
    into.put("provider", o.provider());
    into.put("gpu_class", o.gpuClass());
    into.put("gpu_count", o.gpuCount());
    into.put("region", o.region());
    into.put("spot", o.spot());
    into.put("sku", o.sku());
    into.put("price_per_hour_usd", o.pricePerHour().toBigDecimal());
    into.put("price_stale", o.priceStale());
    return into;
  }

  public static void usd(ObjectNode into, String key, Money m) {
    into.put(key, m.toBigDecimal());
  }

  public static void seconds(ObjectNode into, String key, Duration d) {
    into.put(key, d.toMillis() / 1000.0);
  }

  public static void instant(ObjectNode into, String key, Optional<Instant> at) {
    into.put(key, at.map(Instant::toString).orElse(null));
  }
}
