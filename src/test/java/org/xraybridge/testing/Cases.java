package org.xraybridge.testing;

import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A small, seeded property runner: generates {@code tries} cases from a fixed seed, runs the
 * property on each, and on failure names the seed and the case index so the case can be replayed.
 *
 * <p>We do not use jqwik: from 1.10 its maintainer asks AI coding agents not to use the library
 * (printed by its engine on every run), and this project is written with one. The runner keeps what
 * the property tests need: fixed seeds, a case count that the {@code fuzz-long} profile raises
 * ({@code -Dfuzz.tries}), and reproducible failures.
 */
public final class Cases {
  private Cases() {}

  /**
   * Number of cases for a property whose normal count is {@code normal}: times {@code -Dfuzz.scale}
   * (1 by default; the {@code fuzz-long} profile sets 20), or exactly {@code -Dfuzz.tries} when set.
   * Every call adds to {@link #planned()}, so a run can report how many cases it ran.
   */
  public static int tries(int normal) {
    String exact = System.getProperty("fuzz.tries");
    int n;
    if (exact != null && !exact.isBlank()) {
      n = Math.max(1, Integer.parseInt(exact.strip()));
    } else {
      String scale = System.getProperty("fuzz.scale", "1");
      n = (int) Math.min(Integer.MAX_VALUE, (long) normal * Math.max(1, Integer.parseInt(scale.strip())));
    }
    PLANNED.addAndGet(n);
    return n;
  }

  private static final java.util.concurrent.atomic.AtomicLong PLANNED = new java.util.concurrent.atomic.AtomicLong();

  /** Cases planned by {@link #tries} in this JVM so far. */
  public static long planned() {
    return PLANNED.get();
  }

  /** Runs {@code property} on {@code tries} values made by {@code generator} from {@code seed}. */
  public static <T> int forAll(long seed, int tries, Function<SplittableRandom, T> generator, Consumer<T> property) {
    SplittableRandom root = new SplittableRandom(seed);
    for (int i = 0; i < tries; i++) {
      long caseSeed = root.nextLong();
      T value = generator.apply(new SplittableRandom(caseSeed));
      try {
        property.accept(value);
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(
            "property failed on case " + i + " (seed " + seed + ", case seed " + caseSeed + "): " + e.getMessage()
                + "\n  value: " + abbreviate(String.valueOf(value)),
            e);
      }
    }
    return tries;
  }

  private static String abbreviate(String s) {
    return s.length() <= 2000 ? s : s.substring(0, 2000) + "…(" + s.length() + " chars)";
  }
}
