package org.xraybridge.ops;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Health of one stage, read from the status snapshot the stage keeps up to date — never a live call
 * to AWS or Datadog per probe. {@link #DEGRADED} means "working, but look": an open circuit, a full
 * queue, a warning; it does not fail readiness (HTTP 200), DOWN does.
 */
public final class StageHealth implements HealthIndicator {

  public static final Status DEGRADED = new Status("DEGRADED");

  private final Supplier<Health> health;

  public StageHealth(Supplier<Health> health) {
    this.health = health;
  }

  @Override
  public Health health() {
    try {
      return health.get();
    } catch (RuntimeException e) {
      return Health.down().withDetail("error", e.getClass().getSimpleName() + ": " + e.getMessage()).build();
    }
  }

  /** A status record's components as health details: times as ISO text with their age, "never" for the epoch. */
  public static Map<String, Object> details(Record status, Clock clock) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (RecordComponent c : status.getClass().getRecordComponents()) {
      Object v;
      try {
        v = c.getAccessor().invoke(status);
      } catch (ReflectiveOperationException e) {
        continue;
      }
      out.put(c.getName(), readable(v, clock));
    }
    return out;
  }

  static Object readable(Object v, Clock clock) {
    if (v instanceof Instant i) {
      if (i.equals(Instant.EPOCH)) return "never";
      long age = Duration.between(i, clock.instant()).toSeconds();
      return i + " (" + age + "s ago)";
    }
    if (v instanceof Duration d) return d.toString();
    if (v instanceof Path p) return p.toString();
    if (v instanceof Enum<?> e) return e.name().toLowerCase(java.util.Locale.ROOT);
    if (v instanceof Record r) return details(r, clock);
    return v;
  }
}
