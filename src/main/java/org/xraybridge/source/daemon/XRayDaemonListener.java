package org.xraybridge.source.daemon;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.TraceConverter;
import org.xraybridge.model.XRaySink;
import org.xraybridge.source.daemon.DaemonMetrics.RelayOutcome;

/**
 * The X-Ray daemon input: a UDP port that takes segment documents straight from X-Ray SDKs, as the
 * X-Ray daemon does, assembles them per trace and hands the converted chunks to the merge stage.
 *
 * <p>Threads: one Netty event loop reads datagrams, relays each unchanged when {@code relayTo} is
 * set (its own socket, bounded backlog; a relay failure is counted and touches nothing else), checks
 * and scans it ({@link DatagramDecoder}) and hands the document off through a lock-free queue bounded
 * by {@code maxQueuedDatagrams} and {@code maxBytes / 4}, of which one source address may hold at
 * most half; it never blocks nor converts, and a datagram that finds the hand-off full is counted
 * {@code overloaded} ({@code overloaded_source} when its source holds its half). One assembler thread owns the
 * {@link PendingTraces}: it converts and offers chunks, so conversion is bounded to one thread.
 *
 * <p>Accounting: every datagram gets one {@link DatagramOutcome}, every accepted document one
 * {@link DaemonMetrics.DocumentOutcome}; spans of chunks this stage drops go to the ledger
 * ({@code RECEIVE/OVERLOADED}, {@code RECEIVE/SHUTDOWN}). docs/xray-source.md "The daemon input".
 *
 * <p>{@link #start()} and {@link #stop()} block (bind, drain) and are for the wiring; {@link #status()}
 * is safe from any thread.
 */
public final class XRayDaemonListener implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(XRayDaemonListener.class);

  private final DaemonSettings settings;
  private final Ledger ledger;
  private final Clock clock;
  private final DaemonMetrics metrics;
  private final PendingTraces assembler;
  private final RejectionLog rejections = new RejectionLog();
  private final DatagramDecoder decoder = new DatagramDecoder();
  private final ConcurrentLinkedQueue<Queued> inbox = new ConcurrentLinkedQueue<>();
  /** Datagrams each source has in the hand-off: written by the network thread (reserve) and the assembler (release). */
  private final ConcurrentHashMap<InetAddress, Integer> queuedBySource = new ConcurrentHashMap<>();
  private final long maxQueuedBytes;
  /** The hand-off's bound: written by the network thread (reserve) and the assembler (release). */
  private final AtomicLong queuedDatagrams = new AtomicLong();
  private final AtomicLong queuedBytes = new AtomicLong();
  /** One listener for every relay write (no allocation per datagram). */
  private final ChannelFutureListener relayResult = this::relayDone;
  private final AtomicLong lastRelayErrorLogNanos = new AtomicLong(System.nanoTime() - 60_000_000_000L);

  private EventLoopGroup group;
  private volatile Channel channel;
  private Channel relayChannel;
  private InetSocketAddress relayAddress;
  private Thread assemblerThread;
  private volatile boolean stopping;
  private volatile boolean parked;
  private volatile boolean assemblerAlive;
  private volatile int boundPort;
  /** Epoch millis of the last datagram read; 0 = none yet. */
  private volatile long lastDatagramMillis;

  public XRayDaemonListener(
      DaemonSettings settings, TraceConverter converter, XRaySink sink, Ledger ledger, DaemonMetrics metrics, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings == null");
    this.ledger = Objects.requireNonNull(ledger, "ledger == null");
    this.metrics = Objects.requireNonNull(metrics, "metrics == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
    this.assembler = new PendingTraces(settings, converter, sink, ledger, metrics);
    this.maxQueuedBytes = settings.maxBytes() / 4;
    metrics.levels(assembler::levels, queuedDatagrams::get, () -> Math.max(0, kernelDrops()));
  }

  /**
   * Binds the UDP port (and the relay socket) and starts the assembler thread.
   *
   * @throws IllegalStateException when the port cannot be bound or {@code relayTo} not resolved; the
   *     message names the setting and the value
   */
  public synchronized void start() {
    if (group != null) return;
    stopping = false;
    group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("xray-daemon-udp", true), NioIoHandler.newFactory());
    try {
      if (!settings.relayTo().isEmpty()) {
        relayAddress = RelayAddress.parse(settings.relayTo()).resolve();
        relayChannel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
            .handler(new RelayErrors())
            .bind(0).syncUninterruptibly().channel();
      }
      channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
          .option(ChannelOption.SO_RCVBUF, settings.tuning().receiveBufferBytes())
          .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(DaemonSettings.MAX_DATAGRAM_BYTES + 1))
          .handler(new DatagramHandler())
          .bind(settings.bindHost(), settings.port()).syncUninterruptibly().channel();
    } catch (Exception e) { // Netty rethrows the checked BindException undeclared
      if (relayChannel != null) relayChannel.close();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      group = null;
      relayChannel = null;
      throw new IllegalStateException("X-Ray daemon input: cannot bind udp " + settings.bindHost() + ":" + settings.port()
          + (settings.relayTo().isEmpty() ? "" : " (relayTo " + settings.relayTo() + ")") + ": " + e.getMessage(), e);
    }
    boundPort = ((InetSocketAddress) channel.localAddress()).getPort();
    assemblerAlive = true;
    assemblerThread = new Thread(this::runAssembler, "xray-daemon-assembler");
    assemblerThread.setDaemon(true);
    assemblerThread.start();
    log.info("X-Ray daemon input listening on udp {}:{} (receive buffer {} bytes{}){}", settings.bindHost(), boundPort,
        ((NioDatagramChannel) channel).config().getReceiveBufferSize(),
        settings.tuning().receiveBufferBytes() > ((NioDatagramChannel) channel).config().getReceiveBufferSize()
            ? ", capped by the kernel: raise net.core.rmem_max" : "",
        relayAddress == null ? "" : ", relaying every datagram to " + relayAddress);
  }

  /**
   * Closes the port, then converts what is buffered and offers it to the merge stage for up to
   * {@code stopTimeout}; what is still refused then is counted dropped ({@code RECEIVE/SHUTDOWN}).
   */
  public synchronized void stop() {
    if (group == null) return;
    channel.close().syncUninterruptibly();
    if (relayChannel != null) relayChannel.close().syncUninterruptibly();
    stopping = true;
    LockSupport.unpark(assemblerThread);
    try {
      assemblerThread.join(settings.tuning().stopTimeout().toMillis() + 5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    group = null;
    channel = null;
    relayChannel = null;
    rejections.log();
    log.info("X-Ray daemon input on udp port {} stopped", boundPort);
  }

  @Override
  public void close() {
    stop();
  }

  /** The bound UDP port (useful with port 0); 0 before {@link #start()}. */
  public int port() {
    return boundPort;
  }

  /** The socket now (reads two small files under {@code /proc} on Linux). */
  public DaemonStatus status() {
    Channel ch = channel;
    return new DaemonStatus(ch != null && ch.isActive() && assemblerAlive, boundPort, queuedDatagrams.get(), lastDatagramMillis,
        kernelDrops());
  }

  /** What assembly holds now. */
  public DaemonLevels levels() {
    return assembler.levels();
  }

  /** Datagrams the kernel dropped for the bound port; -1 when unknown or not bound. */
  private long kernelDrops() {
    int port = boundPort;
    return port == 0 ? -1 : KernelUdpDrops.forPort(port);
  }

  // ---- network thread ------------------------------------------------------------------------------

  /** A document in the hand-off, with the source whose share it takes. */
  private record Queued(DaemonDocument document, InetAddress source) {}

  private void onDatagram(ByteBuf content, InetAddress source) {
    lastDatagramMillis = clock.millis();
    int length = content.readableBytes();
    if (relayChannel != null) relay(content, length);
    byte[] bytes;
    if (length > DaemonSettings.MAX_DATAGRAM_BYTES) {
      bytes = new byte[0]; // not copied: the decoder rejects it on its length alone
    } else {
      bytes = new byte[length];
      content.getBytes(content.readerIndex(), bytes);
    }
    DatagramDecoder.Result result = decoder.decode(bytes, length);
    if (result instanceof DatagramDecoder.Rejected rejected) {
      metrics.datagram(rejected.outcome());
      rejections.rejected(rejected.outcome());
      if (rejected.documentReason() != null) ledger.documentRejected(Half.XRAY_DAEMON, rejected.documentReason());
      if (log.isDebugEnabled()) log.debug("rejected a datagram of {} bytes: {}", length, rejected.message());
      return;
    }
    DaemonDocument doc = ((DatagramDecoder.Decoded) result).document();
    DatagramOutcome refused = reserve(doc.bytes(), source);
    if (refused != null) {
      metrics.datagram(refused);
      rejections.rejected(refused);
      return;
    }
    // counted before the hand-off, so the assembler never reports a document before it was accepted
    metrics.datagram(DatagramOutcome.ACCEPTED);
    inbox.offer(new Queued(doc, source));
    if (parked) LockSupport.unpark(assemblerThread);
  }

  /** Takes room in the hand-off for one document; null when taken, else the outcome of the refusal. */
  private DatagramOutcome reserve(int bytes, InetAddress source) {
    if (queuedDatagrams.incrementAndGet() > settings.tuning().maxQueuedDatagrams()) {
      queuedDatagrams.decrementAndGet();
      return DatagramOutcome.OVERLOADED;
    }
    if (queuedBytes.addAndGet(bytes) > maxQueuedBytes) {
      queuedBytes.addAndGet(-bytes);
      queuedDatagrams.decrementAndGet();
      return DatagramOutcome.OVERLOADED;
    }
    if (queuedBySource.merge(source, 1, Integer::sum) > Math.max(1, settings.tuning().maxQueuedDatagrams() / 2)) {
      releaseSource(source);
      queuedBytes.addAndGet(-bytes);
      queuedDatagrams.decrementAndGet();
      return DatagramOutcome.OVERLOADED_SOURCE;
    }
    return null;
  }

  private void releaseSource(InetAddress source) {
    queuedBySource.computeIfPresent(source, (a, n) -> n <= 1 ? null : n - 1);
  }

  private void relay(ByteBuf content, int length) {
    if (length > DaemonSettings.MAX_DATAGRAM_BYTES) {
      metrics.relay(RelayOutcome.SKIPPED);
    } else if (!relayChannel.isWritable()) {
      metrics.relay(RelayOutcome.FAILED);
      logRelayError("the relay backlog is full", null);
    } else {
      relayChannel.writeAndFlush(new DatagramPacket(content.retainedDuplicate(), relayAddress)).addListener(relayResult);
    }
  }

  private void relayDone(ChannelFuture f) {
    if (f.isSuccess()) {
      metrics.relay(RelayOutcome.SENT);
    } else {
      metrics.relay(RelayOutcome.FAILED);
      logRelayError("a write failed", f.cause());
    }
  }

  /** At most one line a minute. */
  private void logRelayError(String what, Throwable cause) {
    long now = System.nanoTime();
    long last = lastRelayErrorLogNanos.get();
    if (now - last < 60_000_000_000L || !lastRelayErrorLogNanos.compareAndSet(last, now)) return;
    log.warn("relaying X-Ray datagrams to {}: {} (all relay errors: bridge_daemon_relay_total{outcome=\"failed\"})",
        relayAddress, what, cause);
  }

  private final class DatagramHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      InetSocketAddress sender = packet.sender();
      // a received datagram always has a sender; the loopback key only guards against a null
      onDatagram(packet.content(), sender != null && sender.getAddress() != null ? sender.getAddress() : InetAddress.getLoopbackAddress());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // a read error on a UDP socket concerns one datagram; the socket stays open
      log.warn("X-Ray daemon port: {}", cause.toString());
    }
  }

  private final class RelayErrors extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      io.netty.util.ReferenceCountUtil.release(msg); // nothing is expected back from the daemon
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      logRelayError("the relay socket failed", cause);
    }
  }

  // ---- assembler thread ----------------------------------------------------------------------------

  private void runAssembler() {
    long tickNanos = settings.tuning().tick().toNanos();
    long nextTick = System.nanoTime() + tickNanos;
    try {
      while (true) {
        int taken = 0;
        Queued doc;
        while (taken < 1024 && (doc = inbox.poll()) != null) {
          take(doc);
          taken++;
        }
        long now = System.nanoTime();
        if (now - nextTick >= 0) {
          guarded(() -> assembler.tick(System.nanoTime()));
          rejections.maybeLog(now);
          nextTick = now + tickNanos;
        }
        if (Thread.interrupted()) stopping = true; // nobody else should interrupt our thread: take it as a stop
        if (stopping && inbox.isEmpty()) break;
        if (taken == 0) {
          parked = true;
          if (inbox.isEmpty() && !stopping) LockSupport.parkNanos(this, Math.max(1, nextTick - now));
          parked = false;
        }
      }
      drain();
    } finally {
      assemblerAlive = false;
    }
  }

  private void take(Queued queued) {
    DaemonDocument doc = queued.document();
    guarded(() -> assembler.add(doc, System.nanoTime()));
    queuedBytes.addAndGet(-doc.bytes());
    queuedDatagrams.decrementAndGet();
    releaseSource(queued.source());
  }

  /** Converts everything and offers it until the stop timeout; then counts the rest dropped. */
  private void drain() {
    guarded(() -> assembler.flushForStop(System.nanoTime()));
    long deadline = System.nanoTime() + settings.tuning().stopTimeout().toNanos();
    while (!assembler.retryAwaiting() && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(this, settings.tuning().tick().toNanos());
    }
    guarded(assembler::dropAwaiting);
  }

  /** One stage boundary: a bug in one document's handling is logged and the loop goes on. */
  private static void guarded(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      log.error("X-Ray daemon input: unexpected failure in the assembler; it carries on", e);
    }
  }
}
