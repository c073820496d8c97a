package org.xraybridge.merge;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Env names of the trace index as small numbers, so an indexed trace stores ten bits instead of a
 * reference. Envs are few in practice; the table is bounded all the same, because env comes from
 * the data: once it is full, {@link #indexOf} answers -1 and the index keeps that entry's env apart.
 * Lookups are lock-free; adding takes a lock, once per env. Entries are never removed.
 */
final class EnvTable {

  /** Indexes 0 .. CAPACITY-1; one more value of the ten bits is the index's "kept apart" mark. */
  static final int CAPACITY = 1023;

  private final ConcurrentHashMap<String, Integer> indexes = new ConcurrentHashMap<>();
  private final AtomicReferenceArray<String> envs = new AtomicReferenceArray<>(CAPACITY);
  private int added; // guarded by this

  /** The env's number, or -1 when it is new and the table is full. */
  int indexOf(String env) {
    Integer i = indexes.get(env);
    return i != null ? i : add(env);
  }

  String env(int index) {
    return envs.get(index);
  }

  private synchronized int add(String env) {
    Integer i = indexes.get(env);
    if (i != null) return i;
    if (added == CAPACITY) return -1;
    // the array first: a reader that got the number from the map must find the name
    envs.set(added, env);
    indexes.put(env, added);
    return added++;
  }
}
