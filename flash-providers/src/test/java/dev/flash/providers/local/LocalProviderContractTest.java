package dev.flash.providers.local;

import dev.flash.core.Workload;
import dev.flash.core.spi.ProviderFactory;
import dev.flash.testkit.BackendDriver;
import dev.flash.testkit.ProviderContract;

/** The testkit's provider contract, run against the local provider with real child processes. */
class LocalProviderContractTest extends ProviderContract {

  @Override
  protected ProviderFactory factory() {
    return new LocalProviderFactory();
  }

  @Override
  protected BackendDriver newDriver() {
    return LocalBackendDriver.processes();
  }

  @Override
  protected Workload workload() {
    return LocalBackendDriver.WORKLOAD;
  }
}
