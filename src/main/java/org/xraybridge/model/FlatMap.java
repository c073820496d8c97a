package org.xraybridge.model;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable map of a few entries kept as one flat array of alternating keys and values, for span
 * tags. A span has a handful to a few dozen tags, which every stage iterates and few look up: one
 * array beats a hash table in allocation (one object instead of a table and a node per entry) and in
 * iteration, and a linear {@link #get} over so few keys is as fast as hashing them.
 *
 * <p>Built only by {@link Builder}, which hands its array over and starts a new one on the next put,
 * so a built map never changes. Null keys and values are refused.
 */
public final class FlatMap<V> extends AbstractMap<String, V> {

  private static final FlatMap<?> EMPTY = new FlatMap<>(new Object[0], 0);

  private final Object[] kv;
  private final int size;
  private Set<Entry<String, V>> entries;

  private FlatMap(Object[] kv, int size) {
    this.kv = kv;
    this.size = size;
  }

  @SuppressWarnings("unchecked")
  public static <V> FlatMap<V> empty() {
    return (FlatMap<V>) EMPTY;
  }

  /** The map itself when it is a FlatMap already, else an immutable copy. */
  @SuppressWarnings("unchecked")
  public static <V> Map<String, V> copyOf(Map<String, ? extends V> map) {
    if (map instanceof FlatMap<?> f) return (FlatMap<V>) f;
    if (map.isEmpty()) return empty();
    Builder<V> b = new Builder<>(map.size());
    for (Map.Entry<String, ? extends V> e : map.entrySet()) b.put(e.getKey(), e.getValue());
    return b.build();
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public boolean isEmpty() {
    return size == 0;
  }

  @Override
  @SuppressWarnings("unchecked")
  public V get(Object key) {
    int i = indexOf(kv, size, key);
    return i < 0 ? null : (V) kv[i + 1];
  }

  @Override
  public boolean containsKey(Object key) {
    return indexOf(kv, size, key) >= 0;
  }

  /** Key of the {@code i}-th entry (0 ≤ i < size), for allocation-free loops. */
  public String keyAt(int i) {
    return (String) kv[2 * i];
  }

  /** Value of the {@code i}-th entry. */
  @SuppressWarnings("unchecked")
  public V valueAt(int i) {
    return (V) kv[2 * i + 1];
  }

  private static int indexOf(Object[] kv, int size, Object key) {
    if (key == null) return -1;
    int n = 2 * size;
    for (int i = 0; i < n; i += 2) {
      if (kv[i] == key) return i;
    }
    // Keys are Strings, whose hash is computed once and kept: comparing hashes first makes a miss
    // (every put of a new key checks for a duplicate) a scan of ints rather than of characters.
    int h = key.hashCode();
    for (int i = 0; i < n; i += 2) {
      Object k = kv[i];
      if (k.hashCode() == h && key.equals(k)) return i;
    }
    return -1;
  }

  @Override
  public Set<Entry<String, V>> entrySet() {
    Set<Entry<String, V>> e = entries;
    if (e == null) {
      e = new AbstractSet<>() {
        @Override
        public Iterator<Entry<String, V>> iterator() {
          return new Iterator<>() {
            private int i;

            @Override
            public boolean hasNext() {
              return i < size;
            }

            @Override
            @SuppressWarnings("unchecked")
            public Entry<String, V> next() {
              if (i >= size) throw new NoSuchElementException();
              Entry<String, V> entry = new SimpleImmutableEntry<>((String) kv[2 * i], (V) kv[2 * i + 1]);
              i++;
              return entry;
            }
          };
        }

        @Override
        public int size() {
          return size;
        }
      };
      entries = e;
    }
    return e;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void forEach(java.util.function.BiConsumer<? super String, ? super V> action) {
    for (int i = 0; i < size; i++) action.accept((String) kv[2 * i], (V) kv[2 * i + 1]);
  }

  /** Collects entries; a put of an existing key replaces its value. Not thread-safe. */
  public static final class Builder<V> {
    private Object[] kv;
    private int size;
    private boolean shared;
    /**
     * One bit per key, at its hash mod 64: a key whose bit is clear
     * is certainly new, so a put of a new key, the decoders' usual case, skips the duplicate scan.
     */
    private long keyBits;

    public Builder() {
      this(8);
    }

    public Builder(int expected) {
      kv = new Object[Math.max(2, 2 * expected)];
    }

    /**
     * Starts an empty map of about {@code expected} entries; maps built before keep their arrays.
     * Lets a decoder build every span's tags with one builder instead of allocating one per map.
     */
    public Builder<V> reset(int expected) {
      kv = new Object[Math.max(2, 2 * expected)];
      size = 0;
      shared = false;
      keyBits = 0;
      return this;
    }

    /** A builder that starts from {@code map}'s entries (copied lazily on the first change). */
    public static <V> Builder<V> from(Map<String, ? extends V> map) {
      Builder<V> b = new Builder<>(0);
      if (map instanceof FlatMap<?> f) {
        b.kv = f.kv;
        b.size = f.size;
        b.shared = true;
        b.keyBits = -1L; // unknown: always scan
      } else {
        b.kv = new Object[Math.max(2, 2 * map.size() + 4)];
        for (Map.Entry<String, ? extends V> e : map.entrySet()) b.put(e.getKey(), e.getValue());
      }
      return b;
    }

    public Builder<V> put(String key, V value) {
      Objects.requireNonNull(key, "key == null");
      Objects.requireNonNull(value, "value == null");
      long bit = 1L << key.hashCode(); // the shift takes the hash mod 64
      int i = (keyBits & bit) == 0 ? -1 : indexOf(kv, size, key);
      keyBits |= bit;
      unshare(size + 1);
      if (i >= 0) {
        kv[i + 1] = value;
        return this;
      }
      if (2 * size + 2 > kv.length) kv = Arrays.copyOf(kv, Math.max(4, kv.length * 2));
      kv[2 * size] = key;
      kv[2 * size + 1] = value;
      size++;
      return this;
    }

    @SuppressWarnings("unchecked")
    public V get(String key) {
      int i = indexOf(kv, size, key);
      return i < 0 ? null : (V) kv[i + 1];
    }

    public int size() {
      return size;
    }

    private void unshare(int needed) {
      if (shared) {
        kv = Arrays.copyOf(kv, Math.max(2 * needed + 4, kv.length));
        shared = false;
      }
    }

    /** The map; the builder then shares its array with it and copies before any further change. */
    public FlatMap<V> build() {
      if (size == 0) return empty();
      shared = true;
      return new FlatMap<>(kv, size);
    }
  }
}
