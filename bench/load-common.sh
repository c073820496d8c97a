# Shared by bench/load.sh and bench/soak-faults.sh: builds the packaged jar when it is missing or older
# than the sources, builds the bench classes (Maven profile jmh), and runs one bench main class with an
# exit trap that kills every process the bench started (the bench JVM writes their pids to a file).
source bench/jmh-common.sh

build_bridge_jar() {
  local jar=target/xray-datadog-bridge.jar
  if [ ! -f "$jar" ] || [ -n "$(find src/main pom.xml -newer "$jar" -print -quit)" ]; then
    echo "building $jar ..." >&2
    ./mvnw -q -DskipTests package >/dev/null
  fi
}

BENCH_PID=""
PID_FILE=""
kill_started() {
  if [ -n "$BENCH_PID" ] && kill -0 "$BENCH_PID" 2>/dev/null; then
    kill "$BENCH_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$BENCH_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$BENCH_PID" 2>/dev/null || true
  fi
  if [ -n "$PID_FILE" ] && [ -f "$PID_FILE" ]; then
    while read -r pid; do
      # only what this bench started: a JVM running the bridge jar or the drain-only server, or the
      # proxy baseline's nginx master (SIGTERM: it stops its workers, which a SIGKILL would orphan)
      if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
          && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -e xray-datadog-bridge.jar -e org.xraybridge.bench.DrainServer -e kafka.Kafka; then
        kill -9 "$pid" 2>/dev/null || true
      elif [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q bench-nginx; then
        kill -TERM "$pid" 2>/dev/null || true
      fi
    done < "$PID_FILE"
  fi
}

# run_bench <main class> <output dir>
run_bench() {
  local main=$1 out=$2
  mkdir -p "$out"
  PID_FILE="$out/pids"
  : > "$PID_FILE"
  trap kill_started EXIT
  trap 'exit 130' INT TERM
  build_bridge_jar
  build_jmh
  OUT="$out" PID_FILE="$PID_FILE" java ${BENCH_JVM_OPTS:--Xmx1g} -cp "$JMH_CP" "$main" &
  BENCH_PID=$!
  local rc=0
  wait "$BENCH_PID" || rc=$?
  BENCH_PID=""
  return "$rc"
}
