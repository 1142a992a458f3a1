package dev.flash.providers.local;

import dev.flash.core.spi.Provider;
import dev.flash.core.spi.ProviderConfig;
import dev.flash.core.spi.ProviderFactory;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Makes the {@link LocalProvider}; always available. Setting {@code local.work-dir}
 * ({@code LOCAL_WORK_DIR}) chooses where attempts run, {@code local.docker} ({@code LOCAL_DOCKER})
 * the Docker client for workloads that name an image.
 */
public final class LocalProviderFactory implements ProviderFactory {
  @Override
  public String id() {
    return LocalProvider.ID;
  }

  @Override
  public String description() {
    return "child processes on this machine (CPU offer at $0; GPUs when nvidia-smi lists them); "
        + "Docker containers for workloads that name an image";
  }

  @Override
  public Optional<String> unavailableReason(ProviderConfig config) {
    return Optional.empty();
  }

  @Override
  public Provider create(ProviderConfig config) {
    LocalProvider.Builder b = LocalProvider.builder();
    config.get("local.work-dir").map(Path::of).ifPresent(b::workDir);
    config.get("local.docker").ifPresent(b::docker);
    return b.build();
  }
}
