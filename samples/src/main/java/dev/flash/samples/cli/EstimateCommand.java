package dev.flash.samples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flash.core.SpecValidationException;
import dev.flash.cost.MemoryModel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code flash estimate FILE|-}: per-GPU peak memory of one training setup, as a table of the
 * breakdown, or with {@code --json} as {@code {"total_gib", "breakdown", "notes"}}. With {@code --jsonl} every input line is one document and
 * every output line one result (an invalid line prints {@code {"error": "..."}} and the rest go on;
 * the exit code is then 2).
 */
@Command(name = "estimate", mixinStandardHelpOptions = true,
    description = {"Estimate the per-GPU peak memory of a training setup.",
        "Input: {\"model\": <catalog id or config.json object>, \"training\": {method, optimizer, precision, "
            + "gradient_checkpointing, micro_batch, seq_len, lora_rank, lora_targets, fused_cross_entropy, gpus, "
            + "sharding, quantization_bits, ...}}"})
final class EstimateCommand implements Callable<Integer> {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Parameters(index = "0", paramLabel = "FILE", description = "JSON document, or - for standard input")
  String file;

  @Option(names = "--jsonl", description = "one document per input line, one result per output line")
  boolean jsonl;

  @Option(names = "--json", description = "print the estimate as JSON instead of a table")
  boolean json;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    try (Reader in = open()) {
      if (!jsonl) {
        Map<String, Object> estimate = estimate(readAll(in));
        if (json) {
          CliJson.print(out, estimate);
        } else {
          table(out, estimate);
        }
        return FlashCli.OK;
      }
      int code = FlashCli.OK;
      BufferedReader lines = new BufferedReader(in);
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.isBlank()) {
          continue;
        }
        try {
          out.println(MAPPER.writeValueAsString(estimate(line)));
        } catch (SpecValidationException | IllegalArgumentException e) {
          out.println(MAPPER.writeValueAsString(Map.of("error", e.getMessage())));
          code = FlashCli.USAGE;
        }
      }
      out.flush();
      return code;
    }
  }

  /** Every term of the breakdown in GiB, the total, then the notes. */
  @SuppressWarnings("unchecked")
  private static void table(PrintWriter out, Map<String, Object> estimate) {
    TextTable t = new TextTable("TERM", "GIB");
    ((Map<String, Double>) estimate.get("breakdown")).forEach((term, gib) -> t.row(term, String.format(
        java.util.Locale.ROOT, "%.3f", gib)));
    t.row("total per GPU", String.format(java.util.Locale.ROOT, "%.3f", (Double) estimate.get("total_gib")));
    t.print(out);
    for (Object note : (List<Object>) estimate.get("notes")) {
      out.println("note: " + note);
    }
    out.flush();
  }

  private static Map<String, Object> estimate(String document) {
    JsonNode doc;
    try {
      doc = MAPPER.readTree(document);
    } catch (JsonProcessingException e) {
      throw SpecValidationException.of("$", "not valid JSON: " + e.getOriginalMessage());
    }
    if (doc == null) {
      throw SpecValidationException.of("$", "is empty; expected {\"model\": ..., \"training\": {...}}");
    }
    CostInput.Estimate input = CostInput.readEstimate(doc);
    try {
      return CostInput.estimateJson(MemoryModel.estimate(input.architecture(), input.training()));
    } catch (SpecValidationException e) {
      throw e.under("$.training");
    }
  }

  private Reader open() throws IOException {
    if (file.equals("-")) {
      return new InputStreamReader(System.in, StandardCharsets.UTF_8);
    }
    Path p = Path.of(file);
    if (!Files.isRegularFile(p)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "no such file: " + file);
    }
    return Files.newBufferedReader(p, StandardCharsets.UTF_8);
  }

  private static String readAll(Reader in) throws IOException {
    StringBuilder sb = new StringBuilder();
    char[] buf = new char[8192];
    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
      sb.append(buf, 0, n);
    }
    return sb.toString();
  }
}
