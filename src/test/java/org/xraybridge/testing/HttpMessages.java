package org.xraybridge.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * HTTP/1.1 messages parsed from the raw bytes of one connection ({@link TcpTap}): requests a client
 * sent, responses it got, in order, bodies de-chunked. A message cut short at the end is left out.
 */
public final class HttpMessages {

  /** One message: its start line, headers as sent (name, value), and its body as the peer meant it. */
  public record Message(String startLine, List<String[]> headers, byte[] body) {
    public String header(String name) {
      for (String[] h : headers) if (h[0].equalsIgnoreCase(name)) return h[1];
      return null;
    }

    /** A request's target (path and query). */
    public String target() {
      return startLine.split(" ")[1];
    }

    public String path() {
      String t = target();
      int q = t.indexOf('?');
      return q < 0 ? t : t.substring(0, q);
    }

    /** A response's status. */
    public int status() {
      return Integer.parseInt(startLine.split(" ")[1]);
    }
  }

  private HttpMessages() {}

  public static List<Message> parse(byte[] bytes, boolean responses) {
    List<Message> out = new ArrayList<>();
    int[] pos = {0};
    while (pos[0] < bytes.length) {
      Message m = one(bytes, pos, responses);
      if (m == null) break;
      out.add(m);
    }
    return out;
  }

  private static Message one(byte[] b, int[] pos, boolean response) {
    String start = line(b, pos);
    if (start == null) return null;
    List<String[]> headers = new ArrayList<>();
    String l;
    while ((l = line(b, pos)) != null && !l.isEmpty()) {
      int colon = l.indexOf(':');
      headers.add(new String[] {l.substring(0, colon).trim(), l.substring(colon + 1).trim()});
    }
    if (l == null) return null;
    Message head = new Message(start, headers, new byte[0]);
    String te = head.header("Transfer-Encoding");
    String cl = head.header("Content-Length");
    if (te != null && te.toLowerCase(java.util.Locale.ROOT).contains("chunked")) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        String size = line(b, pos);
        if (size == null) return null;
        int semicolon = size.indexOf(';');
        int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
        if (n == 0) {
          while ((l = line(b, pos)) != null && !l.isEmpty()) {
            // trailers: none expected
          }
          break;
        }
        if (pos[0] + n > b.length) return null;
        body.write(b, pos[0], n);
        pos[0] += n;
        line(b, pos);
      }
      return new Message(start, headers, body.toByteArray());
    }
    int n = cl == null ? 0 : Integer.parseInt(cl.trim());
    if (response && cl == null && te == null && !start.contains(" 204 ") && !start.contains(" 304 ")) n = b.length - pos[0];
    if (pos[0] + n > b.length) return null;
    byte[] body = java.util.Arrays.copyOfRange(b, pos[0], pos[0] + n);
    pos[0] += n;
    return new Message(start, headers, body);
  }

  private static String line(byte[] b, int[] pos) {
    for (int i = pos[0]; i < b.length; i++) {
      if (b[i] == '\n') {
        int end = i > pos[0] && b[i - 1] == '\r' ? i - 1 : i;
        String s = new String(b, pos[0], end - pos[0], StandardCharsets.ISO_8859_1);
        pos[0] = i + 1;
        return s;
      }
    }
    return null;
  }
}
