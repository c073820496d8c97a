#!/usr/bin/env bash
# JMH: the merge stage's 5,000-span batch (1,250 tracer chunks, 10 a payload) with and without the
# explain recorder, recording every trace or sampled at the default 50 traces/s, for random trace ids
# and for ids that differ only in their top byte (they share HashMap buckets under Long.hashCode: tree
# bins). One command; ratios against the recorder-less stage and against random ids are printed last.
# Quick by default; BENCH_LONG=1 for more iterations.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/jmh-common.sh
OUT=target/jmh-explain-cost.json
build_jmh
run_jmh ExplainBenchmark "$OUT" | tee target/jmh-explain-cost.txt
echo
echo "== ratios (time per 5,000-span batch)"
java -cp "$JMH_CP" org.xraybridge.bench.Ratios "$OUT" \
  everyTraceSpread:noExplainSpread \
  sampledSpread:noExplainSpread \
  everyTraceTopByte:everyTraceSpread \
  sampledTopByte:sampledSpread \
  noExplainTopByte:noExplainSpread \
  | grep '^RATIO'
