package dev.flash.providers.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flash.core.Money;
import dev.flash.core.SpecValidationException;
import dev.flash.core.Violation;
import dev.flash.core.spi.ProviderConfig;
import dev.flash.core.spi.ProviderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshProviderFactoryTest {
  private final SshProviderFactory factory = new SshProviderFactory();

  @Test
  void serviceLoaderFindsTheFactory() {
    assertTrue(ServiceLoader.load(ProviderFactory.class).stream()
        .anyMatch(p -> p.type() == SshProviderFactory.class));
  }

  @Test
  void withoutHostsTheProviderIsUnavailableAndSaysWhatToSet() {
    Optional<String> why = factory.unavailableReason(ProviderConfig.empty());
    assertTrue(why.orElseThrow().contains("SSH_HOSTS"), why.get());
  }

  @Test
  void aMissingKeyOrKnownHostsFileIsTheReason(@TempDir Path dir) throws Exception {
    Map<String, String> base = Map.of("ssh.hosts", "box=me@10.0.0.5", "ssh.key", dir.resolve("nope").toString(),
        "ssh.known-hosts", dir.resolve("known_hosts").toString());
    assertTrue(factory.unavailableReason(ProviderConfig.of(base, Map.of())).orElseThrow().contains("nope"));
    Path key = Files.writeString(dir.resolve("id"), "x");
    Map<String, String> withKey = new java.util.HashMap<>(base);
    withKey.put("ssh.key", key.toString());
    assertTrue(factory.unavailableReason(ProviderConfig.of(withKey, Map.of())).orElseThrow().contains("known_hosts"));
    Files.writeString(dir.resolve("known_hosts"), "");
    assertEquals(Optional.empty(), factory.unavailableReason(ProviderConfig.of(withKey, Map.of())));
  }

  @Test
  void hostsAndTheirSettingsAreRead() {
    SshOptions o = SshOptions.fromConfig(ProviderConfig.of(Map.of(
        "ssh.hosts", "box1=ubuntu@10.0.0.5, gpu.example.com:2222 ,v6=[::1]:22",
        "ssh.user", "train",
        "ssh.gpus", "A100-SXM4-80GB:8",
        "ssh.host.box1.price", "12.50",
        "ssh.host.box1.region", "lab",
        "ssh.host.gpu-example-com.gpus", "cpu:4",
        "ssh.cancel-grace", "30s",
        "ssh.unreachable-grace", "10m",
        "ssh.keepalive", "PT20S"), Map.of("SSH_HOST_BOX1_ROOT", "/scratch/flash")));
    SshHost box1 = o.host("box1").orElseThrow();
    assertEquals(List.of("box1", "gpu-example-com", "v6"), o.hosts().stream().map(SshHost::alias).toList());
    assertEquals("ubuntu@10.0.0.5:22", box1.address());
    assertEquals("a100-80gb-sxm", box1.gpuClass(), "aliases become canonical GPU class names");
    assertEquals(8, box1.gpuCount());
    assertEquals(Money.usd("12.50"), box1.pricePerHour());
    assertEquals("lab", box1.region());
    assertEquals("/scratch/flash", box1.root(), "environment variables name per-host settings too");
    SshHost other = o.host("gpu-example-com").orElseThrow();
    assertEquals("train@gpu.example.com:2222", other.address());
    assertEquals(SshHost.CPU, other.gpuClass());
    assertEquals(Money.ZERO, other.pricePerHour(), "a machine you own costs nothing by default");
    assertEquals("::1", o.host("v6").orElseThrow().hostname());
    assertEquals(Duration.ofSeconds(30), o.cancelGrace());
    assertEquals(Duration.ofMinutes(10), o.unreachableGrace());
    assertEquals(Duration.ofSeconds(20), o.keepaliveInterval());
    assertFalse(o.insecureAcceptAnyHostKey());
  }

  @Test
  void everyBadSettingIsNamedAtOnce() {
    SpecValidationException e = assertThrows(SpecValidationException.class, () -> SshOptions.fromConfig(
        ProviderConfig.of(Map.of(
            "ssh.hosts", "box1=me@h:99999,box2=me@h2",
            "ssh.host.box2.gpus", "b300-imaginary:8",
            "ssh.host.box2.price", "cheap",
            "ssh.cancel-grace", "soon"), Map.of())));
    List<String> paths = e.violations().stream().map(Violation::path).toList();
    assertTrue(paths.contains("ssh.hosts.box1.port"), paths.toString());
    assertTrue(paths.contains("ssh.hosts.box2.gpu_class"), paths.toString());
    assertTrue(paths.contains("ssh.host.box2.price"), paths.toString());
    assertTrue(paths.contains("ssh.cancel-grace"), paths.toString());
  }

  @Test
  void twoHostsWithOneAliasAreRefused() {
    SpecValidationException e = assertThrows(SpecValidationException.class, () -> SshOptions.fromConfig(
        ProviderConfig.of(Map.of("ssh.hosts", "a=me@h1,a=me@h2"), Map.of())));
    assertTrue(e.getMessage().contains("share the alias"), e.getMessage());
  }
}
