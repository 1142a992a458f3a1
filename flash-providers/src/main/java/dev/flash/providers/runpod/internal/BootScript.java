package dev.flash.providers.runpod.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The pod's entry: a POSIX shell script that runs the workload and speaks the console relay
 * ({@link ConsoleRelay}). It
 * <ol>
 *   <li>starts the workload's command in the background with the worker protocol's variables;
 *   <li>prints {@code ##flash heartbeat <json>} whenever the worker's {@code heartbeat.json} changes;
 *   <li>stops the workload at the attempt's wall-clock cap (SIGTERM, SIGKILL after a grace period),
 *       printing {@code ##flash deadline} — the dead-man switch that holds without the control process;
 *   <li>forwards a SIGTERM/SIGINT the pod receives (a stop) to the workload and notes it;
 *   <li>when the workload has exited, prints the worker's {@code done.json} and {@code marker.json} and
 *       {@code ##flash exit {"code":N,"signal":"TERM"|""}};
 *   <li>stops its own pod with RunPod's pod-scoped key ({@code RUNPOD_API_KEY}, which RunPod injects into
 *       every pod; never flash's key), through {@code runpodctl} or the REST API, and then idles so a
 *       container restart can never run the workload a second time.
 * </ol>
 *
 * <p>RunPod's v2 create body has no entrypoint override, only {@code args} (the container command),
 * so the script travels base64-encoded inside {@code args}: no quoting can break it. The image's
 * entrypoint must run its arguments (none, or an {@code exec "$@"} wrapper, as CUDA and PyTorch
 * images have) and the image needs {@code sh}, {@code base64}, {@code tr} and {@code sleep}.
 */
public final class BootScript {
  /** Where the worker writes its reports on the pod ({@code FLASH_ATTEMPT_DIR}). */
  public static final String ATTEMPT_DIR = "/flash/attempt";
  /** Checkpoints when no network volume is mounted (lost with the pod). */
  public static final String LOCAL_CHECKPOINT_DIR = "/flash/checkpoints";
  private static final String FILE = "/flash/boot.sh";

  private BootScript() {}

  /**
   * The script for {@code argv}.
   *
   * @param argv the workload's command and arguments
   * @param heartbeatEvery how often the heartbeat file is checked
   * @param wallClockCap when the workload is stopped, if ever
   * @param killGrace between SIGTERM and SIGKILL at the cap
   * @param apiBase RunPod's API base URL, for the self-stop when {@code runpodctl} is missing
   */
  public static String script(List<String> argv, Duration heartbeatEvery, Optional<Duration> wallClockCap,
      Duration killGrace, String apiBase) {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("a pod needs a command to run");
    }
    String command = argv.stream().map(BootScript::quote).collect(Collectors.joining(" "));
    String deadline = wallClockCap.map(cap -> {
      long s = Math.max(1, cap.toSeconds());
      return "( sleep " + s + "; say deadline '{\"seconds\":" + s + "}'; kill -TERM $pid 2>/dev/null; sleep "
          + killGrace.toSeconds() + "; kill -KILL $pid 2>/dev/null ) &\ndl_pid=$!\n";
    }).orElse("");
    return "# flash pod entry (generated): runs the workload, relays the worker protocol, stops the pod\n"
        + "D=\"${FLASH_ATTEMPT_DIR:-" + ATTEMPT_DIR + "}\"\n"
        + "mkdir -p \"$D\" \"${FLASH_CHECKPOINT_DIR:-" + LOCAL_CHECKPOINT_DIR + "}\" 2>/dev/null\n"
        + "say() { printf '" + ConsoleRelay.PREFIX + "%s %s\\n' \"$1\" \"$2\"; }\n"
        + "relay() { if [ -s \"$D/$1.json\" ]; then say \"$1\" \"$(tr -d '\\r\\n' < \"$D/$1.json\")\"; fi; }\n"
        + "stop_self() {\n"
        + "  [ -n \"${RUNPOD_POD_ID:-}\" ] || return 1\n"
        + "  if command -v runpodctl >/dev/null 2>&1 && runpodctl stop pod \"$RUNPOD_POD_ID\" >/dev/null 2>&1; then return 0; fi\n"
        + "  command -v curl >/dev/null 2>&1 || return 1\n"
        + "  curl -fsS -m 30 -X POST -H \"Authorization: Bearer ${RUNPOD_API_KEY:-}\" -H 'Content-Type: application/json'"
        + " -d '{\"action\":\"stop\"}' " + quote(apiBase.replaceAll("/+$", "")) + "\"/pods/$RUNPOD_POD_ID/action\""
        + " >/dev/null 2>&1\n"
        + "}\n"
        + "signal=''\n"
        + "dl_pid=''\n"
        + "say start '{}'\n"
        + "( last=''; while sleep " + Math.max(1, heartbeatEvery.toSeconds()) + "; do\n"
        // stderr is redirected before the file: a shell reports a missing input file before later redirections.
        + "    cur=\"$(tr -d '\\r\\n' 2>/dev/null < \"$D/heartbeat.json\")\"\n"
        + "    if [ -n \"$cur\" ] && [ \"$cur\" != \"$last\" ]; then say heartbeat \"$cur\"; last=\"$cur\"; fi\n"
        + "  done ) &\n"
        + "relay_pid=$!\n"
        + command + " &\n"
        + "pid=$!\n"
        + "trap 'signal=TERM; kill -TERM $pid 2>/dev/null' TERM\n"
        + "trap 'signal=INT; kill -INT $pid 2>/dev/null' INT\n"
        + deadline
        // A trapped signal interrupts wait while the workload may still run: wait again until it is gone.
        + "code=''\n"
        + "while [ -z \"$code\" ]; do\n"
        + "  wait $pid; c=$?\n"
        + "  if ! kill -0 $pid 2>/dev/null; then code=$c; fi\n"
        + "done\n"
        + "kill $relay_pid $dl_pid 2>/dev/null\n"
        + "relay heartbeat; relay done; relay marker\n"
        + "say exit \"{\\\"code\\\":$code,\\\"signal\\\":\\\"$signal\\\"}\"\n"
        + "trap '' TERM INT\n"
        + "stop_self || say selfstop '{\"ok\":false}'\n"
        + "while :; do sleep 3600; done\n";
  }

  /** The pod's {@code args}: decode the script onto the container disk and run it as PID 1. */
  public static String args(String script) {
    String b64 = Base64.getEncoder().encodeToString(script.getBytes(StandardCharsets.UTF_8));
    return "sh -c 'mkdir -p /flash && echo " + b64 + " | base64 -d > " + FILE + " && exec sh " + FILE + "'";
  }

  /** One shell word, single-quoted: {@code it's} → {@code 'it'\''s'}. */
  static String quote(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
