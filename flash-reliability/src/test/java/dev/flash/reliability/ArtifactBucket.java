package dev.flash.reliability;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.flash.core.Secret;
import dev.flash.providers.S3Artifacts;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An S3-compatible bucket on localhost (path-style URLs, presigned requests only) that records every
 * request it answers, whole (request line, headers, body), and keeps its objects in memory, so that
 * {@link SecretsTest} can scan what the control plane and the boxes sent it and what was left in it.
 *
 * <p>Every request's SigV4 signature is checked by signing the same request again with the bucket's
 * secret through flash's public {@link S3Artifacts} (at the request's signing time, for the file the
 * path names); flash's signer is itself checked against AWS's published example in flash-providers'
 * {@code SigV4Test}. An unsigned, expired, mis-scoped or badly signed request is answered 403.
 */
final class ArtifactBucket implements AutoCloseable {
  static final String NAME = "flash-secrets";
  /** The key prefix {@link S3Artifacts} writes under by default: {@code flash/<attempt>/<file>}. */
  static final String PREFIX = "flash/";
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  /**
   * One request the bucket answered.
   *
   * @param target path and query string, as sent
   * @param signed its SigV4 signature checked out
   */
  record Request(String method, String target, Map<String, List<String>> headers, byte[] body, int status,
      boolean signed) {
    /** The object key (without the bucket). */
    String key() {
      String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
      return path.startsWith("/" + NAME + "/") ? path.substring(NAME.length() + 2) : path;
    }

    boolean names(String file) {
      return key().endsWith("/" + file);
    }

    /** Sent by a box's agent (curl) rather than by the control plane (Java's HTTP client). */
    boolean fromBox() {
      return headers.getOrDefault("User-Agent", List.of()).stream().anyMatch(v -> v.startsWith("curl/"));
    }

    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private final String accessKeyId;
  private final Secret secretAccessKey;
  private final HttpServer server;
  private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());

  ArtifactBucket(String accessKeyId, Secret secretAccessKey) throws IOException {
    this.accessKeyId = accessKeyId;
    this.secretAccessKey = secretAccessKey;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "artifact-bucket");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", this::serve);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** The store a control plane uses on this bucket with these credentials (retries without sleeping). */
  S3Artifacts store(String keyId, Secret secret) {
    return S3Artifacts.builder(endpoint(), NAME).credentials(keyId, secret).sleeper(d -> { }).build();
  }

  List<Request> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** The objects in the bucket now, by key. */
  Map<String, byte[]> objects() {
    return new TreeMap<>(objects);
  }

  private void serve(HttpExchange x) throws IOException {
    String method = x.getRequestMethod();
    String target = x.getRequestURI().getRawPath()
        + (x.getRequestURI().getRawQuery() == null ? "" : "?" + x.getRequestURI().getRawQuery());
    byte[] body = x.getRequestBody().readAllBytes();
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    x.getRequestHeaders().forEach((k, v) -> headers.put(k, List.copyOf(v)));
    boolean signed;
    try {
      signed = signatureHolds(method, x.getRequestURI());
    } catch (RuntimeException notAFlashFile) {
      signed = false; // a path S3Artifacts would never sign (not an attempt's file)
    }
    String path = x.getRequestURI().getRawPath();
    String key = path.startsWith("/" + NAME + "/") ? path.substring(NAME.length() + 2) : path;
    int status;
    byte[] out = new byte[0];
    if (!signed) {
      status = 403;
    } else if (method.equals("PUT")) {
      objects.put(key, body);
      status = 200;
    } else if (method.equals("DELETE")) {
      objects.remove(key);
      status = 204;
    } else if (method.equals("GET")) {
      byte[] object = objects.get(key);
      String range = x.getRequestHeaders().getFirst("Range");
      if (object == null) {
        status = 404;
      } else if (range == null) {
        status = 200;
        out = object;
      } else {
        String[] bounds = range.replace("bytes=", "").split("-");
        int from = Integer.parseInt(bounds[0]);
        int to = bounds.length > 1 && !bounds[1].isEmpty() ? Integer.parseInt(bounds[1]) : object.length - 1;
        status = from >= object.length ? 416 : 206;
        out = from >= object.length ? out : Arrays.copyOfRange(object, from, Math.min(object.length, to + 1));
      }
    } else {
      status = 405;
    }
    requests.add(new Request(method, target, headers, body, status, signed));
    x.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
    if (out.length > 0) {
      try (OutputStream os = x.getResponseBody()) {
        os.write(out);
      }
    }
    x.close();
  }

  /** Signs the request again with the bucket's secret, as {@link S3Artifacts} would have at its signing time. */
  private boolean signatureHolds(String method, URI uri) {
    Map<String, String> q = query(uri.getRawQuery());
    String credential = q.getOrDefault("X-Amz-Credential", "");
    String date = q.get("X-Amz-Date");
    String expires = q.get("X-Amz-Expires");
    String signature = q.get("X-Amz-Signature");
    String[] scope = credential.split("/");
    if (date == null || expires == null || signature == null || scope.length != 5 || !scope[0].equals(accessKeyId)) {
      return false;
    }
    Instant signedAt = Instant.from(AMZ_DATE.parse(date));
    Instant expiry = signedAt.plus(Duration.ofSeconds(Long.parseLong(expires)));
    String[] file = uri.getRawPath().split("/");
    if (Instant.now().isAfter(expiry) || file.length != 5 || !uri.getRawPath().startsWith("/" + NAME + "/" + PREFIX)) {
      return false;
    }
    S3Artifacts signer = S3Artifacts.builder(endpoint(), NAME).region(scope[2])
        .credentials(accessKeyId, secretAccessKey).clock(Clock.fixed(signedAt, ZoneOffset.UTC)).build();
    Optional<URI> again = switch (method) {
      case "PUT" -> Optional.of(signer.uploadUrl(file[3], file[4], expiry));
      case "GET" -> Optional.of(signer.downloadUrl(file[3], file[4], expiry));
      case "DELETE" -> Optional.of(signer.deleteUrl(file[3], file[4], expiry));
      default -> Optional.empty();
    };
    return again.map(u -> signature.equals(query(u.getRawQuery()).get("X-Amz-Signature"))).orElse(false);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> q = new LinkedHashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        q.put(eq < 0 ? pair : pair.substring(0, eq),
            eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return q;
  }

  @Override
  public void close() {
    server.stop(0);
    ((ExecutorService) server.getExecutor()).shutdownNow();
  }
}
