package dev.flash.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flash.core.Adaptation;
import dev.flash.core.Architecture;
import dev.flash.core.AttentionImpl;
import dev.flash.core.CheckpointMode;
import dev.flash.core.CheckpointPolicy;
import dev.flash.core.DidYouMean;
import dev.flash.core.GpuOffer;
import dev.flash.core.JobHandle;
import dev.flash.core.ModelRef;
import dev.flash.core.Money;
import dev.flash.core.Optimizer;
import dev.flash.core.Precision;
import dev.flash.core.Resources;
import dev.flash.core.RunSpec;
import dev.flash.core.Sharding;
import dev.flash.core.SpecValidationException;
import dev.flash.core.TrainingMethod;
import dev.flash.core.TrainingSetup;
import dev.flash.core.Violation;
import dev.flash.core.Workload;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Strict reading of every spec type from JSON. One pass collects every problem of the whole
 * document (unknown fields with a "did you mean", wrong types, missing fields, values out of range,
 * the types' own invariants re-rooted under their JSON path) and throws them together.
 *
 * <p>Each object is built from the fields that read well, so its invariants are checked even when a
 * sibling field is wrong; an invariant problem at, inside or around a path that already has a
 * problem may be a consequence of it and is not reported. A part with problems is not handed to its
 * parent, which checks its own invariants with that part left at its default.
 */
public final class SpecReader {
  static final List<String> RUN_SPEC_FIELDS = List.of("run_id", "model", "training", "resources", "workload",
      "seeds", "checkpoint", "budget", "labels");
  static final List<String> TRAINING_FIELDS = List.of("method", "adaptation", "lora_rank", "lora_alpha",
      "lora_targets", "quantization_bits", "precision", "optimizer", "gradient_checkpointing", "attention",
      "micro_batch", "global_batch", "seq_len", "steps", "epochs", "examples", "rl_group_size",
      "completion_length", "fused_cross_entropy", "sharding", "gpus", "sharding_degree");
  static final List<String> RESOURCES_FIELDS = List.of("gpu", "min_gpu_memory_gib", "gpu_count", "node_count",
      "spot_allowed", "max_price_per_hour", "providers", "regions", "wall_clock_cap");
  static final List<String> WORKLOAD_FIELDS = List.of("image", "command", "args", "env", "secrets");
  static final List<String> CHECKPOINT_FIELDS = List.of("mode", "interval", "mtbf", "write_time", "keep_last",
      "keep_every");
  static final List<String> ARCHITECTURE_FIELDS = List.of("model_type", "hidden_size", "num_hidden_layers",
      "num_attention_heads", "num_key_value_heads", "head_dim", "intermediate_size", "vocab_size",
      "tie_word_embeddings", "max_position_embeddings", "hidden_act", "gated_mlp", "attention_bias", "qkv_bias",
      "qk_norm", "mlp_bias", "norm_bias", "norms_per_layer", "embedding_norm", "final_norm",
      "learned_position_embeddings", "position_embedding_offset", "word_embed_proj_dim", "num_experts",
      "num_experts_per_tok",
      "moe_intermediate_size", "shared_expert_intermediate_size", "shared_expert_gate", "first_k_dense_replace");
  static final List<String> GPU_OFFER_FIELDS = List.of("provider", "gpu_class", "gpu_count", "gpu_memory_gib",
      "region", "spot", "price_per_hour", "sku", "capacity", "price_stale");
  static final List<String> JOB_HANDLE_FIELDS = List.of("provider_id", "name", "attributes");
  private static final BigDecimal MAX_DOLLARS = new BigDecimal("1000000000000");
  private static final Pattern DOLLARS = Pattern.compile("-?\\$?(\\d{1,13})(\\.\\d{1,6})?");

  private SpecReader() {}

  public static RunSpec runSpec(String json) {
    return read(json, "a run spec", SpecReader::runSpec);
  }

  public static Architecture architecture(String json) {
    return read(json, "an architecture", SpecReader::architecture);
  }

  public static TrainingSetup trainingSetup(String json) {
    return read(json, "a training setup", SpecReader::trainingSetup);
  }

  public static Resources resources(String json) {
    return read(json, "resources", SpecReader::resources);
  }

  public static Workload workload(String json) {
    return read(json, "a workload", SpecReader::workload);
  }

  public static CheckpointPolicy checkpointPolicy(String json) {
    return read(json, "a checkpoint policy", SpecReader::checkpointPolicy);
  }

  public static ModelRef modelRef(String json) {
    return read(json, "a model reference", SpecReader::modelRef);
  }

  public static GpuOffer gpuOffer(String json) {
    return read(json, "a GPU offer", SpecReader::gpuOffer);
  }

  public static JobHandle jobHandle(String json) {
    return read(json, "a job handle", SpecReader::jobHandle);
  }

  /** Reads one value of a type from the root of a document: a type reader for one type. */
  @FunctionalInterface
  interface TypeReader<T> {
    Optional<T> read(JsonNode node, String path, SpecCodec.Violations problems);
  }

  private static <T> T read(String json, String what, TypeReader<T> reader) {
    SpecCodec.Parsed parsed = SpecCodec.parse(json, what);
    SpecCodec.Violations problems = new SpecCodec.Violations();
    problems.addAll(parsed.violations());
    Optional<T> value = reader.read(parsed.root(), "$", problems);
    if (problems.count() > 0 || value.isEmpty()) {
      throw new SpecValidationException(problems.count() > 0 ? problems.list()
          : List.of(new Violation("$", "is not " + what)));
    }
    return value.get();
  }

  static Optional<RunSpec> runSpec(JsonNode node, String path, SpecCodec.Violations problems) {
    Obj o = Obj.open(node, path, problems, "a run spec", RUN_SPEC_FIELDS, "");
    if (o == null) {
      return Optional.empty();
    }
    RunSpec.Builder b = RunSpec.builder();
    o.require("run_id", "give the run a name, e.g. \"run_id\": \"llama-sft-1\"");
    o.string("run_id").ifPresent(b::runId);
    o.require("model", "name a catalog model (\"model\": \"llama-3.1-8b\") or give its architecture");
    o.nested("model", SpecReader::modelRef).ifPresent(b::model);
    o.nested("training", SpecReader::trainingSetup).ifPresent(b::training);
    o.nested("resources", SpecReader::resources).ifPresent(b::resources);
    o.require("workload", "say what runs, e.g. \"workload\": {\"command\": [\"python\", \"train.py\"]}");
    o.nested("workload", SpecReader::workload).ifPresent(b::workload);
    o.list("seeds", Obj::wholeLong).ifPresent(b::seeds);
    o.nested("checkpoint", SpecReader::checkpointPolicy).ifPresent(b::checkpoint);
    o.money("budget").ifPresent(b::budget);
    o.stringMap("labels").ifPresent(b::labels);
    return o.build(b::build);
  }

  static Optional<ModelRef> modelRef(JsonNode node, String path, SpecCodec.Violations problems) {
    if (node == SpecCodec.REPORTED) {
      return Optional.empty();
    }
    if (node.isTextual()) {
      return build(path, problems, () -> ModelRef.catalog(node.textValue()));
    }
    if (node.isObject()) {
      return architecture(node, path, problems).flatMap(a -> build(path, problems, () -> ModelRef.of(a)));
    }
    problems.add(path, "must be a model catalog id (a string such as \"llama-3.1-8b\") or an object of "
        + "architecture fields, got " + SpecCodec.describe(node));
    return Optional.empty();
  }

  static Optional<Architecture> architecture(JsonNode node, String path, SpecCodec.Violations problems) {
    Obj o = Obj.open(node, path, problems, "an architecture", ARCHITECTURE_FIELDS,
        " (to use a Hugging Face config.json, read it with ModelCatalog.fromConfigJson)");
    if (o == null) {
      return Optional.empty();
    }
    Architecture.Builder b = Architecture.builder();
    for (String required : List.of("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
        "vocab_size")) {
      o.require(required, "");
    }
    o.string("model_type").ifPresent(b::modelType);
    o.wholeInt("hidden_size").ifPresent(b::hiddenSize);
    o.wholeInt("num_hidden_layers").ifPresent(b::numHiddenLayers);
    o.wholeInt("num_attention_heads").ifPresent(b::numAttentionHeads);
    o.wholeInt("num_key_value_heads").ifPresent(b::numKeyValueHeads);
    o.wholeInt("head_dim").ifPresent(b::headDim);
    o.wholeInt("intermediate_size").ifPresent(b::intermediateSize);
    o.wholeInt("vocab_size").ifPresent(b::vocabSize);
    o.bool("tie_word_embeddings").ifPresent(b::tieWordEmbeddings);
    o.wholeInt("max_position_embeddings").ifPresent(b::maxPositionEmbeddings);
    o.string("hidden_act").ifPresent(b::hiddenAct);
    o.bool("gated_mlp").ifPresent(b::gatedMlp);
    o.bool("attention_bias").ifPresent(b::attentionBias);
    o.bool("qkv_bias").ifPresent(b::qkvBias);
    o.bool("qk_norm").ifPresent(b::qkNorm);
    o.bool("mlp_bias").ifPresent(b::mlpBias);
    o.bool("norm_bias").ifPresent(b::normBias);
    o.wholeInt("norms_per_layer").ifPresent(b::normsPerLayer);
    o.bool("embedding_norm").ifPresent(b::embeddingNorm);
    o.bool("final_norm").ifPresent(b::finalNorm);
    o.bool("learned_position_embeddings").ifPresent(b::learnedPositionEmbeddings);
    o.wholeInt("position_embedding_offset").ifPresent(b::positionEmbeddingOffset);
    o.wholeInt("word_embed_proj_dim").ifPresent(b::wordEmbedProjDim);
    o.wholeInt("num_experts").ifPresent(b::numExperts);
    o.wholeInt("num_experts_per_tok").ifPresent(b::numExpertsPerTok);
    o.wholeInt("moe_intermediate_size").ifPresent(b::moeIntermediateSize);
    o.wholeInt("shared_expert_intermediate_size").ifPresent(b::sharedExpertIntermediateSize);
    o.bool("shared_expert_gate").ifPresent(b::sharedExpertGate);
    o.wholeInt("first_k_dense_replace").ifPresent(b::firstKDenseReplace);
    return o.build(b::build);
  }

  /** "'qlora' is an adaptation: write "adaptation": "qlora"" when {@code value} is one of another field's values. */
  private static <E extends Enum<E>> Optional<String> otherField(String value, E[] others, Function<E, String> jsonName,
      String otherField) {
    return Arrays.stream(others).map(jsonName).filter(value::equals).findFirst()
        .map(v -> "'" + v + "' is " + (otherField.startsWith("a") ? "an " : "a ") + otherField + ": write \""
            + otherField + "\": \"" + v + "\"");
  }

  static Optional<TrainingSetup> trainingSetup(JsonNode node, String path, SpecCodec.Violations problems) {
    Obj o = Obj.open(node, path, problems, "a training setup", TRAINING_FIELDS, "");
    if (o == null) {
      return Optional.empty();
    }
    TrainingSetup.Builder b = TrainingSetup.builder();
    // LoRA and QLoRA are adaptations of a method (SFT, RL, ...): a common slip is to give one for the other.
    o.choice("method", TrainingMethod.values(), TrainingMethod::jsonName,
        s -> otherField(s, Adaptation.values(), Adaptation::jsonName, "adaptation")).ifPresent(b::method);
    o.choice("adaptation", Adaptation.values(), Adaptation::jsonName,
        s -> otherField(s, TrainingMethod.values(), TrainingMethod::jsonName, "method")).ifPresent(b::adaptation);
    o.wholeInt("lora_rank").ifPresent(b::loraRank);
    o.wholeInt("lora_alpha").ifPresent(b::loraAlpha);
    o.list("lora_targets", Obj::string).ifPresent(b::loraTargets);
    o.wholeInt("quantization_bits").ifPresent(b::quantizationBits);
    o.choice("precision", Precision.values(), Precision::jsonName).ifPresent(b::precision);
    o.choice("optimizer", Optimizer.values(), Optimizer::jsonName).ifPresent(b::optimizer);
    o.bool("gradient_checkpointing").ifPresent(b::gradientCheckpointing);
    o.choice("attention", AttentionImpl.values(), AttentionImpl::jsonName).ifPresent(b::attention);
    o.wholeInt("micro_batch").ifPresent(b::microBatch);
    o.wholeInt("global_batch").ifPresent(b::globalBatch);
    o.wholeInt("seq_len").ifPresent(b::seqLen);
    o.wholeLong("steps").ifPresent(b::steps);
    o.number("epochs").ifPresent(b::epochs);
    o.wholeLong("examples").ifPresent(b::examples);
    o.wholeInt("rl_group_size").ifPresent(b::rlGroupSize);
    o.wholeInt("completion_length").ifPresent(b::completionLength);
    o.bool("fused_cross_entropy").ifPresent(b::fusedCrossEntropy);
    o.choice("sharding", Sharding.values(), Sharding::jsonName).ifPresent(b::sharding);
    o.wholeInt("gpus").ifPresent(b::gpus);
    o.wholeInt("sharding_degree").ifPresent(b::shardingDegree);
    return o.build(b::build);
  }

  static Optional<Resources> resources(JsonNode node, String path, SpecCodec.Violations problems) {
    Obj o = Obj.open(node, path, problems, "resources", RESOURCES_FIELDS, "");
    if (o == null) {
      return Optional.empty();
    }
    Resources.Builder b = Resources.builder();
    o.string("gpu").ifPresent(b::gpu);
    o.number("min_gpu_memory_gib").ifPresent(b::minGpuMemoryGib);
    o.wholeInt("gpu_count").ifPresent(b::gpuCount);
    o.wholeInt("node_count").ifPresent(b::nodeCount);
    o.bool("spot_allowed").ifPresent(b::spotAllowed);
    o.money("max_price_per_hour").ifPresent(b::maxPricePerHour);
    o.list("providers", Obj::string).ifPresent(b::providers);
    o.list("regions", Obj::string).ifPresent(b::regions);
    o.duration("wall_clock_cap").ifPresent(b::wallClockCap);
    return o.build(b::build);
  }

  static Optional<Workload> workload(JsonNode node, String path, SpecCodec.Violations problems) {
    Obj o = Obj.open(node, path, problems, "a workload", WORKLOAD_FIELDS, "");
    if (o == null) {
      return Optional.empty();
    }
    Workload.Builder b = Workload.builder();
    o.string("image").ifPresent(b::image);
    o.list("command", Obj::string).ifPresent(b::command);
    o.list("args", Obj::string).ifPresent(b::args);
    o.stringMap("env").ifPresent(b::env);
    o.stringMap("secrets").ifPresent(b::secrets);
    return o.build(b::build);
  }

  static Optional<CheckpointPolicy> checkpointPolicy(JsonNode node, String path, SpecCodec.Violations problems) {
    Obj o = Obj.open(node, path, problems, "a checkpoint policy", CHECKPOINT_FIELDS, "");
    if (o == null) {
      return Optional.empty();
    }
    CheckpointPolicy.Builder b = CheckpointPolicy.builder();
    o.choice("mode", CheckpointMode.values(), CheckpointMode::jsonName).ifPresent(b::mode);
    o.duration("interval").ifPresent(b::interval);
    o.duration("mtbf").ifPresent(b::mtbf);
    o.duration("write_time").ifPresent(b::writeTime);
    o.wholeInt("keep_last").ifPresent(b::keepLast);
    o.wholeInt("keep_every").ifPresent(b::keepEvery);
    return o.build(b::build);
  }

  static Optional<GpuOffer> gpuOffer(JsonNode node, String path, SpecCodec.Violations problems) {
    Obj o = Obj.open(node, path, problems, "a GPU offer", GPU_OFFER_FIELDS, "");
    if (o == null) {
      return Optional.empty();
    }
    GpuOffer.Builder b = GpuOffer.builder();
    for (String required : List.of("provider", "gpu_class", "gpu_memory_gib", "region", "price_per_hour")) {
      o.require(required, "");
    }
    o.string("provider").ifPresent(b::provider);
    o.string("gpu_class").ifPresent(b::gpuClass);
    o.wholeInt("gpu_count").ifPresent(b::gpuCount);
    o.number("gpu_memory_gib").ifPresent(b::gpuMemoryGib);
    o.string("region").ifPresent(b::region);
    o.bool("spot").ifPresent(b::spot);
    o.money("price_per_hour").ifPresent(b::pricePerHour);
    o.string("sku").ifPresent(b::sku);
    o.wholeInt("capacity").ifPresent(b::capacity);
    o.bool("price_stale").ifPresent(b::priceStale);
    return o.build(b::build);
  }

  static Optional<JobHandle> jobHandle(JsonNode node, String path, SpecCodec.Violations problems) {
    Obj o = Obj.open(node, path, problems, "a job handle", JOB_HANDLE_FIELDS, "");
    if (o == null) {
      return Optional.empty();
    }
    JobHandle.Builder b = JobHandle.builder();
    o.require("provider_id", "");
    o.require("name", "");
    o.string("provider_id").ifPresent(b::providerId);
    o.string("name").ifPresent(b::name);
    o.stringMap("attributes").ifPresent(b::attributes);
    return o.build(b::build);
  }

  /** Builds a value, turning its own invariant violations into problems at {@code path}. */
  private static <T> Optional<T> build(String path, SpecCodec.Violations problems, Supplier<T> builder) {
    try {
      return Optional.of(builder.get());
    } catch (SpecValidationException e) {
      e.under(path).violations().stream().filter(v -> !problems.related(v.path())).forEach(problems::add);
      return Optional.empty();
    }
  }

  /**
   * One JSON object being read as a spec type: checks for unknown fields once, reads fields with
   * type checks (JSON null counts as absent), and builds the value only when none of its fields had
   * a problem.
   */
  private static final class Obj {
    private final JsonNode node;
    private final String path;
    private final SpecCodec.Violations problems;
    private final int problemsBefore;

    private Obj(JsonNode node, String path, SpecCodec.Violations problems, int problemsBefore) {
      this.node = node;
      this.path = path;
      this.problems = problems;
      this.problemsBefore = problemsBefore;
    }

    /** The reader of an object, or null (with the problem reported) when {@code node} is not an object. */
    static Obj open(JsonNode node, String path, SpecCodec.Violations problems, String what, List<String> fields,
        String unknownHint) {
      if (node == SpecCodec.REPORTED) {
        return null;
      }
      if (!node.isObject()) {
        problems.add(path, "must be an object (" + what + "), got " + SpecCodec.describe(node));
        return null;
      }
      int before = problems.count();
      for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (!fields.contains(name)) {
          problems.add(SpecCodec.child(path, name), unknownField(name, fields) + unknownHint);
        }
      }
      return new Obj(node, path, problems, before);
    }

    private static String unknownField(String name, List<String> fields) {
      String shown = SpecCodec.quote(name);
      return DidYouMean.suggest(name, fields)
          .map(s -> "unknown field " + shown + "; did you mean '" + s + "'?")
          .orElseGet(() -> "unknown field " + shown + "; known fields: " + String.join(", ", fields));
    }

    void require(String field, String hint) {
      if (field(field).isEmpty()) {
        problems.add(path(field), "is required" + (hint.isEmpty() ? "" : "; " + hint));
      }
    }

    <T> Optional<T> build(Supplier<T> builder) {
      boolean clean = problems.count() == problemsBefore;
      Optional<T> value = SpecReader.build(path, problems, builder);
      return clean ? value : Optional.empty();
    }

    <T> Optional<T> nested(String field, TypeReader<T> reader) {
      return field(field).flatMap(v -> reader.read(v, path(field), problems));
    }

    Optional<String> string(String field) {
      return field(field).flatMap(v -> string(v, path(field), problems));
    }

    Optional<Integer> wholeInt(String field) {
      return field(field).flatMap(v -> whole(v, path(field), problems, Integer.MIN_VALUE, Integer.MAX_VALUE))
          .map(Long::intValue);
    }

    Optional<Long> wholeLong(String field) {
      return field(field).flatMap(v -> wholeLong(v, path(field), problems));
    }

    Optional<Double> number(String field) {
      return field(field).flatMap(v -> {
        if (v == SpecCodec.REPORTED) {
          return Optional.empty();
        }
        if (!v.isNumber()) {
          problems.add(path(field), "must be a number, got " + SpecCodec.describe(v));
          return Optional.empty();
        }
        if (!Double.isFinite(v.doubleValue())) {
          problems.add(path(field), "is too large: " + SpecCodec.describe(v));
          return Optional.empty();
        }
        return Optional.of(v.doubleValue());
      });
    }

    Optional<Boolean> bool(String field) {
      return field(field).flatMap(v -> {
        if (v == SpecCodec.REPORTED) {
          return Optional.empty();
        }
        if (!v.isBoolean()) {
          problems.add(path(field), "must be true or false, got " + SpecCodec.describe(v));
          return Optional.empty();
        }
        return Optional.of(v.booleanValue());
      });
    }

    Optional<Duration> duration(String field) {
      return field(field).flatMap(v -> {
        if (v == SpecCodec.REPORTED) {
          return Optional.empty();
        }
        if (!v.isTextual()) {
          problems.add(path(field), "must be a duration string such as \"3h\", \"30m\" or \"PT3H\", got "
              + SpecCodec.describe(v));
          return Optional.empty();
        }
        try {
          return Optional.of(Durations.parse(v.textValue()));
        } catch (IllegalArgumentException e) {
          problems.add(path(field), e.getMessage());
          return Optional.empty();
        }
      });
    }

    /** Dollars as a JSON number ({@code 2.5}) or string ({@code "2.50"}, {@code "$2.50"}), exact to the micro-dollar. */
    Optional<Money> money(String field) {
      return field(field).flatMap(v -> {
        if (v == SpecCodec.REPORTED) {
          return Optional.empty();
        }
        BigDecimal amount;
        if (v.isNumber()) {
          amount = v.decimalValue();
        } else if (v.isTextual() && DOLLARS.matcher(v.textValue()).matches()) {
          amount = new BigDecimal(v.textValue().replace("$", ""));
        } else {
          problems.add(path(field), "must be an amount of US dollars, as a number (2.5) or a string (\"2.50\"), got "
              + SpecCodec.describe(v));
          return Optional.empty();
        }
        // Compared before any scaling so that 1e999999999 costs nothing.
        if (amount.abs().compareTo(MAX_DOLLARS) > 0) {
          problems.add(path(field), "is too large: at most " + MAX_DOLLARS.toPlainString() + " dollars");
          return Optional.empty();
        }
        if (amount.signum() != 0 && amount.stripTrailingZeros().scale() > 6) {
          problems.add(path(field), "has more than 6 decimal places; amounts are exact to the micro-dollar");
          return Optional.empty();
        }
        return Optional.of(Money.ofMicros(amount.movePointRight(6).longValueExact()));
      });
    }

    <E extends Enum<E>> Optional<E> choice(String field, E[] values, Function<E, String> jsonName) {
      return choice(field, values, jsonName, s -> Optional.empty());
    }

    /** {@code hint}: a better explanation than "did you mean" for some unknown values (e.g. a value of another field). */
    <E extends Enum<E>> Optional<E> choice(String field, E[] values, Function<E, String> jsonName,
        Function<String, Optional<String>> hint) {
      return string(field).flatMap(s -> {
        for (E e : values) {
          if (jsonName.apply(e).equals(s)) {
            return Optional.of(e);
          }
        }
        List<String> names = Arrays.stream(values).map(jsonName).collect(Collectors.toList());
        problems.add(path(field), SpecCodec.quote(s) + " is not a known " + field
            + hint.apply(s).or(() -> DidYouMean.suggest(s, names).map(n -> "did you mean '" + n + "'?"))
                .map(h -> "; " + h).orElse("")
            + " (one of: " + String.join(", ", names) + ")");
        return Optional.empty();
      });
    }

    /** A JSON list whose items {@code item} reads, each reporting at its own path ({@code $.seeds[3]}). */
    <T> Optional<List<T>> list(String field, ItemReader<T> item) {
      return field(field).flatMap(v -> {
        if (v == SpecCodec.REPORTED) {
          return Optional.empty();
        }
        String at = path(field);
        if (!v.isArray()) {
          problems.add(at, "must be a list, got " + SpecCodec.describe(v));
          return Optional.empty();
        }
        List<T> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < v.size(); i++) {
          Optional<T> t = item.read(v.get(i), SpecCodec.index(at, i), problems);
          ok &= t.isPresent();
          t.ifPresent(out::add);
        }
        return ok ? Optional.of(out) : Optional.empty();
      });
    }

    Optional<Map<String, String>> stringMap(String field) {
      return field(field).flatMap(v -> {
        if (v == SpecCodec.REPORTED) {
          return Optional.empty();
        }
        String at = path(field);
        if (!v.isObject()) {
          problems.add(at, "must be an object of string values, got " + SpecCodec.describe(v));
          return Optional.empty();
        }
        Map<String, String> out = new LinkedHashMap<>();
        boolean ok = true;
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          Optional<String> s = string(e.getValue(), SpecCodec.child(at, e.getKey()), problems);
          ok &= s.isPresent();
          s.ifPresent(x -> out.put(e.getKey(), x));
        }
        return ok ? Optional.of(out) : Optional.empty();
      });
    }

    private String path(String field) {
      return SpecCodec.child(path, field);
    }

    private Optional<JsonNode> field(String field) {
      JsonNode v = node.get(field);
      return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
    }

    // Item readers: a value at a path, reporting there and returning empty when it is wrong.

    static Optional<String> string(JsonNode v, String at, SpecCodec.Violations problems) {
      if (v == SpecCodec.REPORTED) {
        return Optional.empty();
      }
      if (!v.isTextual()) {
        problems.add(at, "must be a string, got " + SpecCodec.describe(v));
        return Optional.empty();
      }
      return Optional.of(v.textValue());
    }

    static Optional<Long> wholeLong(JsonNode v, String at, SpecCodec.Violations problems) {
      return whole(v, at, problems, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    private static Optional<Long> whole(JsonNode v, String at, SpecCodec.Violations problems, long min, long max) {
      if (v == SpecCodec.REPORTED) {
        return Optional.empty();
      }
      if (v.isIntegralNumber()) {
        if (v.canConvertToLong() && v.longValue() >= min && v.longValue() <= max) {
          return Optional.of(v.longValue());
        }
        problems.add(at, "is out of range: " + SpecCodec.describe(v) + " does not fit between " + min + " and " + max);
        return Optional.empty();
      }
      problems.add(at, "must be a whole number, got " + SpecCodec.describe(v));
      return Optional.empty();
    }
  }

  @FunctionalInterface
  interface ItemReader<T> {
    Optional<T> read(JsonNode item, String path, SpecCodec.Violations problems);
  }
}
