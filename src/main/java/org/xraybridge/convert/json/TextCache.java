package org.xraybridge.convert.json;

import java.util.Arrays;
import tools.jackson.core.JsonParser;

/**
 * One String per distinct text for the values that repeat from document to document (names,
 * origins, namespaces, HTTP methods, SQL and service fields, exception types, stack frames), found
 * by the parser's own chars: a repeat costs no new String, and the String handed out has its hash
 * computed already for the name and tag caches downstream. Only fields that are categorical in real
 * traffic come here; ids, times and messages differ in every document and would only churn it.
 *
 * <p>A direct-mapped table: each slot keeps the last text that hashed to it, a miss overwrites it,
 * so it never grows. Shared without locks on purpose: a String is immutable and safely published
 * through a race, so a reader sees the old text, the new one, or none, and compares before using it.
 */
final class TextCache {

  /** Longer texts are rarely categorical and cost more to compare than to copy. */
  private static final int MAX_CHARS = 64;
  private static final int SLOTS = 1 << 12;

  private final Entry[] slots = new Entry[SLOTS];

  /** The current VALUE_STRING token's text. */
  String string(JsonParser p) {
    char[] chars = p.getStringCharacters();
    int offset = p.getStringOffset();
    int length = p.getStringLength();
    if (length == 0) return "";
    if (length > MAX_CHARS) return new String(chars, offset, length);
    // a few chars pick the slot (cheap, no serial multiply chain); equality is checked in full
    int h = length * 0x9E3779B1 + chars[offset] * 31 + chars[offset + length - 1] * 961 + chars[offset + (length >> 1)] * 29791;
    int slot = (h ^ (h >>> 15)) & (SLOTS - 1);
    Entry e = slots[slot];
    if (e != null && Arrays.equals(e.chars, 0, e.chars.length, chars, offset, offset + length)) return e.text;
    String s = new String(chars, offset, length);
    s.hashCode(); // computed once here; the name and tag caches downstream need it
    slots[slot] = new Entry(Arrays.copyOfRange(chars, offset, offset + length), s);
    return s;
  }

  /** A text and its chars, published together (final fields) so a racing reader never mixes two. */
  private static final class Entry {
    final char[] chars;
    final String text;

    Entry(char[] chars, String text) {
      this.chars = chars;
      this.text = text;
    }
  }
}
