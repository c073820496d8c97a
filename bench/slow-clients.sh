#!/usr/bin/env bash
# Slow and idle clients (issue 20): the packaged bridge (-Xmx256m, default limits: header-timeout 10s,
# idle-timeout 60s, max-connections 1000, 500 per address) on loopback, attacked by a patient client —
# every silent connection the bridge closes is opened again at once — while a tracer (its own loopback
# address, a new connection each time, retrying every second) sends a trace every second:
#   baseline (no attack) · 1,500 silent half requests from one address · 2,000 from four addresses ·
#   2,000 idle kept-alive connections from four addresses
# For each: the tracer's median and worst wait for its 200 (worst as a ratio of the baseline's), the
# receiver's open connections, the bridge's peak RSS and heap, and the connection counters. Then a body
# trickled a byte a second, a liveness probe beside 300 silent connections on the management port, and
# a UDP junk flood at UDP_RATE and UDP_RATE_HIGH datagrams/s beside 100 good segments/s.
#
#   HOLD=25             seconds each attack lasts (2.5 header timeouts)
#   UDP_RATE=10000      UDP_RATE_HIGH=50000
#   JAR=path            another packaged jar to measure (named xray-datadog-bridge.jar), e.g. an older build
#   BRIDGE_JVM_OPTS     default -Xmx256m
# Output and the bridge's log: target/bench/slow-clients/. The machine is shared: read ratios, not absolutes.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/load-common.sh
run_bench org.xraybridge.bench.SlowClientsBench target/bench/slow-clients
