package org.xraybridge.receiver;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.xraybridge.receiver.ConnectionMetrics.Closed;
import org.xraybridge.receiver.ConnectionMetrics.Refused;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;

/**
 * What a listener's connections may do, whatever they ask (docs/receiver.md, "Connections"): each
 * gets a {@link ConnectionWatch} (header and idle timeouts); at most {@code maxConnections} are open,
 * and at most {@code maxPerAddress} from one address. At a limit the new connection is let in and
 * a silent connection within the limit's scope is closed ({@link Closed#EVICTED}): the one silent
 * longest of its address, or, for the total, of the address holding the most. Silent sockets cannot
 * hold the slots working tracers need. Only when every connection in scope is in the
 * middle of a request is the new one closed on accept ({@link Refused}). Used by the receiver and, through
 * {@code config}, by the management port. Thread-safe; called on the event loops.
 */
public final class ConnectionPolicy {

  /** Tries before a newcomer gives up when other event loops keep closing the same candidates first. */
  private static final int EVICTION_ATTEMPTS = 16;

  private final ConnectionLimits limits;
  private final ConnectionMetrics metrics;
  private final Consumer<String> onRefused;
  private final Set<Entry> open = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
  private final AtomicInteger count = new AtomicInteger();

  /** One open connection, counted until it is closed or chosen to close. */
  private static final class Entry {
    final ConnectionWatch watch;
    final AtomicBoolean counted = new AtomicBoolean(true);

    Entry(ConnectionWatch watch) {
      this.watch = watch;
    }
  }

  public ConnectionPolicy(ConnectionLimits limits, ConnectionMetrics metrics) {
    this(limits, metrics, why -> {});
  }

  /** @param onRefused told in words why a connection was refused (the receiver's last error) */
  ConnectionPolicy(ConnectionLimits limits, ConnectionMetrics metrics, Consumer<String> onRefused) {
    this.limits = Objects.requireNonNull(limits, "limits == null");
    this.metrics = Objects.requireNonNull(metrics, "metrics == null");
    this.onRefused = onRefused;
    metrics.open(count::get);
  }

  /** {@code server} with this policy applied to every connection; its own idle timeout is not used. */
  public HttpServer applyTo(HttpServer server) {
    // the third argument is the server's own address: the client's is the channel's
    return server.doOnChannelInit((observer, channel, bound) -> admit(channel, channel.remoteAddress()));
  }

  /** Connections open now (those being closed by the policy are no longer counted). */
  public int open() {
    return count.get();
  }

  private void admit(Channel channel, SocketAddress remote) {
    InetAddress address = Remote.address(remote);
    ConnectionWatch watch = new ConnectionWatch(channel, address, limits, metrics);
    Entry entry = new Entry(watch);
    int total = count.incrementAndGet();
    int mine = perAddress.merge(address, 1, Integer::sum);
    channel.closeFuture().addListener(f -> {
      open.remove(entry);
      uncount(entry);
    });
    // each newcomer that finds a limit passed closes one connection: the counts it saw include it
    if (mine > limits.maxPerAddress()) {
      if (!evictSilentest(address)) {
        refuse(entry, Refused.PER_ADDRESS, mine + " connections open from " + address.getHostAddress()
            + ", the limit per address is " + limits.maxPerAddress() + ", each in the middle of a request");
        return;
      }
      // the connection closed for the address was also one of the total: room is made in both
    } else if (total > limits.maxConnections() && !evictSilentest(null)) {
      refuse(entry, Refused.LIMIT, "the limit of " + limits.maxConnections() + " connections is reached, each in the middle of a request");
      return;
    }
    open.add(entry);
    ChannelPipeline p = channel.pipeline();
    if (p.get(NettyPipeline.HttpCodec) != null) {
      p.addBefore(NettyPipeline.HttpCodec, "bridge.connectionWatch.raw", watch.rawSide());
      p.addAfter(NettyPipeline.HttpCodec, "bridge.connectionWatch.http", watch.httpSide());
      watch.start();
    }
    // without the HTTP/1.1 codec (not configured today) only the limits apply
  }

  private void refuse(Entry entry, Refused why, String text) {
    uncount(entry);
    metrics.refused(why);
    onRefused.accept("Overloaded: " + text + "; a new connection was refused");
    entry.watch.channel.close();
  }

  /**
   * Closes a silent connection to make room; false when every one in scope is in the middle of a
   * request. Within one address ({@code address} given): the one silent longest. For the total limit
   * ({@code null}): the one silent longest among those of the address holding the most connections,
   * so the clients holding many give way first and a tracer's single fresh connection (accepted, its
   * request not yet read) is not closed for an attacker's newest.
   */
  private boolean evictSilentest(InetAddress address) {
    for (int attempt = 0; attempt < EVICTION_ATTEMPTS; attempt++) {
      Entry chosen = address != null ? silentest(address) : silentest(heaviest());
      if (chosen == null && address == null) chosen = silentestOfTheHeaviest();
      if (chosen == null) return false;
      if (chosen.watch.evict()) {
        uncount(chosen);
        metrics.closed(Closed.EVICTED);
        return true;
      }
      // a request began on it, or another newcomer chose it first: look again
    }
    return false;
  }

  /** The address holding the most connections now. */
  private InetAddress heaviest() {
    InetAddress heaviest = null;
    int most = 0;
    for (var e : perAddress.entrySet()) {
      if (e.getValue() > most) {
        most = e.getValue();
        heaviest = e.getKey();
      }
    }
    return heaviest;
  }

  /** The silent connection of {@code address} silent longest; null when none (or no address). */
  private Entry silentest(InetAddress address) {
    if (address == null) return null;
    Entry chosen = null;
    for (Entry e : open) {
      ConnectionWatch w = e.watch;
      if (!w.silent() || !address.equals(w.address)) continue;
      if (chosen == null || w.lastHeardNanos() - chosen.watch.lastHeardNanos() < 0) chosen = e;
    }
    return chosen;
  }

  /** When the heaviest address has no silent connection: the silent longest of the heaviest address that has one. */
  private Entry silentestOfTheHeaviest() {
    Entry chosen = null;
    int chosenWeight = 0;
    for (Entry e : open) {
      ConnectionWatch w = e.watch;
      if (!w.silent()) continue;
      int weight = perAddress.getOrDefault(w.address, 0);
      if (chosen == null || weight > chosenWeight
          || weight == chosenWeight && w.lastHeardNanos() - chosen.watch.lastHeardNanos() < 0) {
        chosen = e;
        chosenWeight = weight;
      }
    }
    return chosen;
  }

  private void uncount(Entry entry) {
    if (!entry.counted.compareAndSet(true, false)) return;
    count.decrementAndGet();
    perAddress.computeIfPresent(entry.watch.address, (a, n) -> n <= 1 ? null : n - 1);
  }
}
