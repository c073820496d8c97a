#!/usr/bin/env bash
# JMH: encoding a 1,000-span batch for the next hop — our v0.4 msgpack writer vs a bare msgpack-core
# write of the same values, and our intake protobuf + gzip vs gzip alone of the same bytes (and vs
# protobuf-java's generated builders, uncompressed). One command; ratios and allocation per span are printed
# last. Quick by default; BENCH_LONG=1 for more iterations.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/jmh-common.sh
OUT=target/jmh-forward-encode.json
build_jmh
run_jmh ForwardEncodeBenchmark "$OUT" | tee target/jmh-forward-encode.txt
echo
echo "== allocation per span (gc.alloc.rate.norm / 1000 spans)"
java -cp "$JMH_CP" org.xraybridge.bench.Ratios "$OUT" \
  | awk '/alloc/ { for (i = 1; i <= NF; i++) if ($i == "alloc") printf "%-28s %8.1f B/span\n", $1, $(i + 1) / 1000 }'
echo
echo "== ratios (time per 1,000-span batch)"
java -cp "$JMH_CP" org.xraybridge.bench.Ratios "$OUT" \
  v04Writer:v04MsgpackCore \
  intakeProtobufGzip:intakeGzipOnly \
  intakeProtobuf:intakeGeneratedBuilders \
  | grep '^RATIO'
