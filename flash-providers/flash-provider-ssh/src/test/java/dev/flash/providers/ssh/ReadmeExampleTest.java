package dev.flash.providers.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flash.core.GpuOffer;
import dev.flash.core.JobHandle;
import dev.flash.core.RunState;
import dev.flash.core.Secret;
import dev.flash.core.Workload;
import dev.flash.core.spi.JobStatus;
import dev.flash.core.spi.LaunchRequest;
import dev.flash.core.spi.OfferQuery;
import dev.flash.core.spi.Provider;
import dev.flash.core.spi.ProviderConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's example, run against the in-process SSH server instead of a real box. */
class ReadmeExampleTest {

  @Test
  void helloFromTheBox() throws Exception {
    try (BoxDriver box = new BoxDriver()) {
      Map<String, String> env = Map.of(
          "SSH_HOSTS", "box1=tck@127.0.0.1:" + box.box.port(),
          "SSH_HOST_BOX1_GPUS", "a100-80gb-sxm:8",
          "SSH_HOST_BOX1_PRICE", "0",
          "SSH_HOST_BOX1_ROOT", box.root("box1").toString(),
          "SSH_KEY", box.box.userKeyFile.toString(),
          "SSH_KEY_PASSPHRASE", box.box.passphrase.reveal(),
          "SSH_KNOWN_HOSTS", box.box.knownHosts.toString());
      String output;
      JobStatus status;

      // ---- as in the README ----
      ProviderConfig config = ProviderConfig.of(Map.of(), env);   // SSH_* variables
      try (Provider ssh = new SshProviderFactory().create(config)) {
        GpuOffer box1 = ssh.offers(OfferQuery.any()).get(0);        // one GPU of the first host
        LaunchRequest request = LaunchRequest.builder()
            .runId("hello-box").offer(box1)
            .workload(Workload.builder().addCommand("sh", "-c",
                "echo hello from $(hostname) on GPU $CUDA_VISIBLE_DEVICES; test -n \"$HF_TOKEN\"").build())
            .putSecrets("HF_TOKEN", Secret.of("hf_example"))      // travels on stdin, never on a command line
            .wallClockCap(Duration.ofMinutes(10))                  // enforced on the host itself
            .build();
        JobHandle job = ssh.launch(request);
        status = ssh.poll(job);
        while (!status.isTerminal()) {
          Thread.sleep(500);
          status = ssh.poll(job);
        }
        output = ssh.logs(job, 0, 64 * 1024).text();              // hello from box1 on GPU 0
        ssh.destroy(job);                                          // kills what is left, removes the attempt directory
      }
      // ---- end of the README part ----

      assertEquals(RunState.SUCCEEDED, status.state(), "status: " + status);
      assertTrue(output.startsWith("hello from ") && output.strip().endsWith("on GPU 0"), output);
      assertTrue(box.existingNames().isEmpty(), box.existingNames().toString());
    }
  }
}
