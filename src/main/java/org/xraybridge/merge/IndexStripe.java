package org.xraybridge.merge;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;
import org.xraybridge.model.Half;
import org.xraybridge.model.Priority;

/**
 * One lock's share of the trace index: an open-addressing table with linear probing over primitive
 * arrays, and a doubly linked list through the slots in order of last write. Expiry and eviction take
 * the list's head, the trace written longest ago, in O(1); a write moves its trace to the tail.
 * Deletion shifts later entries of the probe run back, so no tombstones pile up and a lookup stops at
 * the first empty slot. The table grows by doubling up to what {@code bound} entries need at 3/4 load,
 * and shrinks when a sweep leaves it mostly empty, so memory follows the traces held.
 *
 * <p>A slot costs 36 bytes: key, {@code _dd.p.tid}, a packed long (last write in ms · env number ·
 * top bit of the trace id · native seen · decided by · priority), first seen and the two links. An
 * entry whose env is not in the {@link EnvTable}, whose priority does not fit a byte, or whose trace id
 * does not end in its key is kept whole in a side map instead of being packed wrongly.
 *
 * <p>Every method holds the stripe's lock for its whole work; none does I/O.
 */
final class IndexStripe {

  /** Answer of a write that found the whole index full and this stripe empty: room must come from another stripe. */
  static final IndexEntry NO_ROOM = new IndexEntry(0, 0, "", 0, Half.NATIVE, false, 0);

  static final int TIME_BITS = 42;
  static final long TIME_MASK = (1L << TIME_BITS) - 1;
  private static final int ENV_SHIFT = TIME_BITS;
  private static final long ENV_MASK = 0x3FF;
  /** Env number that sends a reader to the side map. */
  private static final int APART = EnvTable.CAPACITY;
  private static final int TOP_BIT_SHIFT = 52;
  private static final int NATIVE_SHIFT = 53;
  private static final int HALF_SHIFT = 54;
  private static final int PRIORITY_SHIFT = 56;
  private static final long LOW_63 = 0x7FFF_FFFF_FFFF_FFFFL;
  private static final long EMPTY = -1; // keys are 63-bit, never negative
  private static final int NONE = -1;
  private static final int MIN_CAPACITY = 16;
  private static final Half[] HALVES = Half.values();

  /** What does not pack: kept whole, by key. */
  private record Apart(long traceId, String env, int priority) {}

  private final int bound;
  private final int maxCapacity;
  private final long ttlMillis;
  private final LongUnaryOperator mix;
  private final LongSupplier clockMillis;
  private final EnvTable envs;
  private final IndexBudget budget;

  private long[] keys;
  private long[] highs;
  private long[] metas;
  private int[] firstSeen;
  private int[] prev;
  private int[] next;
  private int head = NONE;
  private int tail = NONE;
  /** Read without the lock only to pick a stripe to evict from. */
  private volatile int size;
  private Map<Long, Apart> aparts; // made on first need: normally never

  IndexStripe(int bound, long ttlMillis, LongUnaryOperator mix, LongSupplier clockMillis, EnvTable envs, IndexBudget budget) {
    this.bound = bound;
    this.maxCapacity = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(bound + 1L, (bound * 4L + 2) / 3));
    this.ttlMillis = ttlMillis;
    this.mix = mix;
    this.clockMillis = clockMillis;
    this.envs = envs;
    this.budget = budget;
    allocate(Math.min(MIN_CAPACITY, maxCapacity));
  }

  synchronized IndexEntry get(long key) {
    expire();
    int slot = find(key);
    return slot >= 0 ? entryAt(slot) : null;
  }

  /** {@link TraceIndex#recordNative}; or {@link #NO_ROOM}. */
  synchronized IndexEntry recordNative(long key, long traceId, long traceIdHigh, String env, int priority, long nowSeconds) {
    long now = expire();
    int slot = find(key);
    IndexEntry old = slot >= 0 ? entryAt(slot) : null;
    IndexEntry after;
    // new trace, or only an X-Ray half of another env was seen: the tracer decides for its half
    if (old == null || (!old.nativeSeen() && !old.env().equals(env))) {
      after = new IndexEntry(traceId, traceIdHigh, env, priority, Half.NATIVE, true, nowSeconds);
    } else if (old.nativeSeen() && old.decidedBy() == Half.NATIVE && old.priority() == Priority.NONE && priority != Priority.NONE) {
      // the tracer's first chunks carried no decision; this one does, and it stands for the trace
      long high = traceIdHigh != 0 ? traceIdHigh : old.traceIdHigh();
      after = new IndexEntry(old.traceId(), high, old.env(), priority, Half.NATIVE, true, old.firstSeenSeconds());
    } else if (old.nativeSeen() && (old.traceIdHigh() != 0 || traceIdHigh == 0)) {
      after = old; // nothing new, but still a write: the trace is alive, its TTL starts again
    } else {
      long high = traceIdHigh != 0 ? traceIdHigh : old.traceIdHigh();
      String env2 = old.nativeSeen() ? old.env() : env;
      after = new IndexEntry(traceId, high, env2, old.priority(), old.decidedBy(), true, old.firstSeenSeconds());
    }
    return write(slot, key, after, now) ? after : NO_ROOM;
  }

  /** {@link TraceIndex#recordXRayIfAbsent}; or {@link #NO_ROOM}. A trace already there is not written. */
  synchronized IndexEntry recordXRayIfAbsent(long key, long traceId, String env, int priority, Half half, long nowSeconds) {
    long now = expire();
    int slot = find(key);
    if (slot >= 0) return entryAt(slot);
    return write(slot, key, new IndexEntry(traceId, 0, env, priority, half, false, nowSeconds), now) ? null : NO_ROOM;
  }

  /** {@link TraceIndex#restore}: the entry replaces whatever the stripe held for the key; or {@link #NO_ROOM}. */
  synchronized IndexEntry restore(long key, IndexEntry entry) {
    long now = expire();
    int slot = find(key);
    return write(slot, key, entry, now) ? entry : NO_ROOM;
  }

  /** Removes what expired, gives back memory when mostly empty; returns the oldest write left, or -1. */
  synchronized long sweep() {
    expire();
    int capacity = keys.length;
    if (capacity > MIN_CAPACITY && size * 8L < capacity) {
      while (capacity > MIN_CAPACITY && size * 4L < capacity) capacity = Math.max(MIN_CAPACITY, capacity / 2);
      rehash(capacity);
    }
    return head == NONE ? -1 : time(metas[head]);
  }

  /** Evicts this stripe's oldest trace for room elsewhere; false when there was none. */
  synchronized boolean evictOldest() {
    expire();
    if (size == 0) return false;
    evictHead();
    return true;
  }

  int size() {
    return size;
  }

  /** Slots allocated now: for tests of growth and shrinking. */
  synchronized int capacity() {
    return keys.length;
  }

  private boolean write(int slot, long key, IndexEntry entry, long now) {
    if (slot >= 0) {
      store(slot, key, entry, stamp(now));
      moveToTail(slot);
      return true;
    }
    if (size >= bound) evictHead();
    while (!budget.tryReserve()) {
      if (size == 0) return false;
      evictHead();
    }
    if ((size + 1L) * 4 > keys.length * 3L && keys.length < maxCapacity) {
      rehash((int) Math.min(maxCapacity, keys.length * 2L));
    }
    slot = ~find(key); // evictions and growth moved slots
    store(slot, key, entry, stamp(now));
    linkTail(slot);
    size++;
    return true;
  }

  /** The write time, never before the tail's, so the list stays in time order if the clock steps back. */
  private long stamp(long now) {
    return tail == NONE ? now : Math.max(now, time(metas[tail]));
  }

  private long expire() {
    long now = clockMillis.getAsLong();
    while (head != NONE && now - time(metas[head]) >= ttlMillis) {
      remove(head);
      budget.expired();
    }
    return now;
  }

  private void evictHead() {
    remove(head);
    budget.evictedEarly();
  }

  /** The slot holding {@code key}, or {@code ~slot} of the empty slot where it would go. */
  private int find(long key) {
    int capacity = keys.length;
    int i = home(key, capacity);
    for (;;) {
      long k = keys[i];
      if (k == key) return i;
      if (k == EMPTY) return ~i;
      i = i + 1 == capacity ? 0 : i + 1;
    }
  }

  /** Multiply-shift onto any capacity, so the table's last size need not be a power of two. */
  private int home(long key, int capacity) {
    return (int) (((mix.applyAsLong(key) & 0xFFFF_FFFFL) * capacity) >>> 32);
  }

  private void store(int slot, long key, IndexEntry e, long time) {
    int env = envs.indexOf(e.env());
    boolean apart = env < 0 || (byte) e.priority() != e.priority() || (e.traceId() & LOW_63) != key;
    if (apart) {
      if (aparts == null) aparts = new HashMap<>();
      aparts.put(key, new Apart(e.traceId(), e.env(), e.priority()));
      env = APART;
    } else if (aparts != null) {
      aparts.remove(key);
    }
    keys[slot] = key;
    highs[slot] = e.traceIdHigh();
    metas[slot] = (time & TIME_MASK)
        | ((long) env << ENV_SHIFT)
        | ((e.traceId() >>> 63) << TOP_BIT_SHIFT)
        | (e.nativeSeen() ? 1L << NATIVE_SHIFT : 0)
        | ((long) e.decidedBy().ordinal() << HALF_SHIFT)
        | ((long) (e.priority() & 0xFF) << PRIORITY_SHIFT);
    firstSeen[slot] = (int) e.firstSeenSeconds();
  }

  private IndexEntry entryAt(int slot) {
    long key = keys[slot];
    long meta = metas[slot];
    int env = (int) ((meta >>> ENV_SHIFT) & ENV_MASK);
    Half decidedBy = HALVES[(int) ((meta >>> HALF_SHIFT) & 3)];
    boolean nativeSeen = (meta & (1L << NATIVE_SHIFT)) != 0;
    long first = firstSeen[slot] & 0xFFFF_FFFFL;
    if (env == APART) {
      Apart a = aparts.get(key);
      return new IndexEntry(a.traceId(), highs[slot], a.env(), a.priority(), decidedBy, nativeSeen, first);
    }
    long traceId = key | (((meta >>> TOP_BIT_SHIFT) & 1) << 63);
    return new IndexEntry(traceId, highs[slot], envs.env(env), (byte) (meta >>> PRIORITY_SHIFT), decidedBy, nativeSeen, first);
  }

  private static long time(long meta) {
    return meta & TIME_MASK;
  }

  private void remove(int slot) {
    unlink(slot);
    if (aparts != null && ((metas[slot] >>> ENV_SHIFT) & ENV_MASK) == APART) aparts.remove(keys[slot]);
    size--;
    shiftBack(slot);
  }

  /**
   * Fills the hole left at {@code hole}: each later entry of the probe run whose home is not between
   * the hole and itself (cyclically) would be unreachable past an empty slot, so it moves into the hole.
   */
  private void shiftBack(int hole) {
    int capacity = keys.length;
    int i = hole;
    for (;;) {
      i = i + 1 == capacity ? 0 : i + 1;
      long k = keys[i];
      if (k == EMPTY) break;
      int h = home(k, capacity);
      boolean reachable = hole <= i ? hole < h && h <= i : hole < h || h <= i;
      if (!reachable) {
        move(i, hole);
        hole = i;
      }
    }
    keys[hole] = EMPTY;
  }

  private void move(int from, int to) {
    keys[to] = keys[from];
    highs[to] = highs[from];
    metas[to] = metas[from];
    firstSeen[to] = firstSeen[from];
    int p = prev[from];
    int n = next[from];
    prev[to] = p;
    next[to] = n;
    if (p == NONE) head = to; else next[p] = to;
    if (n == NONE) tail = to; else prev[n] = to;
  }

  private void linkTail(int slot) {
    prev[slot] = tail;
    next[slot] = NONE;
    if (tail == NONE) head = slot; else next[tail] = slot;
    tail = slot;
  }

  private void unlink(int slot) {
    int p = prev[slot];
    int n = next[slot];
    if (p == NONE) head = n; else next[p] = n;
    if (n == NONE) tail = p; else prev[n] = p;
  }

  private void moveToTail(int slot) {
    if (slot == tail) return;
    unlink(slot);
    linkTail(slot);
  }

  private void allocate(int capacity) {
    keys = new long[capacity];
    Arrays.fill(keys, EMPTY);
    highs = new long[capacity];
    metas = new long[capacity];
    firstSeen = new int[capacity];
    prev = new int[capacity];
    next = new int[capacity];
    head = NONE;
    tail = NONE;
  }

  /** Re-inserts every entry into a table of {@code capacity} slots, in list order. */
  private void rehash(int capacity) {
    long[] oldKeys = keys;
    long[] oldHighs = highs;
    long[] oldMetas = metas;
    int[] oldFirstSeen = firstSeen;
    int[] oldNext = next;
    int from = head;
    allocate(capacity);
    for (int i = from; i != NONE; i = oldNext[i]) {
      int slot = ~find(oldKeys[i]);
      keys[slot] = oldKeys[i];
      highs[slot] = oldHighs[i];
      metas[slot] = oldMetas[i];
      firstSeen[slot] = oldFirstSeen[i];
      linkTail(slot);
    }
  }
}
