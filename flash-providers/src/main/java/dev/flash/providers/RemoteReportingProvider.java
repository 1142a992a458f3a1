package dev.flash.providers;

import dev.flash.core.spi.Provider;

/**
 * A provider whose workers report to a store of its own instead of where the supervisor tells them
 * ({@code FLASH_ATTEMPT_DIR}): cloud boxes ({@link dev.flash.providers.lambda.LambdaProvider},
 * {@link dev.flash.providers.hyperstack.HyperstackProvider}) cannot write to the control process's
 * directory, so they upload heartbeats, markers, DONE and console to a {@link RemoteArtifacts} store.
 * Whoever reads an attempt's reports must read them there: a {@link RunSupervisor} of runs on this
 * provider ({@code RunSupervisor.Builder#artifacts(artifacts())}), a log viewer, a dispatcher.
 *
 * <pre>{@code
 * Provider p = providers.get("lambda");
 * RunArtifacts reports = p instanceof RemoteReportingProvider r ? r.artifacts()
 *     : RunArtifacts.directory(journalDir.resolve("artifacts"));
 * }</pre>
 *
 * <p>It is an interface of its own rather than a method of the {@link Provider} SPI because the
 * store is a flash-providers type core does not know, and because every other provider reports
 * wherever the supervisor points it; the instance {@link Providers#get} returns is the provider
 * itself, so an {@code instanceof} check is enough. Two providers report to the same store when
 * their {@link #artifacts()} are equal ({@link S3Artifacts} compares where objects live, not
 * credentials), which is what lets one supervisor serve both.
 */
public interface RemoteReportingProvider extends Provider {

  /** The store this provider's workers report to. */
  RemoteArtifacts artifacts();
}
