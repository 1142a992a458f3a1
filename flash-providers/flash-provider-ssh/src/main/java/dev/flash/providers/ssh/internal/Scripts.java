package dev.flash.providers.ssh.internal;

import java.util.List;
import java.util.Map;

/**
 * The POSIX sh the provider runs on a host, one script per operation. Every value is substituted
 * quoted ({@link Shell#quote}) or validated to be a number or a name; no script ever holds a secret:
 * secrets reach the launcher on its standard input and the workload through its environment.
 *
 * <p>The on-box layout (module README, "On the box") is written only here.
 */
public final class Scripts {
  /** Exit codes of the launcher; anything else (or no exit status at all) leaves the outcome unknown. */
  public static final int EXISTS = 73;
  public static final int DRAINED = 75;
  public static final int NO_FREE_GPUS = 76;
  public static final int LOCK_BUSY = 77;
  public static final int PREPARE_FAILED = 79;
  /** Cancel and destroy: processes still alive after SIGKILL. */
  public static final int STILL_ALIVE = 70;
  /** Input copy: the partial file was not the size the copy expected (another copy ran), or the sha256 differs. */
  public static final int PART_MOVED = 71;
  public static final int CHECKSUM_MISMATCH = 74;
  /** Launcher: the variable names prefixed so no workload variable can overwrite them. */
  public static final String RESERVED_PREFIX = "flash_ssh_";

  /** Liveness without {@code ps}: zombies count as dead, pids of an earlier boot too. */
  private static final String LIB = """
      flash_ssh_boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
      pid_alive() {
        [ -n "$1" ] || return 1
        if [ -r "/proc/$1/stat" ]; then
          { read -r pa_l < "/proc/$1/stat"; } 2>/dev/null || return 1
          pa_r=${pa_l##*) }
          [ "${pa_r%% *}" != Z ]
        else
          kill -0 "$1" 2>/dev/null
        fi
      }
      group_size() {
        gs_g=$1; gs_n=0
        if [ -d /proc/self ]; then
          for gs_s in /proc/[0-9]*/stat; do
            { read -r gs_l < "$gs_s"; } 2>/dev/null || continue
            set -- ${gs_l##*) }
            [ "$3" = "$gs_g" ] && [ "$1" != Z ] && gs_n=$((gs_n + 1))
          done
        elif kill -0 -"$gs_g" 2>/dev/null; then gs_n=1; fi
        echo "$gs_n"
      }
      group_alive() { [ -n "$1" ] && [ "$(group_size "$1")" -gt 0 ]; }
      same_boot() { [ "$(cat "$1/boot_id" 2>/dev/null)" = "$flash_ssh_boot" ]; }
      attempt_alive() {
        same_boot "$1" || return 1
        pid_alive "$(cat "$1/runner.pid" 2>/dev/null)" || group_alive "$(cat "$1/pgid" 2>/dev/null)"
      }
      """;

  /** Sets {@code busy} to the GPU indices held by attempts that have not ended: " 0 1 5 ". */
  private static final String BUSY = """
      busy_gpus() {
        busy=' '
        for bg_d in flash-*; do
          [ -f "$bg_d/gpus" ] || continue
          [ -e "$bg_d/exit.json" ] && continue
          if [ -f "$bg_d/runner.pid" ]; then attempt_alive "$bg_d" || continue; fi
          busy="$busy$(cat "$bg_d/gpus") "
        done
      }
      free_gpus() {
        busy_gpus
        fg_i=0; free=''
        while [ "$fg_i" -lt "$1" ]; do
          case "$busy" in *" $fg_i "*) ;; *) free="$free $fg_i" ;; esac
          fg_i=$((fg_i + 1))
        done
      }
      """;

  /** Marks the attempt stopping and waits until the runner started the workload or is gone. */
  private static final String SETTLE = """
      : > cancel
      g=$(cat pgid 2>/dev/null); r=$(cat runner.pid 2>/dev/null)
      t=0
      while [ -z "$g" ] && [ "$t" -lt 50 ] && same_boot . && pid_alive "$r"; do
        sleep 0.1; t=$((t + 1)); g=$(cat pgid 2>/dev/null)
      done
      same_boot . || { g=''; r=''; }
      """;

  private static final String RUNNER = """
      # flash ssh runner of one attempt: starts the workload in its own session, enforces the
      # wall-clock cap and preemption notices here (so they hold without the control process), and
      # records the exit code. It holds no secret: those are in its environment only.
      cap=@CAP@
      grace=@GRACE@
      @LIB@
      printf '%s\\n' "$$" > .runner.pid.tmp && mv .runner.pid.tmp runner.pid
      record() {
        printf '{"code":%d,"reason":"%s","at":"%s"}\\n' "$1" "$2" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > .exit.json.tmp
        mv .exit.json.tmp exit.json
      }
      if [ -e cancel ]; then record 143 CANCELLED; exit 0; fi
      mkdir -p work
      cd work || { record 126 EXITED; exit 0; }
      setsid @ARGV@ </dev/null >>../console.log 2>&1 &
      pg=$!
      cd ..
      printf '%s\\n' "$pg" > .pgid.tmp && mv .pgid.tmp pgid
      stop() {
        [ -z "$1" ] || [ -e "$1" ] || : > "$1"
        kill -TERM -"$pg" 2>/dev/null || return 0
        t=0
        while [ "$t" -lt "$((grace * 10))" ] && group_alive "$pg"; do sleep 0.1; t=$((t + 1)); done
        kill -KILL -"$pg" 2>/dev/null
        return 0
      }
      (
        end=$(($(date +%s) + cap))
        while group_alive "$pg"; do
          if [ -e preempt ]; then stop preempt; exit 0; fi
          if [ "$cap" -gt 0 ] && [ "$(date +%s)" -ge "$end" ]; then stop wallcap; exit 0; fi
          sleep 1
        done
      ) </dev/null >/dev/null 2>&1 &
      wd=$!
      wait "$pg"
      code=$?
      stop ''
      kill "$wd" 2>/dev/null
      reason=EXITED
      [ -e wallcap ] && reason=WALL_CAP
      [ -e preempt ] && reason=PREEMPTED
      [ -e cancel ] && reason=CANCELLED
      record "$code" "$reason"
      """;

  private static final String LAUNCH = """
      umask 077
      flash_ssh_root=@ROOT@
      flash_ssh_name=@NAME@
      mkdir -p "$flash_ssh_root" && cd "$flash_ssh_root" || exit 79
      flash_ssh_rootdir=$(pwd)
      @LIB@
      @BUSY@
      exec 9>>.lock
      if command -v flock >/dev/null 2>&1; then flock -w 30 9 || exit 77; fi
      [ -e .drained ] && exit 75
      free_gpus @TOTAL@
      flash_ssh_pick=''; flash_ssh_n=0
      for flash_ssh_g in $free; do
        [ "$flash_ssh_n" -lt @WANT@ ] || break
        flash_ssh_pick="$flash_ssh_pick${flash_ssh_pick:+ }$flash_ssh_g"; flash_ssh_n=$((flash_ssh_n + 1))
      done
      [ "$flash_ssh_n" -lt @WANT@ ] && exit 76
      mkdir "$flash_ssh_name" 2>/dev/null || exit 73
      flash_ssh_dir="$flash_ssh_rootdir/$flash_ssh_name"
      flash_ssh_fail() { cd "$flash_ssh_rootdir" && rm -rf "$flash_ssh_name"; exit 79; }
      cd "$flash_ssh_name" || flash_ssh_fail
      flash_ssh_started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
      printf '%s\\n' "$flash_ssh_pick" > gpus && printf '%s\\n' "$flash_ssh_boot" > boot_id || flash_ssh_fail
      printf '{"name":"%s","host":"%s","gpu_class":"%s","gpus":"%s","price_micros_per_hour":%s,"started_at":"%s","boot_id":"%s","dir":"%s"}\\n' \\
        "$flash_ssh_name" @ALIAS@ @CLASS@ "$flash_ssh_pick" @PRICE@ "$flash_ssh_started" "$flash_ssh_boot" "$flash_ssh_dir" \\
        > .ssh.json.tmp && mv .ssh.json.tmp ssh.json || flash_ssh_fail
      cat > run.sh <<'FLASH_RUNNER_EOF' || flash_ssh_fail
      @RUNNER@
      FLASH_RUNNER_EOF
      while IFS= read -r flash_ssh_line; do
        case "$flash_ssh_line" in [A-Za-z_]*=*) ;; *) flash_ssh_fail ;; esac
        flash_ssh_v=$(printf '%s' "${flash_ssh_line#*=}" | base64 -d) || flash_ssh_fail
        export "${flash_ssh_line%%=*}=$flash_ssh_v"
      done
      unset flash_ssh_line flash_ssh_v
      export FLASH_ATTEMPT_DIR="$flash_ssh_dir"
      export FLASH_INPUTS_DIR="$flash_ssh_rootdir/inputs"
      export FLASH_CHECKPOINT_DIR="$flash_ssh_rootdir/checkpoints/@CHECKPOINTS@"
      mkdir -p "$FLASH_CHECKPOINT_DIR" || flash_ssh_fail
      @GPU_ENV@
      setsid nohup sh ./run.sh </dev/null >>runner.log 2>&1 9>&- &
      printf '%s\\n' "$!" > runner.pid
      printf 'started %s %s %s %s\\n' "$!" "$flash_ssh_started" "$flash_ssh_boot" "$(echo $flash_ssh_pick | tr ' ' ',')"
      """;

  private static final String POLL = """
      cd @ROOT@ 2>/dev/null && cd @NAME@ 2>/dev/null || { echo 'dir=0'; exit 0; }
      @LIB@
      echo 'dir=1'
      r=$(cat runner.pid 2>/dev/null); g=$(cat pgid 2>/dev/null)
      if same_boot . && pid_alive "$r"; then echo 'runner=1'; else echo 'runner=0'; fi
      if same_boot . && group_alive "$g"; then echo 'group=1'; else echo 'group=0'; fi
      [ -n "$r" ] && echo 'runner_started=1'
      [ -n "$g" ] && echo 'workload_started=1'
      echo "boot=$flash_ssh_boot"
      echo "now=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
      for m in cancel preempt wallcap; do [ -e "$m" ] && echo "mark=$m"; done
      for f in ssh.json exit.json heartbeat.json marker.json; do
        [ -f "$f" ] && printf '%s=%s\\n' "$f" "$(tr '\\n\\r' '  ' < "$f")"
      done
      exit 0
      """;

  private static final String LOGS = """
      cd @ROOT@ 2>/dev/null && cd @NAME@ 2>/dev/null || { echo gone; exit 0; }
      @LIB@
      size=0
      [ -f console.log ] && size=$(($(wc -c < console.log)))
      ended=0
      if [ -e exit.json ] || ! attempt_alive .; then ended=1; fi
      echo "log $size $ended"
      if [ "$size" -gt @OFFSET@ ]; then tail -c +@FROM@ console.log | head -c @MAX@; fi
      exit 0
      """;

  private static final String CANCEL = """
      cd @ROOT@ 2>/dev/null && cd @NAME@ 2>/dev/null || { echo gone; exit 0; }
      @LIB@
      [ -e exit.json ] && { echo ended; exit 0; }
      @SETTLE@
      if [ -n "$g" ] && group_alive "$g"; then
        kill -TERM -"$g" 2>/dev/null
        t=0
        while [ "$t" -lt @GRACE_TENTHS@ ] && group_alive "$g"; do sleep 0.1; t=$((t + 1)); done
        kill -KILL -"$g" 2>/dev/null
        t=0
        while [ "$t" -lt 50 ] && group_alive "$g"; do sleep 0.1; t=$((t + 1)); done
        if group_alive "$g"; then echo "alive $(group_size "$g")"; exit 70; fi
      fi
      echo stopped
      """;

  private static final String DESTROY = """
      cd @ROOT@ 2>/dev/null && [ -d @NAME@ ] || { echo gone; exit 0; }
      cd @NAME@ || exit 79
      @LIB@
      @SETTLE@
      for x in $g $r; do kill -KILL -"$x" 2>/dev/null; done
      t=0
      while [ "$t" -lt 50 ] && { group_alive "$g" || group_alive "$r"; }; do sleep 0.1; t=$((t + 1)); done
      if group_alive "$g" || group_alive "$r"; then echo "alive $(( $(group_size "$g") + $(group_size "$r") ))"; exit 70; fi
      end=$(sed -n 's/.*"at":"\\([^"]*\\)".*/\\1/p' exit.json 2>/dev/null)
      [ -n "$end" ] || end=$(date -u +%Y-%m-%dT%H:%M:%SZ)
      cd .. && rm -rf @NAME@ || exit 79
      echo "destroyed $end"
      """;

  private static final String LIST = """
      cd @ROOT@ 2>/dev/null || exit 0
      @LIB@
      for d in @PATTERN@; do
        [ -d "$d" ] || continue
        if [ -e "$d/exit.json" ]; then s=exited
        elif [ ! -f "$d/ssh.json" ]; then s=incomplete
        elif attempt_alive "$d"; then s=running
        else s=lost; fi
        printf '%s\\t%s\\t%s\\n' "$d" "$s" "$(tr '\\n\\r\\t' '   ' < "$d/ssh.json" 2>/dev/null)"
      done
      exit 0
      """;

  private static final String PROBE = """
      cd @ROOT@ 2>/dev/null || { echo 'drained=0'; echo 'free=@TOTAL@'; exit 0; }
      @LIB@
      @BUSY@
      if [ -e .drained ]; then echo 'drained=1'; else echo 'drained=0'; fi
      free_gpus @TOTAL@
      echo "free=$(echo $free | wc -w)"
      """;

  private static final String READ = """
      cd @ROOT@ 2>/dev/null && cd @NAME@ 2>/dev/null || exit 44
      [ -f @FILE@ ] || exit 45
      cat @FILE@
      """;

  private static final String STAGE_PROBE = """
      umask 077
      mkdir -p @ROOT@/inputs && cd @ROOT@/inputs || exit 79
      for n in @NAMES@; do
        if [ -f "$n" ]; then
          size=$(($(wc -c < "$n")))
          if [ -f ".$n.sha256" ] && [ "$(sed -n 2p ".$n.sha256")" = "$size" ]; then
            sha=$(sed -n 1p ".$n.sha256")
          else
            sha=$(sha256sum < "$n" | cut -d' ' -f1)
            printf '%s\\n%s\\n' "$sha" "$size" > ".$n.sha256"
          fi
          echo "$n done $size $sha"
        elif [ -f ".$n.part" ]; then
          echo "$n part $(($(wc -c < ".$n.part"))) $(sha256sum < ".$n.part" | cut -d' ' -f1)"
        else
          echo "$n none"
        fi
      done
      """;

  private static final String STAGE_PUT = """
      umask 077
      cd @ROOT@/inputs || exit 79
      n=@NAME@
      exec 9>>".$n.lock"
      if command -v flock >/dev/null 2>&1; then flock -w 600 9 || exit 77; fi
      if [ @OFFSET@ -eq 0 ]; then : > ".$n.part"; fi
      [ -f ".$n.part" ] && [ "$(($(wc -c < ".$n.part")))" -eq @OFFSET@ ] || exit 71
      cat >> ".$n.part" || exit 79
      [ "$(sha256sum < ".$n.part" | cut -d' ' -f1)" = @SHA@ ] || { rm -f ".$n.part"; exit 74; }
      mv -f ".$n.part" "$n" && printf '%s\\n%s\\n' @SHA@ @SIZE@ > ".$n.sha256"
      """;

  private Scripts() {}

  /**
   * The launcher: claims GPUs under the host's lock, creates the attempt directory (once per name),
   * writes the runner and the record, reads the environment from stdin and starts the runner with
   * {@code setsid nohup}. Prints {@code started <runner pid> <started at> <boot id> <gpus>}.
   */
  public static String launch(String root, String name, String alias, String gpuClass, boolean gpuHost,
      int totalGpus, int wantGpus, long priceMicrosPerHour, String checkpoints, List<String> argv, long capSeconds,
      long graceSeconds) {
    // User text (the command) goes in last, so no placeholder-looking text in it is ever replaced.
    String runner = RUNNER.replace("@CAP@", Long.toString(capSeconds))
        .replace("@GRACE@", Long.toString(graceSeconds))
        .replace("@LIB@", LIB)
        .replace("@ARGV@", Shell.words(argv));
    if (runner.lines().anyMatch("FLASH_RUNNER_EOF"::equals)) {
      throw new IllegalArgumentException("the workload's command contains a line FLASH_RUNNER_EOF");
    }
    return LAUNCH.replace("@LIB@", LIB)
        .replace("@BUSY@", BUSY)
        .replace("@ROOT@", Shell.quote(root))
        .replace("@NAME@", Shell.quote(name))
        .replace("@ALIAS@", Shell.quote(alias))
        .replace("@CLASS@", Shell.quote(gpuClass))
        .replace("@PRICE@", Long.toString(priceMicrosPerHour))
        .replace("@TOTAL@", Integer.toString(totalGpus))
        .replace("@WANT@", Integer.toString(wantGpus))
        .replace("@CHECKPOINTS@", checkpoints)
        .replace("@GPU_ENV@", gpuHost
            ? "export CUDA_VISIBLE_DEVICES=$(echo $flash_ssh_pick | tr ' ' ',')" : "")
        .replace("@RUNNER@", runner);
  }

  /** {@code key=value} lines: dir, runner, group, marks, boot, now, and the record and worker files. */
  public static String poll(String root, String name) {
    return attempt(POLL, root, name);
  }

  /** A header line {@code log <size> <ended 0|1>}, then up to {@code max} bytes from {@code offset}. */
  public static String logs(String root, String name, long offset, int max) {
    return attempt(LOGS, root, name).replace("@OFFSET@", Long.toString(offset))
        .replace("@FROM@", Long.toString(offset + 1)).replace("@MAX@", Integer.toString(max));
  }

  /** SIGTERM to the workload's process group, SIGKILL after the grace, then checks nothing is left. */
  public static String cancel(String root, String name, long graceSeconds) {
    return attempt(CANCEL, root, name).replace("@GRACE_TENTHS@", Long.toString(graceSeconds * 10));
  }

  /** SIGKILL to the workload's and the runner's process groups, checks, then removes the attempt directory. */
  public static String destroy(String root, String name) {
    return attempt(DESTROY, root, name);
  }

  /** One line per attempt directory: {@code name TAB state TAB record}. {@code only} narrows to one name. */
  public static String list(String root, java.util.Optional<String> only) {
    return LIST.replace("@ROOT@", Shell.quote(root)).replace("@LIB@", LIB)
        .replace("@PATTERN@", only.map(Shell::quote).orElse("flash-*"));
  }

  /** {@code drained=0|1} and {@code free=<attempt slots of one GPU>}. */
  public static String probe(String root, int totalGpus) {
    return PROBE.replace("@ROOT@", Shell.quote(root)).replace("@LIB@", LIB).replace("@BUSY@", BUSY)
        .replace("@TOTAL@", Integer.toString(totalGpus));
  }

  /** Prints one file of the attempt directory. */
  public static String read(String root, String name, String file) {
    return attempt(READ, root, name).replace("@FILE@", Shell.quote(file));
  }

  /** Per input: {@code <name> done <size> <sha256>}, {@code <name> part <size> <sha256>} or {@code <name> none}. */
  public static String stageProbe(String root, List<String> names) {
    return STAGE_PROBE.replace("@ROOT@", Shell.quote(root)).replace("@NAMES@", Shell.words(names));
  }

  /** Appends stdin to the partial copy at {@code offset} (0 starts over), checks the sha256, renames it. */
  public static String stagePut(String root, String name, long offset, long size, String sha256) {
    return STAGE_PUT.replace("@ROOT@", Shell.quote(root)).replace("@NAME@", Shell.quote(name))
        .replace("@OFFSET@", Long.toString(offset)).replace("@SIZE@", Long.toString(size))
        .replace("@SHA@", Shell.quote(sha256));
  }

  /** The launcher's standard input: one {@code NAME=base64(value)} line per variable. */
  public static byte[] environmentBlock(Map<String, String> env) {
    StringBuilder sb = new StringBuilder();
    java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
    env.forEach((k, v) -> sb.append(k).append('=')
        .append(b64.encodeToString(v.getBytes(java.nio.charset.StandardCharsets.UTF_8))).append('\n'));
    return sb.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  private static String attempt(String script, String root, String name) {
    return script.replace("@SETTLE@", SETTLE).replace("@LIB@", LIB)
        .replace("@ROOT@", Shell.quote(root)).replace("@NAME@", Shell.quote(name));
  }
}
