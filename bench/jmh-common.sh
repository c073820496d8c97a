# Shared by the bench/*.sh JMH scripts: builds the benchmarks (Maven profile jmh) and runs one class.
JMH_WARMUP=${BENCH_LONG:+5}; JMH_WARMUP=${JMH_WARMUP:-3}
JMH_ITER=${BENCH_LONG:+10}; JMH_ITER=${JMH_ITER:-5}
build_jmh() {
  ./mvnw -q -Pjmh -DskipTests test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/jmh.classpath -Dmdep.includeScope=test >/dev/null
  JMH_CP="target/test-classes:target/classes:$(cat target/jmh.classpath)"
}
run_jmh() {
  [ -n "${JMH_CP:-}" ] || build_jmh
  java -cp "$JMH_CP" -Dbasedir="$PWD" org.openjdk.jmh.Main "$1" \
    -f 1 -wi "$JMH_WARMUP" -w 1s -i "$JMH_ITER" -r 1s -prof gc -rf json -rff "$2"
}
