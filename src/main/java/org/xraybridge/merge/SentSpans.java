package org.xraybridge.merge;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import org.xraybridge.model.TraceKey;

/**
 * X-Ray spans already handed to the forward stage, by (trace key, span id), so the same segment
 * reaching the bridge twice — the poller and the daemon input both on, a revision re-read, a restart
 * with a stale checkpoint — is never sent twice (docs/stitching.md rule 6). Bounded and expiring like the trace
 * index. Native spans are not tracked: tracers do not resend, and the hot path stays cheap.
 *
 * <p>The pair is folded into one 64-bit key with a strong mix; two different spans colliding is
 * a 2^-64 event per pair. Thread-safe.
 */
final class SentSpans {

  private final Cache<Long, Boolean> sent;

  SentSpans(long maxSpans, Duration ttl, Ticker ticker, Scheduler scheduler) {
    this.sent = Caffeine.newBuilder().maximumSize(maxSpans).expireAfterWrite(ttl).ticker(ticker).scheduler(scheduler).build();
  }

  /** True the first time a (key, span id) pair is offered; false when it was sent already. */
  boolean firstTime(TraceKey key, long spanId) {
    return sent.asMap().putIfAbsent(mix(key.value(), spanId), Boolean.TRUE) == null;
  }

  static long mix(long a, long b) {
    long h = a * 0x9E3779B97F4A7C15L ^ Long.rotateLeft(b, 31) * 0xC2B2AE3D27D4EB4FL;
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    return h ^ (h >>> 33);
  }
}
