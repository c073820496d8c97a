package org.xraybridge.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Plays {@code connections} Java tracers against one receiver: each sends {@code PUT /v0.4/traces}
 * with dd-java-agent's headers (plus {@code Datadog-Send-Real-Http-Status: true}, so an overloaded
 * receiver says 429 instead of a 200 that drops) over its own keep-alive HTTP/1.1 connection, one
 * request at a time, as the tracer's single sender thread does. Together they aim at {@code
 * spansPerSecond}: each connection has a schedule of one payload every {@code connections ×
 * spans / rate} seconds; when answers come late the payloads that fell due go back to back, as a
 * tracer flushes what queued up while its sender waited, up to {@code TRACER_BACKLOG} seconds (1 s)
 * behind — older ones are skipped and counted, as a tracer with a full queue drops traces. So the
 * achieved rate shows what the peer can take, and a short stall is caught up as in real life.
 *
 * <p>Every span carries a fresh sequence number from {@link #sequence} ({@link SpanIds}); a 200 marks
 * its payload's range in {@link #acked}, anything else in {@link #unacked}. Latency is measured from
 * the first byte written to the last byte of the answer read (service time; the schedule lag is
 * reported apart). Raw sockets keep the generator's own cost to copying bytes.
 */
final class LoadGenerator {

  /** What one connection saw. */
  static final class Stats {
    long payloads;
    long ok;
    long spansOk;
    long status429;
    long spans429;
    long otherStatus;
    long spansOther;
    long ioErrors;
    long connectRefused;
    long spansNoAnswer;
    long skipped;
    long spansSkipped;
    long behindNanos;
    long[] latencyMicros = new long[4096];
    int latencies;

    void latency(long micros) {
      if (latencies == latencyMicros.length) latencyMicros = Arrays.copyOf(latencyMicros, latencies * 2);
      latencyMicros[latencies++] = micros;
    }

    void add(Stats o) {
      payloads += o.payloads;
      ok += o.ok;
      spansOk += o.spansOk;
      status429 += o.status429;
      spans429 += o.spans429;
      otherStatus += o.otherStatus;
      spansOther += o.spansOther;
      ioErrors += o.ioErrors;
      connectRefused += o.connectRefused;
      spansNoAnswer += o.spansNoAnswer;
      skipped += o.skipped;
      spansSkipped += o.spansSkipped;
      behindNanos = Math.max(behindNanos, o.behindNanos);
      for (int i = 0; i < o.latencies; i++) latency(o.latencyMicros[i]);
    }

    /** The q-quantile (0..1) of the 200 answers' latency, in ms; NaN when none. */
    double latencyMs(double q) {
      if (latencies == 0) return Double.NaN;
      long[] sorted = Arrays.copyOf(latencyMicros, latencies);
      Arrays.sort(sorted);
      int i = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
      return sorted[i] / 1000.0;
    }
  }

  /** One acknowledged (or refused) payload: its sequence range and when the answer came. */
  record Ack(long seqFrom, long seqTo, long atNanos, boolean ok) {}

  final AtomicLong sequence;
  final SeqSet acked;
  final SeqSet unacked;
  /** Spans acknowledged per second since the start. */
  final AtomicLongArray ackedPerSecond = new AtomicLongArray(7200);
  /** Spans skipped (more than the tracer backlog behind) per second since the start. */
  final AtomicLongArray skippedPerSecond = new AtomicLongArray(7200);
  /** Recent checkout traces (trace id, client span id, client start) for X-Ray halves to join. */
  final ArrayBlockingQueue<long[]> joinable = new ArrayBlockingQueue<>(4096);
  private final List<Ack> acks = new ArrayList<>();
  private final int port;
  private final int connections;
  private final int groups;
  private final String env;
  private volatile double spansPerSecond;
  private volatile boolean recordAcks = true;
  private volatile long startNanos;
  private final long maxBacklogNanos = (long) (Harness.envDouble("TRACER_BACKLOG", 1.0) * 1e9);

  LoadGenerator(int port, int connections, int groups, double spansPerSecond, String env, AtomicLong sequence, long capacity) {
    this.port = port;
    this.connections = connections;
    this.groups = groups;
    this.spansPerSecond = spansPerSecond;
    this.env = env;
    this.sequence = sequence;
    this.acked = new SeqSet(capacity);
    this.unacked = new SeqSet(capacity);
  }

  /** The offered rate of the next {@link #run} (≤ 0: as fast as answers come). */
  void rate(double spansPerSecond) {
    this.spansPerSecond = spansPerSecond;
  }

  int spansPerPayload() {
    return groups * NativePayload.SPANS_PER_GROUP;
  }

  int payloadBytes() {
    return NativePayload.of(groups, env, "x").length();
  }

  synchronized List<Ack> acks() {
    return new ArrayList<>(acks);
  }

  /** Sends for {@code seconds} (0 < rate: paced; rate ≤ 0: as fast as answers come) and returns the totals. */
  Stats run(double seconds, long clockStartNanos) throws InterruptedException {
    startNanos = clockStartNanos;
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    List<Thread> threads = new ArrayList<>();
    Stats[] stats = new Stats[connections];
    for (int c = 0; c < connections; c++) {
      int id = c;
      stats[c] = new Stats();
      Thread t = new Thread(() -> connection(id, start, end, stats[id]), "load-" + c);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) t.join();
    Stats total = new Stats();
    for (Stats s : stats) total.add(s);
    return total;
  }

  private void connection(int id, long start, long end, Stats st) {
    NativePayload payload = NativePayload.of(groups, env, String.format("%08x-7e57-4b3e-9e1a-%012x", id, 0xbe9c4L + id));
    int spans = payload.spans();
    byte[] head = ("PUT /v0.4/traces HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
        + "Datadog-Meta-Lang: java\r\nDatadog-Meta-Lang-Version: 17.0.15\r\n"
        + "Datadog-Meta-Lang-Interpreter: OpenJDK 64-Bit Server VM\r\nDatadog-Meta-Lang-Interpreter-Vendor: Debian\r\n"
        + "Datadog-Meta-Tracer-Version: 1.68.1~f1de45fd30\r\nDatadog-Client-Computed-Top-Level: true\r\n"
        + "X-Datadog-Trace-Count: " + payload.traces() + "\r\nDatadog-Client-Dropped-P0-Traces: 0\r\n"
        + "Datadog-Client-Dropped-P0-Spans: 0\r\nDatadog-Send-Real-Http-Status: true\r\n"
        + "Content-Type: application/msgpack\r\nContent-Length: " + payload.length() + "\r\n"
        + "User-Agent: okhttp/3.12.15\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    Conn conn = null;
    double rate = spansPerSecond;
    long interval = rate > 0 ? (long) (1e9 * connections * spans / rate) : 0;
    long next = start + (interval * id) / connections;
    while (true) {
      long now = System.nanoTime();
      if (now >= end) break;
      if (interval > 0) {
        if (next > now) {
          if (next >= end) break;
          LockSupport.parkNanos(next - now);
          now = System.nanoTime();
        } else {
          // Behind: a tracer keeps what it could not send yet and sends it next (catch up back to
          // back), but only up to its queue: beyond maxBacklog the oldest payloads are dropped, as
          // dd-java-agent drops traces when its queue is full. Those are never sent (no ids used).
          st.behindNanos = Math.max(st.behindNanos, now - next);
          while (now - next > maxBacklogNanos) {
            next += interval;
            st.skipped++;
            st.spansSkipped += spans;
            int second = (int) ((now - startNanos) / 1_000_000_000L);
            if (second >= 0 && second < skippedPerSecond.length()) skippedPerSecond.addAndGet(second, spans);
          }
        }
        next += interval;
      }
      long seqBase = sequence.getAndAdd(spans);
      if (seqBase + spans > acked.capacity()) {
        System.err.println("load generator: the span sequence reached the bench's bit sets (" + acked.capacity() + "); stopping early");
        break;
      }
      long wall = System.currentTimeMillis() * 1_000_000L;
      payload.stamp(seqBase, wall);
      st.payloads++;
      int status;
      long t0 = System.nanoTime();
      try {
        if (conn == null) conn = Conn.open(port);
        status = conn.exchange(head, payload.bytes(), payload.length());
      } catch (IOException e) {
        // a refused connection (the bridge restarting) and a broken one are counted apart, handled alike
        if (e instanceof ConnectException) st.connectRefused++;
        else st.ioErrors++;
        st.spansNoAnswer += spans;
        unacked.addRange(seqBase, seqBase + spans);
        if (conn != null) conn.close();
        conn = null;
        if (interval == 0) LockSupport.parkNanos(50_000_000L);
        continue;
      }
      long t1 = System.nanoTime();
      if (conn.closeAfter) {
        conn.close();
        conn = null;
      }
      boolean ok = status >= 200 && status < 300;
      if (ok) {
        st.ok++;
        st.spansOk += spans;
        st.latency((t1 - t0) / 1000);
        acked.addRange(seqBase, seqBase + spans);
        int second = (int) ((t1 - startNanos) / 1_000_000_000L);
        if (second >= 0 && second < ackedPerSecond.length()) ackedPerSecond.addAndGet(second, spans);
        joinable.offer(NativePayload.joinCandidate(seqBase, wall));
      } else {
        unacked.addRange(seqBase, seqBase + spans);
        if (status == 429) {
          st.status429++;
          st.spans429 += spans;
        } else {
          st.otherStatus++;
          st.spansOther += spans;
        }
      }
      if (recordAcks) {
        synchronized (this) {
          acks.add(new Ack(seqBase, seqBase + spans, t1, ok));
        }
      }
    }
    if (conn != null) conn.close();
  }

  /** One keep-alive HTTP/1.1 connection; answers are read whole (Content-Length bodies only). */
  static final class Conn {
    final Socket socket;
    final OutputStream out;
    final InputStream in;
    final byte[] buf = new byte[16 * 1024];
    boolean closeAfter;

    private Conn(Socket s) throws IOException {
      socket = s;
      out = s.getOutputStream();
      in = s.getInputStream();
    }

    static Conn open(int port) throws IOException {
      Socket s = new Socket();
      s.setTcpNoDelay(true);
      s.setSoTimeout(30_000);
      s.setSendBufferSize(1 << 20);
      s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      return new Conn(s);
    }

    int exchange(byte[] head, byte[] body, int length) throws IOException {
      out.write(head);
      out.write(body, 0, length);
      out.flush();
      int n = 0;
      int headerEnd = -1;
      while (headerEnd < 0) {
        if (n == buf.length) throw new IOException("response header too large");
        int r = in.read(buf, n, buf.length - n);
        if (r < 0) throw new IOException("connection closed before the answer");
        n += r;
        headerEnd = indexOfHeaderEnd(buf, n);
      }
      String header = new String(buf, 0, headerEnd, StandardCharsets.ISO_8859_1);
      int sp = header.indexOf(' ');
      int status = Integer.parseInt(header.substring(sp + 1, sp + 4));
      long contentLength = 0;
      closeAfter = false;
      for (String line : header.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon < 0) continue;
        String name = line.substring(0, colon).trim();
        String value = line.substring(colon + 1).trim();
        if (name.equalsIgnoreCase("content-length")) contentLength = Long.parseLong(value);
        else if (name.equalsIgnoreCase("connection") && value.equalsIgnoreCase("close")) closeAfter = true;
        else if (name.equalsIgnoreCase("transfer-encoding")) throw new IOException("chunked answers are not expected");
      }
      long left = contentLength - (n - (headerEnd + 4));
      while (left > 0) {
        int r = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (r < 0) throw new IOException("connection closed inside the answer");
        left -= r;
      }
      return status;
    }

    private static int indexOfHeaderEnd(byte[] b, int n) {
      for (int i = 3; i < n; i++) {
        if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r') return i - 3;
      }
      return -1;
    }

    void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
