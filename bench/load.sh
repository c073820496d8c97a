#!/usr/bin/env bash
# Load: the packaged bridge (java -Xmx512m -jar target/xray-datadog-bridge.jar) on loopback, in agent mode
# to a fake Agent that counts every span by id and answers 200, its X-Ray source polling an X-Ray API
# emulator that the bench feeds (bridge.xray.source=aws + endpoint override); a load generator plays
# CONNECTIONS Java tracers sending v0.4 msgpack payloads shaped like dd-java-agent's at RATE spans/s for
# DURATION seconds. The same generator first runs against a drain-only endpoint (reads the body,
# answers 200): the ceiling this machine gives; then against nginx (Debian's package, installed here with
# apt-get when absent) proxying each payload unchanged to a fake Agent like the bridge's: the cost of
# "receive and forward" in a tuned proxy. After a quiet period it checks the ledger identity
# (received + polled = forwarded + dropped by reason, from /actuator/health) and every span id.
# Prints spans/s accepted and forwarded, p50/p99 answer time, peak RSS and heap, drops by reason,
# ratios against the drain-only baseline, and last the ratios against nginx (spans/s and CPU per span as
# fast as each answers), the bridge's bytes allocated per native span and the generator's own ceiling.
# One command; builds what it needs. NGINX=/path/to/nginx uses another binary.
#
#   DURATION=60        measured seconds (600 for the 10-minute target)    WARMUP=10 seconds before it
#   RATE=50000         offered spans/s ("max": as fast as answers come)   CONNECTIONS=8 tracers
#   GROUPS=20          payload = GROUPS × 19 spans (5 traces, ~12 KB)     XRAY_RATE=5 X-Ray traces/s
#   BASELINE_DURATION  drain-only seconds (default min(30, DURATION))    QUIET_TIMEOUT=120 s
#   BRIDGE_JVM_OPTS    default "-Xmx512m -XX:+ExitOnOutOfMemoryError"     BRIDGE_ARGS extra --key=value
# Output and the bridge's log: target/bench/load/. Exit status 0 when identity and ids check out.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/load-common.sh
if [ -z "${NGINX:-}" ] && ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  echo "installing nginx (Debian's package) for the proxy baseline ..." >&2
  # RUNLEVEL=1: the package's scripts must not start a system nginx
  RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx >/dev/null \
    || { apt-get update >/dev/null && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx >/dev/null; } \
    || echo "nginx could not be installed: the proxy baseline is skipped" >&2
fi
export NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
run_bench org.xraybridge.bench.LoadBench target/bench/load
