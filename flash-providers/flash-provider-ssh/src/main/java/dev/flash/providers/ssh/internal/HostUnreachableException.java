package dev.flash.providers.ssh.internal;

import dev.flash.core.ProviderException;
import dev.flash.providers.ssh.SshHost;

/** No session to a host could be opened, so nothing was run there. */
public final class HostUnreachableException extends ProviderException {
  /** Why: the network (retry later or elsewhere), the host key (a security stop), or the login. */
  public enum Why { NETWORK, HOST_KEY, AUTH }

  private final Why why;

  public HostUnreachableException(String provider, SshHost host, Why why, String message, Throwable cause) {
    super(provider, "host " + host.alias() + " (" + host.address() + "): " + message, why == Why.NETWORK, cause);
    this.why = why;
  }

  public Why why() {
    return why;
  }
}
