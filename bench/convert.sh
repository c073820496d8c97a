#!/usr/bin/env bash
# JMH: conversion of the corpus vs a bare Jackson token scan and vs ObjectMapper.readTree of the
# same bytes. One command; the ratios are printed last. Quick by default; BENCH_LONG=1 for more
# iterations.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/jmh-common.sh
run_jmh ConvertBenchmark target/jmh-convert.json
java -cp "$JMH_CP" org.xraybridge.bench.Ratios target/jmh-convert.json convert:tokenScan convert:readTree
