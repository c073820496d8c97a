package org.xraybridge.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.xraybridge.testing.BridgeProcess;

/**
 * The load bench's proxy baseline: nginx (Debian's package; {@code bench/load.sh} installs it when
 * absent) in front of a fake Agent, passing every payload on unchanged over kept-alive upstream
 * connections — what "receive and forward" costs a tuned C proxy on this machine. One worker per
 * core, bodies held in memory ({@code client_body_buffer_size} above the largest payload), no access
 * log. Its CPU is the master's and its workers' from {@code /proc/<pid>/stat}.
 */
final class NginxProxy implements AutoCloseable {

  private final Process master;
  private final int port;

  private NginxProxy(Process master, int port) {
    this.master = master;
    this.port = port;
  }

  /** Starts nginx on {@code port} proxying to {@code upstreamPort}; its files under {@code dir} (a path with {@code bench-nginx}). */
  static NginxProxy start(String nginx, Path dir, int port, int upstreamPort, Path pidFile) throws IOException, InterruptedException {
    Files.createDirectories(dir.resolve("body"));
    Files.createDirectories(dir.resolve("proxy"));
    int cores = Runtime.getRuntime().availableProcessors();
    String conf = String.format(Locale.ROOT, """
        worker_processes %d;
        pid %s/nginx.pid;
        error_log %s/error.log warn;
        events { worker_connections 4096; }
        http {
          access_log off;
          client_body_temp_path %s/body;
          proxy_temp_path %s/proxy;
          fastcgi_temp_path %s/proxy;
          uwsgi_temp_path %s/proxy;
          scgi_temp_path %s/proxy;
          client_max_body_size 0;
          client_body_buffer_size 8m;
          upstream agent {
            server 127.0.0.1:%d;
            keepalive 64;
          }
          server {
            listen 127.0.0.1:%d;
            location / {
              proxy_pass http://agent;
              proxy_http_version 1.1;
              proxy_set_header Connection "";
            }
          }
        }
        """, cores, dir, dir, dir, dir, dir, dir, dir, upstreamPort, port);
    Path confFile = dir.resolve("nginx.conf");
    Files.writeString(confFile, conf);
    Process p = new ProcessBuilder(nginx, "-p", dir.toString(), "-c", confFile.toString(), "-g", "daemon off;")
        .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
    Files.writeString(pidFile, p.pid() + "\n", java.nio.file.StandardOpenOption.APPEND);
    NginxProxy proxy = new NginxProxy(p, port);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) throw new IOException("nginx exited: " + Files.readString(dir.resolve("nginx.out")));
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return proxy;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    proxy.close();
    throw new IOException("nginx did not listen on " + port + " within 10 s; see " + dir.resolve("error.log"));
  }

  int port() {
    return port;
  }

  /** CPU seconds of the master and its workers so far. */
  double cpuSeconds() {
    double sum = BridgeProcess.cpuSeconds(master.pid());
    List<ProcessHandle> workers = master.toHandle().descendants().toList();
    for (ProcessHandle w : workers) sum += Math.max(0, BridgeProcess.cpuSeconds(w.pid()));
    return sum;
  }

  int workers() {
    return (int) master.toHandle().descendants().count();
  }

  /** Fast shutdown (SIGTERM): the master stops its workers, then exits. */
  @Override
  public void close() throws InterruptedException {
    master.destroy();
    if (!master.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) master.destroyForcibly().waitFor();
  }
}
