#!/bin/sh
# A stand-in for the Docker client, for LocalProvider's container-mode tests (FakeDocker.java writes it
# with STATE set). It records every command line, then does just enough of each verb the provider uses,
# running each "container" as a real child process with the variables passed to it by -e.
STATE='@STATE@'
US=$(printf '\037')
line=""
for a in "$@"; do line="$line$a$US"; done
printf '%s\n' "$line" >>"$STATE/calls"

down() {
  echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2
  exit 1
}
[ -f "$STATE/engine-down" ] && down
C="$STATE/containers"
mkdir -p "$C"

# sets d to container $1's directory, or fails as the engine does for a name it does not know
container() {
  d="$C/$1"
  [ -d "$d" ] || { echo "Error response from daemon: No such container: $1" >&2; exit 1; }
}

# whether container $d has a process (a client killed half-way through run leaves a created container)
started() {
  i=0
  while [ ! -f "$d/pid" ] && [ "$i" -lt 50 ]; do sleep 0.02; i=$((i + 1)); done
  [ -f "$d/pid" ]
}

verb=$1
shift
case "$verb" in
version)
  echo "27.5.1-fake"
  ;;
run)
  name="" labels="" envnames="" entry=""
  while [ $# -gt 0 ]; do
    case "$1" in
    -d | --init | --ipc=host) ;;
    --name) name=$2; shift ;;
    --label) labels="$labels$2
"; shift ;;
    -e)
      case "$2" in
      *=*) export "$2"; envnames="$envnames ${2%%=*}" ;;
      *) envnames="$envnames $2" ;;
      esac
      shift ;;
    -v) case "$2" in "${2%%:*}:${2%%:*}") ;; *) echo "fake docker: mounts must keep their path: $2" >&2; exit 125 ;; esac; shift ;;
    --gpus | -w) shift ;;
    --entrypoint) entry=$2; shift ;;
    -*) echo "fake docker: unknown option $1" >&2; exit 125 ;;
    *) break ;;
    esac
    shift
  done
  shift # the image
  [ -n "$entry" ] && set -- "$entry" "$@"
  [ $# -gt 0 ] || set -- true
  if [ -f "$STATE/run-fails" ]; then
    cat "$STATE/run-fails" >&2
    exit 125
  fi
  while [ -f "$STATE/hold-pull" ]; do sleep 0.02; done
  d="$C/$name"
  if ! mkdir "$d" 2>/dev/null; then
    echo "docker: Error response from daemon: Conflict. The container name \"/$name\" is already in use." >&2
    exit 125
  fi
  mkdir "$d/root"
  printf '%s' "$labels" >"$d/labels"
  # the container sees PATH and what -e named, nothing else of the client's environment
  for v in HOME USER TMPDIR XDG_RUNTIME_DIR XDG_CONFIG_HOME LANG LC_ALL PWD OLDPWD; do
    case " $envnames " in *" $v "*) ;; *) unset "$v" ;; esac
  done
  (
    cd "$d/root" || exit 1
    unset OLDPWD
    "$@" >"$d/log" 2>&1 </dev/null &
    echo $! >"$d/pid.tmp" && mv "$d/pid.tmp" "$d/pid"
    wait $!
    echo $? >"$d/exit.tmp" && mv "$d/exit.tmp" "$d/exit"
  ) >/dev/null 2>&1 </dev/null &
  while [ ! -f "$d/pid" ]; do sleep 0.01; done
  echo "fakeid-$name"
  ;;
inspect)
  container "$3"
  oom=false
  [ -f "$d/oom" ] && oom=true
  if [ -f "$d/exit" ]; then
    printf '{"Status":"exited","Running":false,"OOMKilled":%s,"ExitCode":%s,"Error":""}\n' "$oom" "$(cat "$d/exit")"
  elif [ -f "$d/pid" ]; then
    printf '{"Status":"running","Running":true,"OOMKilled":false,"ExitCode":0,"Error":""}\n'
  else
    printf '{"Status":"created","Running":false,"OOMKilled":false,"ExitCode":128,"Error":"the client went away"}\n'
  fi
  ;;
stop)
  secs=$2 name=$3
  container "$name"
  if [ ! -f "$d/exit" ] && started; then
    kill -TERM "$(cat "$d/pid")" 2>/dev/null
    i=0
    while [ ! -f "$d/exit" ] && [ "$i" -lt $((secs * 50)) ]; do sleep 0.02; i=$((i + 1)); done
    [ -f "$d/exit" ] || kill -KILL "$(cat "$d/pid")" 2>/dev/null
    while [ ! -f "$d/exit" ]; do sleep 0.02; done
  fi
  echo "$name"
  ;;
rm)
  name=$2
  container "$name"
  if [ ! -f "$d/exit" ] && started; then
    kill -KILL "$(cat "$d/pid")" 2>/dev/null
    while [ ! -f "$d/exit" ]; do sleep 0.02; done
  fi
  rm -rf "$d"
  echo "$name"
  ;;
ps)
  format="" filters=""
  while [ $# -gt 0 ]; do
    case "$1" in
    --filter) filters="$filters
${2#label=}"; shift ;;
    --format) format=$2; shift ;;
    esac
    shift
  done
  fields=$(printf '%s' "$format" | grep -o '{{[^}]*}}')
  for d in "$C"/*/; do
    [ -d "$d" ] || continue
    d=${d%/}
    name=${d##*/}
    # every --filter label=k=v must be one of the container's labels
    missing=$(printf '%s\n' "$filters" | grep -v '^$' | grep -vxFf "$d/labels")
    [ -z "$missing" ] || continue
    state=running
    [ -f "$d/exit" ] && state=exited
    out="" sep=""
    # the template's fields in order ({{.Names}}, {{.State}}, {{.Label "key"}}), separated by tabs
    while read -r field; do
      case "$field" in
      *.Names*) v=$name ;;
      *.State*) v=$state ;;
      *.Label*) key=$(printf '%s' "$field" | sed 's/.*"\(.*\)".*/\1/'); v=$(sed -n "s|^$key=||p" "$d/labels" | head -n 1) ;;
      *) v="" ;;
      esac
      out="$out$sep$v"
      sep=$(printf '\t')
    done <<EOF
$fields
EOF
    printf '%s\n' "$out"
  done
  ;;
logs)
  name=$2
  [ "$1" = "--follow" ] || name=$1
  container "$name"
  started || { echo "Error response from daemon: container $name is not running" >&2; exit 1; }
  exec tail -c +1 -s 0.02 -f --pid="$(cat "$d/pid")" "$d/log"
  ;;
*)
  echo "fake docker: unknown command $verb" >&2
  exit 1
  ;;
esac
