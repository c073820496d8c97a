package org.xraybridge.receiver;

/**
 * Whether bytes are well-formed UTF-8 as the JDK's decoder reads it (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), without making a String. A span that travels as its bytes
 * has its strings checked here; one that fails is decoded instead, so the repair is made and counted
 * as before (docs/receiver.md, "Repairs").
 */
final class Utf8Check {

  private static final long HIGH_BITS = 0x8080808080808080L;

  private Utf8Check() {}

  static boolean valid(byte[] a, int off, int len) {
    int i = off;
    int end = off + len;
    while (i + 8 <= end && (Words.head(a, i, 8) & HIGH_BITS) == 0) i += 8;
    while (i < end) {
      int b = a[i] & 0xFF;
      if (b < 0x80) {
        i++;
        continue;
      }
      int n;
      int min;
      int max = 0xBF;
      if (b >= 0xC2 && b <= 0xDF) {
        n = 1;
        min = 0x80;
      } else if (b >= 0xE0 && b <= 0xEF) {
        n = 2;
        min = b == 0xE0 ? 0xA0 : 0x80;
        if (b == 0xED) max = 0x9F; // surrogates
      } else if (b >= 0xF0 && b <= 0xF4) {
        n = 3;
        min = b == 0xF0 ? 0x90 : 0x80;
        if (b == 0xF4) max = 0x8F;
      } else {
        return false;
      }
      if (i + n >= end) return false; // cut short
      int second = a[i + 1] & 0xFF;
      if (second < min || second > max) return false;
      for (int k = 2; k <= n; k++) {
        int c = a[i + k] & 0xFF;
        if (c < 0x80 || c > 0xBF) return false;
      }
      i += n + 1;
    }
    return true;
  }
}
