package org.xraybridge.testing;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A minimal HTTP/1.1 client on one socket, for tests that need to know which connection a request
 * used (keep-alive after a bad request) or to send what a well-behaved client would not (a lying
 * {@code Content-Length}, a body cut short, a chunked body). Not thread-safe.
 */
public final class RawHttp implements Closeable {

  /** One response: status, headers (lower-case names), body. */
  public record Response(int status, Map<String, String> headers, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  public RawHttp(int port) throws IOException {
    this(port, null);
  }

  /**
   * A connection from {@code localAddress} (any loopback address, such as 127.0.0.2: Linux routes all
   * of 127/8 to the loopback interface), so a test can be several clients as the server counts them.
   */
  public RawHttp(int port, String localAddress) throws IOException {
    socket = new Socket();
    if (localAddress != null) socket.bind(new InetSocketAddress(localAddress, 0));
    socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    socket.setSoTimeout(10_000);
    socket.setTcpNoDelay(true);
    in = new java.io.BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** Sends a request with a {@code Content-Length} body (null body: no body) and reads the response. */
  public Response exchange(String method, String path, List<String[]> headers, byte[] body) throws IOException {
    send(method, path, headers, body);
    return read();
  }

  public void send(String method, String path, List<String[]> headers, byte[] body) throws IOException {
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    boolean hasLength = false;
    for (String[] h : headers) {
      head.append(h[0]).append(": ").append(h[1]).append("\r\n");
      hasLength |= h[0].equalsIgnoreCase("Content-Length") || h[0].equalsIgnoreCase("Transfer-Encoding");
    }
    if (body != null && !hasLength) head.append("Content-Length: ").append(body.length).append("\r\n");
    head.append("\r\n");
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (body != null) out.write(body);
    out.flush();
  }

  /** Sends raw bytes as they are (for chunked bodies and partial requests). */
  public void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  public Response read() throws IOException {
    String status = line();
    if (status == null) throw new IOException("connection closed before a response");
    int code = Integer.parseInt(status.split(" ")[1]);
    Map<String, String> headers = new TreeMap<>();
    String l;
    while ((l = line()) != null && !l.isEmpty()) {
      int colon = l.indexOf(':');
      headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
    }
    byte[] body;
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      int size;
      while ((size = Integer.parseInt(line().trim(), 16)) > 0) {
        b.write(in.readNBytes(size));
        line();
      }
      line();
      body = b.toByteArray();
    } else {
      int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
      body = in.readNBytes(length);
    }
    return new Response(code, headers, body);
  }

  /** True when the server closed the connection (reads EOF within the socket timeout). */
  public boolean closedByServer() {
    try {
      return in.read() < 0;
    } catch (IOException e) {
      return true;
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') break;
      if (c != '\r') b.write(c);
    }
    if (c < 0 && b.size() == 0) return null;
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  public static List<String[]> headers(String... nameValues) {
    List<String[]> list = new ArrayList<>();
    for (int i = 0; i < nameValues.length; i += 2) list.add(new String[] {nameValues[i], nameValues[i + 1]});
    return list;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
