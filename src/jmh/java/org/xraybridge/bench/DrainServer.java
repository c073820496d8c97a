package org.xraybridge.bench;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The load bench's ceiling: an HTTP endpoint on the bridge's stack (Reactor Netty, HTTP/1.1) that
 * reads every request body to its end and answers 200 with the Agent's rates body — no decoding, no
 * pipeline. Run as its own JVM with the bridge's heap settings, so the generator meets the same
 * kind of peer on the same loopback. {@code DrainServer <port>}; prints {@code ready} when bound and
 * runs until killed.
 */
public final class DrainServer {
  private static final byte[] RATES = "{\"rate_by_service\":{\"service:,env:\":1}}".getBytes(StandardCharsets.US_ASCII);

  private DrainServer() {}

  public static void main(String[] args) throws InterruptedException {
    int port = Integer.parseInt(args[0]);
    DisposableServer server = HttpServer.create()
        .host("127.0.0.1")
        .port(port)
        .handle((req, res) -> req.receive().then(Mono.defer(() -> res.status(HttpResponseStatus.OK)
            .header("Content-Type", "application/json")
            .header("Content-Length", Integer.toString(RATES.length))
            .sendByteArray(Mono.just(RATES)).then())))
        .bindNow(Duration.ofSeconds(10));
    System.out.println("ready " + server.port());
    System.out.flush();
    server.onDispose().block();
  }
}
