package org.xraybridge.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import org.xraybridge.receiver.ConnectionMetrics;

/**
 * A listener's connection counts, under its prefix ({@code bridge.receiver} for the receiver,
 * {@code bridge.management} for the management port), registered at start-up so a dashboard sees
 * zeros rather than gaps:
 *
 * <ul>
 *   <li>{@code <prefix>_connections_closed_total{reason}} — {@code header_timeout} (408: no whole
 *       request head in time), {@code idle_timeout}, {@code evicted} (the connection silent longest,
 *       closed for a new one at a limit)
 *   <li>{@code <prefix>_connections_refused_total{reason}} — closed on accept: {@code limit} (every
 *       connection busy), {@code per_address} (every connection of that address busy)
 *   <li>{@code <prefix>_connections_open} — open now
 * </ul>
 *
 * Thread-safe, non-blocking.
 */
public final class MicrometerConnectionMetrics implements ConnectionMetrics {

  private final MeterRegistry registry;
  private final String prefix;
  private final EnumMap<Closed, LongAdder> closed = new EnumMap<>(Closed.class);
  private final EnumMap<Refused, LongAdder> refused = new EnumMap<>(Refused.class);

  public MicrometerConnectionMetrics(MeterRegistry registry, String prefix) {
    this.registry = registry;
    this.prefix = prefix;
    for (Closed c : Closed.values()) {
      LongAdder a = new LongAdder();
      closed.put(c, a);
      FunctionCounter.builder(prefix + ".connections.closed", a, LongAdder::sum)
          .description("Connections the listener closed, by reason").tag("reason", c.tag()).register(registry);
    }
    for (Refused r : Refused.values()) {
      LongAdder a = new LongAdder();
      refused.put(r, a);
      FunctionCounter.builder(prefix + ".connections.refused", a, LongAdder::sum)
          .description("Connections closed on accept: every connection in the limit's scope was busy").tag("reason", r.tag())
          .register(registry);
    }
  }

  @Override
  public void closed(Closed why) {
    closed.get(why).increment();
  }

  @Override
  public void refused(Refused why) {
    refused.get(why).increment();
  }

  @Override
  public void open(IntSupplier open) {
    Gauge.builder(prefix + ".connections.open", open, IntSupplier::getAsInt)
        .description("Connections open now").strongReference(true).register(registry);
  }

  /** The totals since start, under the names the health components show. */
  public Counts counts() {
    long limit = refused.get(Refused.LIMIT).sum();
    long perAddress = refused.get(Refused.PER_ADDRESS).sum();
    return new Counts(limit + perAddress, perAddress, closed.get(Closed.HEADER_TIMEOUT).sum(),
        closed.get(Closed.IDLE_TIMEOUT).sum(), closed.get(Closed.EVICTED).sum());
  }

  /**
   * @param refusedConnections closed on accept, for either reason
   * @param refusedPerAddress of which because of the per-address limit
   * @param headerTimeouts closed with 408: no whole request head in time
   * @param idleTimeouts kept-alive connections closed idle
   * @param evictedConnections closed to make room for a new one
   */
  public record Counts(
      long refusedConnections, long refusedPerAddress, long headerTimeouts, long idleTimeouts, long evictedConnections) {}
}
