package dev.flash.providers;

import dev.flash.core.ProviderException;
import dev.flash.core.Secret;
import dev.flash.core.spi.ProviderConfig;
import dev.flash.core.spi.ResourceNames;
import dev.flash.providers.internal.boxes.SigV4;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * A {@link RemoteArtifacts} store in an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO, Backblaze
 * B2, Google Cloud Storage with HMAC keys). Every request, the control plane's own included, is an
 * AWS Signature V4 presigned URL (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html),
 * so a box gets exactly the URLs of its own files and never a key. Layout under the prefix:
 * {@code <attempt name>/<file>} per attempt and {@code <run prefix>-s<seed>/checkpoints/} per seed.
 *
 * <p>The access key needs GetObject, PutObject and DeleteObject on the prefix, and ListBucket so that
 * reading a missing file answers 404 rather than 403. Set a lifecycle rule on the prefix to expire
 * old runs' reports; nothing here deletes them.
 *
 * <pre>{@code
 * S3Artifacts store = S3Artifacts.builder(URI.create("https://s3.us-east-1.amazonaws.com"), "my-bucket")
 *     .region("us-east-1")
 *     .credentials("AKIA…", Secret.of(System.getenv("FLASH_ARTIFACTS_S3_SECRET_ACCESS_KEY")))
 *     .build();
 * }</pre>
 */
public final class S3Artifacts implements RemoteArtifacts {
  /** Settings read by {@link #fromConfig} (environment: {@code FLASH_ARTIFACTS_S3_ENDPOINT} and so on). */
  public static final String ENDPOINT = "flash.artifacts.s3.endpoint";
  public static final String BUCKET = "flash.artifacts.s3.bucket";
  public static final String REGION = "flash.artifacts.s3.region";
  public static final String ACCESS_KEY_ID = "flash.artifacts.s3.access-key-id";
  public static final String SECRET_ACCESS_KEY = "flash.artifacts.s3.secret-access-key";
  public static final String PREFIX = "flash.artifacts.s3.prefix";
  public static final String PATH_STYLE = "flash.artifacts.s3.path-style";

  private static final String ID = "s3-artifacts";
  private static final Pattern FILE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
  private static final Pattern PREFIX_CHARS = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");
  /** Validity of the URLs the control plane signs for its own requests. */
  private static final Duration OWN_REQUEST = Duration.ofMinutes(5);

  private final URI endpoint;
  private final String bucket;
  private final String prefix;
  private final boolean pathStyle;
  private final SigV4 signer;
  private final String accessKeyId;
  private final Clock clock;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final RestClient.Sleeper sleeper;

  private S3Artifacts(Builder b) {
    this.endpoint = URI.create(b.endpoint.toString().replaceAll("/+$", ""));
    this.bucket = b.bucket;
    this.prefix = b.prefix;
    this.pathStyle = b.pathStyle;
    this.signer = new SigV4(b.accessKeyId, b.secretAccessKey, b.region);
    this.accessKeyId = b.accessKeyId;
    this.clock = b.clock;
    this.http = b.http != null ? b.http : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NEVER).build();
    this.requestTimeout = b.requestTimeout;
    this.sleeper = b.sleeper;
  }

  public static Builder builder(URI endpoint, String bucket) {
    return new Builder(endpoint, bucket);
  }

  /** The store the {@code flash.artifacts.s3.*} settings describe, or empty when they are not set. */
  public static Optional<S3Artifacts> fromConfig(ProviderConfig config) {
    if (missingSettings(config).size() == 4) {
      return Optional.empty();
    }
    List<String> missing = missingSettings(config);
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("the S3 artifact store needs " + String.join(", ", missing));
    }
    Builder b = builder(URI.create(config.get(ENDPOINT).orElseThrow()), config.get(BUCKET).orElseThrow())
        .credentials(config.get(ACCESS_KEY_ID).orElseThrow(), config.secret(SECRET_ACCESS_KEY).orElseThrow());
    config.get(REGION).ifPresent(b::region);
    config.get(PREFIX).ifPresent(b::prefix);
    config.get(PATH_STYLE).ifPresent(v -> b.pathStyle(Boolean.parseBoolean(v)));
    return Optional.of(b.build());
  }

  /** The required settings {@code config} lacks, as {@code key (ENV_NAME)}. */
  public static List<String> missingSettings(ProviderConfig config) {
    List<String> missing = new ArrayList<>();
    for (String key : List.of(ENDPOINT, BUCKET, ACCESS_KEY_ID, SECRET_ACCESS_KEY)) {
      if (config.get(key).isEmpty()) {
        missing.add(key + " (" + ProviderConfig.envName(key) + ")");
      }
    }
    return missing;
  }

  @Override
  public String attemptLocation(AttemptRef attempt) {
    return "s3://" + bucket + "/" + key(attempt.name(), "").replaceAll("/$", "");
  }

  @Override
  public String checkpointLocation(String runId, long seed) {
    return "s3://" + bucket + "/" + (prefix.isEmpty() ? "" : prefix + "/") + ResourceNames.prefix(runId) + "-s" + seed
        + "/checkpoints";
  }

  @Override
  public Optional<byte[]> read(String attempt, String file) {
    HttpResponse<byte[]> r = call("GET", own("GET", attempt, file), null, null, attempt, file);
    return r.statusCode() == 404 ? Optional.empty() : Optional.of(ok(r, "GET", attempt, file).body());
  }

  @Override
  public Optional<byte[]> read(String attempt, String file, long offset, int maxBytes) {
    if (offset < 0 || maxBytes <= 0) {
      throw new IllegalArgumentException("offset must be ≥ 0 and maxBytes > 0, got " + offset + ", " + maxBytes);
    }
    String range = "bytes=" + offset + "-" + (offset + maxBytes - 1);
    HttpResponse<byte[]> r = call("GET", own("GET", attempt, file), null, range, attempt, file);
    if (r.statusCode() == 404 || r.statusCode() == 416) {
      return Optional.empty();
    }
    byte[] body = ok(r, "GET", attempt, file).body();
    if (r.statusCode() == 200 && (offset > 0 || body.length > maxBytes)) {
      // A server that ignores Range sends the whole object.
      int from = (int) Math.min(offset, body.length);
      body = java.util.Arrays.copyOfRange(body, from, (int) Math.min(body.length, (long) from + maxBytes));
    }
    return body.length == 0 ? Optional.empty() : Optional.of(body);
  }

  @Override
  public void write(String attempt, String file, byte[] content) {
    ok(call("PUT", own("PUT", attempt, file), content, null, attempt, file), "PUT", attempt, file);
  }

  @Override
  public void delete(String attempt, String file) {
    HttpResponse<byte[]> r = call("DELETE", own("DELETE", attempt, file), null, null, attempt, file);
    if (r.statusCode() != 404) {
      ok(r, "DELETE", attempt, file);
    }
  }

  @Override
  public URI uploadUrl(String attempt, String file, Instant expiry) {
    return signed("PUT", attempt, file, expiry);
  }

  @Override
  public URI downloadUrl(String attempt, String file, Instant expiry) {
    return signed("GET", attempt, file, expiry);
  }

  @Override
  public URI deleteUrl(String attempt, String file, Instant expiry) {
    return signed("DELETE", attempt, file, expiry);
  }

  @Override
  public Duration maxUrlValidity() {
    return SigV4.MAX_VALIDITY;
  }

  private URI signed(String method, String attempt, String file, Instant expiry) {
    Instant now = clock.instant();
    Duration validity = Duration.between(now, expiry);
    if (validity.compareTo(SigV4.MAX_VALIDITY) > 0) {
      validity = SigV4.MAX_VALIDITY;
    }
    if (validity.getSeconds() < 1) {
      throw new IllegalArgumentException("expiry " + expiry + " is not in the future (now " + now + ")");
    }
    return signer.presign(method, objectUrl(attempt, file), now, Duration.ofSeconds(validity.getSeconds()));
  }

  private URI own(String method, String attempt, String file) {
    return signer.presign(method, objectUrl(attempt, file), clock.instant(), OWN_REQUEST);
  }

  private URI objectUrl(String attempt, String file) {
    String key = key(attempt, file);
    if (pathStyle) {
      return URI.create(endpoint + "/" + bucket + "/" + key);
    }
    return URI.create(endpoint.getScheme() + "://" + bucket + "." + endpoint.getRawAuthority() + "/" + key);
  }

  private String key(String attempt, String file) {
    if (!ResourceNames.isFlashName(attempt)) {
      throw new IllegalArgumentException("'" + attempt + "' is not an attempt's resource name (flash-<run>-s<seed>-a<n>)");
    }
    if (!file.isEmpty() && !FILE.matcher(file).matches()) {
      throw new IllegalArgumentException("'" + file + "' is not an artifact file name (lowercase letters, digits, . _ -)");
    }
    return (prefix.isEmpty() ? "" : prefix + "/") + attempt + "/" + file;
  }

  private HttpResponse<byte[]> call(String method, URI url, byte[] body, String range, String attempt, String file) {
    IOException last = null;
    HttpResponse<byte[]> response = null;
    for (int attemptNo = 1; attemptNo <= 3; attemptNo++) {
      HttpRequest.Builder rb = HttpRequest.newBuilder(url).timeout(requestTimeout)
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
      if (range != null) {
        rb.header("Range", range);
      }
      try {
        response = http.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() < 500 && response.statusCode() != 429) {
          return response;
        }
      } catch (IOException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ProviderException(ID, method + " " + where(attempt, file) + " was interrupted", true, e);
      }
      if (attemptNo < 3) {
        try {
          sleeper.sleep(Duration.ofMillis(250L << (2 * (attemptNo - 1))));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new ProviderException(ID, method + " " + where(attempt, file) + " was interrupted", true, e);
        }
      }
    }
    if (response != null) {
      return response;
    }
    throw new ProviderException(ID, method + " " + where(attempt, file) + " failed three times: "
        + last.getClass().getSimpleName(), true, last);
  }

  private HttpResponse<byte[]> ok(HttpResponse<byte[]> r, String method, String attempt, String file) {
    int s = r.statusCode();
    if (s / 100 == 2) {
      return r;
    }
    String hint = s == 403 ? "; check the access key's rights (GetObject, PutObject, DeleteObject, ListBucket) and the "
        + "region" : "";
    throw new ProviderException(ID, method + " " + where(attempt, file) + " answered " + s + hint, OptionalInt.of(s),
        Optional.empty(), Optional.empty(), s == 429 || s / 100 == 5, null);
  }

  private String where(String attempt, String file) {
    return "s3://" + bucket + "/" + key(attempt, file);
  }

  /**
   * Equal when both address the same objects: endpoint, bucket, prefix and URL style. Credentials,
   * clocks and HTTP clients do not count, so two providers configured from the same settings (each
   * with its own instance) are seen to share one store.
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof S3Artifacts s && endpoint.equals(s.endpoint) && bucket.equals(s.bucket)
        && prefix.equals(s.prefix) && pathStyle == s.pathStyle;
  }

  @Override
  public int hashCode() {
    return Objects.hash(endpoint, bucket, prefix, pathStyle);
  }

  /**
   * Names the access key by its last four characters, as {@code aws configure list} does: enough to
   * tell which key is configured, while the id (half of the credential pair, and enough to look up the
   * account it belongs to) stays out of logs and exceptions that quote the store.
   */
  @Override
  public String toString() {
    String keyHint = accessKeyId.length() > 8 ? accessKeyId.substring(accessKeyId.length() - 4) : "";
    return "S3Artifacts[" + endpoint + " bucket=" + bucket + " prefix=" + prefix + " key=****" + keyHint + "]";
  }

  /** Defaults: region {@code us-east-1}, prefix {@code flash}, path-style URLs, 30 s requests. */
  public static final class Builder {
    private final URI endpoint;
    private final String bucket;
    private String region = "us-east-1";
    private String accessKeyId;
    private Secret secretAccessKey;
    private String prefix = "flash";
    private boolean pathStyle = true;
    private Clock clock = Clock.systemUTC();
    private HttpClient http;
    private Duration requestTimeout = Duration.ofSeconds(30);
    private RestClient.Sleeper sleeper = d -> Thread.sleep(d.toMillis());

    private Builder(URI endpoint, String bucket) {
      this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
      this.bucket = Objects.requireNonNull(bucket, "bucket");
      if (endpoint.getScheme() == null || endpoint.getHost() == null) {
        throw new IllegalArgumentException("the S3 endpoint must be an absolute http(s) URL, got " + endpoint);
      }
      if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
        throw new IllegalArgumentException("'" + bucket + "' is not an S3 bucket name");
      }
    }

    public Builder region(String region) {
      this.region = Objects.requireNonNull(region);
      return this;
    }

    public Builder credentials(String accessKeyId, Secret secretAccessKey) {
      this.accessKeyId = Objects.requireNonNull(accessKeyId);
      this.secretAccessKey = Objects.requireNonNull(secretAccessKey);
      return this;
    }

    /** Key prefix of everything flash writes; empty for the bucket root. */
    public Builder prefix(String prefix) {
      String p = prefix.replaceAll("^/+|/+$", "");
      if (!p.isEmpty() && !PREFIX_CHARS.matcher(p).matches()) {
        throw new IllegalArgumentException("the artifact prefix '" + prefix + "' may hold letters, digits, . _ - and /");
      }
      this.prefix = p;
      return this;
    }

    /** {@code endpoint/bucket/key} (true, default; MinIO and most S3-compatible stores) or {@code bucket.endpoint/key}. */
    public Builder pathStyle(boolean pathStyle) {
      this.pathStyle = pathStyle;
      return this;
    }

    /** Signing time and URL expiry; tests use a virtual clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    public Builder httpClient(HttpClient http) {
      this.http = Objects.requireNonNull(http);
      return this;
    }

    public Builder requestTimeout(Duration d) {
      this.requestTimeout = Objects.requireNonNull(d);
      return this;
    }

    /** Waits between the (at most three) tries of a request; tests pass one that does not sleep. */
    public Builder sleeper(RestClient.Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper);
      return this;
    }

    public S3Artifacts build() {
      if (accessKeyId == null) {
        throw new IllegalStateException("the S3 artifact store needs credentials(accessKeyId, secretAccessKey)");
      }
      return new S3Artifacts(this);
    }
  }
}
