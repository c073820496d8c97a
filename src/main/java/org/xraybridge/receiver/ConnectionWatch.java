package org.xraybridge.receiver;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.xraybridge.receiver.ConnectionMetrics.Closed;

/**
 * One connection's clock: how long it may take to send a request head, how long it may sit idle, and
 * whether it is in the middle of a request (then no connection timer runs: the body has its own gap
 * timeout where it is read, and the answer is the handler's). Two handlers feed it, one on each side
 * of the HTTP codec: {@link #rawSide()} sees bytes arrive, {@link #httpSide()} sees request heads
 * decoded and responses written. docs/receiver.md, "Connections".
 *
 * <p>Timers run on the connection's event loop. {@link #evict()} may be called from any thread: the
 * request count is an atomic, and a connection is evicted only by the compare-and-set that finds it
 * silent, so a request that has begun is never cut by an eviction.
 */
final class ConnectionWatch {

  /** The request count of a connection the policy is closing. */
  private static final int CLOSING = -1;

  private static final byte[] REQUEST_TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\n"
      + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntimeout\n")
      .getBytes(StandardCharsets.US_ASCII);

  final Channel channel;
  final InetAddress address;
  private final ConnectionLimits limits;
  private final ConnectionMetrics metrics;
  /** Requests whose head was decoded and whose answer is not yet written; {@link #CLOSING} once closing. */
  private final AtomicInteger requests = new AtomicInteger();
  /** When the connection last sent a byte or was last answered: what eviction orders by. */
  private volatile long lastHeardNanos = System.nanoTime();

  // event-loop confined
  private ScheduledFuture<?> timer;
  private boolean awaitingHead;
  private ChannelHandlerContext rawContext;

  ConnectionWatch(Channel channel, InetAddress address, ConnectionLimits limits, ConnectionMetrics metrics) {
    this.channel = channel;
    this.address = address;
    this.limits = limits;
    this.metrics = metrics;
  }

  /** A new connection must send its first request head within the header timeout. On the event loop. */
  void start() {
    awaitingHead = true;
    arm(limits.headerTimeout().toNanos(), true);
  }

  /** Silent: no request in progress and not being closed. Any thread. */
  boolean silent() {
    return requests.get() == 0;
  }

  long lastHeardNanos() {
    return lastHeardNanos;
  }

  /** Closes the connection if it is silent now; false when a request began (or it is already closing). Any thread. */
  boolean evict() {
    if (!requests.compareAndSet(0, CLOSING)) return false;
    channel.close();
    return true;
  }

  /** The inbound handler placed before the HTTP codec. */
  ChannelInboundHandlerAdapter rawSide() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void handlerAdded(ChannelHandlerContext ctx) {
        rawContext = ctx;
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        bytesRead();
        ctx.fireChannelRead(msg);
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
      }
    };
  }

  /** The duplex handler placed after the HTTP codec. */
  ChannelDuplexHandler httpSide() {
    return new ChannelDuplexHandler() {
      private boolean dropping;

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) dropping = !headDecoded();
        if (dropping && (msg instanceof HttpRequest || msg instanceof HttpContent)) {
          ReferenceCountUtil.release(msg); // the connection is closing: nobody will answer this request
          return;
        }
        ctx.fireChannelRead(msg);
      }

      @Override
      public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        boolean informational = msg instanceof HttpResponse r && r.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        if (msg instanceof LastHttpContent && !informational) answered();
        ctx.write(msg, promise);
      }
    };
  }

  private void bytesRead() {
    lastHeardNanos = System.nanoTime();
    if (!awaitingHead && requests.get() == 0) {
      // the first byte of the next request on a kept-alive connection: its head must follow in time
      awaitingHead = true;
      arm(limits.headerTimeout().toNanos(), true);
    }
  }

  /** A request head arrived whole; false when the connection is being closed (the request is dropped). */
  private boolean headDecoded() {
    cancel();
    awaitingHead = false;
    while (true) {
      int n = requests.get();
      if (n == CLOSING) return false;
      if (requests.compareAndSet(n, n + 1)) return true;
    }
  }

  private void answered() {
    while (true) {
      int n = requests.get();
      if (n <= 0) return; // closing, or an answer to no decoded request (the codec's own 400 to a bad head)
      if (requests.compareAndSet(n, n - 1)) {
        if (n == 1) {
          lastHeardNanos = System.nanoTime();
          if (!awaitingHead) arm(limits.idleTimeout().toNanos(), false);
        }
        return;
      }
    }
  }

  private void arm(long nanos, boolean head) {
    cancel();
    timer = channel.eventLoop().schedule(() -> expire(head), nanos, TimeUnit.NANOSECONDS);
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void expire(boolean head) {
    timer = null;
    if (!requests.compareAndSet(0, CLOSING)) return; // a request began meanwhile, or the policy closes it
    if (head) {
      metrics.closed(Closed.HEADER_TIMEOUT);
      // 408 where the client may still read it; written below the codec, which has nothing in progress
      ChannelHandlerContext ctx = rawContext;
      if (ctx != null && channel.isActive()) {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(REQUEST_TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
        return;
      }
    } else {
      metrics.closed(Closed.IDLE_TIMEOUT);
    }
    channel.close();
  }
}
