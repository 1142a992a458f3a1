package dev.flash.providers.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flash.core.GpuOffer;
import dev.flash.core.JobHandle;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A journal replayed: every run, its attempts and where each stands. */
public record JournalState(Map<String, RunRecord> runs, Set<String> providersUsed) {

  /**
   * One attempt as the journal knows it; {@code endedAt}, {@code failure} and {@code endDetail} come from its
   * {@code attempt_ended} record (journals written before {@code ended_at} existed give the record's time).
   */
  public record AttemptRecord(long seed, int attempt, String name, GpuOffer offer, Optional<JobHandle> handle,
      Optional<Instant> launchedAt, Optional<String> endState, boolean tornDown, boolean launchFailed, long costMicros,
      Optional<Instant> endedAt, Optional<String> failure, String endDetail) {

    /** Announced and not known to be over: it may exist (and cost money). */
    public boolean open() {
      return !tornDown && !launchFailed;
    }

    public AttemptRecord withHandle(JobHandle h) {
      return new AttemptRecord(seed, attempt, name, offer, Optional.of(h), launchedAt, endState, tornDown, launchFailed,
          costMicros, endedAt, failure, endDetail);
    }
  }

  /** One run as the journal knows it. */
  public record RunRecord(String runId, Optional<Instant> startedAt, boolean ended, Optional<String> outcome,
      String detail, Optional<JsonNode> spec, Map<String, AttemptRecord> attempts, boolean cancelRequested) {

    public List<AttemptRecord> openAttempts() {
      return attempts.values().stream().filter(AttemptRecord::open).toList();
    }

    public int lastAttempt(long seed) {
      return attempts.values().stream().filter(a -> a.seed() == seed).mapToInt(AttemptRecord::attempt).max().orElse(0);
    }

    public Set<Long> succeededSeeds() {
      Set<Long> out = new LinkedHashSet<>();
      attempts.values().stream().filter(a -> a.endState().equals(Optional.of("SUCCEEDED"))).forEach(a -> out.add(a.seed()));
      return out;
    }

    public long costMicros() {
      return attempts.values().stream().mapToLong(AttemptRecord::costMicros).sum();
    }
  }

  public boolean cancelRequested(String runId) {
    RunRecord r = runs.get(runId);
    return r != null && r.cancelRequested();
  }

  public static JournalState of(List<JsonNode> records) {
    Map<String, RunRecord> runs = new LinkedHashMap<>();
    Set<String> providers = new LinkedHashSet<>();
    for (JsonNode n : records) {
      String runId = n.path("run_id").asText();
      String event = n.path("event").asText();
      RunRecord r = runs.computeIfAbsent(runId, id -> new RunRecord(id, Optional.empty(), false, Optional.empty(), "",
          Optional.empty(), new LinkedHashMap<>(), false));
      String name = n.path("name").asText();
      AttemptRecord a = r.attempts().get(name);
      switch (event) {
        case "run" -> r = new RunRecord(runId, Optional.of(Instant.parse(n.path("started_at").asText())), false,
            Optional.empty(), "", Optional.ofNullable(n.get("spec")), r.attempts(), r.cancelRequested());
        case "run_ended" -> r = new RunRecord(runId, r.startedAt(), true, Optional.of(n.path("outcome").asText()),
            n.path("detail").asText(""), r.spec(), r.attempts(), r.cancelRequested());
        case "cancel_requested" -> r = new RunRecord(runId, r.startedAt(), r.ended(), r.outcome(), r.detail(), r.spec(),
            r.attempts(), true);
        case "intent" -> {
          GpuOffer offer = JournalCodec.offer(n.path("offer"));
          providers.add(offer.provider());
          r.attempts().put(name, new AttemptRecord(n.path("seed").asLong(), n.path("attempt").asInt(), name, offer,
              Optional.empty(), Optional.empty(), Optional.empty(), false, false, 0, Optional.empty(), Optional.empty(), ""));
        }
        case "launched" -> {
          if (a != null) {
            r.attempts().put(name, new AttemptRecord(a.seed(), a.attempt(), name, a.offer(),
                Optional.of(JournalCodec.handle(n.path("handle"))), Optional.of(Instant.parse(n.path("at").asText())),
                a.endState(), a.tornDown(), a.launchFailed(), a.costMicros(), a.endedAt(), a.failure(), a.endDetail()));
          }
        }
        case "launch_failed" -> {
          if (a != null) {
            r.attempts().put(name, new AttemptRecord(a.seed(), a.attempt(), name, a.offer(), a.handle(), a.launchedAt(),
                a.endState(), a.tornDown(), true, a.costMicros(), a.endedAt(), a.failure(),
                n.path("reason").asText("")));
          }
        }
        case "attempt_ended" -> {
          if (a != null) {
            Instant endedAt = Instant.parse(n.path(n.hasNonNull("ended_at") ? "ended_at" : "at").asText());
            r.attempts().put(name, new AttemptRecord(a.seed(), a.attempt(), name, a.offer(), a.handle(), a.launchedAt(),
                Optional.of(n.path("state").asText()), a.tornDown(), a.launchFailed(), n.path("cost_micros").asLong(),
                Optional.of(endedAt), Optional.ofNullable(n.get("failure")).map(JsonNode::asText),
                n.path("detail").asText("")));
          }
        }
        case "torn_down" -> {
          if (a != null && n.path("verified").asBoolean()) {
            r.attempts().put(name, new AttemptRecord(a.seed(), a.attempt(), name, a.offer(), a.handle(), a.launchedAt(),
                a.endState(), true, a.launchFailed(), a.costMicros(),
                // torn down without an end record (reaped after a restart): billing stopped here at the latest
                a.endedAt().or(() -> Optional.of(Instant.parse(n.path("at").asText()))), a.failure(), a.endDetail()));
          }
        }
        default -> { }
      }
      runs.put(runId, r);
    }
    return new JournalState(runs, providers);
  }
}
