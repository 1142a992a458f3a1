package dev.flash.samples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flash.core.GpuOffer;
import dev.flash.core.Money;
import dev.flash.samples.internal.RunJson;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How every {@code --json} output is written: one indented document on standard output (JSON Lines
 * for streams), with {@link RunJson}'s conventions: snake_case keys, {@code *_usd} exact decimal
 * dollars, {@code *_seconds}, ISO-8601 {@code *_at}, {@code null} for absent values.
 */
final class CliJson {
  static final ObjectMapper MAPPER = RunJson.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT);

  private CliJson() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static ArrayNode array() {
    return MAPPER.createArrayNode();
  }

  /** Prints {@code document} (a tree, a map or a list of plain values) and flushes. */
  static void print(PrintWriter out, Object document) {
    try {
      out.println(MAPPER.writeValueAsString(document));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("trees of plain values always serialise", e);
    }
    out.flush();
  }

  /** One line (JSON Lines), for streams of documents such as {@code logs --follow --json}. */
  static void printLine(PrintWriter out, Object document) {
    try {
      out.println(RunJson.MAPPER.writeValueAsString(document));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("trees of plain values always serialise", e);
    }
    out.flush();
  }

  static ObjectNode offer(ObjectNode into, GpuOffer o) {
    return RunJson.offer(into, o);
  }

  static void usd(ObjectNode into, String key, Money m) {
    RunJson.usd(into, key, m);
  }

  static void seconds(ObjectNode into, String key, Duration d) {
    RunJson.seconds(into, key, d);
  }

  static void instant(ObjectNode into, String key, Optional<Instant> at) {
    RunJson.instant(into, key, at);
  }
}
