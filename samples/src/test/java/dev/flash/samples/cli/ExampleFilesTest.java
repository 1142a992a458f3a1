package dev.flash.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files in samples/examples do what samples/README.md says when given to the commands it shows. */
class ExampleFilesTest {
  @TempDir
  Path state;

  @Test
  void theQloraSetupEstimatesAndItsSpecPlans() {
    JsonNode estimate = JsonOutputs.parse(FlashCliTest.run("estimate", "examples/qlora-setup.json", "--json"));
    double total = estimate.path("total_gib").asDouble();
    assertTrue(total > 8 && total < 80, estimate.toString());
    JsonNode plan = JsonOutputs.parse(FlashCliTest.run("plan", "examples/qlora-spec.json", "--json"));
    assertTrue(plan.path("ranked").size() > 3, plan.toString());
    assertEquals(total, plan.path("ranked").get(0).path("memory_gib_per_gpu").asDouble(), 0.01,
        "plan and estimate agree on the memory of the same setup");
  }

  @Test
  void helloLocalLaunchesOnThisMachine() {
    FlashCliTest.Result r = FlashCliTest.run("launch", "examples/hello-local.json", "--state-dir", state.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    FlashCliTest.Result logs = FlashCliTest.run("logs", "hello-local", "--state-dir", state.toString());
    assertEquals("training hello-local, attempt 1\ndone\n", logs.out());
  }
}
