package org.xraybridge.forward.delivery;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.xraybridge.model.Receipt;

/**
 * The {@link Receipt}s of the spans one payload carries, with how many spans each: told once, when
 * the payload reached its final outcome ({@link #settled}) or was given up ({@link #abandoned}).
 * Kafka mode commits a record only when every span read from it settled (docs/cluster.md); in single
 * mode every payload carries {@link #NONE}. Thread-safe; the first report wins.
 */
public final class Receipts {

  public static final Receipts NONE = new Receipts(new Receipt[0], new long[0]);

  private final Receipt[] receipts;
  private final long[] spans;
  private final AtomicBoolean told = new AtomicBoolean();

  private Receipts(Receipt[] receipts, long[] spans) {
    this.receipts = receipts;
    this.spans = spans;
  }

  public boolean isEmpty() {
    return receipts.length == 0;
  }

  /** Every span delivered or dropped for good. */
  public void settled() {
    if (receipts.length == 0 || !told.compareAndSet(false, true)) return;
    for (int i = 0; i < receipts.length; i++) receipts[i].settled(spans[i]);
  }

  /** Given up without an outcome (a stop, an overflow): the spans' source keeps them. */
  public void abandoned() {
    if (receipts.length == 0 || !told.compareAndSet(false, true)) return;
    for (int i = 0; i < receipts.length; i++) receipts[i].abandoned(spans[i]);
  }

  /** Collects the receipts of an open payload, in order; not thread-safe (the assembler's lock). */
  public static final class Builder {
    private Receipt[] receipts = new Receipt[0];
    private long[] spans = new long[0];
    private int n;

    /** {@code count} more spans for {@code r} ({@link Receipt#NONE} is not kept). */
    public void add(Receipt r, long count) {
      if (r == Receipt.NONE || count <= 0) return;
      if (n > 0 && receipts[n - 1] == r) {
        spans[n - 1] += count;
        return;
      }
      for (int i = 0; i < n; i++) {
        if (receipts[i] == r) {
          spans[i] += count;
          return;
        }
      }
      if (n == receipts.length) {
        int size = Math.max(4, n * 2);
        receipts = Arrays.copyOf(receipts, size);
        spans = Arrays.copyOf(spans, size);
      }
      receipts[n] = r;
      spans[n++] = count;
    }

    /** What was collected; the builder starts empty again. */
    public Receipts build() {
      if (n == 0) return NONE;
      Receipts r = new Receipts(Arrays.copyOf(receipts, n), Arrays.copyOf(spans, n));
      n = 0;
      Arrays.fill(receipts, null);
      return r;
    }
  }
}
