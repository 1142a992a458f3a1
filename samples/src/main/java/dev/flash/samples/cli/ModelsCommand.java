package dev.flash.samples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flash.core.Architecture;
import dev.flash.core.DidYouMean;
import dev.flash.core.ModelCatalog;
import dev.flash.core.SpecJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code flash models}: the model catalog, one model, or a user's own config.json. */
@Command(name = "models",
    description = "List the model catalog (architecture facts from each model's config.json and the parameter "
        + "counts computed from them), show one model, or read your own Hugging Face config.json.",
    mixinStandardHelpOptions = true,
    versionProvider = FlashCli.Version.class)
final class ModelsCommand implements Callable<Integer> {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /** A config.json is a few KiB; anything far larger is not one. */
  private static final long MAX_CONFIG_BYTES = 4L * 1024 * 1024;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "MODEL", description = "A catalog id or Hugging Face repo to show in full.")
  String model;

  @Option(names = "--config", paramLabel = "FILE", description = "Read this Hugging Face config.json instead.")
  Path config;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (config != null && model != null) {
      throw new IllegalArgumentException("give either MODEL or --config, not both");
    }
    if (config != null) {
      show(out, config.toString(), ModelCatalog.fromConfigJson(readConfig()), Optional.empty());
      return FlashCli.OK;
    }
    ModelCatalog catalog = ModelCatalog.builtIn();
    if (model != null) {
      ModelCatalog.Entry e = catalog.find(model).orElseThrow(() -> unknown(catalog));
      show(out, e.id(), e.architecture(), Optional.of(e));
      return FlashCli.OK;
    }
    if (json) {
      ArrayNode all = JSON.createArrayNode();
      catalog.all().forEach(e -> all.add(describe(e.id(), e.architecture(), Optional.of(e))));
      out.println(JSON.writeValueAsString(all));
      out.flush();
      return FlashCli.OK;
    }
    TextTable t = new TextTable("ID", "TYPE", "PARAMS", "ACTIVE", "LAYERS", "HIDDEN", "HEADS/KV", "CONTEXT", "VOCAB",
        "HF REPO");
    for (ModelCatalog.Entry e : catalog.all()) {
      Architecture a = e.architecture();
      t.row(e.id(), a.modelType(), TextTable.count(a.parameterCount()),
          a.isMoe() ? TextTable.count(a.activeParameterCount()) : "", a.numHiddenLayers(), a.hiddenSize(),
          a.numAttentionHeads() + "/" + a.numKeyValueHeads(),
          a.maxPositionEmbeddings().isPresent() ? a.maxPositionEmbeddings().getAsInt() : "", a.vocabSize(),
          e.huggingFaceRepo());
    }
    t.print(out);
    return FlashCli.OK;
  }

  private String readConfig() throws IOException {
    try {
      if (Files.size(config) > MAX_CONFIG_BYTES) {
        throw new IllegalArgumentException("--config " + config + " is "
            + Files.size(config) + " bytes; a config.json is far smaller (is it the model weights?)");
      }
      return Files.readString(config, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("--config " + config + ": no such file; pass the path of a Hugging Face "
          + "config.json (it sits beside the model's weights)");
    } catch (java.nio.charset.MalformedInputException e) {
      throw new IllegalArgumentException("--config " + config + " is not UTF-8 text");
    }
  }

  private IllegalArgumentException unknown(ModelCatalog catalog) {
    List<String> ids = catalog.all().stream().map(ModelCatalog.Entry::id).collect(Collectors.toList());
    return new IllegalArgumentException("unknown model '" + model + "'"
        + DidYouMean.suggest(model, ids).map(s -> "; did you mean '" + s + "'?").orElse("")
        + " Run 'flash models' for the list, or 'flash models --config config.json' for your own model.");
  }

  private void show(PrintWriter out, String name, Architecture a, Optional<ModelCatalog.Entry> entry)
      throws IOException {
    if (json) {
      out.println(JSON.writeValueAsString(describe(name, a, entry)));
    } else {
      TextTable t = new TextTable("FIELD", "VALUE");
      t.row("model", name);
      entry.ifPresent(e -> t.row("hf_repo", e.huggingFaceRepo()));
      t.row("parameters", String.format(java.util.Locale.ROOT, "%,d", a.parameterCount()));
      if (a.isMoe()) {
        t.row("active_parameters", String.format(java.util.Locale.ROOT, "%,d", a.activeParameterCount()));
      }
      entry.ifPresent(e -> t.row("published_parameters", String.format(java.util.Locale.ROOT, "%,d",
          e.publishedParameters()) + " (" + e.parametersSource() + ")"));
      JSON.readTree(SpecJson.write(a)).fields().forEachRemaining(f -> t.row(f.getKey(), f.getValue().asText()));
      entry.ifPresent(e -> t.row("source", e.source()));
      t.print(out);
    }
    out.flush();
  }

  private static ObjectNode describe(String name, Architecture a, Optional<ModelCatalog.Entry> entry) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", name);
    entry.ifPresent(e -> o.put("hf_repo", e.huggingFaceRepo()));
    o.put("parameters", a.parameterCount());
    o.put("active_parameters", a.activeParameterCount());
    entry.ifPresent(e -> {
      o.put("published_parameters", e.publishedParameters());
      o.put("parameters_source", e.parametersSource());
      o.put("source", e.source());
    });
    try {
      o.set("architecture", JSON.readTree(SpecJson.write(a)));
    } catch (IOException e) {
      throw new IllegalStateException("SpecJson writes valid JSON", e);
    }
    return o;
  }
}
