package dev.flash.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flash.core.spi.ProviderConfig;
import dev.flash.providers.RunSupervisor;
import dev.flash.providers.support.BoxSim;
import dev.flash.providers.support.FakeS3;
import dev.flash.testkit.stubs.ApiStub;
import dev.flash.testkit.stubs.StubResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run commands on cloud boxes, as a user types them: Lambda Cloud's API stub, an S3-compatible
 * store checking presigned URLs, and boxes played over HTTP through the URLs their boot scripts got
 * (heartbeat, console, end marker, DONE, exit record), so the CLI can only see a box's reports by
 * reading the store its provider hands out.
 */
class BoxRunCommandsTest {
  @RegisterExtension
  static ApiStub lambda = ApiStub.lambda();
  @RegisterExtension
  static ApiStub hyperstack = ApiStub.hyperstack();

  @TempDir
  Path state;

  FakeS3 s3;
  final ScheduledExecutorService player = Executors.newSingleThreadScheduledExecutor();
  final List<Throwable> playerErrors = new CopyOnWriteArrayList<>();

  /** How a box's workload ends once the supervisor has read its heartbeat. */
  enum Box { SUCCEEDS, FAILS_RETRIABLY }

  @BeforeEach
  void start() {
    s3 = new FakeS3(Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    player.shutdownNow();
    s3.close();
    assertEquals(List.of(), playerErrors, "the box player failed");
  }

  @Test
  void aRunOnLambdaReadsTheBoxReportsFromItsStoreAndLogsPrintsTheBoxConsole() throws Exception {
    play(lambda, Box.SUCCEEDS);
    FlashCliTest.Result launch = FlashCliTest.run(configured(), "launch", spec("box-run").toString(), "--provider",
        "lambda", "--poll", "100ms", "--json", "--state-dir", state.toString());
    assertEquals(0, launch.code(), launch.out() + launch.err());
    JsonNode result = JsonOutputs.parse(launch);
    assertEquals("SUCCEEDED", result.path("outcome").asText(), launch.err());
    assertEquals("lambda", result.path("attempts").get(0).path("provider").asText());
    assertEquals(0.25, result.path("metrics").path("loss").asDouble(), "the box's DONE metrics, read from the store");
    assertEquals(100, result.path("steps").asLong(), "the box's DONE steps, not its last heartbeat's");
    assertTrue(launch.err().contains("worker reports in S3Artifacts[" + s3.endpoint()), launch.err());
    assertTrue(launch.err().contains("50/100"), "the box's heartbeat shows as progress: " + launch.err());

    FlashCliTest.Result logs = FlashCliTest.run(configured(), "logs", "box-run", "--state-dir", state.toString());
    assertEquals(0, logs.code(), logs.err());
    assertEquals("box 1 training on lambda\nworkload ended with 0\n", logs.out());
    assertEquals(List.of(), lambda.liveResources(), "the box is torn down");
  }

  @Test
  void aRetriableMarkerRelaunchesAndLogsFollowsTheRunAcrossItsBoxes() throws Exception {
    play(lambda, Box.FAILS_RETRIABLY, Box.SUCCEEDS);
    FlashCliTest.Result launch = FlashCliTest.run(configured(), "launch", spec("retry-run").toString(), "--provider",
        "lambda", "--poll", "100ms", "--json", "--state-dir", state.toString());
    assertEquals(0, launch.code(), launch.out() + launch.err());
    JsonNode result = JsonOutputs.parse(launch);
    assertEquals("SUCCEEDED", result.path("outcome").asText(), launch.err());
    JsonNode first = result.path("attempts").get(0);
    assertEquals(2, result.path("attempts").size(), result.toString());
    assertEquals("STALLED", first.path("failure").asText(), first.toString());
    assertTrue(first.path("detail").asText().contains("retriable failure: NCCL timeout"), first.toString());
    assertEquals(0.25, result.path("metrics").path("loss").asDouble());

    FlashCliTest.Result logs = FlashCliTest.run(configured(), "logs", "retry-run", "--attempt", "1", "--follow",
        "--state-dir", state.toString());
    assertEquals(0, logs.code(), logs.err());
    assertEquals("box 1 training on lambda\nworkload ended with 1\n--- attempt 2 ---\n"
        + "box 2 training on lambda\nworkload ended with 0\n", logs.out());
  }

  @Test
  void aRunOnTwoBoxProvidersSharingOneStoreIsSupervisedFromThatStore() throws Exception {
    play(lambda, Box.SUCCEEDS);
    play(hyperstack, Box.SUCCEEDS);
    Path spec = Files.writeString(state.resolve("two.json"), Files.readString(spec("two-run")).replace(
        "\"training\"", "\"resources\": {\"providers\": [\"lambda\", \"hyperstack\"]}, \"training\""));
    FlashCliTest.Result launch = FlashCliTest.run(configured(), "launch", spec.toString(), "--poll", "100ms", "--json",
        "--state-dir", state.toString());
    JsonNode result = JsonOutputs.parse(launch);
    assertEquals("SUCCEEDED", result.path("outcome").asText(), launch.err());
    assertEquals(0.25, result.path("metrics").path("loss").asDouble(), "the box's DONE metrics, read from the store");
    String provider = result.path("attempts").get(0).path("provider").asText();
    assertTrue(List.of("lambda", "hyperstack").contains(provider), provider);
    FlashCliTest.Result logs = FlashCliTest.run(configured(), "logs", "two-run", "--state-dir", state.toString());
    assertEquals("box 1 training on " + provider + "\nworkload ended with 0\n", logs.out());
  }

  @Test
  void aRunThatMayLandOnLocalOrOnLambdaIsRefusedBeforeAnythingIsLaunched() throws Exception {
    FlashCliTest.Result r = FlashCliTest.run(configured(), "launch", spec("mixed-run").toString(), "--state-dir",
        state.toString());
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("workers on local report to the state directory")
        && r.err().contains("workers on hyperstack, lambda report to S3Artifacts") && r.err().contains("--provider ID"),
        r.err());
    assertEquals(List.of(), lambda.requests(ApiStub.Operation.CREATE), "nothing was launched");
    assertEquals(List.of(), RunSupervisor.runs(state), "nothing was journaled");

    FlashCliTest.Result worker = FlashCliTest.run(configured(), "scheduler", "work", "--providers", "local,lambda",
        "--once", "--server", "http://127.0.0.1:9", "--state-dir", state.toString());
    assertEquals(2, worker.code(), worker.out() + worker.err());
    assertTrue(worker.err().contains("workers on lambda report to S3Artifacts") && worker.err().contains("--providers"),
        worker.err());
  }

  @Test
  void lambdaWithoutTheStoreSettingsIsAUsageErrorNamingTheMissingVariables() throws Exception {
    ProviderConfig keyOnly = ProviderConfig.of(Map.of("lambda.base-url", lambda.baseUrl(), "lambda.api-key",
        lambda.apiKey().reveal()), Map.of());
    FlashCliTest.Result r = FlashCliTest.run(keyOnly, "launch", spec("no-store-run").toString(), "--provider",
        "lambda", "--state-dir", state.toString());
    assertEquals(2, r.code(), r.out() + r.err());
    for (String variable : List.of("FLASH_ARTIFACTS_S3_ENDPOINT", "FLASH_ARTIFACTS_S3_BUCKET",
        "FLASH_ARTIFACTS_S3_ACCESS_KEY_ID", "FLASH_ARTIFACTS_S3_SECRET_ACCESS_KEY")) {
      assertTrue(r.err().contains(variable), variable + " is named: " + r.err());
    }
    assertTrue(!r.err().contains(lambda.apiKey().reveal()), "the key is never printed");
  }

  @Test
  void sweepSkipsProvidersNotConfiguredHereAndSweepsTheOthers() throws Exception {
    play(lambda, Box.SUCCEEDS);
    Path local = Files.writeString(state.resolve("local.json"), """
        {"run_id": "local-run", "model": "llama-3.1-8b", "resources": {"providers": ["local"]},
         "workload": {"command": ["/bin/sh", "-c", "echo hello"]}}
        """);
    assertEquals(0, FlashCliTest.run(configured(), "launch", local.toString(), "--state-dir", state.toString()).code());
    FlashCliTest.Result box = FlashCliTest.run(configured(), "launch", spec("box-run").toString(), "--provider",
        "lambda", "--poll", "100ms", "--state-dir", state.toString());
    assertEquals(0, box.code(), box.out() + box.err());

    FlashCliTest.Result sweep = FlashCliTest.run(ProviderConfig.empty(), "sweep", "--state-dir", state.toString());
    assertEquals(0, sweep.code(), sweep.out() + sweep.err());
    assertTrue(sweep.out().contains("local: reaped 0"), sweep.out());
    assertTrue(sweep.out().contains("lambda: skipped, not configured here: set lambda.api-key (env LAMBDA_API_KEY)"),
        sweep.out());
    JsonNode json = JsonOutputs.parse(FlashCliTest.run(ProviderConfig.empty(), "sweep", "--json", "--state-dir",
        state.toString()));
    assertEquals("local", json.get(0).path("provider").asText());
    assertTrue(json.get(0).path("skipped").isNull(), json.toString());
    assertEquals("lambda", json.get(1).path("provider").asText());
    assertTrue(json.get(1).path("skipped").asText().contains("LAMBDA_API_KEY"), json.toString());

    FlashCliTest.Result configuredSweep = FlashCliTest.run(configured(), "sweep", "--state-dir", state.toString());
    assertEquals(0, configuredSweep.code(), configuredSweep.out() + configuredSweep.err());
    assertTrue(configuredSweep.out().contains("lambda: reaped 0 [], kept 0, failed 0"), configuredSweep.out());
  }

  // ---------------------------------------------------------------------------------------------

  /** Lambda and Hyperstack pointed at their stubs (Lambda's launches unspaced), boxes reporting to the local store. */
  ProviderConfig configured() {
    Map<String, String> settings = new HashMap<>(s3.config());
    for (ApiStub stub : List.of(lambda, hyperstack)) {
      settings.put(stub.provider() + ".base-url", stub.baseUrl());
      settings.put(stub.provider() + ".api-key", stub.apiKey().reveal());
    }
    settings.put("lambda.launch-interval", "0s");
    return ProviderConfig.of(settings, Map.of());
  }

  /** A container run, as a user would send to a cloud box: no providers named, so the command line chooses. */
  Path spec(String runId) throws Exception {
    return Files.writeString(state.resolve(runId + ".json"), """
        {"run_id": "%s", "model": "llama-3.1-8b", "training": {"adaptation": "lora", "steps": 100},
         "workload": {"image": "ghcr.io/acme/train:1", "command": ["python3", "train.py"]}}
        """.formatted(runId));
  }

  /**
   * Plays each box {@code stub} creates, in launch order by {@code script} (the last one repeats): it
   * prints a line and writes a heartbeat; once the supervisor has read that heartbeat from the store,
   * its workload ends as scripted.
   */
  void play(ApiStub stub, Box... script) {
    BoxSim boxes = new BoxSim(stub);
    Map<String, Integer> order = new ConcurrentHashMap<>();
    player.scheduleWithFixedDelay(() -> {
      try {
        for (StubResource r : stub.live()) {
          if (boxes.exited(r.id())) {
            continue;
          }
          String now = Clock.systemUTC().instant().toString();
          Integer n = order.get(r.id());
          if (n == null) {
            n = order.size() + 1;
            order.put(r.id(), n);
            boxes.print(r.id(), "box " + n + " training on " + stub.provider());
            boxes.heartbeat(r.id(), "train", 50, 100, now);
          } else if (heartbeatRead(r.name())) {
            Box how = script[Math.min(n, script.length) - 1];
            if (how == Box.FAILS_RETRIABLY) {
              boxes.marker(r.id(), true, "NCCL timeout", now);
              boxes.exit(r.id(), 1, "exited", now);
            } else {
              boxes.exit(r.id(), 0, "exited", now);
            }
          }
        }
      } catch (RuntimeException | AssertionError e) {
        playerErrors.add(e);
      }
    }, 20, 20, TimeUnit.MILLISECONDS);
  }

  private boolean heartbeatRead(String attempt) {
    return s3.calls().stream().anyMatch(c -> c.method().equals("GET") && c.status() == 200
        && c.key().endsWith(attempt + "/heartbeat.json"));
  }}
