package dev.flash.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flash.core.Adaptation;
import dev.flash.core.Architecture;
import dev.flash.core.CheckpointPolicy;
import dev.flash.core.JobHandle;
import dev.flash.core.ModelRef;
import dev.flash.core.Money;
import dev.flash.core.Resources;
import dev.flash.core.RunSpec;
import dev.flash.core.Secret;
import dev.flash.core.TrainingSetup;
import dev.flash.core.Workload;
import dev.flash.core.spi.LaunchRequest;
import dev.flash.core.spi.Provider;
import dev.flash.core.spi.ProviderConfig;
import dev.flash.providers.ApiKeyPool;
import dev.flash.providers.Providers;
import dev.flash.providers.RestClient;
import dev.flash.providers.RunHandle;
import dev.flash.providers.RunResult;
import dev.flash.providers.RunSupervisor;
import dev.flash.providers.S3Artifacts;
import dev.flash.providers.hyperstack.HyperstackOptions;
import dev.flash.providers.hyperstack.HyperstackProvider;
import dev.flash.providers.lambda.LambdaOptions;
import dev.flash.providers.lambda.LambdaProvider;
import dev.flash.providers.local.LocalProvider;
import dev.flash.providers.runpod.RunPodOptions;
import dev.flash.providers.runpod.RunPodProvider;
import dev.flash.samples.scheduler.ArtifactStore;
import dev.flash.samples.scheduler.ClaimedJob;
import dev.flash.samples.scheduler.JobManifest;
import dev.flash.samples.scheduler.JobQueue;
import dev.flash.samples.scheduler.SchedulerClient;
import dev.flash.samples.scheduler.SchedulerServer;
import dev.flash.samples.scheduler.WorkerCapability;
import dev.flash.samples.trainer.ExampleTrainer;
import dev.flash.testkit.Chaos;
import dev.flash.testkit.FakeCloud;
import dev.flash.testkit.JobScript;
import dev.flash.testkit.LogCapture;
import dev.flash.testkit.ReceivedRequest;
import dev.flash.testkit.VirtualClock;
import dev.flash.testkit.stubs.ApiStub;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distinctive fake credentials (provider API keys, a key the providers refuse, workload secrets, the
 * artifact store's S3 keys, the scheduler's operator token) go through full lifecycles: the local
 * provider running real child processes (the example trainer, with checkpoints), the fake cloud
 * (faults, a lost launch answer, a refused key), the RunPod provider over its stub (key fail-over, a
 * pod with secrets), the Lambda and Hyperstack providers over their stubs with an S3 bucket
 * ({@link ArtifactBucket}) and boxes that boot for real from the user data they were sent
 * ({@link CloudBoxes}: the agent in bash, curl to its presigned URLs), the scheduler (operator calls
 * with the right, a wrong and no token). Everything they produce is then scanned for every credential,
 * verbatim, by its distinctive middle, or base64-encoded: the captured logs at DEBUG (this test runs
 * in its own JVM with every flash logger at DEBUG), exception messages, {@code toString()} of each
 * object met on the way and of an instance of every public API type that can be made, the journals,
 * every file under the test's directory (run directories, artifacts, checkpoints, the scheduler's
 * database, every file on the boxes), the requests the stubs recorded with the user data of each
 * create on its own, and every request the bucket answered and every object left in it.
 *
 * <p>The allowed places, each checked to hold what it should (so the scan could see a credential
 * there):
 *
 * <ul>
 *   <li>A provider key (the refused one included) only in its own provider's authentication header
 *       ({@code Authorization}, Hyperstack's {@code api_key}).
 *   <li>A workload secret, on the fake cloud and RunPod, only in the launch request's environment for
 *       the box; on the local provider, in the child process's environment (its sha256 on the
 *       console); on Lambda and Hyperstack, only in the attempt's {@code secrets.env} object
 *       ({@code NAME=base64(value)}: the control plane's PUT to the bucket), which the box fetches and
 *       deletes through its own URLs (both checked; none is left), then in the container's environment
 *       (the fake {@code docker} prints the sha256 of each variable, which must reach the console). The
 *       agent's root-only copy ({@code secrets} on the box) is gone when the workload starts: checked.
 *       Never in the user data.
 *   <li>The S3 secret access key nowhere: only its SigV4 signatures travel, and the bucket verifies
 *       each one (counted).
 *   <li>The S3 access key id only as the credential scope of a presigned URL's
 *       {@code X-Amz-Credential=<id>/<date>/<region>/s3/aws4_request}, and only where presigned URLs
 *       go ({@link #PRESIGNED_URL_PLACES}): the user data, the bucket's request lines, the upload of a
 *       boot script staged behind a loader, the boxes' copies of their boot scripts (cloud-init's
 *       {@code user-data.txt}, the loader's {@code boot.sh}); not in any other file on the boxes, nor
 *       in logs, exceptions or {@code toString()} (the store names its key by the last four
 *       characters). S3 also accepts the same scope in an
 *       {@code Authorization: AWS4-HMAC-SHA256 Credential=…} header; flash's store signs only query
 *       strings, so no header of the bucket's requests is excepted.
 *   <li>The operator token only in the Authorization header of operator calls (not recorded anywhere).
 * </ul>
 */
class SecretsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final ApiStub RUNPOD = ApiStub.runpod();
  @RegisterExtension
  static final ApiStub LAMBDA = ApiStub.lambda();
  @RegisterExtension
  static final ApiStub HYPERSTACK = ApiStub.hyperstack();

  /** Where presigned URLs go, so where an S3 access key id may stand in an {@code X-Amz-Credential} parameter. */
  static final Set<String> PRESIGNED_URL_PLACES = Set.of("Lambda stub user data", "Hyperstack stub user data",
      "artifact store request lines and headers", "artifact store uploads of staged boot scripts",
      "boot scripts on the boxes");

  @TempDir
  Path root;

  static String token(String prefix) {
    byte[] b = new byte[12];
    new SecureRandom().nextBytes(b);
    return prefix + HexFormat.of().formatHex(b);
  }

  final Map<String, String> secrets = new LinkedHashMap<>();
  final String fakeCloudKey = put("fake cloud API key", token("fck_SECRET_"));
  final String refusedKey = put("refused provider key (first in the RunPod, Lambda and Hyperstack pools)",
      token("rpa_REFUSED_"));
  final String hfToken = put("workload secret HF_TOKEN", token("hf_SECRET_"));
  final String wandbKey = put("workload secret WANDB_API_KEY", token("wandb_SECRET_"));
  final String operatorToken = put("scheduler operator token", token("op_SECRET_"));
  final String wrongOperatorToken = put("wrong operator token", token("op_WRONG_"));
  final String reflectionKey = put("secret given to every public constructor", token("refl_SECRET_"));
  final String runpodKey = put("RunPod key (the stub's)", RUNPOD.apiKey().reveal());
  final String lambdaKey = put("Lambda key (the stub's)", LAMBDA.apiKey().reveal());
  final String hyperstackKey = put("Hyperstack key (the stub's)", HYPERSTACK.apiKey().reveal());
  final String s3AccessKeyId = put("S3 access key id", accessKeyId());
  final String s3SecretKey = put("S3 secret access key", token("s3_SECRET_"));
  final String refusedS3SecretKey = put("refused S3 secret access key", token("s3_REFUSED_"));

  /** What was looked at, by where it came from. */
  final Map<String, StringBuilder> scanned = new TreeMap<>();
  final List<Object> seen = new CopyOnWriteArrayList<>();
  final List<Throwable> errors = new CopyOnWriteArrayList<>();
  final Map<String, Integer> allowedSightings = new TreeMap<>();

  /** Shaped like AWS's: AKIA and 16 upper-case letters and digits. */
  static String accessKeyId() {
    byte[] b = new byte[8];
    new SecureRandom().nextBytes(b);
    return "AKIA" + HexFormat.of().withUpperCase().formatHex(b);
  }

  String put(String name, String value) {
    secrets.put(name, value);
    return value;
  }

  void scan(String where, String text) {
    scanned.computeIfAbsent(where, w -> new StringBuilder()).append(text).append('\n');
  }

  Map<String, String> workloadEnv() {
    return Map.of("HF_TOKEN", hfToken, "WANDB_API_KEY", wandbKey);
  }

  Workload.Builder workload() {
    return Workload.builder().putSecrets("HF_TOKEN", "env:HF_TOKEN").putSecrets("WANDB_API_KEY", "env:WANDB_API_KEY")
        .putEnv("MODE", "secrets-test");
  }

  @Test
  void noCredentialAppearsInAnythingALifecycleProduces() throws Exception {
    assertTrue(org.slf4j.LoggerFactory.getLogger("dev.flash.providers").isDebugEnabled(), "SecretsTest needs every "
        + "dev.flash logger at DEBUG from the start: it runs in the pom's own 'secrets' execution (its own JVM)");
    LogCapture.Session capture = LogCapture.systemStreams().start();
    String logs;
    try {
      localProvider();
      fakeCloud();
      runPod();
      cloudBoxes();
      scheduler();
      publicTypes();
    } finally {
      logs = capture.stop();
    }
    scan("logs at DEBUG", logs);
    for (Throwable t : errors) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        scan("exception messages", c.getClass().getName() + ": " + c.getMessage());
        scan("exception messages", c.toString());
      }
    }
    for (Object o : seen) {
      scan("toString of " + o.getClass().getName(), String.valueOf(o));
    }
    int files = scanFiles(root);

    Map<String, List<String>> hits = new TreeMap<>();
    Pattern credentialScope = Pattern.compile("X-Amz-Credential=" + Pattern.quote(s3AccessKeyId) + "(%2F|/)");
    scanned.forEach((where, scannedText) -> {
      String text = scannedText.toString();
      if (PRESIGNED_URL_PLACES.contains(where)) {
        Matcher m = credentialScope.matcher(text);
        allowedSightings.merge("S3 access key id as X-Amz-Credential in " + where, (int) m.results().count(),
            Integer::sum);
        text = m.replaceAll("X-Amz-Credential=$1");
      }
      for (Map.Entry<String, String> secret : secrets.entrySet()) {
        if (contains(text, secret.getValue())) {
          hits.computeIfAbsent(where, w -> new ArrayList<>()).add(secret.getKey());
        }
      }
    });
    Figures f = new Figures("secrets", secrets.size() + " credentials, DEBUG logging");
    java.util.Set<String> kinds = new java.util.TreeSet<>();
    scanned.keySet().forEach(k -> kinds.add(k.startsWith("toString of ") ? "toString()" : k));
    f.put("sources_scanned", kinds)
        .put("types_whose_toString_was_scanned", scanned.keySet().stream().filter(k -> k.startsWith("toString of "))
            .map(k -> k.replace(" (made reflectively)", "")).distinct().count())
        .put("characters_scanned", scanned.values().stream().mapToLong(StringBuilder::length).sum())
        .put("log_lines_at_debug", logs.lines().count())
        .put("files_scanned", files)
        .put("objects_whose_toString_was_scanned", seen.size())
        .put("exceptions_scanned", errors.size())
        .put("sightings_in_allowed_places", allowedSightings)
        .put("hits", hits.isEmpty() ? "0" : hits.toString());
    f.print();
    assertEquals(Map.of(), hits, "credentials found outside their allowed places");
    assertTrue(logs.contains("DEBUG"), "the logs were captured at DEBUG");
    List<String> places = new ArrayList<>(List.of("fake cloud Authorization header",
        "fake cloud launch env (workload secrets)", "RunPod Authorization header",
        "RunPod create env (workload secrets)", "local child process (sha256 seen)",
        "S3 secret access key as SigV4 signatures the bucket verified"));
    for (String provider : List.of("Lambda", "Hyperstack")) {
      places.add(provider + " secrets.env PUT to the bucket (workload secrets, base64)");
      places.add(provider + " secrets.env fetched by the box");
      places.add(provider + " secrets.env deleted by the box");
      places.add(provider + " box container environment (sha256 on the console)");
      places.add(provider + " " + (provider.equals("Lambda") ? "Authorization" : "api_key")
          + " header, refused key (fail-over)");
    }
    places.add("Lambda Authorization header");
    places.add("Hyperstack api_key header");
    PRESIGNED_URL_PLACES.forEach(where -> places.add("S3 access key id as X-Amz-Credential in " + where));
    for (String place : places) {
      assertTrue(allowedSightings.getOrDefault(place, 0) > 0, "no sighting in " + place + ": " + allowedSightings);
    }
  }

  /** Real child processes: the example trainer (checkpoints, heartbeats, DONE) and a shell that proves delivery. */
  void localProvider() throws Exception {
    Path work = root.resolve("local-work");
    LocalProvider local = LocalProvider.builder().workDir(work).gpuProbe(List::of).build();
    seen.add(local);
    List<String> trainer = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
        ExampleTrainer.class.getName(), "--step-millis", "2");
    Architecture tiny = Architecture.builder().modelType("linear-regression").hiddenSize(16).numHiddenLayers(1)
        .numAttentionHeads(1).intermediateSize(16).vocabSize(16).build();
    RunSpec.Builder base = RunSpec.builder().model(ModelRef.of(tiny))
        .resources(Resources.builder().providers(List.of("local")).wallClockCap(Duration.ofMinutes(5)).build())
        .checkpoint(CheckpointPolicy.builder().mtbf(Duration.ofSeconds(2)).build());
    RunSpec train = base.runId("secrets-local-train").training(TrainingSetup.builder().steps(400).build())
        .workload(workload().command(trainer).build()).build();
    RunSpec shell = RunSpec.builder().from(train).runId("secrets-local-shell")
        .workload(workload().addCommand("sh", "-c", "printf %s \"$HF_TOKEN\" | sha256sum; echo delivered").build())
        .build();
    try (RunSupervisor s = RunSupervisor.builder(List.of(local)).journal(root.resolve("local-journal"))
        .pollInterval(Duration.ofMillis(100)).secretEnvironment(name -> Optional.ofNullable(workloadEnv().get(name)))
        .build()) {
      seen.add(s);
      RunHandle a = s.submit(train);
      RunHandle b = s.submit(shell);
      for (RunHandle h : List.of(a, b)) {
        RunResult r = h.result().get(3, TimeUnit.MINUTES);
        seen.add(h);
        seen.add(r);
        seen.addAll(r.attempts());
        assertTrue(r.succeeded(), h.runId() + ": " + r.detail());
      }
      // A run whose secret is not set in the control process fails, naming the secret, not a value.
      RunHandle missing = s.submit(RunSpec.builder().from(shell).runId("secrets-local-missing")
          .workload(workload().putSecrets("OTHER_TOKEN", "env:OTHER_TOKEN").addCommand("true").build()).build());
      RunResult m = missing.result().get(1, TimeUnit.MINUTES);
      seen.add(m);
      scan("run results", m.detail());
    }
    String sha = sha256(hfToken);
    try (Stream<Path> files = Files.walk(root)) {
      long consoles = files.filter(p -> p.getFileName().toString().equals("console.log"))
          .filter(p -> read(p).contains(sha)).count();
      allowedSightings.merge("local child process (sha256 seen)", (int) consoles, Integer::sum);
    }
  }

  /** The fake cloud through the provider registry, with API faults, a lost launch answer and a refused key. */
  void fakeCloud() {
    VirtualClock clock = VirtualClock.start();
    Timeline timeline = new Timeline(clock);
    FakeCloud cloud = FakeCloud.builder().clock(clock).apiKey(Secret.of(fakeCloudKey))
        .offer("a100-80gb-sxm", "eu", Money.usd("1.50"), 8).defaultJob(JobScript.succeedsAfter(Duration.ofMinutes(30)))
        .chaos(Chaos.seeded(7).withApiErrors(0.1).withAmbiguousLaunches(0.3)).build();
    ProviderConfig config = cloud.config();
    seen.add(config);
    List<LaunchRequest> launches = new CopyOnWriteArrayList<>();
    try (Providers providers = Providers.builder().config(config).register(cloud.factory()).noServiceLoader().build()) {
      seen.add(providers);
      seen.addAll(providers.list());
      Provider recording = recording(providers.get(cloud.id()), launches);
      seen.add(providers.get(cloud.id()));
      Timeline.Process process = timeline.process(crash -> {
        throw new AssertionError(crash);
      });
      try (RunSupervisor s = RunSupervisor.builder(List.of(recording)).journal(root.resolve("fake-journal"))
          .clock(clock).scheduler(process).pollInterval(Duration.ofMinutes(1))
          .secretEnvironment(name -> Optional.ofNullable(workloadEnv().get(name))).build()) {
        List<RunHandle> runs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          runs.add(s.submit(RunSpec.builder().runId("secrets-fake-" + i).model(ModelRef.catalog("llama-3.1-8b"))
              .training(TrainingSetup.builder().adaptation(Adaptation.LORA).build()).workload(workload().image("ghcr.io/acme/train:1").build()).build()));
        }
        timeline.runUntil(clock.instant().plus(Duration.ofDays(1)));
        for (RunHandle h : runs) {
          RunResult r = h.result().join();
          assertTrue(r.succeeded(), h.runId() + ": " + r.detail());
          seen.add(r);
          seen.addAll(r.attempts());
        }
      }
    }
    seen.addAll(launches);
    // Calls with a key the cloud refuses: the message names the key by fingerprint only.
    Provider refused = cloud.factory().create(ProviderConfig.of(Map.of(cloud.keyProperty(), refusedKey), Map.of()));
    seen.add(refused);
    try {
      refused.listOwned();
    } catch (RuntimeException e) {
      errors.add(e);
    }
    for (ReceivedRequest r : cloud.received()) {
      request("fake cloud", r, "Authorization", List.of(fakeCloudKey, refusedKey));
      seen.add(r);
    }
    seen.add(cloud);
    seen.addAll(cloud.ledger());
    seen.addAll(cloud.firedFaults());
  }

  /** RunPod over its stub: the first key is refused (fail-over), a run carries workload secrets. */
  void runPod() {
    VirtualClock clock = VirtualClock.start();
    Timeline timeline = new Timeline(clock);
    ApiKeyPool keys = ApiKeyPool.parse(Secret.of(refusedKey + "," + runpodKey));
    seen.add(keys);
    RunPodProvider provider = RunPodProvider.builder(keys).clock(clock).sleeper(d -> { })
        .options(RunPodOptions.builder().baseUrl(URI.create(RUNPOD.baseUrl())).logRefresh(Duration.ofDays(1))
            .logQuietPeriod(Duration.ofMillis(20)).logReadLimit(Duration.ofSeconds(2)).build())
        .build();
    seen.add(provider);
    RUNPOD.createdButFailNext(502);
    RUNPOD.failNext(ApiStub.Operation.GET, 2, 503);
    Timeline.Process process = timeline.process(crash -> {
      throw new AssertionError(crash);
    });
    try (RunSupervisor s = RunSupervisor.builder(List.of(provider)).journal(root.resolve("runpod-journal"))
        .clock(clock).scheduler(process).pollInterval(Duration.ofMinutes(1)).cancelGrace(Duration.ofMinutes(1))
        .secretEnvironment(name -> Optional.ofNullable(workloadEnv().get(name))).build()) {
      RunHandle h = s.submit(RunSpec.builder().runId("secrets-runpod").model(ModelRef.catalog("llama-3.1-8b"))
          .training(TrainingSetup.builder().adaptation(Adaptation.LORA).build()).resources(Resources.builder().gpu("a100-80gb-sxm").providers(List.of("runpod")).build())
          .workload(workload().image("ghcr.io/acme/train:1").addCommand("python", "train.py").build()).build());
      timeline.after(Duration.ofMinutes(5), h::cancel);
      timeline.runUntil(clock.instant().plus(Duration.ofDays(1)));
      RunResult r = h.result().join();
      assertEquals(dev.flash.providers.RunOutcome.CANCELLED, r.outcome(), r.detail());
      assertEquals(1, r.attempts().size(), r.detail());
      seen.add(r);
      seen.addAll(r.attempts());
    }
    // Direct calls that fail: a pod that does not exist, and a client whose only key is refused.
    try {
      provider.poll(JobHandle.builder().providerId("runpod").name("flash-nope-s0-a1").putAttributes("id", "nope").build());
    } catch (RuntimeException e) {
      errors.add(e);
    }
    RestClient refusedOnly = RestClient.builder("runpod", URI.create(RUNPOD.baseUrl()))
        .keys(ApiKeyPool.single(Secret.of(refusedKey))).sleeper(d -> { }).build();
    seen.add(refusedOnly);
    try {
      refusedOnly.get("/pods");
    } catch (RuntimeException e) {
      errors.add(e);
    }
    for (ReceivedRequest r : RUNPOD.requests()) {
      request("RunPod stub", r, "Authorization", List.of(runpodKey, refusedKey));
      seen.add(r);
    }
    seen.add(RUNPOD);
    seen.addAll(RUNPOD.resources());
    seen.addAll(RUNPOD.firedFaults());
  }

  /**
   * Lambda and Hyperstack over their stubs, one run each through the supervisor, reporting through one
   * S3 bucket; every instance's box boots for real from the user data it was sent. Lambda: a refused key
   * first in the pool, an ambiguous launch (created, then 502) that the supervisor adopts. Hyperstack: a
   * refused key first, a boot script over the user-data limit (staged in the bucket behind a loader).
   * Then calls that fail: providers whose only key is refused, a store whose secret key is refused.
   */
  void cloudBoxes() throws Exception {
    try (ArtifactBucket bucket = new ArtifactBucket(s3AccessKeyId, Secret.of(s3SecretKey))) {
      S3Artifacts store = bucket.store(s3AccessKeyId, Secret.of(s3SecretKey));
      seen.add(store);
      LAMBDA.createdButFailNext(502);
      LambdaOptions lambda = LambdaOptions.builder().baseUrl(URI.create(LAMBDA.baseUrl())).launchInterval(Duration.ZERO)
          .syncInterval(Duration.ofSeconds(1)).build();
      boxRun("Lambda", LAMBDA, LambdaProvider.builder(ApiKeyPool.parse(Secret.of(refusedKey + "," + lambdaKey)), store)
          .sleeper(d -> { }).options(lambda).build(), store);
      assertEquals(1, LAMBDA.firedFaults().size(), "the Lambda launch was ambiguous: " + LAMBDA.firedFaults());
      HyperstackOptions hyperstack = HyperstackOptions.builder().baseUrl(URI.create(HYPERSTACK.baseUrl()))
          .keyName("flash-stub-key").userDataLimit(4096).syncInterval(Duration.ofSeconds(1)).build();
      boxRun("Hyperstack", HYPERSTACK, HyperstackProvider.builder(ApiKeyPool.parse(Secret.of(refusedKey + ","
          + hyperstackKey)), store).sleeper(d -> { }).options(hyperstack).build(), store);
      assertTrue(bucket.requests().stream().anyMatch(r -> r.names("bootstrap.sh") && r.fromBox() && r.status() == 200),
          "the Hyperstack box fetched its staged boot script");

      ApiKeyPool refusedOnly = ApiKeyPool.single(Secret.of(refusedKey));
      for (Provider p : List.of(LambdaProvider.builder(refusedOnly, store).sleeper(d -> { }).options(lambda).build(),
          HyperstackProvider.builder(refusedOnly, store).sleeper(d -> { }).options(hyperstack).build())) {
        seen.add(p);
        errors.add(assertThrows(RuntimeException.class, p::listOwned));
      }
      S3Artifacts refusedStore = bucket.store(s3AccessKeyId, Secret.of(refusedS3SecretKey));
      seen.add(refusedStore);
      errors.add(assertThrows(RuntimeException.class,
          () -> refusedStore.read("flash-secrets-lambda-s0-a1", "done.json")));
      bucket(bucket);
    }
  }

  /** One run on an instance provider whose boxes boot for real; then what its stub recorded and its boxes wrote. */
  void boxRun(String provider, ApiStub stub, Provider instances, S3Artifacts store) throws Exception {
    seen.add(instances);
    List<LaunchRequest> launches = new CopyOnWriteArrayList<>();
    String id = stub.provider();
    RunResult r;
    Path boxes = root.resolve("boxes").resolve(id);
    try (CloudBoxes booted = new CloudBoxes(stub, boxes);
        RunSupervisor s = RunSupervisor.builder(List.of(recording(instances, launches)))
            .journal(root.resolve(id + "-journal")).artifacts(store).pollInterval(Duration.ofMillis(200))
            .teardownChecks(Duration.ofMillis(100), 8)
            .secretEnvironment(name -> Optional.ofNullable(workloadEnv().get(name))).build()) {
      seen.add(s);
      RunHandle h = s.submit(RunSpec.builder().runId("secrets-" + id).model(ModelRef.catalog("llama-3.1-8b"))
          .training(TrainingSetup.builder().adaptation(Adaptation.LORA).build())
          .resources(Resources.builder().providers(List.of(id)).wallClockCap(Duration.ofMinutes(10)).build())
          .workload(workload().image("ghcr.io/acme/train:1").addCommand("python", "train.py").build()).build());
      r = booted.await(h.result(), Duration.ofMinutes(3));
      seen.add(h);
      assertEquals(stub.resources().size(), booted.booted().size(), "every instance's box booted");
    }
    seen.add(r);
    seen.addAll(r.attempts());
    seen.addAll(launches);
    assertTrue(r.succeeded(), id + ": " + r.detail());
    assertEquals(1, r.attempts().size(), r.attempts().toString());
    assertEquals(Map.of("loss", 0.5), r.metrics(), "the supervisor read the box's DONE through the bucket");
    assertEquals(List.of(), stub.liveResources(), "torn down");
    try (Stream<Path> agentCopies = Files.find(boxes, 6, (p, a) -> p.endsWith("var/lib/flash/secrets"))) {
      assertEquals(List.of(), agentCopies.toList(),
          "the agent removes its copy of the secrets once the workload starts");
    }
    for (ReceivedRequest q : stub.requests()) {
      request(provider + " stub", q, provider.equals("Lambda") ? "Authorization" : "api_key",
          List.of(provider.equals("Lambda") ? lambdaKey : hyperstackKey, refusedKey));
      seen.add(q);
    }
    seen.add(stub);
    seen.addAll(stub.resources());
    seen.addAll(stub.firedFaults());
  }

  /**
   * What the bucket answered and what is left in it. The control plane's PUT of an attempt's
   * {@code secrets.env} is the workload secrets' allowed place there (checked to hold them, scanned for
   * everything else); the attempt's box must have fetched and deleted it through its own URLs.
   */
  void bucket(ArtifactBucket bucket) {
    List<ArtifactBucket.Request> requests = bucket.requests();
    for (ArtifactBucket.Request r : requests) {
      String provider = r.key().contains("-lambda-") ? "Lambda" : "Hyperstack";
      if (r.signed()) {
        allowedSightings.merge("S3 secret access key as SigV4 signatures the bucket verified", 1, Integer::sum);
      }
      assertTrue(r.signed() || !r.fromBox(), "a box's presigned URL was refused: " + r.method() + " " + r.key());
      scan("artifact store request lines and headers", r.method() + " " + r.target() + " " + r.headers());
      String body = r.bodyText();
      if (r.names("secrets.env") && r.method().equals("PUT") && !r.fromBox()) {
        boolean staged = body.contains(base64(hfToken)) && body.contains(base64(wandbKey));
        allowedSightings.merge(provider + " secrets.env PUT to the bucket (workload secrets, base64)", staged ? 1 : 0,
            Integer::sum);
        body = body.replace(base64(hfToken), "").replace(base64(wandbKey), "");
      }
      if (r.names("secrets.env") && r.fromBox()) {
        boolean fetched = r.method().equals("GET") && r.status() == 200;
        boolean deleted = r.method().equals("DELETE") && r.status() == 204;
        if (fetched || deleted) {
          allowedSightings.merge(provider + " secrets.env " + (fetched ? "fetched" : "deleted") + " by the box", 1,
              Integer::sum);
        }
      }
      boolean stagedScript = r.names("bootstrap.sh") && r.method().equals("PUT") && !r.fromBox();
      scan(stagedScript ? "artifact store uploads of staged boot scripts" : "artifact store request bodies", body);
    }
    Map<String, byte[]> left = bucket.objects();
    assertEquals(List.of(), left.keySet().stream().filter(k -> k.endsWith("/secrets.env")).toList(),
        "staged secrets are gone from the bucket");
    left.forEach((key, content) -> {
      String text = new String(content, StandardCharsets.UTF_8);
      if (key.endsWith("/console.000.log") && text.contains(sha256(hfToken)) && text.contains(sha256(wandbKey))) {
        allowedSightings.merge((key.contains("-lambda-") ? "Lambda" : "Hyperstack")
            + " box container environment (sha256 on the console)", 1, Integer::sum);
      }
      scan("objects left in the artifact store", key + ": " + text);
    });
  }

  static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  static String sha256(String value) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The scheduler sample: operator calls with the token, a wrong one and none; an artifact upload. */
  void scheduler() throws Exception {
    Path manifest = Files.writeString(root.resolve("jobs.json"), "{\"jobs\": [{\"name\": \"secret-job\", \"run\": "
        + "{\"model\": \"gpt2\", \"workload\": {\"command\": [\"true\"], \"secrets\": {\"HF_TOKEN\": \"env:HF_TOKEN\"}}}},"
        + " {\"name\": \"other-job\", \"run\": {\"model\": \"gpt2\", \"workload\": {\"command\": [\"true\"]}}}]}");
    ArtifactStore store = ArtifactStore.open(root.resolve("scheduler-artifacts"), Clock.systemUTC());
    try (JobQueue queue = JobQueue.open(root.resolve("scheduler.db"))) {
      queue.reload(JobManifest.read(manifest));
      try (SchedulerServer server = SchedulerServer.builder(queue, store, Secret.of(operatorToken))
          .manifest(manifest).start()) {
        seen.add(server);
        SchedulerClient worker = SchedulerClient.of(server.uri());
        ClaimedJob job = worker.claim(WorkerCapability.builder().workerId("w1").host("box").ramGib(8).build())
            .orElseThrow();
        seen.add(job);
        Path out = Files.writeString(root.resolve("adapter.bin"), "weights");
        seen.add(worker.upload(job, "model/adapter.bin", out));
        seen.add(worker.complete(job, "done"));
        SchedulerClient operator = SchedulerClient.operator(server.uri(), Secret.of(operatorToken));
        seen.add(operator);
        String other = queue.jobs(Optional.empty()).stream().filter(j -> j.definition().name().equals("other-job"))
            .findFirst().orElseThrow().id();
        for (SchedulerClient c : List.of(SchedulerClient.operator(server.uri(), Secret.of(wrongOperatorToken)), worker)) {
          seen.add(c);
          try {
            c.cancel(other, Optional.of("not allowed"));
          } catch (RuntimeException e) {
            errors.add(e);
          }
        }
        seen.add(operator.cancel(other, Optional.of("operator cancel")));
        seen.add(operator.reload());
        seen.addAll(operator.jobs(Optional.empty()));
      }
    }
  }

  /** An instance of every public API type that can be made, with the reflection key in every Secret parameter. */
  void publicTypes() throws IOException {
    PublicTypes types = new PublicTypes(Secret.of(reflectionKey), Files.createDirectories(root.resolve("reflection")));
    List<Class<?>> all = new ArrayList<>();
    all.addAll(PublicTypes.in(Secret.class, "dev.flash.core", "dev.flash.core.spi"));
    all.addAll(PublicTypes.in(dev.flash.cost.Planner.class, "dev.flash.cost"));
    all.addAll(PublicTypes.in(dev.flash.checkpoint.CheckpointStore.class, "dev.flash.checkpoint"));
    all.addAll(PublicTypes.in(RunSupervisor.class, "dev.flash.providers", "dev.flash.providers.local",
        "dev.flash.providers.runpod", "dev.flash.providers.lambda", "dev.flash.providers.hyperstack"));
    all.addAll(PublicTypes.in(FakeCloud.class, "dev.flash.testkit", "dev.flash.testkit.stubs"));
    all.addAll(PublicTypes.in(JobQueue.class, "dev.flash.samples.scheduler"));
    int instantiated = 0;
    for (Class<?> c : all) {
      List<Object> made = types.instances(c);
      if (!made.isEmpty()) {
        instantiated++;
      }
      for (Object o : made) {
        scan("toString of " + c.getName() + " (made reflectively)", String.valueOf(o));
        if (o instanceof Throwable t) {
          errors.add(t);
        }
        if (o instanceof AutoCloseable closeable && !(o instanceof Provider)) {
          try {
            closeable.close();
          } catch (Exception ignored) {
            // closing what was made only frees it
          }
        }
      }
    }
    allowedSightings.put("public API types found", all.size());
    allowedSightings.put("public API types instantiated", instantiated);
    allowedSightings.put("instances made reflectively", types.made());
  }

  /** A provider that keeps every launch request (to scan their toString) and otherwise forwards. */
  static Provider recording(Provider delegate, List<LaunchRequest> launches) {
    return (Provider) Proxy.newProxyInstance(Provider.class.getClassLoader(), new Class<?>[] {Provider.class},
        (proxy, method, args) -> {
          if (method.getName().equals("launch")) {
            launches.add((LaunchRequest) args[0]);
          }
          if (method.isDefault() && !method.getName().equals("toString")) {
            return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
          }
          try {
            return method.invoke(delegate, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /**
   * A recorded request. Its authentication header is the allowed place of the keys of the provider's
   * pool: they are cut out of it (and counted) and the rest of it is scanned with the other headers. In
   * a launch body, the box's environment is where workload secrets belong on the fake cloud and RunPod
   * (checked to hold them, and scanned for everything else); user data is scanned on its own (decoded);
   * the rest is scanned whole.
   */
  void request(String source, ReceivedRequest r, String authHeader, List<String> poolKeys) {
    String provider = source.replace(" stub", "");
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    r.headers().forEach((name, values) -> headers.put(name, values.stream().map(v -> {
      String rest = v;
      for (String key : name.equalsIgnoreCase(authHeader) ? poolKeys : List.<String>of()) {
        if (rest.contains(key)) {
          allowedSightings.merge(provider + " " + authHeader + " header"
              + (key.equals(refusedKey) ? ", refused key (fail-over)" : ""), 1, Integer::sum);
          rest = rest.replace(key, "");
        }
      }
      return rest;
    }).toList()));
    scan(source + " request lines and headers", r.method() + " " + r.path() + " " + headers);
    String body = r.body();
    if (body == null || body.isBlank()) {
      return;
    }
    try {
      JsonNode n = JSON.readTree(body);
      if (n instanceof ObjectNode o && o.has("env")) {
        JsonNode env = o.remove("env");
        boolean delivered = env.toString().contains(hfToken) && env.toString().contains(wandbKey);
        allowedSightings.merge(provider + (provider.equals("fake cloud") ? " launch" : " create")
            + " env (workload secrets)", delivered ? 1 : 0, Integer::sum);
        String withoutWorkloadSecrets = env.toString().replace(hfToken, "").replace(wandbKey, "");
        scan(source + " launch env, workload secrets removed", withoutWorkloadSecrets);
      }
      if (n instanceof ObjectNode o && o.has("user_data")) {
        o.remove("user_data");
        scan(source + " user data", CloudBoxes.userData(body));
      }
      scan(source + " request bodies", n.toString());
    } catch (IOException notJson) {
      scan(source + " request bodies", body);
    }
  }

  int scanFiles(Path dir) throws IOException {
    int[] n = {0};
    try (Stream<Path> files = Files.walk(dir)) {
      files.filter(Files::isRegularFile).forEach(p -> {
        n[0]++;
        String name = p.getFileName().toString();
        String where = !p.startsWith(root.resolve("boxes")) ? name.endsWith(".jsonl") ? "journals"
            : "files under the run directories" : name.equals("user-data.txt") || name.equals("boot.sh")
            ? "boot scripts on the boxes" : "files on the boxes";
        scan(where, p + ": " + read(p));
      });
    }
    return n[0];
  }

  static String read(Path p) {
    try {
      return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The whole value, its distinctive middle (a truncated or wrapped leak still counts), or the value
   * base64-encoded (standard or URL-safe alphabet) at any of the three byte alignments it can have in
   * an encoded text.
   */
  static boolean contains(CharSequence text, String secret) {
    String s = text.toString();
    String middle = secret.substring(secret.length() / 4, secret.length() - secret.length() / 4);
    boolean distinctive = middle.length() >= 12 && middle.chars().distinct().count() >= 6;
    if (s.contains(secret) || distinctive && s.contains(middle)) {
      return true;
    }
    byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
    for (int skip = 0; skip < 3; skip++) {
      // Whole 3-byte groups from this offset encode to the same characters wherever they stand in a text.
      int whole = (bytes.length - skip) / 3 * 3;
      String encoded = Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(bytes, skip, skip + whole));
      if (s.contains(encoded) || s.contains(encoded.replace('+', '-').replace('/', '_'))) {
        return true;
      }
    }
    return false;
  }
}
