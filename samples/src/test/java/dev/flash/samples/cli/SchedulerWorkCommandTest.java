package dev.flash.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flash.core.Secret;
import dev.flash.core.SpecJson;
import dev.flash.providers.RunOutcome;
import dev.flash.providers.RunSummary;
import dev.flash.providers.RunSupervisor;
import dev.flash.samples.scheduler.Artifact;
import dev.flash.samples.scheduler.ArtifactStore;
import dev.flash.samples.scheduler.Job;
import dev.flash.samples.scheduler.JobDefinition;
import dev.flash.samples.scheduler.JobManifest;
import dev.flash.samples.scheduler.JobQueue;
import dev.flash.samples.scheduler.JobStatus;
import dev.flash.samples.scheduler.SchedulerClient;
import dev.flash.samples.scheduler.SchedulerServer;
import dev.flash.samples.trainer.ExampleRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler sample end to end: manifest → server → {@code flash scheduler work} claims → flash's
 * supervisor runs the example trainer on the local provider → the job ends with its outcome and
 * artifacts; an operator's cancel stops the run.
 */
class SchedulerWorkCommandTest {
  @TempDir
  Path dir;
  JobQueue queue;
  ArtifactStore store;
  SchedulerServer server;
  final Secret token = Secret.of("work-test-operator-token");

  @BeforeEach
  void serve() {
    queue = JobQueue.builder(dir.resolve("jobs.db")).lease(Duration.ofSeconds(3)).build();
    store = ArtifactStore.open(dir.resolve("artifacts"), Clock.systemUTC());
    server = SchedulerServer.builder(queue, store, token).start();
  }

  @AfterEach
  void stop() {
    server.close();
    queue.close();
  }

  /** A job running the example trainer for {@code steps} steps (5 ms each), on the local provider. */
  static JobDefinition trainerJob(String name, long steps) throws Exception {
    ObjectNode run = (ObjectNode) JsonOutputs.MAPPER.readTree(SpecJson.write(ExampleRun.spec("placeholder", steps)));
    run.remove("run_id");
    return JobDefinition.builder().name(name).maxAttempts(1).runJson(run.toString()).build();
  }

  FlashCliTest.Result work(String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("scheduler", "work", "--once", "--server",
        server.uri().toString(), "--state-dir", dir.resolve("worker").toString(), "--worker-id", "box-1",
        "--heartbeat", "200ms"));
    args.addAll(List.of(extra));
    return FlashCliTest.run(args.toArray(String[]::new));
  }

  @Test
  void aClaimedJobRunsThroughTheSupervisorAndCompletesWithItsArtifacts() throws Exception {
    JobDefinition job = trainerJob("example-sgd", 300);
    queue.reload(new JobManifest(List.of(job)));

    FlashCliTest.Result r = work("--json");
    assertEquals(0, r.code(), r.out() + r.err());
    JsonNode line = JsonOutputs.parse(r.out().strip());
    assertEquals(job.id(), line.path("job_id").asText());
    assertTrue(line.path("succeeded").asBoolean(), r.out());
    String runId = line.path("run_id").asText();
    assertTrue(runId.matches("example-sgd-[0-9a-f]{7}"), runId);

    Job done = queue.jobs(Optional.empty()).get(0);
    assertEquals(JobStatus.COMPLETED, done.status());
    assertTrue(done.reason().orElse("").startsWith("SUCCEEDED: 300/300 steps in 1 attempt"), done.toString());

    Map<String, Artifact> artifacts = store.list(job.id()).stream()
        .collect(Collectors.toMap(Artifact::name, a -> a));
    assertEquals(java.util.Set.of("result.json", "console.log"), artifacts.keySet());
    JsonNode result = JsonOutputs.parse(read(artifacts.get("result.json")));
    assertEquals(runId, result.path("run_id").asText());
    assertEquals("SUCCEEDED", result.path("outcome").asText());
    assertEquals(300, result.path("steps").asLong());
    assertEquals("local", result.path("attempts").get(0).path("provider").asText());
    assertTrue(read(artifacts.get("console.log")).contains("done: 300 steps"), read(artifacts.get("console.log")));

    JsonNode ledger = JsonOutputs.parse(FlashCliTest.run("ledger", runId, "--json", "--state-dir",
        dir.resolve("worker").toString()));
    assertEquals("SUCCEEDED", ledger.path("runs").get(0).path("outcome").asText());

    FlashCliTest.Result idle = work();
    assertEquals(0, idle.code(), idle.err());
    assertTrue(idle.out().contains("no job fits this worker now"), idle.out());
  }

  @Test
  void anOperatorCancelStopsTheRunningTrainer() throws Exception {
    JobDefinition job = trainerJob("long-sgd", 1_000_000);
    queue.reload(new JobManifest(List.of(job)));

    CompletableFuture<FlashCliTest.Result> worker = CompletableFuture.supplyAsync(() -> work("--plain"));
    awaitTrue(() -> queue.jobs(Optional.empty()).get(0).progress().filter(p -> p.matches("step [1-9]\\d*/.*"))
        .isPresent(), "the job to report training steps");
    assertTrue(trainers() >= 1, "the trainer runs as a child process");

    Job cancelled = SchedulerClient.operator(server.uri(), token).cancel(job.id(), Optional.of("not today"));
    assertEquals(JobStatus.CANCELLED, cancelled.status());

    FlashCliTest.Result r = worker.get(90, TimeUnit.SECONDS);
    assertEquals(1, r.code(), "the job did not complete: " + r.out() + r.err());
    assertTrue(r.out().contains("job " + job.id() + " (long-sgd): CANCELLED"), r.out());
    assertTrue(r.out().contains("attempt 1: launched flash-long-sgd-"), "the run's progress is shown: " + r.out());

    RunSummary run = RunSupervisor.runs(dir.resolve("worker")).get(0);
    assertEquals(Optional.of(RunOutcome.CANCELLED), run.outcome(), run.toString());
    assertEquals(List.of(), run.liveAttempts());
    awaitTrue(() -> trainers() == 0, "the trainer process to be gone");
    assertEquals(JobStatus.CANCELLED, queue.jobs(Optional.empty()).get(0).status());
  }

  @Test
  void unknownProvidersAndBadWorkerIdsAreUsageErrorsThatSayWhatToUse() {
    FlashCliTest.Result provider = work("--providers", "local,runpdo");
    assertEquals(2, provider.code());
    assertTrue(provider.err().contains("--providers: 'runpdo' is not a known provider; ready here: local"),
        provider.err());
    FlashCliTest.Result id = FlashCliTest.run("scheduler", "work", "--once", "--worker-id", "bad id!",
        "--state-dir", dir.resolve("worker").toString());
    assertEquals(2, id.code());
    assertTrue(id.err().contains("--worker-id 'bad id!' is not valid"), id.err());
  }

  private String read(Artifact a) throws Exception {
    return Files.readString(store.find(a.sha256()).orElseThrow(), StandardCharsets.UTF_8);
  }

  /** Example trainers running as descendants of this JVM. */
  static long trainers() {
    return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
        .filter(p -> p.info().commandLine().orElse("").contains("ExampleTrainer")).count();
  }

  static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }
}
