package dev.flash.providers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flash.core.SpecValidationException;
import dev.flash.core.spi.ProviderConfig;
import dev.flash.providers.hyperstack.HyperstackOptions;
import dev.flash.providers.hyperstack.HyperstackProviderFactory;
import dev.flash.providers.lambda.LambdaOptions;
import dev.flash.providers.lambda.LambdaProviderFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Discovery and configuration of the instance providers: what is missing is said, not thrown. */
class InstanceProviderFactoriesTest {
  static final Map<String, String> STORE = Map.of("FLASH_ARTIFACTS_S3_ENDPOINT", "https://s3.example.com",
      "FLASH_ARTIFACTS_S3_BUCKET", "runs", "FLASH_ARTIFACTS_S3_ACCESS_KEY_ID", "AKID",
      "FLASH_ARTIFACTS_S3_SECRET_ACCESS_KEY", "s3-secret");

  static ProviderConfig env(Map<String, String> base, String... more) {
    Map<String, String> env = new HashMap<>(base);
    for (int i = 0; i < more.length; i += 2) {
      env.put(more[i], more[i + 1]);
    }
    return ProviderConfig.of(Map.of(), env);
  }

  @Test
  void serviceLoaderListsBothWithTheReasonTheyCannotRunYet() {
    try (Providers providers = Providers.builder().config(env(Map.of(), "LAMBDA_API_KEY", "secret_k")).build()) {
      Providers.Entry lambda = providers.list().stream().filter(e -> e.id().equals("lambda")).findFirst().orElseThrow();
      Providers.Entry hyperstack = providers.list().stream().filter(e -> e.id().equals("hyperstack")).findFirst()
          .orElseThrow();
      assertTrue(lambda.unavailableReason().orElseThrow().contains("FLASH_ARTIFACTS_S3_ENDPOINT"), lambda.toString());
      assertTrue(hyperstack.unavailableReason().orElseThrow().contains("HYPERSTACK_API_KEY"), hyperstack.toString());
    }
  }

  @Test
  void withAKeyAndAStoreTheyAreReadyAndNeverPrintTheKey() {
    ProviderConfig c = env(STORE, "LAMBDA_API_KEY", "secret_k1,secret_k2", "HYPERSTACK_API_KEY", "hs-key");
    assertEquals(Optional.empty(), new LambdaProviderFactory().unavailableReason(c));
    assertEquals(Optional.empty(), new HyperstackProviderFactory().unavailableReason(c));
    String shown = new LambdaProviderFactory().create(c).toString() + new HyperstackProviderFactory().create(c);
    for (String secret : new String[] {"secret_k1", "secret_k2", "hs-key", "s3-secret"}) {
      assertTrue(!shown.contains(secret), shown);
    }
  }

  @Test
  void providersFromTheSameSettingsReportToOneStoreThatTheRegistryHandsOut() {
    ProviderConfig c = env(STORE, "LAMBDA_API_KEY", "secret_k", "HYPERSTACK_API_KEY", "hs-key");
    try (Providers providers = Providers.builder().config(c).build()) {
      RemoteArtifacts lambda = ((RemoteReportingProvider) providers.get("lambda")).artifacts();
      RemoteArtifacts hyperstack = ((RemoteReportingProvider) providers.get("hyperstack")).artifacts();
      assertEquals(lambda, hyperstack, "each factory builds its own instance of the same store");
      assertEquals(lambda.hashCode(), hyperstack.hashCode());
    }
    RemoteArtifacts elsewhere = ((RemoteReportingProvider) new LambdaProviderFactory().create(
        env(STORE, "LAMBDA_API_KEY", "secret_k", "FLASH_ARTIFACTS_S3_PREFIX", "team-b"))).artifacts();
    RemoteArtifacts otherBucket = ((RemoteReportingProvider) new LambdaProviderFactory().create(
        env(STORE, "LAMBDA_API_KEY", "secret_k", "FLASH_ARTIFACTS_S3_BUCKET", "other-runs"))).artifacts();
    RemoteArtifacts otherKey = ((RemoteReportingProvider) new LambdaProviderFactory().create(
        env(STORE, "LAMBDA_API_KEY", "secret_k", "FLASH_ARTIFACTS_S3_ACCESS_KEY_ID", "AKID2"))).artifacts();
    RemoteArtifacts same = ((RemoteReportingProvider) new LambdaProviderFactory().create(
        env(STORE, "LAMBDA_API_KEY", "secret_k"))).artifacts();
    assertTrue(!same.equals(elsewhere) && !same.equals(otherBucket), "another prefix or bucket is another store");
    assertEquals(same, otherKey, "credentials do not make another store");
  }

  @Test
  void badSettingsAreNamed() {
    ProviderConfig c = env(STORE, "LAMBDA_API_KEY", "k", "LAMBDA_OFFER_TTL", "soon", "LAMBDA_KEEP_AFTER_EXIT", "yes");
    String why = new LambdaProviderFactory().unavailableReason(c).orElseThrow();
    assertTrue(why.contains("lambda.offer-ttl") && why.contains("lambda.keep-after-exit"), why);
    SpecValidationException e = assertThrows(SpecValidationException.class, () -> HyperstackOptions.fromConfig(
        env(Map.of(), "HYPERSTACK_ENVIRONMENTS", "CANADA-1", "HYPERSTACK_USER_DATA_LIMIT", "lots")));
    assertTrue(e.getMessage().contains("hyperstack.environments") && e.getMessage().contains("user-data-limit"),
        e.getMessage());
    e = assertThrows(SpecValidationException.class, () -> HyperstackOptions.fromConfig(
        env(Map.of(), "HYPERSTACK_PAGE_SIZE", "0")));
    assertTrue(e.getMessage().contains("page_size"), e.getMessage());
  }

  @Test
  void optionsReadFromConfig() {
    LambdaOptions l = LambdaOptions.fromConfig(env(Map.of(), "LAMBDA_FILE_SYSTEM", "ckpt", "LAMBDA_REGIONS",
        "us-east-1, us-west-1", "LAMBDA_LAUNCH_INTERVAL", "0s", "LAMBDA_DEFAULT_WALL_CLOCK_CAP", "12h"));
    assertEquals(Optional.of("ckpt"), l.fileSystem());
    assertEquals(java.util.List.of("us-east-1", "us-west-1"), l.regions());
    assertEquals(Duration.ZERO, l.launchInterval());
    assertEquals(Duration.ofHours(12), l.defaultWallClockCap());
    assertEquals("https://cloud.lambda.ai/api/v1", l.baseUrl().toString());
    HyperstackOptions h = HyperstackOptions.fromConfig(env(Map.of(), "HYPERSTACK_ENVIRONMENTS",
        "CANADA-1:prod-ca,NORWAY-1:prod-no", "HYPERSTACK_ASSIGN_FLOATING_IP", "false"));
    assertEquals(Map.of("CANADA-1", "prod-ca", "NORWAY-1", "prod-no"), h.environments());
    assertEquals(false, h.assignFloatingIp());
    assertEquals(48 * 1024, h.userDataLimit());
  }
}
