package dev.flash.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flash scheduler …} end to end: a served queue driven by the operator subcommands. */
class SchedulerCommandTest {
  @TempDir
  Path dir;

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = FlashCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void checkValidatesTheExampleManifest() {
    Result r = run("scheduler", "check", "scheduler/jobs.json");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("llama-lora-r16") && r.out().contains("4 job(s), valid"), r.out());
  }

  @Test
  void checkNamesTheBadField() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.json"), "{\"jobs\": [{\"name\": \"x-run\", \"run\": {}, \"prio\": 1}]}");
    Result r = run("scheduler", "check", bad.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("$.jobs[0].prio"), r.err());
  }

  @Test
  void serveThenOperateThroughTheCli() throws Exception {
    String token = "cli-test-token-4d2c";
    Path tokenFile = Files.writeString(dir.resolve("token"), token + "\n");
    Path manifest = Files.copy(Path.of("scheduler/jobs.json"), dir.resolve("jobs.json"));
    StringWriter serveOut = new StringWriter();
    StringWriter serveErr = new StringWriter();
    Thread serve = new Thread(() -> FlashCli.run(new PrintWriter(serveOut, true), new PrintWriter(serveErr, true),
        "scheduler", "serve", "--db", dir.resolve("jobs.db").toString(), "--manifest", manifest.toString(),
        "--port", "0", "--token-file", tokenFile.toString()));
    serve.start();
    try {
      String url = awaitUrl(serveOut, serveErr);
      assertTrue(serveOut.toString().contains("4 new, 0 kept"), serveOut.toString());

      Result jobs = run("scheduler", "jobs", "--server", url);
      assertEquals(0, jobs.code(), jobs.err());
      assertTrue(jobs.out().contains("smoke-cpu") && jobs.out().contains("pending"), jobs.out());
      Matcher id = Pattern.compile("(job-[0-9a-f]{16}) +smoke-cpu").matcher(jobs.out());
      assertTrue(id.find(), jobs.out());

      Result noToken = run("scheduler", "cancel", id.group(1), "--server", url, "--token-file",
          Files.writeString(dir.resolve("wrong"), "not-the-token").toString());
      assertEquals(2, noToken.code(), "a wrong token is a usage error: fix the flag");
      assertTrue(noToken.err().contains("operator token is not the one"), noToken.err());

      Result cancel = run("scheduler", "cancel", id.group(1), "--reason", "not today", "--server", url,
          "--token-file", tokenFile.toString());
      assertEquals(0, cancel.code(), cancel.err());
      assertTrue(cancel.out().contains("smoke-cpu: cancelled"), cancel.out());

      Result json = run("scheduler", "jobs", "--status", "cancelled", "--json", "--server", url);
      com.fasterxml.jackson.databind.JsonNode cancelled = new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(json.out());
      assertEquals(1, cancelled.size(), json.out());
      assertEquals("cancelled by operator: not today", cancelled.get(0).path("reason").asText(), json.out());

      Result reload = run("scheduler", "reload", "--server", url, "--token-file", tokenFile.toString());
      assertEquals(0, reload.code(), reload.err());
      assertTrue(reload.out().contains("0 new [], 4 kept"), reload.out());

      Result workers = run("scheduler", "workers", "--server", url);
      assertEquals(0, workers.code(), workers.err());
      assertTrue(workers.out().startsWith("WORKER"), workers.out());

      for (String s : new String[] {serveOut.toString(), serveErr.toString(), noToken.out(), noToken.err(),
          cancel.out(), reload.out()}) {
        assertFalse(s.contains(token), "the token must never be printed: " + s);
      }
    } finally {
      serve.interrupt();
      serve.join(30_000);
    }
    assertFalse(serve.isAlive());
    assertTrue(serveOut.toString().contains("stopped"), serveOut.toString());
  }

  @Test
  void operatorCommandsWithoutAServerSayWhatToDo() {
    Result r = run("scheduler", "jobs", "--server", "http://127.0.0.1:1");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("is `flash scheduler serve` running there?"), r.err());
  }

  static String awaitUrl(StringWriter out, StringWriter err) throws Exception {
    Pattern listening = Pattern.compile("listening on (http://\\S+)");
    return CompletableFuture.supplyAsync(() -> {
      while (true) {
        Matcher m = listening.matcher(out.toString());
        if (m.find()) {
          return m.group(1);
        }
        if (!err.toString().isEmpty()) {
          throw new AssertionError("serve failed: " + err);
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
      }
    }).get(60, TimeUnit.SECONDS);
  }
}
