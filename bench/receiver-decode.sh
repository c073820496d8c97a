#!/usr/bin/env bash
# JMH: v0.4 payloads (the Java tracer's captured one and a synthetic busy-service one) decoded into
# spans (whole, and keeping their bytes as agent mode does) vs a bare msgpack-core traversal that
# skips every value of the same bytes; then decode + v0.4 write per native span, whole vs bytes. One
# command; prints time and allocation per payload and per span, and the ratios last. Quick by
# default; BENCH_LONG=1 for more iterations.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/jmh-common.sh
run_jmh 'org.xraybridge.receiver.DecodeBenchmark' target/jmh-receiver-decode.json
java -cp "$JMH_CP" -Dbasedir="$PWD" \
  org.xraybridge.receiver.DecodeReport target/jmh-receiver-decode.json
# A native span's way, decode and v0.4 write (agent) or protobuf (intake), spans decoded whole vs keeping
# their bytes (issue 22): time and bytes allocated per span.
run_jmh 'org.xraybridge.receiver.BytesThroughBenchmark' target/jmh-bytes-through.json
echo
echo "== decode + v0.4 write (agent mode), decode + protobuf chunk entries (intake mode), of the captured dd-java-agent payload, per native span"
java -cp "$JMH_CP" org.xraybridge.bench.Ratios target/jmh-bytes-through.json keptBytes:wholeSpans intakeKeptBytes:intakeWholeSpans
