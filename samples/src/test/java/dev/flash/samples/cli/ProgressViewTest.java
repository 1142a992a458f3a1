package dev.flash.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flash.core.FailureClass;
import dev.flash.core.GpuOffer;
import dev.flash.core.JobHandle;
import dev.flash.core.Money;
import dev.flash.core.RunState;
import dev.flash.core.spi.Progress;
import dev.flash.providers.AttemptResult;
import dev.flash.providers.RunOutcome;
import dev.flash.providers.RunResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The launch progress display, fed a scripted run: plain lines off a terminal, in-place redraws on one. */
class ProgressViewTest {
  static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
  static final GpuOffer OFFER = GpuOffer.builder().provider("acme").gpuClass("h100-80gb-sxm").gpuCount(1)
      .gpuMemoryGib(80).region("eu").pricePerHour(Money.usd("2.40")).build();

  /** A clock the test moves. */
  static final class Ticking extends Clock {
    Instant now = T0;

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  static JobHandle handle(int attempt) {
    return JobHandle.builder().providerId("acme").name("flash-demo-s0-a" + attempt).build();
  }

  /** Two attempts: the first preempted at step 400, the second resumed and finishing 1000 steps. */
  static void script(ProgressView v, Ticking clock) {
    v.attach(() -> Money.usd("0.0042"));
    v.onAllocated("demo", 0, 1, OFFER);
    v.onLaunched("demo", 0, 1, handle(1));
    for (long step = 0; step <= 400; step += 50) {
      clock.now = clock.now.plusSeconds(1);
      v.onProgress("demo", 0, 1, new Progress("train", step, 1000, clock.now));
    }
    AttemptResult first = new AttemptResult(0, 1, "flash-demo-s0-a1", OFFER, RunState.FAILED,
        Optional.of(FailureClass.PREEMPTED), "spot reclaimed", Money.usd("0.01"), T0, clock.now);
    v.onAttemptEnded("demo", first);
    v.onRetry("demo", 0, 2, FailureClass.PREEMPTED);
    v.onAllocated("demo", 0, 2, OFFER);
    v.onLaunched("demo", 0, 2, handle(2));
    for (long step = 400; step <= 1000; step += 100) {
      clock.now = clock.now.plusSeconds(1);
      v.onProgress("demo", 0, 2, new Progress("train", step, 1000, clock.now));
    }
    AttemptResult second = new AttemptResult(0, 2, "flash-demo-s0-a2", OFFER, RunState.SUCCEEDED, Optional.empty(),
        "", Money.usd("0.0023"), T0.plusSeconds(10), clock.now);
    v.onAttemptEnded("demo", second);
    v.onFinished(new RunResult("demo", RunOutcome.SUCCEEDED, "succeeded in 2 attempts", List.of(first, second),
        Money.usd("0.0042"), Duration.ofSeconds(17), Optional.of(new Progress("train", 1000, 1000, clock.now)),
        Map.of("loss", 0.00424)));
    v.close();
  }

  @Test
  void offATerminalEveryEventIsALineAndProgressIsPrintedEveryTenthWithoutEscapes() {
    StringWriter text = new StringWriter();
    Ticking clock = new Ticking();
    script(new ProgressView(new PrintWriter(text, true), false, clock, 200), clock);
    String out = text.toString();
    assertFalse(out.contains("\033") || out.contains("\r"), "no control characters off a terminal: " + out);
    List<String> lines = out.lines().toList();
    assertEquals("attempt 1: acme h100-80gb-sxm×1 eu $2.40/h", lines.get(0));
    assertEquals("attempt 1: launched flash-demo-s0-a1", lines.get(1));
    assertEquals("  [--------------------]   0%  step 0/1000  attempt 1 train  elapsed 1.0s  spent $0.0042",
        lines.get(2));
    assertTrue(lines.contains(
        "  [########------------]  40%  step 400/1000  attempt 1 train  elapsed 9.0s  spent $0.0042"), out);
    assertTrue(lines.contains("attempt 1: FAILED PREEMPTED after 9.0 s, cost $0.01 (spot reclaimed)"), out);
    assertTrue(lines.contains("retrying as attempt 2 after PREEMPTED (does not use the retry budget)"), out);
    assertTrue(lines.contains("attempt 2: resumed from the checkpoint at step 400"), out);
    assertTrue(lines.contains(
        "  [####################] 100%  step 1000/1000  attempt 2 train  elapsed 16.0s  spent $0.0042"), out);
    assertEquals("SUCCEEDED in 2 attempts (1 preempted): 1000/1000 steps, loss 0.00424, cost $0.0042, wall 17.0 s",
        lines.get(lines.size() - 1));
    long statusLines = lines.stream().filter(l -> l.startsWith("  [")).count();
    assertEquals(5 + 7, statusLines, "one line per tenth passed (0-40 %, then 40-100 % after the retry): " + out);
  }

  @Test
  void onATerminalTheStatusLineIsRedrawnInPlaceAndClearedAtTheEnd() {
    StringWriter text = new StringWriter();
    Ticking clock = new Ticking();
    script(new ProgressView(new PrintWriter(text, true), true, clock, 200), clock);
    String out = text.toString();
    assertTrue(out.contains(ProgressView.ERASE_LINE + "  [####"), "status redrawn after erasing the line: " + out);
    assertTrue(out.contains(ProgressView.ERASE_LINE + "attempt 1: FAILED PREEMPTED"), "events erase the status: " + out);
    assertTrue(out.endsWith("wall 17.0 s\n"), "ends on a clean line with the summary: " + out);
    String visible = out.replace(ProgressView.ERASE_LINE, "\n");
    assertTrue(visible.contains("step 700/1000"), "every heartbeat is drawn on a terminal: " + out);
  }

  @Test
  void theStatusLineFitsTheTerminalWidthDroppingTheBarFirst() {
    ProgressView wide = new ProgressView(new PrintWriter(new StringWriter(), true), false, new Ticking(), 200);
    wide.onProgress("demo", 0, 1, new Progress("train", 5, 10, T0));
    assertEquals("  [##########----------]  50%  step 5/10  attempt 1 train  elapsed 0.0s  spent $0.00", wide.status());
    ProgressView narrow = new ProgressView(new PrintWriter(new StringWriter(), true), false, new Ticking(), 70);
    narrow.onProgress("demo", 0, 1, new Progress("train", 5, 10, T0));
    assertEquals("   50%  step 5/10  attempt 1 train  elapsed 0.0s  spent $0.00", narrow.status());
    ProgressView tiny = new ProgressView(new PrintWriter(new StringWriter(), true), false, new Ticking(), 40);
    tiny.onProgress("demo", 0, 1, new Progress("train", 5, 10, T0));
    assertEquals(39, tiny.status().length(), tiny.status());
    assertTrue(tiny.status().endsWith("…"), tiny.status());
  }

  @Test
  void aColumnsValueIsATerminalWidthOnlyWhenItIsOne() {
    assertEquals(Optional.of(132), Terminal.columns("132"));
    assertEquals(Optional.empty(), Terminal.columns("wide"));
    assertEquals(Optional.empty(), Terminal.columns("5"));
    assertEquals(Optional.empty(), Terminal.columns(null));
  }

  @Test
  void elapsedTimeReadsAtAGlance() {
    assertEquals("4.2s", ProgressView.elapsed(Duration.ofMillis(4200)));
    assertEquals("3m07s", ProgressView.elapsed(Duration.ofSeconds(187)));
    assertEquals("1h02m", ProgressView.elapsed(Duration.ofMinutes(62)));
    assertEquals("0.0s", ProgressView.elapsed(Duration.ofSeconds(-3)));
  }

  @Test
  void onlyAnInteractiveTerminalGetsRedraws() {
    Optional<String> xterm = Optional.of("xterm-256color");
    assertTrue(Terminal.interactive(false, xterm, true, Optional.empty()), "JDK < 22 with a console");
    assertTrue(Terminal.interactive(false, xterm, true, Optional.of(true)), "JDK 22+ on a terminal");
    assertFalse(Terminal.interactive(false, xterm, true, Optional.of(false)), "JDK 22+ redirected");
    assertFalse(Terminal.interactive(false, xterm, false, Optional.empty()), "no console");
    assertFalse(Terminal.interactive(false, Optional.of("dumb"), true, Optional.of(true)), "TERM=dumb");
    assertFalse(Terminal.interactive(false, Optional.empty(), true, Optional.of(true)), "no TERM");
    assertFalse(Terminal.interactive(true, xterm, true, Optional.of(true)), "--plain");
  }
}
