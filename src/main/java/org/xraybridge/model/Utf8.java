package org.xraybridge.model;

/** UTF-8 sizes of Java strings, for the stages that bound or frame text without encoding it. */
public final class Utf8 {

  private Utf8() {}

  /**
   * Bytes of {@code s} in UTF-8, an unpaired surrogate counting as one: {@code String.getBytes} and
   * the wire encoders write it as {@code '?'}.
   */
  public static int length(String s) {
    int n = s.length();
    int bytes = n;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) continue;
      if (c < 0x800) {
        bytes += 1;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 2; // 4 bytes for 2 chars
        i++;
      } else if (Character.isSurrogate(c)) {
        // unpaired: '?' — one byte, already counted
      } else {
        bytes += 2;
      }
    }
    return bytes;
  }
}
