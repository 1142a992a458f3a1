package dev.flash.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecJsonTest {
  static final String MINIMAL = """
      {"run_id": "llama-sft-1", "model": "llama-3.1-8b", "workload": {"command": ["python", "train.py"]}}
      """;

  static SpecValidationException invalid(String json) {
    return assertThrows(SpecValidationException.class, () -> SpecJson.readRunSpec(json));
  }

  /** The violation at {@code path}; fails listing all violations when there is none. */
  static Violation at(SpecValidationException e, String path) {
    return e.violations().stream().filter(v -> v.path().equals(path)).findFirst()
        .orElseThrow(() -> new AssertionError("no violation at " + path + " in " + e.violations()));
  }

  static String replace(String json, String from, String to) {
    assertTrue(json.contains(from), from);
    return json.replace(from, to);
  }

  @Test
  void minimalSpecGetsTheDocumentedDefaults() {
    RunSpec spec = SpecJson.readRunSpec(MINIMAL);
    assertEquals("llama-sft-1", spec.runId());
    assertEquals(ModelRef.catalog("llama-3.1-8b"), spec.model());
    assertEquals(TrainingSetup.defaults(), spec.training());
    assertEquals(Resources.defaults(), spec.resources());
    assertEquals(List.of(0L), spec.seeds());
    assertEquals(List.of("python", "train.py"), spec.workload().command());
  }

  static RunSpec fullSpec() {
    return RunSpec.builder()
        .runId("qwen-rl-7")
        .model(ModelRef.of(ModelCatalog.builtIn().find("qwen3-30b-a3b").orElseThrow().architecture()))
        .training(TrainingSetup.builder().method(TrainingMethod.RL).adaptation(Adaptation.QLORA).loraRank(32)
            .loraAlpha(16).loraTargets(List.of("q_proj", "v_proj")).quantizationBits(4)
            .precision(Precision.AMP_BF16).optimizer(Optimizer.ADAMW_8BIT).gradientCheckpointing(true)
            .attention(AttentionImpl.EAGER).microBatch(2).globalBatch(64).seqLen(4096).epochs(1.5)
            .examples(120_000).rlGroupSize(16).completionLength(512).fusedCrossEntropy(true)
            .sharding(Sharding.ZERO3).gpus(8).shardingDegree(4).build())
        .resources(Resources.builder().gpu("h100").minGpuMemoryGib(79.5).gpuCount(4).nodeCount(2)
            .spotAllowed(true).maxPricePerHour(Money.usd("23.456789")).addProviders("runpod", "lambda")
            .addRegions("us-east-1").wallClockCap(Duration.ofMinutes(90)).build())
        .workload(Workload.builder().image("ghcr.io/acme/trainer:1.4").addCommand("python", "-m", "trainer")
            .addArgs("--epochs=2", "--note=ünïcödé ✓").putEnv("WANDB_PROJECT", "flash")
            .putSecrets("HF_TOKEN", "env:HF_TOKEN").build())
        .seeds(List.of(0L, 7L, 999_999L))
        .checkpoint(CheckpointPolicy.builder().mode(CheckpointMode.FIXED).interval(Duration.ofMillis(1500))
            .mtbf(Duration.ofHours(30)).writeTime(Duration.ZERO).keepLast(5).keepEvery(10).build())
        .budget(Money.usd("1500.25"))
        .labels(Map.of("team", "nlp", "cost-center", "r.and.d"))
        .build();
  }

  @Test
  void everyFieldRoundTripsUnchanged() {
    RunSpec spec = fullSpec();
    String json = SpecJson.write(spec);
    RunSpec back = SpecJson.readRunSpec(json);
    assertEquals(spec, back);
    assertEquals(json, SpecJson.write(back), "writing is stable");
  }

  @Test
  void writesSnakeCaseInAFixedOrderWithCompactDurationsAndExactDollars() {
    String json = SpecJson.write(fullSpec());
    assertTrue(json.indexOf("\"run_id\"") < json.indexOf("\"model\"")
        && json.indexOf("\"model\"") < json.indexOf("\"training\"")
        && json.indexOf("\"workload\"") < json.indexOf("\"seeds\""), json);
    assertTrue(json.contains("\"wall_clock_cap\" : \"1h30m\""), json);
    assertTrue(json.contains("\"interval\" : \"1500ms\""), json);
    assertTrue(json.contains("\"write_time\" : \"0s\""), json);
    assertTrue(json.contains("\"max_price_per_hour\" : 23.456789"), json);
    assertTrue(json.contains("\"budget\" : 1500.25"), json);
    assertTrue(json.contains("\"micro_batch\" : 2"), json);
    assertTrue(json.endsWith("}\n"), json);
  }

  @Test
  void anUnknownFieldNamesItsPathAndTheClosestKnownField() {
    SpecValidationException e = invalid(replace(MINIMAL, "\"workload\"",
        "\"training\": {\"micro_btach\": 4}, \"workload\""));
    Violation v = at(e, "$.training.micro_btach");
    assertEquals("unknown field \"micro_btach\"; did you mean 'micro_batch'?", v.message());
    assertTrue(e.getMessage().contains("$.training.micro_btach: unknown field"), e.getMessage());
  }

  @Test
  void anUnknownFieldFarFromAnyKnownOneListsTheKnownFields() {
    Violation v = at(invalid(replace(MINIMAL, "\"workload\"", "\"zzzzzzzz\": 1, \"workload\"")), "$.zzzzzzzz");
    assertTrue(v.message().contains("known fields: run_id, model, training"), v.message());
  }

  @Test
  void everyProblemOfTheDocumentIsReportedAtOnce() {
    SpecValidationException e = invalid("""
        {"run_id": "Bad Id!", "model": 42,
         "training": {"micro_batch": "4", "precision": "bf61", "seq_len": 0},
         "resources": {"gpu_count": 2.5, "wall_clock_cap": "3 hours", "max_price_per_hour": "cheap"},
         "workload": {"command": ["python", 3]},
         "seeds": [1, -1], "budget": 1.0000001, "colour": "red"}
        """);
    Map<String, String> byPath = e.violations().stream()
        .collect(Collectors.toMap(Violation::path, Violation::message, (a, b) -> a + " | " + b));
    assertEquals(List.of("$.budget", "$.colour", "$.model", "$.resources.gpu_count",
        "$.resources.max_price_per_hour", "$.resources.wall_clock_cap", "$.run_id", "$.seeds",
        "$.training.micro_batch", "$.training.precision", "$.training.seq_len", "$.workload.command[1]"),
        byPath.keySet().stream().sorted().toList());
    assertEquals("must be a whole number, got the string \"4\"", byPath.get("$.training.micro_batch"));
    assertEquals("\"bf61\" is not a known precision; did you mean 'bf16'? (one of: bf16, fp16, fp32, amp_bf16, "
        + "amp_fp16)", byPath.get("$.training.precision"));
    assertEquals("must be a whole number, got the number 2.5", byPath.get("$.resources.gpu_count"));
    SpecValidationException swapped = assertThrows(SpecValidationException.class, () -> SpecJson.readRunSpec("""
        {"run_id": "swap-1", "model": "llama-3.1-8b", "training": {"method": "qlora", "adaptation": "sft"},
         "workload": {"command": ["python", "train.py"]}}
        """));
    assertEquals(List.of("$.training.method: \"qlora\" is not a known method; 'qlora' is an adaptation: write "
            + "\"adaptation\": \"qlora\" (one of: sft, rl, pretrain)",
        "$.training.adaptation: \"sft\" is not a known adaptation; 'sft' is a method: write \"method\": \"sft\" "
            + "(one of: full, lora, qlora)"),
        swapped.violations().stream().map(v -> v.path() + ": " + v.message()).toList());
    assertEquals("must be a string, got the number 3", byPath.get("$.workload.command[1]"));
    assertTrue(byPath.get("$.resources.wall_clock_cap").contains("'3 hours' is not a duration"),
        byPath.get("$.resources.wall_clock_cap"));
    assertTrue(byPath.get("$.budget").contains("more than 6 decimal places"), byPath.get("$.budget"));
    assertTrue(byPath.get("$.seeds").startsWith("must be between 0 and 999999"), byPath.get("$.seeds"));
    assertEquals("must be between 1 and 100000000, got 0", byPath.get("$.training.seq_len"));
    assertTrue(e.getMessage().startsWith("invalid spec (12 problems):"), e.getMessage());
  }

  @Test
  void invariantsOfNestedTypesAreReportedUnderTheirJsonPath() {
    SpecValidationException e = invalid(replace(MINIMAL, "\"workload\"",
        "\"training\": {\"micro_batch\": 3, \"global_batch\": 10, \"seq_len\": 0}, "
            + "\"checkpoint\": {\"mode\": \"fixed\"}, \"workload\""));
    assertTrue(at(e, "$.training.global_batch").message().startsWith("must be a multiple of micro_batch × gpus (3)"));
    assertEquals("must be between 1 and 100000000, got 0", at(e, "$.training.seq_len").message());
    assertTrue(at(e, "$.checkpoint.interval").message().startsWith("is required when mode is fixed"));
  }

  @Test
  void missingRequiredFieldsSayWhatToGive() {
    SpecValidationException e = invalid("{}");
    assertTrue(at(e, "$.run_id").message().startsWith("is required; give the run a name"));
    assertTrue(at(e, "$.model").message().startsWith("is required; name a catalog model"));
    assertTrue(at(e, "$.workload").message().startsWith("is required; say what runs"));
  }

  @Test
  void aRunIdBreakingTheRuleExplainsTheRule() {
    Violation v = at(invalid(replace(MINIMAL, "llama-sft-1", "Llama_SFT")), "$.run_id");
    assertEquals("'Llama_SFT' is not a valid run id: " + RunSpec.RUN_ID_RULE, v.message());
  }

  @Test
  void nullMeansNotGiven() {
    RunSpec spec = SpecJson.readRunSpec(replace(MINIMAL, "\"workload\"", "\"budget\": null, \"training\": null, \"workload\""));
    assertTrue(spec.budget().isEmpty());
    assertEquals(TrainingSetup.defaults(), spec.training());
    assertTrue(at(invalid(replace(MINIMAL, "\"llama-3.1-8b\"", "null")), "$.model").message().startsWith("is required"));
  }

  @Test
  void aDuplicateKeyIsAViolationAtItsPath() {
    SpecValidationException e = invalid(replace(MINIMAL, "\"workload\"",
        "\"training\": {\"seq_len\": 512, \"seq_len\": 1024}, \"workload\""));
    assertTrue(at(e, "$.training.seq_len").message().startsWith("appears twice in the same object (again at line 1"),
        e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"run_id\": \"a\",| malformed JSON at line 1, column 16: Unexpected end-of-input",
      "{\"run_id\" \"a\"}| malformed JSON at line 1, column 11",
      "[1, 2,]| malformed JSON at line 1, column 7",
      "{} {}| malformed JSON at line 1, column 4: unexpected content after the end of the document",
      "{'run_id': 1}| malformed JSON at line 1, column 2: Unexpected character",
      "'   '| a run spec is empty",
  })
  void malformedJsonIsAValidationErrorWithLineAndColumn(String json, String expected) {
    SpecValidationException e = invalid(json);
    assertEquals("$", e.violations().get(0).path());
    assertTrue(e.violations().get(0).message().startsWith(expected.strip()), e.violations().get(0).message());
  }

  @Test
  void aDocumentThatIsNotAnObjectSaysWhatItIs() {
    assertEquals("must be an object (a run spec), got a list", at(invalid("[]"), "$").message());
    assertEquals("must be an object (a run spec), got the string \"x\"", at(invalid("\"x\""), "$").message());
  }

  @Test
  void oversizedInputIsRejectedWithAClearError() {
    String huge = "x".repeat(70_000);
    Violation s = at(invalid(replace(MINIMAL, "\"train.py\"", "\"" + huge + "\"")), "$.workload.command[1]");
    assertEquals("is a string of 70000 characters; at most 65536 are accepted", s.message());

    String deep = "[".repeat(40) + "]".repeat(40);
    Violation d = at(invalid(replace(MINIMAL, "\"workload\"", "\"labels\": " + deep + ", \"workload\"")),
        "$.labels" + "[0]".repeat(31));
    assertEquals("is nested deeper than 32 levels; flatten it", d.message());

    String veryDeep = "[".repeat(100_000);
    assertTrue(invalid(veryDeep).getMessage().contains("too large or too deeply nested"));

    String many = "[" + "0,".repeat(20_000) + "0]";
    assertEquals("has more than 10000 items", at(invalid(replace(MINIMAL, "\"workload\"",
        "\"seeds\": " + many + ", \"workload\"")), "$.seeds").message());

    String document = " ".repeat(5 * 1024 * 1024) + "{}";
    assertTrue(invalid(document).getMessage().contains("at most 4194304 are accepted"));
  }

  @Test
  void extremeNumbersAreOutOfRangeNotOverflowed() {
    SpecValidationException e = invalid(replace(MINIMAL, "\"workload\"",
        "\"training\": {\"micro_batch\": 99999999999999999999999, \"epochs\": 1e999, \"steps\": 9223372036854775807},"
            + " \"budget\": 1e999999999, \"workload\""));
    assertTrue(at(e, "$.training.micro_batch").message().startsWith("is out of range"));
    assertEquals("is too large: the number 1E+999", at(e, "$.training.epochs").message());
    assertEquals("must be between 1 and 1000000000000, got 9223372036854775807", at(e, "$.training.steps").message());
    assertEquals("is too large: at most 1000000000000 dollars", at(e, "$.budget").message());
  }

  @Test
  void textThatIsNotValidUnicodeIsRejected() {
    Violation v = at(invalid(replace(MINIMAL, "\"train.py\"", "\"\\ud800x\"")), "$.workload.command[1]");
    assertTrue(v.message().startsWith("contains an unpaired UTF-16 surrogate"), v.message());
    Violation nul = at(invalid(replace(MINIMAL, "\"train.py\"", "\"a\\u0000b\"")), "$.workload.command[1]");
    assertTrue(nul.message().startsWith("contains a NUL character"), nul.message());
  }

  @Test
  void oddFieldNamesGetBracketedPaths() {
    Violation v = at(invalid(replace(MINIMAL, "\"workload\"", "\"a.b c\": 1, \"workload\"")), "$[\"a.b c\"]");
    assertTrue(v.message().startsWith("unknown field \"a.b c\""), v.message());
  }

  @ParameterizedTest
  @CsvSource({"3h, PT3H", "30m, PT30M", "90s, PT1M30S", "1500ms, PT1.5S", "1h30m, PT1H30M", "PT3H, PT3H",
      "pt2h5m, PT2H5M", "2d, PT48H", "1us, PT0.000001S", "7ns, PT0.000000007S"})
  void durationsAcceptTheShortAndIsoForms(String text, String iso) {
    assertEquals(Duration.parse(iso), SpecJson.parseDuration(text));
  }

  @ParameterizedTest
  @CsvSource({"PT1H30M, 1h30m", "PT1.5S, 1500ms", "PT90S, 1m30s", "PT48H, 2d", "PT0S, 0s", "PT0.000001S, 1us",
      "PT-1H, PT-1H"})
  void durationsAreWrittenCompactlyAndReadBack(String iso, String compact) {
    Duration d = Duration.parse(iso);
    assertEquals(compact, SpecJson.formatDuration(d));
    assertEquals(d, SpecJson.parseDuration(compact));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"3 hours|is not a duration", "30m1h|largest unit first", "1h1h|largest unit first",
      "3|is not a duration", "h|is not a duration", "1.5h|is not a duration", "P|not a valid ISO-8601 duration",
      "99999999999999999999h|is too long a duration", "9999999999999999d|is too long a duration"})
  void badDurationsSayWhichFormsAreAccepted(String text, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpecJson.parseDuration(text));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    Violation v = at(invalid(replace(MINIMAL, "\"workload\"",
        "\"resources\": {\"wall_clock_cap\": \"" + text + "\"}, \"workload\"")), "$.resources.wall_clock_cap");
    assertTrue(v.message().contains(expected), v.message());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"2.5|2500000", "\"2.50\"|2500000", "\"$2.50\"|2500000", "3|3000000",
      "0.000001|1", "\"1200\"|1200000000", "2.500000000|2500000"})
  void dollarsAreANumberOrAStringExactToTheMicroDollar(String json, long micros) {
    RunSpec spec = SpecJson.readRunSpec(replace(MINIMAL, "\"workload\"", "\"budget\": " + json + ", \"workload\""));
    assertEquals(Money.ofMicros(micros), spec.budget().orElseThrow());
  }

  @Test
  void anInlineModelIsAnArchitectureObject() {
    RunSpec spec = SpecJson.readRunSpec(replace(MINIMAL, "\"llama-3.1-8b\"", """
        {"model_type": "llama", "hidden_size": 2048, "num_hidden_layers": 16, "num_attention_heads": 32,
         "num_key_value_heads": 8, "head_dim": 64, "intermediate_size": 8192, "vocab_size": 128256,
         "tie_word_embeddings": true}"""));
    assertEquals(1_235_814_400L, spec.model().architecture().orElseThrow().parameterCount());
    Violation v = at(invalid(replace(MINIMAL, "\"llama-3.1-8b\"", "{\"hidden_size\": 8, \"torch_dtype\": \"bf16\"}")),
        "$.model.torch_dtype");
    assertTrue(v.message().endsWith("(to use a Hugging Face config.json, read it with ModelCatalog.fromConfigJson)"),
        v.message());
    assertEquals("must be a model catalog id (a string such as \"llama-3.1-8b\") or an object of architecture "
        + "fields, got true", at(invalid(replace(MINIMAL, "\"llama-3.1-8b\"", "true")), "$.model").message());
  }

  @Test
  void trainingGpusFollowTheResourcesWhenNotGiven() {
    RunSpec spec = SpecJson.readRunSpec(replace(MINIMAL, "\"workload\"",
        "\"training\": {\"micro_batch\": 2, \"sharding\": \"zero3\"},"
            + " \"resources\": {\"gpu_count\": 4, \"node_count\": 2}, \"workload\""));
    assertEquals(8, spec.totalGpus());
    assertEquals(8, spec.training().gpus());
    assertEquals(16, spec.training().globalBatch(), "no accumulation: micro_batch × gpus");
    assertEquals(8, spec.training().shardingDegree(), "sharded over all GPUs");
    assertEquals(4, spec.gpusPerNode());
    assertEquals(spec, SpecJson.readRunSpec(SpecJson.write(spec)));
  }

  @Test
  void anExplicitAccumulatingGlobalBatchIsKeptAndChecked() {
    RunSpec spec = SpecJson.readRunSpec(replace(MINIMAL, "\"workload\"",
        "\"training\": {\"micro_batch\": 2, \"global_batch\": 64}, \"resources\": {\"gpu_count\": 8}, \"workload\""));
    assertEquals(64, spec.training().globalBatch());
    Violation v = at(invalid(replace(MINIMAL, "\"workload\"",
        "\"training\": {\"micro_batch\": 2, \"global_batch\": 24}, \"resources\": {\"gpu_count\": 8}, \"workload\"")),
        "$.training.global_batch");
    assertTrue(v.message().startsWith("must be a multiple of micro_batch × gpus (16), got 24"), v.message());
    assertTrue(v.message().endsWith("(training.gpus follows resources: 8 GPUs)"), v.message());
  }

  @Test
  void trainingGpusThatContradictTheResourcesAreAnError() {
    Violation v = at(invalid(replace(MINIMAL, "\"workload\"",
        "\"training\": {\"gpus\": 4}, \"resources\": {\"gpu_count\": 8}, \"workload\"")), "$.training.gpus");
    assertEquals("is 4 but resources ask for 8 GPU(s) × 1 node(s); make them agree or leave training.gpus out",
        v.message());
  }

  @Test
  void javaBuiltSpecsFollowTheResourcesToo() {
    RunSpec spec = RunSpec.builder().runId("java-built").model(ModelRef.catalog("gpt2"))
        .workload(Workload.builder().addCommand("true").build())
        .resources(Resources.builder().gpuCount(4).build()).build();
    assertEquals(4, spec.training().gpus());
    assertEquals(4, spec.training().globalBatch());
  }

  @Test
  void aJavaBuilderMissingRequiredPartsGetsViolationsNotANullPointer() {
    SpecValidationException e = assertThrows(SpecValidationException.class,
        () -> RunSpec.builder().runId("no-model").build());
    assertEquals(List.of("$.model", "$.workload"), e.violations().stream().map(Violation::path).toList());
  }

  @Test
  void seedsMustFitResourceNames() {
    Violation v = at(invalid(replace(MINIMAL, "\"workload\"", "\"seeds\": [1000000], \"workload\"")), "$.seeds");
    assertEquals("must be between 0 and 999999 (a seed is part of each cloud resource name)", v.message());
  }

  @Test
  void jobHandlesRoundTripForTheJournal() {
    JobHandle h = JobHandle.builder().providerId("runpod").name("flash-run-s0-a1")
        .putAttributes("pod_id", "abc123").putAttributes("price", "2.69").putAttributes("ünï", "✓").build();
    String json = SpecJson.writeJobHandle(h);
    assertEquals(h, SpecJson.readJobHandle(json));
    assertEquals(json, SpecJson.write(h));
    assertTrue(json.indexOf("\"pod_id\"") < json.indexOf("\"price\""), "attributes sorted: " + json);
    SpecValidationException e = assertThrows(SpecValidationException.class,
        () -> SpecJson.readJobHandle("{\"provider_id\": \"\", \"attributes\": {\"k\": 1}}"));
    assertEquals(List.of("$.name", "$.attributes.k", "$.provider_id"),
        e.violations().stream().map(Violation::path).toList());
    assertEquals("must not be blank", at(e, "$.provider_id").message());
  }

  @Test
  void gpuOffersRoundTrip() {
    GpuOffer offer = GpuOffer.builder().provider("lambda").gpuClass("h100-80gb-sxm").gpuCount(8).gpuMemoryGib(80)
        .region("us-east-1").spot(true).pricePerHour(Money.usd("31.92")).sku("gpu_8x_h100_sxm5").capacity(3)
        .priceStale(true).build();
    assertEquals(offer, SpecJson.readGpuOffer(SpecJson.write(offer)));
    GpuCatalog.builtIn().priceSnapshot().forEach(o -> assertEquals(o, SpecJson.readGpuOffer(SpecJson.write(o))));
  }

  @Test
  void eachSpecTypeReadsAndWritesOnItsOwn() {
    RunSpec spec = fullSpec();
    assertEquals(spec.training(), SpecJson.readTrainingSetup(SpecJson.write(spec.training())));
    assertEquals(spec.resources(), SpecJson.readResources(SpecJson.write(spec.resources())));
    assertEquals(spec.workload(), SpecJson.readWorkload(SpecJson.write(spec.workload())));
    assertEquals(spec.checkpoint(), SpecJson.readCheckpointPolicy(SpecJson.write(spec.checkpoint())));
    assertEquals(spec.model(), SpecJson.readModelRef(SpecJson.write(spec.model())));
    assertEquals(ModelRef.catalog("gpt2"), SpecJson.readModelRef("\"gpt2\""));
    Architecture a = spec.model().architecture().orElseThrow();
    assertEquals(a, SpecJson.readArchitecture(SpecJson.write(a)));
    for (ModelCatalog.Entry m : ModelCatalog.builtIn().all()) {
      assertEquals(m.architecture(), SpecJson.readArchitecture(SpecJson.write(m.architecture())), m.id());
    }
    Violation v = at(assertThrows(SpecValidationException.class,
        () -> SpecJson.readResources("{\"gpu_count\": 0, \"spot\": true}")), "$.spot");
    assertEquals("unknown field \"spot\"; did you mean 'spot_allowed'?", v.message());
  }

  @Test
  void aSecretValueInEnvIsPointedAtItsPathWithTheFix() {
    Violation v = at(invalid(replace(MINIMAL, "\"command\"", "\"env\": {\"HF_TOKEN\": \"hf_abc\"}, \"command\"")),
        "$.workload.env.HF_TOKEN");
    assertEquals("looks like a secret: move it to \"secrets\" as a reference, e.g. \"HF_TOKEN\": \"env:HF_TOKEN\"",
        v.message());
    assertFalse(v.message().contains("hf_abc"));
  }

  @Test
  void aFlood_of_problemsIsCappedWithACount() {
    String many = "[" + "\"x\",".repeat(300) + "\"x\"]";
    SpecValidationException e = invalid(replace(MINIMAL, "\"workload\"", "\"seeds\": " + many + ", \"workload\""));
    assertEquals(101, e.violations().size());
    assertEquals("201 more problem(s) not listed; fix the ones above first", e.violations().get(100).message());
  }
}
