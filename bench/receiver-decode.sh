#!/usr/bin/env bash
# JMH: v0.4 payloads (the Java tracer's captured one and a synthetic busy-service one) decoded into
# spans vs a bare msgpack-core traversal that skips every value of the same bytes. One command; prints
# time and allocation per payload and per span, and the ratios last. Quick by default; BENCH_LONG=1
# for more iterations.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/jmh-common.sh
run_jmh 'org.xraybridge.receiver.DecodeBenchmark' target/jmh-receiver-decode.json
java -cp "$JMH_CP" -Dbasedir="$PWD" \
  org.xraybridge.receiver.DecodeReport target/jmh-receiver-decode.json
