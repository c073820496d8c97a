#!/usr/bin/env bash
# Kafka mode (docs/cluster.md) against single mode, in one run on this machine: first the packaged
# bridge alone under the load generator of bench/load.sh; then a real Apache Kafka broker (its own
# JVM, from the Maven artifacts the tests use), three replicas of the jar with the generator's
# connections spread over them, the X-Ray emulator polled by the replica the sources group elects, and
# mid-run a kill -9 of that replica and its restart. Prints last, as ratios of the same run: accepted
# spans/s and p50/p99 answer time of the cluster ÷ single mode, spans answered 200 and lost, sent
# twice, X-Ray halves joined ÷ X-Ray halves, seconds until the dead replica's partitions and source are
# served again. One command; builds what it needs.
#
#   DURATION=40 measured seconds of each phase   RATE=20000 offered spans/s   CONNECTIONS=6 (spread over 3)
#   XRAY_RATE=5 X-Ray traces/s   SESSION_TIMEOUT=3s   PARTITIONS=6   BRIDGE_JVM_OPTS (default -Xmx512m …)
# Output and the processes' logs: target/bench/cluster/. Exit status 0 when no span answered 200 was lost.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/load-common.sh
if [ ! -s target/kafka-broker.classpath ]; then
  ./mvnw -q -B generate-test-resources >/dev/null
fi
run_bench org.xraybridge.bench.ClusterBench target/bench/cluster
