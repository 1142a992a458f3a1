package dev.flash.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CostCommandsTest {
  static final ObjectMapper MAPPER = new ObjectMapper();
  @TempDir
  Path dir;

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = FlashCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  Path file(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, content);
    return p;
  }

  @Test
  void estimatePrintsTotalBreakdownAndNotesForACatalogModel() throws IOException {
    Result r = run("estimate", file("e.json", "{\"model\": \"llama-3.1-8b\", \"training\": {\"method\": \"qlora\","
        + " \"gradient_checkpointing\": true, \"seq_len\": 4096}}").toString(), "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode json = MAPPER.readTree(r.out());
    assertTrue(json.path("total_gib").asDouble() > 5 && json.path("total_gib").asDouble() < 20, r.out());
    assertTrue(json.path("breakdown").has("weights"), r.out());
    assertTrue(json.path("notes").size() > 3, r.out());
  }

  @Test
  void estimatePrintsATableOfTheBreakdownByDefault() throws IOException {
    Path setup = file("t.json", "{\"model\": \"llama-3.1-8b\", \"training\": {\"method\": \"qlora\"}}");
    Result table = run("estimate", setup.toString());
    assertEquals(0, table.code(), table.err());
    double total = MAPPER.readTree(run("estimate", setup.toString(), "--json").out()).path("total_gib").asDouble();
    List<String> lines = table.out().lines().toList();
    assertTrue(lines.get(0).matches("TERM +GIB"), table.out());
    assertTrue(lines.stream().anyMatch(l -> l.matches("weights +[0-9.]+")), table.out());
    String totalCell = String.format(java.util.Locale.ROOT, "%.3f", total);
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("total per GPU") && l.endsWith(" " + totalCell)),
        "the table's total is the JSON's total_gib " + totalCell + ":\n" + table.out());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("note: ")), table.out());
  }

  @Test
  void estimateAcceptsAConfigJsonWithUnrelatedFields() throws IOException {
    Result r = run("estimate", file("e.json", "{\"model\": {\"model_type\": \"llama\", \"hidden_size\": 2048,"
        + " \"num_hidden_layers\": 16, \"num_attention_heads\": 32, \"num_key_value_heads\": 8, \"intermediate_size\":"
        + " 8192, \"vocab_size\": 128256, \"torch_dtype\": \"bfloat16\", \"rope_scaling\": {\"factor\": 32.0}},"
        + " \"training\": {\"method\": \"lora\", \"lora_targets\": [\"q_proj\", \"v_proj\"]}}").toString());
    assertEquals(0, r.code(), r.err());
  }

  @Test
  void unknownKeysAreErrorsNamingTheKey() throws IOException {
    Result top = run("estimate", file("a.json", "{\"model\": \"llama-3.1-8b\", \"trainig\": {}}").toString());
    assertEquals(2, top.code());
    assertTrue(top.err().contains("$.trainig") && top.err().contains("did you mean 'training'"), top.err());
    Result inner = run("estimate", file("b.json", "{\"model\": \"llama-3.1-8b\", \"training\": {\"micro_bach\": 2}}")
        .toString());
    assertEquals(2, inner.code());
    assertTrue(inner.err().contains("$.training.micro_bach"), inner.err());
  }

  @Test
  void badKnobsNameTheirField() throws IOException {
    Result r = run("estimate", file("c.json", "{\"model\": \"llama-3.1-8b\", \"training\": {\"micro_batch\": 0,"
        + " \"method\": \"full\", \"quantization_bits\": 4}}").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("$.training.micro_batch") && r.err().contains("$.training.quantization_bits"), r.err());
    Result lora = run("estimate", file("d.json", "{\"model\": \"llama-3.1-8b\", \"training\": {\"method\": \"lora\","
        + " \"lora_targets\": [\"q_proj\", \"nope\"]}}").toString());
    assertEquals(2, lora.code());
    assertTrue(lora.err().contains("$.training.lora_targets[1]"), lora.err());
  }

  @Test
  void jsonlPrintsOneResultPerLineAndAnErrorForABadLine() throws IOException {
    Path in = file("batch.jsonl", "{\"model\": \"llama-3.1-8b\", \"training\": {\"method\": \"qlora\"}}\n"
        + "{\"model\": \"no-such-model\"}\n"
        + "{\"model\": \"llama-3.1-8b\", \"training\": {\"method\": \"lora\", \"seq_len\": 1024}}\n");
    Result r = run("estimate", "--jsonl", in.toString());
    String[] lines = r.out().strip().split("\n");
    assertEquals(3, lines.length, r.out());
    assertTrue(MAPPER.readTree(lines[0]).has("total_gib"));
    assertTrue(MAPPER.readTree(lines[1]).path("error").asText().contains("no-such-model"), lines[1]);
    assertTrue(MAPPER.readTree(lines[2]).has("total_gib"));
    assertEquals(2, r.code());
  }

  static final String WORKLOAD = "\"workload\": {\"command\": [\"python\", \"train.py\"]}";

  @Test
  void planRanksTheSnapshotAndExplainsRejections() throws IOException {
    Path spec = file("spec.json", "{\"run_id\": \"plan-cli\", \"model\": \"llama-3.1-8b\", \"training\": "
        + "{\"adaptation\": \"lora\", \"seq_len\": 2048}, \"resources\": {\"spot_allowed\": true}, " + WORKLOAD + "}");
    Path offers = file("offers.json", "[{\"provider\": \"acme\", \"gpu_class\": \"h100-80gb-sxm\", \"gpu_memory_gib\": 80,"
        + " \"region\": \"us-east\", \"price_per_hour\": 2.5}, {\"provider\": \"tiny\", \"gpu_class\": "
        + "\"a100-80gb-sxm\", \"gpu_memory_gib\": 8, \"region\": \"us-east\", \"price_per_hour\": 0.1}]");
    Result human = run("plan", spec.toString(), "--offers", offers.toString());
    assertEquals(0, human.code(), human.err());
    assertTrue(human.out().contains("acme h100-80gb-sxm") && human.out().contains("needs"), human.out());
    Result json = run("plan", spec.toString(), "--offers", offers.toString(), "--json");
    JsonNode plan = MAPPER.readTree(json.out());
    assertEquals("acme", plan.path("ranked").get(0).path("provider").asText());
    assertTrue(plan.path("rejected").get(0).path("reason").asText().startsWith("needs"));
    Result snapshot = run("plan", spec.toString(), "--offline");
    assertEquals(0, snapshot.code(), snapshot.err());
  }

  @Test
  void planReadsExactlyTheRunSpecFormat() throws IOException {
    // RunSpec field names (training.adaptation, durations, money strings) are accepted as flash-core reads them.
    Path spec = file("spec.json", "{\"run_id\": \"plan-format\", \"model\": \"qwen2.5-7b\", \"training\": "
        + "{\"adaptation\": \"qlora\", \"gradient_checkpointing\": true, \"steps\": 100}, \"resources\": "
        + "{\"wall_clock_cap\": \"1h30m\", \"max_price_per_hour\": \"$4.00\"}, \"budget\": \"25\", " + WORKLOAD + "}");
    assertEquals(0, run("plan", spec.toString(), "--offline").code());
    Path typo = file("typo.json", "{\"run_id\": \"plan-format\", \"model\": \"qwen2.5-7b\", \"training\": "
        + "{\"micro_btach\": 2}, " + WORKLOAD + "}");
    Result bad = run("plan", typo.toString());
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("$.training.micro_btach") && bad.err().contains("micro_batch"), bad.err());
    Path noWorkload = file("bare.json", "{\"run_id\": \"plan-format\", \"model\": \"qwen2.5-7b\"}");
    Result missing = run("plan", noWorkload.toString());
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("$.workload"), missing.err());
    Path offers = file("offers.json", "[{\"provider\": \"acme\", \"gpu_class\": \"h100-80gb-sxm\"}]");
    Result badOffers = run("plan", spec.toString(), "--offers", offers.toString());
    assertEquals(2, badOffers.code());
    assertTrue(badOffers.err().contains("$[0].price_per_hour"), badOffers.err());
  }

  @Test
  void goldenLlama31With8bQloraFitsA24GbCard() throws IOException {
    Result r = run("estimate", file("qlora.json", "{\"model\": \"llama-3.1-8b\", \"training\": {\"method\": "
        + "\"qlora\", \"seq_len\": 2048, \"gradient_checkpointing\": true}}").toString(), "--json");
    assertEquals(0, r.code(), r.err());
    double total = MAPPER.readTree(r.out()).path("total_gib").asDouble();
    assertTrue(total > 8 && total < 24 * 0.95, r.out());
  }

  @Test
  void goldenFullFineTuneOf70bOnOne80GbGpuIsRejectedWithTheReason() throws IOException {
    Path spec = file("70b.json", "{\"run_id\": \"full-70b\", \"model\": \"llama-3.1-70b\", \"training\": "
        + "{\"gradient_checkpointing\": true, \"seq_len\": 4096, \"steps\": 10}, \"resources\": "
        + "{\"gpu\": \"h100-80gb-sxm\", \"gpu_count\": 1}, " + WORKLOAD + "}");
    Result r = run("plan", spec.toString(), "--json", "--offline");
    assertEquals(1, r.code(), "no offer fits: " + r.out());
    JsonNode plan = MAPPER.readTree(r.out());
    assertEquals(0, plan.path("ranked").size());
    boolean explained = false;
    for (JsonNode rejected : plan.path("rejected")) {
      String reason = rejected.path("reason").asText();
      explained |= rejected.path("gpu_class").asText().equals("h100-80gb-sxm") && rejected.path("gpu_count").asInt() == 1
          && reason.matches("needs \\d{3,4}\\.\\d GiB per GPU .* has 80");
    }
    assertTrue(explained, r.out());
  }
}
