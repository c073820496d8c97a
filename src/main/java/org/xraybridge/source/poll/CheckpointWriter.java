package org.xraybridge.source.poll;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Writes a source's checkpoint in the order its snapshots were taken: an older snapshot never
 * overwrites a newer one; a failed write is counted and shown in {@link #status()}, and the next
 * write tries again; after {@link #close()}, the final write of a stop, nothing more is written, so a
 * poll still unwinding cannot write over a checkpoint that a successor may already own.
 */
public final class CheckpointWriter<T> {

  /** The source's state to save, numbered by the source in the order the snapshots were taken. */
  public record Snapshot<T>(long sequence, Instant takenAt, T value) {}

  /** When the checkpoint was last written ({@link Instant#EPOCH}: never) and why the last write failed ({@code ""}: it did not). */
  public record Status(Instant lastWritten, String error) {}

  /** Told of every write. */
  public interface Outcomes {
    void written(boolean ok);
  }

  private static final Logger log = LoggerFactory.getLogger(CheckpointWriter.class);

  private final CheckpointStore<T> store;
  private final Supplier<Snapshot<T>> snapshots;
  private final long intervalNanos;
  private final Outcomes outcomes;
  private final Object writeLock = new Object();
  private final AtomicLong lastAttemptNanos = new AtomicLong(System.nanoTime());
  private long writtenSequence = -1; // guarded by writeLock
  private boolean closed; // guarded by writeLock
  private volatile Status status = new Status(Instant.EPOCH, "");

  /**
   * @param snapshots takes a consistent snapshot of the source's state (under the source's lock)
   * @param interval how often {@link #writeIfDue()} writes during a long poll
   */
  public CheckpointWriter(CheckpointStore<T> store, Supplier<Snapshot<T>> snapshots, Duration interval, Outcomes outcomes) {
    this.store = Objects.requireNonNull(store, "store == null");
    this.snapshots = Objects.requireNonNull(snapshots, "snapshots == null");
    this.intervalNanos = interval.toNanos();
    this.outcomes = Objects.requireNonNull(outcomes, "outcomes == null");
  }

  /** Writes a snapshot taken now, here; a failure is counted and kept in {@link #status()}. */
  public void write() {
    write(false);
  }

  /**
   * As {@link #write()}, but a failure is also thrown (the first write at start-up).
   *
   * @throws CheckpointException when the write failed
   */
  public void writeOrThrow() {
    CheckpointException failure = write(false);
    if (failure != null) throw failure;
  }

  /** {@link #write()} on a thread that may block. */
  public Mono<Void> writeAsync() {
    return Mono.fromRunnable(this::write).subscribeOn(Schedulers.boundedElastic()).then();
  }

  /** {@link #writeAsync()} when the interval has passed since the last write, else nothing. */
  public Mono<Void> writeIfDue() {
    return System.nanoTime() - lastAttemptNanos.get() < intervalNanos ? Mono.empty() : writeAsync();
  }

  /** The final write: takes a last snapshot, writes it and refuses every later write. */
  public void close() {
    write(true);
  }

  /**
   * Refuses every later write without writing: the source moved to another replica that may have
   * written a newer checkpoint already (kafka mode, a replica found out of the group).
   */
  public void abandon() {
    synchronized (writeLock) {
      closed = true;
    }
  }

  public Status status() {
    return status;
  }

  private CheckpointException write(boolean last) {
    Snapshot<T> snapshot = snapshots.get();
    synchronized (writeLock) {
      if (closed || snapshot.sequence() < writtenSequence) return null;
      closed = last;
      lastAttemptNanos.set(System.nanoTime());
      try {
        store.save(snapshot.value());
        writtenSequence = snapshot.sequence();
        if (!status.error().isEmpty()) log.info("Checkpoint written again to {}", store.location());
        status = new Status(snapshot.takenAt(), "");
        outcomes.written(true);
        return null;
      } catch (CheckpointException e) {
        outcomes.written(false);
        if (!e.getMessage().equals(status.error())) log.error("{}", e.getMessage(), e.getCause());
        status = new Status(status.lastWritten(), e.getMessage());
        return e;
      }
    }
  }
}
