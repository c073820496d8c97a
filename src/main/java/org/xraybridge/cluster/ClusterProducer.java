package org.xraybridge.cluster;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Admission;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Half;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.NativeSink;
import org.xraybridge.model.Rekeying;
import org.xraybridge.model.TraceChunk;
import org.xraybridge.model.XRaySink;

/**
 * Kafka mode's door into the bridge: every half is produced to the spans topic, keyed by its trace
 * key, instead of being handed to a local merge stage (docs/cluster.md, "Route by trace key").
 *
 * <p><b>Native payloads</b> ({@link NativeSink}): {@link #offer} only queues (bounded), so an event loop
 * never meets a blocking {@code send()}; one sender thread encodes and sends. The answer completes
 * {@link Admission#ACCEPTED} when every record was acknowledged (acks=all) within the produce timeout,
 * else {@link Admission#SHED} at the timeout — the receiver then answers 429 (or 200 without
 * {@code Datadog-Send-Real-Http-Status}) and is never told 200 for spans Kafka did not take. Each
 * chunk is counted by what really happened to it: {@code produced} when acknowledged, {@code dropped
 * (receive, overloaded)} when it failed. {@link Admission#OVERLOADED} (nothing taken) when the queue is
 * full or the producer stopped.
 *
 * <p><b>X-Ray halves</b> ({@link XRaySink}): re-keyed by their datadog-metadata first, so both halves
 * share a partition; {@link #offer(ConvertedTrace)} waits for the acknowledgement (sources call it on
 * their own threads) and answers ACCEPTED only then, so a source's checkpoint written after the call
 * never covers spans Kafka did not take; otherwise OVERLOADED and the source polls the window again.
 *
 * <p>Thread-safe.
 */
public final class ClusterProducer implements NativeSink, XRaySink, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ClusterProducer.class);
  private static final int QUEUE = 4096;

  private final Producer<byte[], byte[]> producer;
  private final SpanRecords records;
  private final Ledger ledger;
  private final ClusterMetrics metrics;
  private final Clock clock;
  private final long timeoutMillis;
  private final BlockingQueue<Runnable> queue = new ArrayBlockingQueue<>(QUEUE);
  private final AtomicLong inFlightSpans = new AtomicLong();
  private final AtomicLong failedRecords = new AtomicLong();
  private final ScheduledExecutorService timer;
  private final Thread sender;
  private volatile boolean closed;

  ClusterProducer(Producer<byte[], byte[]> producer, SpanRecords records, Ledger ledger, ClusterMetrics metrics, Clock clock,
      long timeoutMillis) {
    this.producer = producer;
    this.records = records;
    this.ledger = ledger;
    this.metrics = metrics;
    this.clock = clock;
    this.timeoutMillis = timeoutMillis;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "cluster-produce-timer"));
    this.sender = daemon(this::run, "cluster-producer");
    sender.start();
  }

  @Override
  public CompletionStage<Admission> offer(List<TraceChunk> chunks) {
    int spans = 0;
    for (TraceChunk c : chunks) spans += c.size();
    if (closed) return CompletableFuture.completedStage(Admission.OVERLOADED);
    NativePayload p = new NativePayload(chunks, spans, clock.millis());
    inFlightSpans.addAndGet(spans);
    if (!queue.offer(p::send)) {
      inFlightSpans.addAndGet(-spans);
      return CompletableFuture.completedStage(Admission.OVERLOADED);
    }
    timer.schedule(p::timedOut, timeoutMillis, TimeUnit.MILLISECONDS);
    return p.answer;
  }

  @Override
  public Admission offer(ConvertedTrace trace) {
    ConvertedTrace t = Rekeying.apply(trace);
    int spans = t.spans().size();
    if (spans == 0) return Admission.ACCEPTED;
    if (closed) return Admission.OVERLOADED;
    CompletableFuture<Boolean> acked = new CompletableFuture<>();
    // taken once: by the sender (it sends) or by a wait that gave up first (nothing is sent)
    AtomicBoolean taken = new AtomicBoolean();
    inFlightSpans.addAndGet(spans);
    if (!queue.offer(() -> {
      if (taken.compareAndSet(false, true)) sendAll(records.records(t, clock.millis()), acked);
    })) {
      inFlightSpans.addAndGet(-spans);
      return Admission.OVERLOADED;
    }
    try {
      boolean ok = acked.get(timeoutMillis, TimeUnit.MILLISECONDS);
      inFlightSpans.addAndGet(-spans);
      if (ok) produced(t, spans);
      return ok ? Admission.ACCEPTED : Admission.OVERLOADED;
    } catch (TimeoutException | InterruptedException e) {
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      if (taken.compareAndSet(false, true)) { // still queued: never sent
        inFlightSpans.addAndGet(-spans);
        return Admission.OVERLOADED;
      }
      // with the producer already: what Kafka takes is consumed downstream, so it is counted when Kafka
      // answers; the source reads the trace again, and merge drops that second copy as a duplicate, counted
      acked.whenComplete((ok, error) -> {
        inFlightSpans.addAndGet(-spans);
        if (Boolean.TRUE.equals(ok)) produced(t, spans);
      });
      return Admission.OVERLOADED;
    } catch (ExecutionException e) {
      inFlightSpans.addAndGet(-spans);
      return Admission.OVERLOADED;
    }
  }

  private void produced(ConvertedTrace t, int spans) {
    ledger.received(t.half(), spans);
    ledger.produced(t.half(), spans);
  }

  /** Spans handed in and not yet acknowledged or failed: part of this replica's in flight. */
  public long inFlightSpans() {
    return inFlightSpans.get();
  }

  /** Records Kafka did not acknowledge in time since start. */
  public long failedRecords() {
    return failedRecords.get();
  }

  /** Stops taking payloads, lets the queued ones be sent (within the produce timeout) and closes the producer. */
  @Override
  public void close() {
    closed = true;
    queue.offer(() -> {});
    try {
      sender.join(timeoutMillis + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(java.time.Duration.ofMillis(timeoutMillis));
    timer.shutdownNow();
  }

  private void run() {
    while (true) {
      Runnable task;
      try {
        task = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (task == null) {
        if (closed) return;
        continue;
      }
      try {
        task.run();
      } catch (RuntimeException e) {
        log.error("cluster: producing failed unexpectedly", e);
      }
      if (closed && queue.isEmpty()) return;
    }
  }

  /** Sends every record; {@code acked} completes true when all were acknowledged, false at the first failure. */
  private void sendAll(List<ProducerRecord<byte[], byte[]>> list, CompletableFuture<Boolean> acked) {
    AtomicInteger left = new AtomicInteger(list.size());
    for (ProducerRecord<byte[], byte[]> r : list) {
      try {
        producer.send(r, (meta, e) -> {
          if (e != null) {
            failed(e);
            acked.complete(false);
          } else if (left.decrementAndGet() == 0) {
            acked.complete(true);
          }
        });
      } catch (RuntimeException e) {
        failed(e);
        acked.complete(false);
      }
    }
  }

  private void failed(Exception e) {
    failedRecords.incrementAndGet();
    metrics.produceFailed();
    log.debug("cluster: a record was not acknowledged: {}", e.toString());
  }

  /** One tracer payload on its way: chunk by chunk accounted, answered once. */
  private final class NativePayload {
    final List<TraceChunk> chunks;
    final int spans;
    final long receivedAt;
    final CompletableFuture<Admission> answer = new CompletableFuture<>();
    final AtomicInteger chunksLeft;
    volatile boolean lost;

    NativePayload(List<TraceChunk> chunks, int spans, long receivedAt) {
      this.chunks = chunks;
      this.spans = spans;
      this.receivedAt = receivedAt;
      this.chunksLeft = new AtomicInteger(chunks.size());
    }

    void send() {
      if (answer.isDone()) { // waited past the timeout in the queue, answered SHED: nothing sent, counted here
        inFlightSpans.addAndGet(-spans);
        ledger.dropped(Ledger.Stage.RECEIVE, Ledger.Reason.OVERLOADED, spans);
        return;
      }
      for (TraceChunk c : chunks) {
        CompletableFuture<Boolean> acked = new CompletableFuture<>();
        acked.thenAccept(ok -> chunkDone(c, ok));
        try {
          sendAll(records.records(c, receivedAt), acked);
        } catch (RuntimeException e) {
          failed(e);
          acked.complete(false);
        }
      }
    }

    void chunkDone(TraceChunk c, boolean ok) {
      inFlightSpans.addAndGet(-c.size());
      if (ok) {
        ledger.produced(Half.NATIVE, c.size());
      } else {
        lost = true;
        ledger.dropped(Ledger.Stage.RECEIVE, Ledger.Reason.OVERLOADED, c.size());
      }
      if (chunksLeft.decrementAndGet() == 0) answer.complete(lost ? Admission.SHED : Admission.ACCEPTED);
    }

    /** The produce timeout passed: answered as an overload, whatever Kafka says later (counted by chunk then). */
    void timedOut() {
      if (answer.isDone()) return;
      if (answer.complete(Admission.SHED)) metrics.answeredBeforeAcknowledged();
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
