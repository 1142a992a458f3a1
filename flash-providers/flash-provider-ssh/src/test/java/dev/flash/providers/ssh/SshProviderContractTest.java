package dev.flash.providers.ssh;

import dev.flash.core.Workload;
import dev.flash.core.spi.ProviderFactory;
import dev.flash.testkit.BackendDriver;
import dev.flash.testkit.ProviderContract;

/** The SPI contract kit against the provider made by its factory, over a real SSH server running real processes. */
class SshProviderContractTest extends ProviderContract {

  @Override
  protected ProviderFactory factory() {
    return new SshProviderFactory();
  }

  @Override
  protected BackendDriver newDriver() {
    return new BoxDriver();
  }

  @Override
  protected Workload workload() {
    return BoxDriver.WORKLOAD;
  }
}
