package dev.flash.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Parses {@code --json} outputs and checks the conventions every one of them follows. */
final class JsonOutputs {
  static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern SNAKE = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)*");
  /** Objects whose keys are data (metric names, provider ids, labels), not field names. */
  private static final Set<String> DATA_KEYED = Set.of("metrics", "skus", "labels", "env");

  private JsonOutputs() {}

  /** The whole of {@code out} as one JSON document whose keys are all snake_case. */
  static JsonNode parse(FlashCliTest.Result r) {
    assertEquals(0, r.code(), r.out() + r.err());
    return parse(r.out());
  }

  static JsonNode parse(String out) {
    JsonNode doc;
    try {
      doc = MAPPER.readTree(out);
    } catch (IOException e) {
      throw new UncheckedIOException("not one JSON document:\n" + out, e);
    }
    assertSnakeCase(doc, "$");
    return doc;
  }

  static void assertSnakeCase(JsonNode node, String path) {
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        assertSnakeCase(node.get(i), path + "[" + i + "]");
      }
    }
    if (!node.isObject()) {
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      assertTrue(SNAKE.matcher(f.getKey()).matches(), "key " + path + "." + f.getKey() + " is not snake_case");
      if (!DATA_KEYED.contains(f.getKey())) {
        assertSnakeCase(f.getValue(), path + "." + f.getKey());
      }
    }
  }
}
