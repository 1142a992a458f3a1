package dev.flash.providers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flash.core.ProviderException;
import dev.flash.core.spi.LogChunk;
import dev.flash.core.spi.ProviderConfig;
import dev.flash.providers.internal.boxes.BoxReports;
import dev.flash.providers.support.FakeS3;
import dev.flash.testkit.VirtualClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The S3 artifact store against a local server that checks presigned signatures and expiries. */
class S3ArtifactsTest {
  final VirtualClock clock = VirtualClock.start();
  final FakeS3 s3 = new FakeS3(clock);
  final S3Artifacts store = s3.store(clock);
  final HttpClient http = HttpClient.newHttpClient();
  final AttemptRef ref = new AttemptRef("run-7", 0, 2);

  @AfterEach
  void stop() {
    s3.close();
  }

  @Test
  void writesReadsRangesAndDeletesUnderTheAttemptsName() {
    store.write(ref.name(), "heartbeat.json", bytes("{\"stage\":\"training\",\"step\":5,\"total_steps\":9,"
        + "\"at\":\"2025-01-01T00:00:00Z\"}"));
    assertTrue(s3.object("flash/flash-run-7-s0-a2/heartbeat.json").isPresent(), s3.objects().keySet().toString());
    assertEquals(5, store.heartbeat(ref).orElseThrow().step());
    assertEquals("raining", new String(store.read(ref.name(), "heartbeat.json", 11, 7).orElseThrow(),
        StandardCharsets.UTF_8));
    assertTrue(store.read(ref.name(), "heartbeat.json", 10_000, 5).isEmpty(), "a range past the end is empty");
    assertTrue(store.read(ref.name(), "marker.json").isEmpty());
    store.delete(ref.name(), "heartbeat.json");
    store.delete(ref.name(), "heartbeat.json");
    assertTrue(store.heartbeat(ref).isEmpty());
    assertEquals("s3://flash-test/flash/flash-run-7-s0-a2", store.attemptLocation(ref));
    assertEquals("s3://flash-test/flash/flash-run-7-s3/checkpoints", store.checkpointLocation("run-7", 3));
  }

  @Test
  void uploadUrlsAreScopedToOneFileAndOneMethodAndExpire() throws Exception {
    Instant expiry = clock.instant().plus(Duration.ofHours(1));
    URI put = store.uploadUrl(ref.name(), "marker.json", expiry);
    assertEquals(200, send("PUT", put, "{\"status\":\"ok\",\"retriable\":false,\"error\":\"\",\"at\":\"2025-01-01T00:00:00Z\"}"));
    assertTrue(store.marker(ref).orElseThrow().ok());
    assertEquals(403, send("GET", put, null), "a PUT URL does not read");
    URI other = URI.create(put.toString().replace("marker.json", "done.json"));
    assertEquals(403, send("PUT", other, "{}"), "nor write another file");
    clock.advance(Duration.ofHours(2));
    assertEquals(403, send("PUT", put, "{}"), "and it expires");
  }

  @Test
  void consoleIsReadAcrossSegmentsByByteOffsetWithoutSplittingCharacters() {
    String name = ref.name();
    long seg = BoxReports.SEGMENT_BYTES;
    byte[] first = new byte[(int) seg];
    java.util.Arrays.fill(first, (byte) 'a');
    byte[] euro = "€".getBytes(StandardCharsets.UTF_8); // 3 bytes, straddling the segment boundary
    first[(int) seg - 1] = euro[0];
    store.write(name, BoxReports.segment(0), first);
    store.write(name, BoxReports.segment(1), concat(new byte[] {euro[1], euro[2]}, bytes("tail\n")));
    store.write(name, BoxReports.CONSOLE_INDEX, bytes("{\"bytes\":" + (seg + 7) + "}"));
    LogChunk c = store.console(ref, seg - 4, 100);
    assertEquals("aaa", c.text(), "the chunk stops at the segment's end, before the split character");
    assertEquals(seg - 1, c.nextOffset());
    assertFalse(c.complete());
    LogChunk straddling = store.console(ref, seg - 1, 100);
    assertEquals("€", straddling.text(), "a character cut by the segment's end is read whole");
    assertEquals(seg + 2, straddling.nextOffset());
    StringBuilder rest = new StringBuilder();
    long at = c.nextOffset();
    for (int i = 0; i < 5 && at < seg + 7; i++) {
      LogChunk next = store.console(ref, at, 3);
      rest.append(next.text());
      at = next.nextOffset();
    }
    assertEquals("€tail\n", rest.toString());
    assertFalse(store.console(ref, at, 10).complete(), "not complete before the exit record");
    store.write(name, BoxReports.EXIT, bytes("{\"code\":0,\"reason\":\"exited\",\"at\":\"2025-01-01T00:00:00Z\"}"));
    assertTrue(store.console(ref, at, 10).complete());
    assertEquals("€tail\n", store.consoleTail(ref, 8));
    assertEquals("tail\n", store.consoleTail(ref, 6), "a tail starting inside a character drops it");
  }

  @Test
  void transientFailuresAreRetriedAndPersistentOnesNameTheObjectNotTheUrl() {
    s3.failNext(2);
    store.write(ref.name(), "done.json", bytes("{}"));
    assertTrue(s3.object("flash/flash-run-7-s0-a2/done.json").isPresent());
    s3.failNext(3);
    ProviderException e = assertThrows(ProviderException.class, () -> store.read(ref.name(), "done.json"));
    assertTrue(e.getMessage().contains("s3://flash-test/flash/flash-run-7-s0-a2/done.json"), e.getMessage());
    assertFalse(e.getMessage().contains("X-Amz-Signature"), e.getMessage());
    assertTrue(e.retryable());
  }

  @Test
  void wrongCredentialsAreAnErrorWithAHint() {
    S3Artifacts wrong = S3Artifacts.builder(s3.endpoint(), FakeS3.BUCKET)
        .credentials(FakeS3.ACCESS_KEY_ID, dev.flash.core.Secret.of("not-the-secret")).clock(clock).build();
    ProviderException e = assertThrows(ProviderException.class, () -> wrong.read(ref.name(), "done.json"));
    assertTrue(e.hasStatus(403) && e.getMessage().contains("ListBucket"), e.getMessage());
    assertFalse(wrong.toString().contains("not-the-secret"));
  }

  @Test
  void toStringNamesTheAccessKeyByItsLastFourCharactersOnly() {
    String described = store.toString();
    assertTrue(described.contains("key=****TEST"), described);
    assertFalse(described.contains(FakeS3.ACCESS_KEY_ID), described);
    assertFalse(described.contains(FakeS3.SECRET.reveal()), described);
  }

  @Test
  void namesAndFilesAreValidatedSoNoKeyEscapesTheAttempt() {
    assertThrows(IllegalArgumentException.class, () -> store.read("../other", "x.json"));
    assertThrows(IllegalArgumentException.class, () -> store.read(ref.name(), "../../x"));
  }

  @Test
  void configNamesWhatIsMissing() {
    assertEquals(Optional.empty(), S3Artifacts.fromConfig(ProviderConfig.empty()));
    assertEquals(4, S3Artifacts.missingSettings(ProviderConfig.empty()).size());
    assertThrows(IllegalArgumentException.class, () -> S3Artifacts.fromConfig(
        ProviderConfig.of(Map.of(S3Artifacts.BUCKET, "b-1"), Map.of())));
    S3Artifacts fromEnv = S3Artifacts.fromConfig(ProviderConfig.of(Map.of(), Map.of(
        "FLASH_ARTIFACTS_S3_ENDPOINT", s3.endpoint().toString(), "FLASH_ARTIFACTS_S3_BUCKET", FakeS3.BUCKET,
        "FLASH_ARTIFACTS_S3_ACCESS_KEY_ID", FakeS3.ACCESS_KEY_ID,
        "FLASH_ARTIFACTS_S3_SECRET_ACCESS_KEY", FakeS3.SECRET.reveal(), "FLASH_ARTIFACTS_S3_PREFIX", "team/a"))).orElseThrow();
    fromEnv.write(ref.name(), "done.json", bytes("{}"));
    assertTrue(s3.object("team/a/flash-run-7-s0-a2/done.json").isPresent());
  }

  private int send(String method, URI url, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(url).method(method,
        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
