package dev.flash.providers.lambda;

import dev.flash.core.GpuOffer;
import dev.flash.core.JobHandle;
import dev.flash.core.Money;
import dev.flash.core.spi.JobStatus;
import dev.flash.core.spi.LaunchRequest;
import dev.flash.core.spi.LogChunk;
import dev.flash.core.spi.OfferQuery;
import dev.flash.core.spi.OwnedResource;
import dev.flash.core.spi.ResourceNames;
import dev.flash.providers.ApiKeyPool;
import dev.flash.providers.RemoteArtifacts;
import dev.flash.providers.RemoteReportingProvider;
import dev.flash.providers.RestClient;
import dev.flash.providers.internal.boxes.BoxEngine;
import dev.flash.providers.lambda.internal.LambdaApi;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Lambda Cloud on-demand GPU instances (https://cloud.lambda.ai/api/v1). Each attempt is one instance
 * named after the attempt, booted with cloud-init user data that runs the workload's container with
 * the GPUs ({@code docker run --gpus all}) and reports heartbeats, markers, console and exit through a
 * {@link RemoteArtifacts} store; the API key never leaves this process (docs/CLOUD_BOXES.md).
 *
 * <ul>
 *   <li>Offers: live types, prices and regions with capacity from {@code GET /instance-types}, cached
 *       for {@link LambdaOptions#offerTtl()}; the catalog's prices (flagged stale) when the API fails.
 *   <li>Launch: sent once; a 4xx refusal is a {@link dev.flash.core.spi.LaunchRejectedException}
 *       ({@code noCapacity} when Lambda's code is {@code instance-operations/launch/insufficient-capacity});
 *       anything ambiguous is thrown for the supervisor to reconcile by name.
 *   <li>Cancel raises a flag the box reads; destroy terminates (404 = already gone) one id per call.
 *   <li>Cost: the launch price × time until terminate, in whole minutes (Lambda bills per minute).
 * </ul>
 */
public final class LambdaProvider implements RemoteReportingProvider {
  public static final String ID = LambdaApi.ID;

  private final BoxEngine engine;
  private final String description;

  private LambdaProvider(Builder b) {
    RestClient.Builder rb = RestClient.builder(ID, b.options.baseUrl()).keys(b.keys).auth(RestClient.Auth.bearer())
        .failOverOn(Set.of(401, 403)).sleeper(b.sleeper).clock(b.clock);
    if (b.http != null) {
      rb.httpClient(b.http);
    }
    LambdaApi api = new LambdaApi(rb.build(), b.options, b.clock, b.sleeper);
    LambdaOptions o = b.options;
    this.engine = new BoxEngine(api, new BoxEngine.Settings(b.store, b.clock, o.offerTtl(), o.defaultWallClockCap(),
        o.bootTimeout(), o.stopGrace(), o.syncInterval(), o.keepAfterExit(),
        r -> o.fileSystem().map(fs -> "/lambda/nfs/" + fs + "/flash/" + ResourceNames.prefix(r.runId()) + "-s" + r.seed()
            + "/checkpoints"),
        b.keys::occursIn));
    this.description = "LambdaProvider[" + o.baseUrl() + " keys=" + b.keys + " store=" + b.store + "]";
  }

  /** A provider using {@code keys} (Lambda API keys) and reporting through {@code store}. */
  public static Builder builder(ApiKeyPool keys, RemoteArtifacts store) {
    return new Builder(keys, store);
  }

  @Override
  public String id() {
    return ID;
  }

  /** The store boxes report to; give the same one to the run supervisor. */
  @Override
  public RemoteArtifacts artifacts() {
    return engine.store();
  }

  @Override
  public List<GpuOffer> offers(OfferQuery query) {
    return engine.offers(query);
  }

  @Override
  public JobHandle launch(LaunchRequest request) {
    return engine.launch(request);
  }

  @Override
  public Optional<JobHandle> find(String resourceName) {
    return engine.find(resourceName);
  }

  @Override
  public JobStatus poll(JobHandle handle) {
    return engine.poll(handle);
  }

  @Override
  public LogChunk logs(JobHandle handle, long offset, int maxBytes) {
    return engine.logs(handle, offset, maxBytes);
  }

  @Override
  public void cancel(JobHandle handle) {
    engine.cancel(handle);
  }

  @Override
  public void destroy(JobHandle handle) {
    engine.destroy(handle);
  }

  @Override
  public List<OwnedResource> listOwned() {
    return engine.listOwned();
  }

  @Override
  public Optional<Money> realizedCost(JobHandle handle) {
    return engine.realizedCost(handle);
  }

  @Override
  public String toString() {
    return description;
  }

  /** Defaults: {@link LambdaOptions#defaults()}, the system clock, real sleeps between retries. */
  public static final class Builder {
    private final ApiKeyPool keys;
    private final RemoteArtifacts store;
    private LambdaOptions options = LambdaOptions.defaults();
    private Clock clock = Clock.systemUTC();
    private RestClient.Sleeper sleeper = d -> Thread.sleep(d.toMillis());
    private HttpClient http;

    private Builder(ApiKeyPool keys, RemoteArtifacts store) {
      this.keys = Objects.requireNonNull(keys, "keys");
      this.store = Objects.requireNonNull(store, "store");
    }

    public Builder options(LambdaOptions options) {
      this.options = Objects.requireNonNull(options);
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** Waits between API retries and before a rate-limited launch; tests pass one that records instead. */
    public Builder sleeper(RestClient.Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper);
      return this;
    }

    public Builder httpClient(HttpClient http) {
      this.http = Objects.requireNonNull(http);
      return this;
    }

    public LambdaProvider build() {
      return new LambdaProvider(this);
    }
  }
}
