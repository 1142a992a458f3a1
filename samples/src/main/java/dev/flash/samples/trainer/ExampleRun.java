package dev.flash.samples.trainer;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flash.checkpoint.CheckpointStore;
import dev.flash.core.Architecture;
import dev.flash.core.CheckpointPolicy;
import dev.flash.core.FlashException;
import dev.flash.core.ModelRef;
import dev.flash.core.Resources;
import dev.flash.core.RunSpec;
import dev.flash.core.TrainingSetup;
import dev.flash.core.Workload;
import dev.flash.providers.FlashWorker;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * The bundled {@link ExampleTrainer} as a flash run on the local provider: what {@code flash launch
 * --example}, the planning notebook and the scheduler sample run. The trainer is started as
 * {@code java -cp <flash's jars> ExampleTrainer} in its own JVM.
 */
public final class ExampleRun {
  /** The classes the trainer loads, one per jar it needs (flash and its runtime dependencies). */
  private static final List<Class<?>> TRAINER_NEEDS = List.of(ExampleTrainer.class, FlashWorker.class,
      CheckpointStore.class, RunSpec.class, ObjectMapper.class, JsonFactory.class, JsonAutoDetect.class,
      LoggerFactory.class);
  private static final String SLF4J_SIMPLE = "org.slf4j.simple.SimpleLogger";

  private ExampleRun() {}

  /**
   * A local run of {@code steps} SGD steps (5 ms each), checkpointing at Daly's interval for a 20 s
   * MTBF, capped at 10 minutes of wall time.
   */
  public static RunSpec spec(String runId, long steps) {
    return spec(runId, steps, 1, classPath());
  }

  /**
   * The same run as a gang of {@code nodes} ranks (one GPU each) started from {@code classPath}
   * (for another provider than the local one, a copy the ranks can read).
   */
  public static RunSpec spec(String runId, long steps, int nodes, String classPath) {
    Resources.Builder resources = Resources.builder().providers(List.of("local")).wallClockCap(Duration.ofMinutes(10));
    if (nodes > 1) {
      resources.nodeCount(nodes).gpuCount(1);
    }
    return RunSpec.builder().runId(runId)
        .model(ModelRef.of(Architecture.builder().modelType("linear-regression").hiddenSize(16).numHiddenLayers(1)
            .numAttentionHeads(1).intermediateSize(16).vocabSize(16).build()))
        .training(TrainingSetup.builder().steps(steps).build())
        .resources(resources.build())
        .workload(Workload.builder().command(command(Duration.ofMillis(5), classPath)).build())
        .checkpoint(CheckpointPolicy.builder().mtbf(Duration.ofSeconds(20)).build())
        .putLabels("example", "sgd")
        .build();
  }

  /** A fresh run id for {@link #spec}: {@code example-sgd-} and the time in base 36. */
  public static String newRunId() {
    return "example-sgd-" + Long.toString(System.currentTimeMillis() / 100, 36);
  }

  /** The trainer's command line: this JVM's {@code java}, flash's class path, one step every {@code step}. */
  public static List<String> command(Duration step) {
    return command(step, classPath());
  }

  static List<String> command(Duration step, String classPath) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classPath,
        ExampleTrainer.class.getName(), "--step-millis", Long.toString(step.toMillis())));
    return command;
  }

  /**
   * Where the trainer's classes are, as absolute class-path entries: the jar or directory each class it
   * needs was loaded from. This works wherever flash was loaded from (the CLI's single jar, a Maven
   * build's directories, jars a notebook kernel added at run time), unlike {@code java.class.path}.
   */
  public static String classPath() {
    Set<String> entries = new LinkedHashSet<>();
    for (Class<?> c : TRAINER_NEEDS) {
      entries.add(location(c));
    }
    try {
      entries.add(location(Class.forName(SLF4J_SIMPLE, false, ExampleRun.class.getClassLoader())));
    } catch (ClassNotFoundException e) {
      // No logging binding beside flash: the trainer logs nothing, which is fine.
    }
    return String.join(File.pathSeparator, entries);
  }

  private static String location(Class<?> c) {
    CodeSource source = c.getProtectionDomain().getCodeSource();
    if (source == null || source.getLocation() == null) {
      throw new FlashException("cannot tell where " + c.getName() + " was loaded from, so the example trainer "
          + "cannot be started; put flash's jars on the class path (e.g. samples/target/flash.jar)");
    }
    try {
      return Path.of(source.getLocation().toURI()).toAbsolutePath().normalize().toString();
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new FlashException("cannot use " + source.getLocation() + " (where " + c.getName() + " was loaded from) "
          + "as a class-path entry: " + e.getMessage(), e);
    }
  }
}
