#!/usr/bin/env bash
# Soak with faults: the load of bench/load.sh (the packaged bridge, -Xmx512m, agent mode to a fake Agent
# that records every span id; X-Ray polled from the bench's emulator) while
#   (a) the fake Agent goes down for AGENT_DOWN seconds (connections refused; AGENT_FAULT=503 answers 503),
#   (b) the X-Ray emulator throttles every read for THROTTLE seconds,
#   (c) the bridge is killed with SIGKILL and restarted at once on the same data directory.
# Prints spans lost and duplicated by span id (split by when they were taken in), recovery time after
# each fault, what a kill -9 loses by design (measured from the ledger just before it), and the
# restarted bridge's ledger identity. One command; builds what it needs.
#
#   RATE=50000 spans/s   CONNECTIONS=8   GROUPS=20   XRAY_RATE=5 traces/s
#   WARM=20  AGENT_DOWN=60  GAP=40  THROTTLE=30  AFTER_KILL=60   (seconds; the run lasts WARM+AGENT_DOWN+2×GAP+THROTTLE+AFTER_KILL)
#   BRIDGE_ARGS default "--bridge.forward.spool-max-bytes=4GB": a 60 s outage at 50,000 spans/s spools
#     about 2 GB, more than the 1 GB default budget (set BRIDGE_ARGS= to see the default's spool_full drops)
#   QUIET_TIMEOUT=300 s for the spool and the X-Ray poller to catch up at the end
# Output and the bridge's log: target/bench/soak/. Exit status 0 when nothing was lost outside the kill window.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/load-common.sh
export BRIDGE_ARGS="${BRIDGE_ARGS---bridge.forward.spool-max-bytes=4GB}"
run_bench org.xraybridge.bench.SoakBench target/bench/soak
