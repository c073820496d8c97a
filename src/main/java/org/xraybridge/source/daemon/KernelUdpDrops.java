package org.xraybridge.source.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Datagrams the kernel dropped for our socket before we read them (receive buffer full): on Linux,
 * the last column ({@code drops}) of the socket's line in {@code /proc/net/udp} and
 * {@code /proc/net/udp6}. Elsewhere the count is unknown ({@code -1}).
 *
 * <p>Together with our own count this closes the books on a burst: {@code sent = received + kernel
 * drops} (for a sender on the same host). Reads two small files: call it from a metrics scrape or a
 * health probe, never on the network thread.
 */
final class KernelUdpDrops {

  private static final Path[] TABLES = {Path.of("/proc/net/udp"), Path.of("/proc/net/udp6")};

  private KernelUdpDrops() {}

  /** Drops counted for sockets bound to local {@code port}; -1 when the tables cannot be read. */
  static long forPort(int port) {
    long sum = 0;
    boolean read = false;
    for (Path table : TABLES) {
      String text;
      try {
        text = Files.readString(table, StandardCharsets.US_ASCII);
      } catch (IOException | SecurityException e) {
        continue;
      }
      read = true;
      sum += forPort(text, port);
    }
    return read ? sum : -1;
  }

  /**
   * Sums the {@code drops} column of the lines whose {@code local_address} ends with {@code :port}
   * (hex). Lines look like {@code "  12: 0100007F:07D0 00000000:0000 07 … 0 0 12345 2 ffff… 17"}.
   */
  static long forPort(String table, int port) {
    String suffix = ":" + String.format(Locale.ROOT, "%04X", port);
    long sum = 0;
    String[] lines = table.split("\n");
    for (int i = 1; i < lines.length; i++) {
      String[] f = lines[i].trim().split("\\s+");
      if (f.length < 13 || !f[1].toUpperCase(Locale.ROOT).endsWith(suffix)) continue;
      try {
        sum += Long.parseLong(f[f.length - 1]);
      } catch (NumberFormatException e) {
        // a kernel without the drops column: nothing to add
      }
    }
    return sum;
  }
}
