package dev.flash.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flash.core.ProviderException;
import dev.flash.providers.ApiKeyPool;
import dev.flash.providers.RestClient;
import dev.flash.testkit.FiredFault;
import dev.flash.testkit.stubs.ApiStub;
import dev.flash.testkit.stubs.ApiStub.Operation;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Idempotent API calls through {@link RestClient} against the WireMock stubs of RunPod, Lambda and
 * Hyperstack while 30% of all HTTP exchanges are faulted: 5xx, 429 with Retry-After, connection
 * resets, and slow answers (some within the request timeout, some past it).
 *
 * <p>Each exchange is faulted independently with probability 0.3: the fault of the first exchange
 * of a call is queued on the stub before the call, that of every retry in the client's
 * {@link RestClient.Sleeper}, which records the backoff instead of sleeping. So the test knows for
 * every call which exchanges were faulted and can predict its outcome exactly: the call must
 * succeed on the first exchange that is not faulted, provided that comes within the retry budget
 * (the production default: 4 retries, 5 exchanges), and fail with a retryable {@link
 * ProviderException} only when all 5 were faulted, which happens to 0.3^5 = 0.24% of calls.
 */
class ApiFaultInjectionTest {
  static final double FAULT_RATE = 0.30;
  static final int MAX_RETRIES = 4; // RestClient's default, stated so the prediction below is explicit
  // Generous next to a healthy answer (about 1 ms): a loaded CI machine must not turn healthy answers
  // into timeouts the test did not inject.
  static final Duration TIMEOUT = Duration.ofMillis(400);
  static final Duration SLOW_BUT_IN_TIME = Duration.ofMillis(30);
  static final Duration SLOW_PAST_TIMEOUT = Duration.ofMillis(500);

  @RegisterExtension
  static final ApiStub RUNPOD = ApiStub.runpod();
  @RegisterExtension
  static final ApiStub LAMBDA = ApiStub.lambda();
  @RegisterExtension
  static final ApiStub HYPERSTACK = ApiStub.hyperstack();

  enum Fault {
    NONE(false), HTTP_5XX(true), RATE_LIMITED(true), RESET(true), SLOW_IN_TIME(false), SLOW_TIMEOUT(true);

    final boolean failsTheExchange;

    Fault(boolean fails) {
      this.failsTheExchange = fails;
    }
  }

  /** One kind of idempotent call: which stub, which path, and a check of the answer. */
  record Target(String name, ApiStub stub, RestClient client, String path, Operation op, String mustContain) {}

  /** Draws and queues the fault of each exchange; as the client's sleeper, records each backoff. */
  static final class Injector implements RestClient.Sleeper {
    final SplittableRandom random;
    final Map<Fault, Integer> injected = new EnumMap<>(Fault.class);
    Target target;
    final List<Fault> faults = new ArrayList<>();
    final List<Duration> sleeps = new ArrayList<>();
    long retryAfterSeconds;
    int retryAfterViolations;
    int failedWithoutFault;
    boolean armed = true;

    Injector(long seed) {
      this.random = new SplittableRandom(seed);
    }

    void startCall(Target t) {
      target = t;
      faults.clear();
      sleeps.clear();
      beforeExchange();
    }

    void beforeExchange() {
      Fault f = armed ? draw() : Fault.NONE;
      faults.add(f);
      injected.merge(f, 1, Integer::sum);
      retryAfterSeconds = 0;
      ApiStub s = target.stub();
      switch (f) {
        case HTTP_5XX -> s.failNext(target.op(), 1, new int[] {500, 502, 503, 504}[random.nextInt(4)]);
        case RATE_LIMITED -> {
          retryAfterSeconds = 1 + random.nextInt(5);
          s.rateLimitNext(target.op(), 1, Duration.ofSeconds(retryAfterSeconds));
        }
        case RESET -> s.resetNext(target.op(), 1);
        case SLOW_IN_TIME -> s.delayNext(target.op(), 1, SLOW_BUT_IN_TIME);
        case SLOW_TIMEOUT -> s.delayNext(target.op(), 1, SLOW_PAST_TIMEOUT);
        default -> { }
      }
    }

    Fault draw() {
      if (random.nextDouble() >= FAULT_RATE) {
        return Fault.NONE;
      }
      double u = random.nextDouble();
      // Of the faults: 40% 5xx, 20% 429, 20% resets, 20% slow (half answered in time, half timed out).
      return u < 0.4 ? Fault.HTTP_5XX : u < 0.6 ? Fault.RATE_LIMITED : u < 0.8 ? Fault.RESET
          : u < 0.9 ? Fault.SLOW_IN_TIME : Fault.SLOW_TIMEOUT;
    }

    @Override
    public void sleep(Duration d) {
      Fault previous = faults.get(faults.size() - 1);
      if (!previous.failsTheExchange) {
        failedWithoutFault++;
      }
      if (retryAfterSeconds > 0 && d.compareTo(Duration.ofSeconds(retryAfterSeconds)) < 0) {
        retryAfterViolations++;
      }
      sleeps.add(d);
      beforeExchange();
    }
  }

  static RestClient client(ApiStub stub, Injector injector) {
    RestClient.Builder b = RestClient.builder(stub.provider(), URI.create(stub.baseUrl()))
        .keys(ApiKeyPool.single(stub.apiKey())).requestTimeout(TIMEOUT).maxRetries(MAX_RETRIES).sleeper(injector);
    if (stub.credentialHeaders().contains("api_key")) {
      b.auth(RestClient.Auth.header("api_key"));
    }
    return b.build();
  }

  @Test
  void idempotentCallsSucceedWithinTheirRetryBudgetUnderThirtyPercentFaults() {
    int calls = Suite.size("flash.reliability.api.calls", 1000);
    long seed = Suite.seed(20_260_110L);
    Injector injector = new Injector(seed);
    String podId = RUNPOD.createExternally("flash-ext-pod-s0-a1");
    String lambdaId = LAMBDA.createExternally("flash-ext-vm-s0-a1");
    String vmId = HYPERSTACK.createExternally("flash-ext-vm-s0-a1");
    RestClient runpod = client(RUNPOD, injector);
    RestClient lambda = client(LAMBDA, injector);
    RestClient hyperstack = client(HYPERSTACK, injector);
    List<Target> targets = List.of(
        new Target("runpod list pods", RUNPOD, runpod, "/pods", Operation.LIST, podId),
        new Target("runpod get pod", RUNPOD, runpod, "/pods/" + podId, Operation.GET, podId),
        new Target("lambda instance types", LAMBDA, lambda, "/instance-types", Operation.OFFERS, "gpu"),
        new Target("lambda list instances", LAMBDA, lambda, "/instances", Operation.LIST, lambdaId),
        new Target("hyperstack list vms", HYPERSTACK, hyperstack, "/core/virtual-machines", Operation.LIST,
            vmId),
        new Target("hyperstack flavors", HYPERSTACK, hyperstack, "/core/flavors", Operation.OFFERS, "gpu"));

    // Warm the JDK HTTP client and the stubs up without faults, so class loading is not a timeout.
    injector.armed = false;
    for (int i = 0; i < 60; i++) {
      Target t = targets.get(i % targets.size());
      injector.startCall(t);
      try {
        t.client().get(t.path());
      } catch (ProviderException slowStart) {
        // Not measured: a cold JVM on a loaded machine may time out here, which proves nothing.
      }
    }
    int warmUpRequests = RUNPOD.requests().size() + LAMBDA.requests().size() + HYPERSTACK.requests().size();
    injector.injected.clear();
    injector.failedWithoutFault = 0;
    injector.armed = true;

    SplittableRandom pick = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
    int[] retriesHistogram = new int[MAX_RETRIES + 1];
    int succeeded = 0;
    int exhausted = 0;
    int withinBudget = 0;
    int withinBudgetSucceeded = 0;
    int wrongAnswers = 0;
    int mispredicted = 0;
    List<String> problems = new ArrayList<>();
    List<Long> waitMillis = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      Target t = targets.get(pick.nextInt(targets.size()));
      injector.startCall(t);
      boolean ok;
      String error = "";
      JsonNode answer = null;
      try {
        answer = t.client().get(t.path());
        ok = true;
      } catch (ProviderException e) {
        ok = false;
        error = e.getMessage();
        if (!e.retryable()) {
          problems.add("call " + i + " (" + t.name() + ") failed with a non-retryable error: " + e.getMessage());
        }
      }
      List<Fault> faults = List.copyOf(injector.faults);
      int firstClean = 0;
      while (firstClean < faults.size() && faults.get(firstClean).failsTheExchange) {
        firstClean++;
      }
      boolean fits = firstClean <= MAX_RETRIES;
      if (fits) {
        withinBudget++;
      }
      if (ok) {
        succeeded++;
        if (fits) {
          withinBudgetSucceeded++;
        }
        retriesHistogram[faults.size() - 1]++;
        long wait = injector.sleeps.stream().mapToLong(Duration::toMillis).sum();
        waitMillis.add(wait);
        if (!answer.toString().contains(t.mustContain())) {
          wrongAnswers++;
          problems.add("call " + i + " (" + t.name() + ") answered without " + t.mustContain() + ": " + answer);
        }
      } else {
        exhausted++;
        if (fits || faults.size() != MAX_RETRIES + 1) {
          problems.add("call " + i + " (" + t.name() + ") failed after faults " + faults + ": " + error);
        }
      }
      // The exact prediction: a call makes one exchange per failed one before it, up to the budget.
      int expectedExchanges = Math.min(firstClean + 1, MAX_RETRIES + 1);
      if (faults.size() != expectedExchanges) {
        mispredicted++;
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;

    int requests = RUNPOD.requests().size() + LAMBDA.requests().size() + HYPERSTACK.requests().size()
        - warmUpRequests;
    List<FiredFault> fired = new ArrayList<>();
    fired.addAll(RUNPOD.firedFaults());
    fired.addAll(LAMBDA.firedFaults());
    fired.addAll(HYPERSTACK.firedFaults());
    int faultsInjected = injector.injected.entrySet().stream().filter(e -> e.getKey() != Fault.NONE)
        .mapToInt(Map.Entry::getValue).sum();
    int exchanges = injector.injected.values().stream().mapToInt(Integer::intValue).sum();
    waitMillis.sort(Long::compare);
    Map<String, Integer> byKind = new TreeMap<>();
    injector.injected.forEach((k, v) -> byKind.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
    double expectedExhausted = calls * Math.pow(FAULT_RATE, MAX_RETRIES + 1);

    Figures f = new Figures("api-faults", "seed " + seed + ", " + calls + " calls");
    f.put("calls", calls)
        .put("exchanges_by_the_client", exchanges)
        .put("requests_seen_by_the_stubs", requests)
        .put("faults_injected", faultsInjected)
        .put("fault_rate_per_exchange", "%.4f", faultsInjected / (double) exchanges)
        .put("faults_by_kind", byKind)
        .put("faults_fired_by_the_stubs", fired.size())
        .put("retries_per_succeeded_call", histogram(retriesHistogram, succeeded))
        .put("calls_whose_faults_fit_the_budget", withinBudget)
        .put("of_those_succeeded", "%d (%.2f%%)", withinBudgetSucceeded, 100.0 * withinBudgetSucceeded / withinBudget)
        .put("calls_with_all_5_exchanges_faulted", "%d (expected %.1f = calls x 0.3^5)", exhausted, expectedExhausted)
        .put("retry_after_shortened", injector.retryAfterViolations)
        .put("exchanges_failed_without_an_injected_fault", injector.failedWithoutFault)
        .put("calls_off_the_exact_prediction", mispredicted)
        .put("wrong_answers", wrongAnswers)
        .put("backoff_wait_per_succeeded_call_ms", "p50 %d, p99 %d, max %d", percentile(waitMillis, 0.5),
            percentile(waitMillis, 0.99), waitMillis.isEmpty() ? 0 : waitMillis.get(waitMillis.size() - 1))
        .put("wall_seconds", "%.1f (load average %.1f)", seconds, Suite.loadAverage());
    f.print();

    assertEquals(List.of(), problems.stream().limit(20).toList(), "seed " + seed + " (replay with -Dflash.seed=" + seed + ")");
    assertEquals(withinBudget, withinBudgetSucceeded, "every call whose faults fit the retry budget succeeds");
    assertEquals(0, injector.retryAfterViolations, "a Retry-After is never shortened");
    assertEquals(0, wrongAnswers);
    assertEquals(calls, succeeded + exhausted);
    // Faults are injected as designed: about 30% of exchanges, and the stubs fired every one.
    double rate = faultsInjected / (double) exchanges;
    assertTrue(Math.abs(rate - FAULT_RATE) < 4 * Math.sqrt(FAULT_RATE * (1 - FAULT_RATE) / exchanges) + 0.005,
        "fault rate " + rate);
    long slowInTime = injector.injected.getOrDefault(Fault.SLOW_IN_TIME, 0);
    assertEquals(faultsInjected, fired.size(), "every injected fault fired (" + slowInTime + " slow-in-time included)");
    // A failing exchange the test did not inject would be a timeout of a healthy answer on this
    // loaded machine; it shifts the prediction by one exchange but never the success rule above.
    assertTrue(injector.failedWithoutFault <= Math.max(2, exchanges / 1000), "spurious failures: " + injector.failedWithoutFault);
  }

  static String histogram(int[] counts, int total) {
    StringBuilder b = new StringBuilder();
    for (int r = 0; r < counts.length; r++) {
      if (r > 0) {
        b.append(", ");
      }
      b.append(r).append(r == 1 ? " retry: " : " retries: ").append(counts[r])
          .append(String.format(java.util.Locale.ROOT, " (%.2f%%)", 100.0 * counts[r] / Math.max(1, total)));
    }
    return b.toString();
  }

  static long percentile(List<Long> sorted, double q) {
    if (sorted.isEmpty()) {
      return 0;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
  }
}
