package dev.flash.providers.ssh;

import dev.flash.core.SpecValidationException;
import dev.flash.core.spi.Provider;
import dev.flash.core.spi.ProviderConfig;
import dev.flash.core.spi.ProviderFactory;
import dev.flash.providers.ssh.internal.ConfigParsing;
import dev.flash.providers.ssh.internal.Sessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Makes {@link SshProvider}s from {@code ssh.*} settings (or {@code SSH_*} environment variables);
 * listed as unavailable, with the reason, until {@code ssh.hosts} is set and the keys are readable.
 */
public final class SshProviderFactory implements ProviderFactory {

  @Override
  public String id() {
    return SshProvider.ID;
  }

  @Override
  public String description() {
    return "SSH boxes: machines you already have, reached over SSH (needs SSH_HOSTS and a private key)";
  }

  @Override
  public Optional<String> unavailableReason(ProviderConfig config) {
    if (config.get(ConfigParsing.HOSTS).isEmpty()) {
      return Optional.of("set " + ConfigParsing.HOSTS + " (env " + ProviderConfig.envName(ConfigParsing.HOSTS)
          + ") to the machines to use, e.g. box1=ubuntu@10.0.0.5,box2=root@gpu.example.com:2222");
    }
    try {
      SshOptions options = SshOptions.fromConfig(config);
      for (SshHost h : options.hosts()) {
        Path key = Sessions.identityOf(h, options);
        if (!Files.isReadable(key)) {
          return Optional.of("private key " + key + " of host " + h.alias() + " is not readable; set ssh.key "
              + "(or ssh.host." + h.alias() + ".key)");
        }
      }
      if (!options.insecureAcceptAnyHostKey() && !Files.isReadable(options.knownHosts())) {
        return Optional.of("known_hosts file " + options.knownHosts() + " is not readable; set ssh.known-hosts "
            + "to a file with the hosts' keys (ssh-keyscan)");
      }
      return Optional.empty();
    } catch (SpecValidationException e) {
      return Optional.of(e.getMessage());
    }
  }

  @Override
  public Provider create(ProviderConfig config) {
    return SshProvider.create(SshOptions.fromConfig(config));
  }
}
