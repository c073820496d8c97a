package org.xraybridge.receiver;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bytes of request bodies held in memory, with two ceilings: all requests together ({@code
 * total}), and the requests of one remote address ({@code perAddress}, half the total), so one client
 * sending large bodies slowly cannot leave the others nothing (docs/receiver.md, "Connections").
 * Thread-safe, never blocks.
 */
final class BodyBudget {

  private final ByteBudget total;
  private final long perAddress;
  private final ConcurrentHashMap<InetAddress, Long> held = new ConcurrentHashMap<>();

  BodyBudget(long totalBytes) {
    this.total = new ByteBudget(totalBytes);
    this.perAddress = Math.max(1, totalBytes / 2);
  }

  /** Takes {@code n} bytes for a request from {@code address} if both ceilings allow. */
  boolean tryTake(InetAddress address, long n) {
    if (n <= 0) return true;
    if (!total.tryTake(n)) return false;
    boolean[] taken = {false};
    held.compute(address, (a, h) -> {
      long now = h == null ? 0 : h;
      if (now + n > perAddress) return h;
      taken[0] = true;
      return now + n;
    });
    if (!taken[0]) total.give(n);
    return taken[0];
  }

  void give(InetAddress address, long n) {
    if (n <= 0) return;
    total.give(n);
    held.computeIfPresent(address, (a, h) -> h - n <= 0 ? null : h - n);
  }
}
