#!/usr/bin/env bash
# JMH: conversion of the corpus vs a bare Jackson token scan and vs ObjectMapper.readTree of the
# same document Strings, and the time per span of a 10,000-span trace vs a 10-span one (documents as
# X-Ray serves them; the target is a ratio ≤ 1.5: cost grows with the work, not faster). One command;
# the ratios are printed last. Quick by default; BENCH_LONG=1 for more iterations.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/jmh-common.sh
# Conversion compiles far more code than a token scan: on a shared 2-core machine the JIT was still
# compiling it 15 s into the run (each iteration faster than the last), so every benchmark here gets
# 10 more warm-up iterations before anything is measured.
JMH_WARMUP=$((JMH_WARMUP + 10))
run_jmh ConvertBenchmark target/jmh-convert.json
java -cp "$JMH_CP" org.xraybridge.bench.Ratios target/jmh-convert.json convert:tokenScan convert:readTree \
  trace10000Spans:trace10Spans
