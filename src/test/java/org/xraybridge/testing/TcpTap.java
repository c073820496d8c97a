package org.xraybridge.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on the loopback interface that records every byte each way, per connection: put
 * between a real client and a server, it shows exactly what the client sent and got back, for tests
 * that compare it with what a next hop received. Two threads per connection; for tests only.
 */
public final class TcpTap implements AutoCloseable {

  /** One connection's bytes, client to server and back; read them once the connection is done or quiet. */
  public static final class Connection {
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    public synchronized byte[] sent() {
      return sent.toByteArray();
    }

    public synchronized byte[] received() {
      return received.toByteArray();
    }

    private synchronized void record(boolean toServer, byte[] b, int n) {
      (toServer ? sent : received).write(b, 0, n);
    }
  }

  public final List<Connection> connections = new CopyOnWriteArrayList<>();
  private final ServerSocket server;
  private final int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  public TcpTap(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "tcp-tap-accept");
    accept.setDaemon(true);
    accept.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket();
        upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2_000);
        sockets.add(client);
        sockets.add(upstream);
        Connection c = new Connection();
        connections.add(c);
        pump(client, upstream, c, true);
        pump(upstream, client, c, false);
      } catch (IOException e) {
        // closed
      }
    }
  }

  private static void pump(Socket from, Socket to, Connection c, boolean toServer) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          c.record(toServer, buf, n);
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // one side closed
      } finally {
        try {
          to.shutdownOutput();
        } catch (IOException ignored) {
          // already closed
        }
      }
    }, "tcp-tap-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) s.close();
  }
}
