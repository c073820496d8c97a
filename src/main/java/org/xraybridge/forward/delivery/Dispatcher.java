package org.xraybridge.forward.delivery;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.functions.CheckedSupplier;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.forward.ForwardMetrics;
import org.xraybridge.forward.ForwardMetrics.PayloadOutcome;
import org.xraybridge.forward.ForwardSettings.Tuning;
import org.xraybridge.model.Ledger;

/**
 * The sender threads: take payloads from the {@link Outbox} (and, when the next hop is up, from the
 * {@link Spool}, oldest first), deliver them, and account for every span exactly once. Retry, circuit
 * breaker and spool drain as docs/forward.md ("Delivery") describes them. With {@code holdUndelivered}
 * (kafka mode, docs/cluster.md) nothing is spooled: a payload not delivered within its budget goes
 * back first in line and its sender pauses, so the outbox fills and the consumer stops reading.
 *
 * <p><b>One payload, one owner.</b> A sender holds the payload it works on in {@code holding}; it
 * accounts for the outcome only if it can still take it back ({@code compareAndSet}), so a payload
 * that {@link #halt} has taken over at shutdown is accounted for there and never twice.
 *
 * <p><b>Per payload:</b> resilience4j {@link Retry} around single attempts, each guarded by the
 * shared {@link CircuitBreaker}. 2xx → forwarded; network errors, 408, 429 and 5xx → another attempt
 * after a full-jitter backoff while attempts and the retry budget last; any other status → dropped
 * as {@code REJECTED} (the hop is up: a success for the circuit); retries exhausted or the circuit
 * open → the spool. We retry 429, which the Agent's own sender does not: asked with {@code
 * Datadog-Send-Real-Http-Status}, an Agent answers 429 when it sheds load.
 *
 * <p>Thread-safe. Sender threads are daemon threads named {@code forward-sender-N}.
 */
public final class Dispatcher {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /** How long an idle sender waits on the outbox before it looks at the spool again. */
  private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /** What happened to the last delivery attempts; instants are {@link Instant#EPOCH} for "never". */
  public record Status(
      String circuitState,
      float failureRatePercent,
      Instant lastSuccessAt,
      Instant lastFailureAt,
      String lastFailure,
      int sendersBusy) {
    /** Before the senders start. */
    public static final Status CLOSED = new Status("CLOSED", 0f, Instant.EPOCH, Instant.EPOCH, "", 0);
  }

  private enum Outcome { DELIVERED, REJECTED, UNDELIVERED }

  private final Tuning tuning;
  private final Duration budget;
  private final Outbox outbox;
  private final Spool spool;
  private final HttpTransport transport;
  private final Accounting accounting;
  private final ForwardMetrics metrics;
  private final Redactor redactor;
  private final RateLimitedLog warnings;
  private final Predicate<PayloadKind> accepts;
  private final boolean holdUndelivered;
  private final LongSupplier nanoTime;
  private final Clock clock;
  private final CircuitBreaker circuit;
  private final List<Sender> senders = new ArrayList<>();
  private final Semaphore spoolTurn = new Semaphore(1);

  private volatile boolean draining;
  private volatile boolean halted;
  private volatile long drainDeadlineNanos = Long.MAX_VALUE;

  private final AtomicReference<Instant> lastSuccess = new AtomicReference<>(Instant.EPOCH);
  private final AtomicReference<Instant> lastFailureAt = new AtomicReference<>(Instant.EPOCH);
  private final AtomicReference<String> lastFailure = new AtomicReference<>("");

  /**
   * {@code budget}: the retry budget of one payload ({@code bridge.forward.retry-budget});
   * {@code holdUndelivered}: retry until delivered instead of spooling (kafka mode).
   */
  public Dispatcher(
      Tuning tuning,
      Duration budget,
      Outbox outbox,
      Spool spool,
      HttpTransport transport,
      Accounting accounting,
      ForwardMetrics metrics,
      Redactor redactor,
      RateLimitedLog warnings,
      Predicate<PayloadKind> accepts,
      boolean holdUndelivered,
      LongSupplier nanoTime,
      Clock clock) {
    this.holdUndelivered = holdUndelivered;
    this.tuning = tuning;
    this.budget = budget;
    this.outbox = outbox;
    this.spool = spool;
    this.transport = transport;
    this.accounting = accounting;
    this.metrics = metrics;
    this.redactor = redactor;
    this.warnings = warnings;
    this.accepts = accepts;
    this.nanoTime = nanoTime;
    this.clock = clock;
    this.circuit = CircuitBreaker.of("forward", CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(tuning.circuitWindow())
        .minimumNumberOfCalls(tuning.circuitMinimumCalls())
        .failureRateThreshold(tuning.circuitFailureRate())
        .waitDurationInOpenState(tuning.circuitOpenWait())
        .permittedNumberOfCallsInHalfOpenState(tuning.circuitHalfOpenCalls())
        .automaticTransitionFromOpenToHalfOpenEnabled(true)
        .writableStackTraceEnabled(false)
        .build());
    circuit.getEventPublisher().onStateTransition(e -> {
      switch (e.getStateTransition().getToState()) {
        case OPEN -> log.warn("Forward: circuit to {} opened after sustained failures ({}); payloads go to the spool",
            Redactor.safe(transport.base()), lastFailure.get());
        case CLOSED -> log.info("Forward: circuit to {} closed; delivering again", Redactor.safe(transport.base()));
        default -> log.debug("Forward: circuit {}", e.getStateTransition());
      }
    });
  }

  public void start() {
    for (int i = 0; i < tuning.senderThreads(); i++) {
      Sender s = new Sender(i);
      Thread t = new Thread(s, "forward-sender-" + i);
      t.setDaemon(true);
      s.thread = t;
      senders.add(s);
      t.start();
    }
  }

  /**
   * Stops taking from the spool; senders deliver what the outbox holds and exit when it is empty or
   * at {@code deadlineNanos} (attempts and backoffs are cut to fit). Waits until they have exited
   * or the deadline passed.
   *
   * @return whether every sender exited in time
   */
  public boolean drain(long deadlineNanos) throws InterruptedException {
    drainDeadlineNanos = deadlineNanos;
    draining = true;
    for (Sender s : senders) {
      long left = deadlineNanos - nanoTime.getAsLong();
      if (left > 0) s.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }
    for (Sender s : senders) {
      if (s.thread.isAlive()) return false;
    }
    return true;
  }

  /**
   * Interrupts the senders and waits up to {@code grace} for them. Returns the fresh payloads some
   * sender was still holding (the caller spools them or counts them); a spooled payload being sent
   * simply stays in the spool.
   */
  public List<Payload> halt(Duration grace) throws InterruptedException {
    halted = true;
    draining = true;
    for (Sender s : senders) s.thread.interrupt();
    long deadline = nanoTime.getAsLong() + grace.toNanos();
    for (Sender s : senders) {
      long left = deadline - nanoTime.getAsLong();
      if (left > 0) s.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }
    List<Payload> held = new ArrayList<>();
    for (Sender s : senders) {
      Object h = s.holding.getAndSet(null);
      if (h instanceof Payload p) held.add(p);
      else if (h instanceof Spool.Claim c) spool.release(c);
    }
    return held;
  }

  public Status status() {
    CircuitBreaker.Metrics m = circuit.getMetrics();
    int busy = 0;
    for (Sender s : senders) {
      if (s.holding.get() != null) busy++;
    }
    return new Status(
        circuit.getState().name(),
        Math.max(0f, m.getFailureRate()),
        lastSuccess.get(),
        lastFailureAt.get(),
        lastFailure.get(),
        busy);
  }

  // ---- one sender ---------------------------------------------------------------------------

  private final class Sender implements Runnable {
    final int id;
    final AtomicReference<Object> holding = new AtomicReference<>();
    final Retry retry;
    Thread thread;
    long payloadDeadlineNanos;

    Sender(int id) {
      this.id = id;
      this.retry = Retry.of("forward-sender-" + id, RetryConfig.<HttpTransport.Response>custom()
          .maxAttempts(tuning.retryMaxAttempts())
          .retryOnException(e -> e instanceof TransientFailure && !halted && remainingNanos() > 0)
          .intervalBiFunction((attempt, either) -> backoffMillis(attempt))
          .failAfterMaxAttempts(false)
          .writableStackTraceEnabled(false)
          .build());
    }

    @Override
    public void run() {
      while (!halted) {
        try {
          if (!draining && spool.hasUnclaimed() && circuit.getState() != CircuitBreaker.State.OPEN
              && spoolTurn.tryAcquire()) {
            Spool.Claim c;
            try {
              c = spool.claimOldest();
              if (c != null) sendSpooled(c);
            } finally {
              spoolTurn.release();
            }
            if (c != null) {
              Payload live = outbox.poll(0); // interleave: one live payload per spooled one
              if (live != null) sendFresh(live);
              continue;
            }
          }
          Payload p = outbox.poll(IDLE_POLL_NANOS);
          if (p != null) {
            sendFresh(p);
          } else if (draining && outbox.isEmpty()) {
            return;
          }
          if (draining && nanoTime.getAsLong() >= drainDeadlineNanos) return;
        } catch (InterruptedException e) {
          if (halted) return;
          Thread.interrupted(); // a stray interrupt while running: keep serving
        } catch (RuntimeException e) {
          log.error("Forward: sender {} hit an unexpected error; it carries on", id, e);
        }
      }
    }

    private void sendFresh(Payload p) {
      holding.set(p);
      Outcome o = deliver(p);
      if (!holding.compareAndSet(p, null)) return; // shutdown took it over
      switch (o) {
        case DELIVERED -> {
          accounting.forwarded(p.spanCount());
          p.receipts().settled();
        }
        case REJECTED -> {
          accounting.dropped(Ledger.Reason.REJECTED, p.spanCount());
          p.receipts().settled();
        }
        case UNDELIVERED -> {
          if (holdUndelivered && !halted) {
            outbox.retry(p);
            pauseAfterFailure();
            return;
          }
          // cut short by shutdown: what cannot be spooled now is a shutdown loss, not a full spool
          if (spool.put(p, halted ? Ledger.Reason.SHUTDOWN : Ledger.Reason.SPOOL_FULL)) metrics.payload(PayloadOutcome.SPOOLED);
        }
      }
    }

    /** Kafka mode after an undelivered payload: a short pause before the next try (the circuit paces the probes). */
    private void pauseAfterFailure() {
      try {
        Thread.sleep(Math.max(1, Math.min(1000, tuning.retryMaxBackoff().toMillis())));
      } catch (InterruptedException e) {
        if (!halted) Thread.interrupted();
        else Thread.currentThread().interrupt();
      }
    }

    private void sendSpooled(Spool.Claim c) {
      holding.set(c);
      Outcome o = deliver(c.payload());
      if (!holding.compareAndSet(c, null)) return;
      switch (o) {
        case DELIVERED -> {
          spool.remove(c);
          accounting.forwarded(c.payload().spanCount());
        }
        case REJECTED -> {
          spool.remove(c);
          accounting.dropped(Ledger.Reason.REJECTED, c.payload().spanCount());
        }
        case UNDELIVERED -> spool.release(c);
      }
    }

    private Outcome deliver(Payload p) {
      if (!accepts.test(p.kind())) {
        metrics.payload(PayloadOutcome.REJECTED);
        warnings.warn("kind", "Forward: a spooled " + p.kind() + " payload (" + p.spanCount()
            + " spans) cannot go to the configured target; dropped (counted as rejected)");
        return Outcome.REJECTED;
      }
      long now = nanoTime.getAsLong();
      payloadDeadlineNanos = now + budget.toNanos(); // no attempt starts after this
      CheckedSupplier<HttpTransport.Response> attempt = () -> attempt(p);
      try {
        HttpTransport.Response r = Retry.decorateCheckedSupplier(retry, attempt).get();
        if (r.ok()) {
          metrics.payload(PayloadOutcome.SENT);
          lastSuccess.set(clock.instant());
          return Outcome.DELIVERED;
        }
        metrics.payload(PayloadOutcome.REJECTED);
        warnings.warn("rejected-" + r.status(), "Forward: " + Redactor.safe(transport.endpoint(p.kind()))
            + " rejected a payload of " + p.spanCount() + " spans: HTTP " + r.status()
            + (r.reason().isEmpty() ? "" : " " + abbreviate(r.reason())) + "; dropped (counted as rejected)");
        return Outcome.REJECTED;
      } catch (TransientFailure e) {
        warnings.warn("undelivered", "Forward: " + Redactor.safe(transport.endpoint(p.kind()))
            + " could not take a payload of " + p.spanCount() + " spans within the retry budget (last: "
            + e.getMessage() + "); " + (spool.enabled() ? "spooled" : "dropped, no spool configured"));
        return Outcome.UNDELIVERED;
      } catch (CallNotPermittedException e) {
        return Outcome.UNDELIVERED;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Outcome.UNDELIVERED;
      } catch (Throwable t) {
        if (t instanceof Error err && !(t instanceof StackOverflowError)) throw err;
        warnings.warn("unexpected", "Forward: sending failed unexpectedly: " + redactor.describe(t));
        return Outcome.UNDELIVERED;
      }
    }

    private HttpTransport.Response attempt(Payload p) throws TransientFailure, InterruptedException {
      if (!circuit.tryAcquirePermission()) throw CallNotPermittedException.createCallNotPermittedException(circuit);
      long t0 = nanoTime.getAsLong();
      // The budget bounds when attempts may start, not how long one may take: an attempt cut short
      // after the hop took the payload would be sent again (a duplicate). Only a stop cuts it short.
      long timeout = tuning.requestTimeout().toNanos();
      if (draining) timeout = Math.min(timeout, Math.max(1_000_000L, drainDeadlineNanos - t0));
      try {
        HttpTransport.Response r = transport.send(p, Duration.ofNanos(timeout));
        long took = nanoTime.getAsLong() - t0;
        if (r.transientFailure()) {
          throw failedAttempt("HTTP " + r.status() + (r.reason().isEmpty() ? "" : " " + abbreviate(r.reason())), took);
        }
        circuit.onSuccess(took, TimeUnit.NANOSECONDS);
        return r;
      } catch (IOException | RuntimeException e) {
        throw failedAttempt(redactor.describe(e), nanoTime.getAsLong() - t0);
      } catch (InterruptedException e) {
        circuit.releasePermission();
        throw e;
      }
    }

    /** Counts a failed attempt against the circuit and remembers it; the failure to throw. */
    private TransientFailure failedAttempt(String what, long tookNanos) {
      TransientFailure f = new TransientFailure(what);
      circuit.onError(tookNanos, TimeUnit.NANOSECONDS, f);
      failed(what);
      return f;
    }

    private void failed(String what) {
      lastFailure.set(what);
      lastFailureAt.set(clock.instant());
      log.debug("Forward: attempt failed: {}", what);
    }

    /** Time left for the current payload: its budget, cut to the stop's deadline when draining. */
    private long remainingNanos() {
      long deadline = draining ? Math.min(payloadDeadlineNanos, drainDeadlineNanos) : payloadDeadlineNanos;
      return deadline - nanoTime.getAsLong();
    }

    /** Full jitter: random in [0, min(max, initial · 2^(attempt−1))], never past the budget. */
    private long backoffMillis(int attempt) {
      long initial = tuning.retryInitialBackoff().toMillis();
      long cap = tuning.retryMaxBackoff().toMillis();
      long ceiling = attempt >= 31 ? cap : Math.min(cap, initial << Math.max(0, attempt - 1));
      long wait = ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling + 1);
      long left = TimeUnit.NANOSECONDS.toMillis(Math.max(0, remainingNanos()));
      return Math.min(wait, left);
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "…";
  }

  /** A failure worth another attempt: no answer, or 408/429/5xx. The message is scrubbed. */
  static final class TransientFailure extends Exception {
    TransientFailure(String message) {
      super(message, null, false, false);
    }
  }
}
