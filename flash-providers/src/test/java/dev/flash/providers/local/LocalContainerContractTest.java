package dev.flash.providers.local;

import dev.flash.core.Workload;
import dev.flash.testkit.BackendDriver;

/** The testkit's provider contract, run against the local provider's container mode over a fake Docker client. */
class LocalContainerContractTest extends LocalProviderContractTest {

  @Override
  protected BackendDriver newDriver() {
    return LocalBackendDriver.containers();
  }

  @Override
  protected Workload workload() {
    return LocalBackendDriver.CONTAINER_WORKLOAD;
  }
}
