package org.xraybridge.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.xraybridge.model.AgentEndpoint;
import org.xraybridge.passthrough.PassThroughMetrics;

/**
 * The pass-through's counts, registered at start-up for every family and outcome so a dashboard sees
 * zeros rather than gaps:
 *
 * <ul>
 *   <li>{@code bridge_passthrough_requests_total{family,outcome}} — families: {@code remote_config},
 *       {@code telemetry}, {@code profiling}, {@code dogstatsd}, {@code evp_proxy}, {@code debugger},
 *       {@code symdb}, {@code pipeline_stats}, {@code openlineage}, {@code tracer_flare},
 *       {@code other_traces}, {@code other}; outcomes: {@code agent}, {@code intake}, {@code unavailable}
 *       (502), {@code unsupported}
 *   <li>{@code bridge_passthrough_agent_reachable} — 1 while the Agent answers its {@code /info}
 * </ul>
 *
 * Thread-safe, non-blocking.
 */
public final class MicrometerPassThroughMetrics implements PassThroughMetrics {

  private final MeterRegistry registry;
  private final EnumMap<AgentEndpoint, EnumMap<Outcome, LongAdder>> counts = new EnumMap<>(AgentEndpoint.class);

  public MicrometerPassThroughMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (AgentEndpoint family : AgentEndpoint.values()) {
      EnumMap<Outcome, LongAdder> byOutcome = new EnumMap<>(Outcome.class);
      for (Outcome o : Outcome.values()) {
        LongAdder a = new LongAdder();
        byOutcome.put(o, a);
        FunctionCounter.builder("bridge.passthrough.requests", a, LongAdder::sum)
            .description("Requests for what the bridge does not serve itself, by family and outcome")
            .tag("family", family.tag()).tag("outcome", o.tag()).register(registry);
      }
      counts.put(family, byOutcome);
    }
  }

  @Override
  public void request(AgentEndpoint family, Outcome outcome) {
    counts.get(family).get(outcome).increment();
  }

  @Override
  public void agentReachable(BooleanSupplier reachable) {
    Gauge.builder("bridge.passthrough.agent.reachable", reachable, r -> r.getAsBoolean() ? 1 : 0)
        .description("1 while the Agent behind the bridge answers its /info").strongReference(true).register(registry);
  }

  public long count(AgentEndpoint family, Outcome outcome) {
    return counts.get(family).get(outcome).sum();
  }

  /** The non-zero counts as {@code family → outcome → n}, for the health component. */
  public Map<String, Map<String, Long>> counts() {
    Map<String, Map<String, Long>> out = new LinkedHashMap<>();
    for (var f : counts.entrySet()) {
      Map<String, Long> byOutcome = new LinkedHashMap<>();
      for (var o : f.getValue().entrySet()) {
        long n = o.getValue().sum();
        if (n > 0) byOutcome.put(o.getKey().tag(), n);
      }
      if (!byOutcome.isEmpty()) out.put(f.getKey().tag(), byOutcome);
    }
    return out;
  }
}
