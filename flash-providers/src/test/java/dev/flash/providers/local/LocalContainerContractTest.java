package dev.flash.providers.local;

import dev.flash.core.Workload;
import dev.flash.core.spi.ProviderFactory;
import dev.flash.testkit.BackendDriver;
import dev.flash.testkit.ProviderContract;

/** The testkit's provider contract, run against the local provider's container mode over a fake Docker client. */
class LocalContainerContractTest extends ProviderContract {

  @Override
  protected ProviderFactory factory() {
    return new LocalProviderFactory();
  }

  @Override
  protected BackendDriver newDriver() {
    return LocalBackendDriver.containers();
  }

  @Override
  protected Workload workload() {
    return LocalBackendDriver.CONTAINER_WORKLOAD;
  }
}
