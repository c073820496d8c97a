package org.xraybridge.source.daemon;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.xraybridge.source.daemon.Datagrams.HEADER;
import static org.xraybridge.source.daemon.Datagrams.T0;
import static org.xraybridge.source.daemon.Datagrams.segment;
import static org.xraybridge.source.daemon.Datagrams.traceId;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.convert.SegmentConverter;
import org.xraybridge.model.Span;
import org.xraybridge.ops.DropLedger;
import org.xraybridge.ops.MicrometerDaemonMetrics;
import org.xraybridge.testing.RecordingSink;

/** The listener over real UDP on loopback: protocol checks, relay, the captured SDK datagrams, lifecycle. */
class XRayDaemonListenerTest {

  private static final Duration AWAIT = Duration.ofSeconds(10);

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final MicrometerDaemonMetrics metrics = new MicrometerDaemonMetrics(registry);
  private final DropLedger ledger = new DropLedger(new SimpleMeterRegistry(), Clock.systemUTC(), Duration.ofHours(1));
  private final RecordingSink sink = new RecordingSink();
  private final List<XRayDaemonListener> listeners = new ArrayList<>();
  private final DatagramSocket sender = socket();

  @AfterEach
  void tearDown() {
    for (XRayDaemonListener l : listeners) l.stop();
    sender.close();
  }

  @Test
  void receive_badDatagrams_eachCountedWithItsReason_andAValidOneStillConverts() throws Exception {
    XRayDaemonListener l = start(settings());
    byte[] invalidUtf8 = (HEADER + "\n{\"id\":\"aaaaaaaaaaaaaaaa\",\"trace_id\":\"" + traceId(1) + "\",\"name\":\"?\"}")
        .getBytes(StandardCharsets.ISO_8859_1);
    invalidUtf8[invalidUtf8.length - 4] = (byte) 0xC3;
    byte[] garbage = new byte[300];
    new SplittableRandom(11).nextBytes(garbage);
    send(l, (HEADER + segment(traceId(1), "5eea000000000001", "a", T0, T0 + 1)).getBytes(StandardCharsets.UTF_8)); // no newline
    send(l, "{\"format\": \"json\", \"version\": 1\n{}".getBytes(StandardCharsets.UTF_8)); // bad header
    send(l, "{\"format\": \"json\", \"version\": 2}\n{}".getBytes(StandardCharsets.UTF_8));
    send(l, (HEADER + "\n").getBytes(StandardCharsets.UTF_8));
    send(l, garbage);
    send(l, invalidUtf8);
    // 70 KB cannot even be sent: a UDP/IPv4 payload is at most 65,507 bytes, so the kernel refuses it
    // (the decoder's own 64 KiB check is exercised in DatagramDecoderTest)
    assertThatThrownBy(() -> send(l, new byte[70_000])).isInstanceOf(IOException.class);
    send(l, Datagrams.datagram(segment(traceId(2), "5eea000000000002", "checkout", T0, T0 + 1)));

    await().atMost(AWAIT).until(() -> sink.spanCount() == 1);
    assertThat(sink.span("5eea000000000002").service()).isEqualTo("checkout");
    MicrometerDaemonMetrics.Totals s = metrics.totals();
    assertThat(s.datagramsReceived()).isEqualTo(7);
    assertThat(s.datagramsAccepted()).isEqualTo(1);
    assertThat(s.datagramsRejected()).containsExactlyInAnyOrderEntriesOf(
        Map.of("malformed_header", 3L, "unknown_format", 1L, "missing_body", 1L, "undecodable", 1L));
    assertThat(s.datagramsReceived()).isEqualTo(s.datagramsAccepted() + s.datagramsRejectedTotal());
    assertThat(ledger.snapshot().documentsRejected()).isEqualTo(1); // the undecodable one carried a document
    assertThat(registry.get("bridge.daemon.datagrams").tag("outcome", "malformed_header").counter().count()).isEqualTo(3);
    assertThat(registry.get("bridge.daemon.datagrams").tag("outcome", "oversize").counter().count()).isZero(); // pre-registered
  }

  @Test
  void receive_largestDatagramUdpCanCarry_isReadWholeAndConverted() throws Exception {
    XRayDaemonListener l = start(settings());
    String doc = segment(traceId(3), "5eea000000000003", "big", T0, T0 + 1);
    String head = HEADER + "\n" + doc.substring(0, doc.length() - 1) + ",\"metadata\":{\"default\":{\"pad\":\"";
    String tail = "\"}}}";
    byte[] d = (head + "x".repeat(65_507 - head.length() - tail.length()) + tail).getBytes(StandardCharsets.UTF_8);
    assertThat(d).hasSize(65_507);
    send(l, d);
    await().atMost(AWAIT).until(() -> sink.spanCount() == 1);
    assertThat(sink.span("5eea000000000003").meta().get("aws.xray.metadata.default")).hasSizeGreaterThan(20_000);
  }

  @Test
  void relay_everyDatagramForwardedUnchanged_whileOurOwnProcessingGoesOn() throws Exception {
    try (DatagramSocket realDaemon = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      realDaemon.setSoTimeout(5_000);
      XRayDaemonListener l = start(settings().relayTo("127.0.0.1:" + realDaemon.getLocalPort()));
      byte[] valid = Datagrams.datagram(segment(traceId(4), "5eea000000000004", "api", T0, T0 + 1));
      byte[] invalid = "{\"format\": \"xml\", \"version\": 1}\n<segment/>".getBytes(StandardCharsets.UTF_8);
      send(l, valid);
      send(l, invalid);

      assertThat(receive(realDaemon)).isEqualTo(valid);
      assertThat(receive(realDaemon)).isEqualTo(invalid); // the real daemon judges for itself
      await().atMost(AWAIT).until(() -> sink.spanCount() == 1 && metrics.totals().relayed() == 2);
      assertThat(metrics.totals().relayErrors()).isZero();
    }
  }

  @Test
  void relay_targetRefusesEveryWrite_errorsCountedAndSpansStillDelivered() throws Exception {
    // sending to the broadcast address without SO_BROADCAST fails on every write (EACCES)
    XRayDaemonListener l = start(settings().relayTo("255.255.255.255:2000"));
    send(l, Datagrams.datagram(segment(traceId(5), "5eea000000000005", "api", T0, T0 + 1)));
    send(l, Datagrams.datagram(segment(traceId(6), "5eea000000000006", "api", T0, T0 + 1)));

    await().atMost(AWAIT).until(() -> sink.spanCount() == 2 && metrics.totals().relayErrors() == 2);
    assertThat(metrics.totals().relayed()).isZero();
    assertThat(registry.get("bridge.daemon.relay").tag("outcome", "failed").counter().count()).isEqualTo(2);
  }

  @Test
  void receive_capturedSdkDatagrams_replayedByteForByte_becomeTheExpectedSpans() throws Exception {
    XRayDaemonListener l = start(settings());
    int sent = 0;
    for (String folder : List.of("xray-sdk-java_segment", "xray-sdk-java_streamed-subsegments", "xray-sdk-node_segment")) {
      for (byte[] d : Datagrams.captured(folder)) {
        send(l, d);
        sent++;
      }
    }
    assertThat(sent).isEqualTo(9);
    await().atMost(AWAIT).until(() -> sink.spanCount() == 21);

    // Java SDK: a segment with local, remote, SQL and AWS subsegments
    Span order = sink.span("1f23bbcdfc83555a");
    assertThat(order.name()).isEqualTo("http.server.request");
    assertThat(order.resource()).isEqualTo("POST /orders");
    assertThat(order.parentId()).isZero();
    assertThat(sink.span("159b4d685f17090c").resource()).isEqualTo("DynamoDb.GetItem") /* the SDK v2 names it so */;
    assertThat(sink.span("159b4d685f17090c").parentId()).isEqualTo(order.spanId());
    assertThat(sink.span("3a5f9a5a514a9432").name()).isEqualTo("h2.query");

    // both SDKs continuing the trace the Java tracer injected: one Datadog trace, under its span
    long ddTrace = 0x780c0c87013a95e4L;
    long ddParent = 0x2d5a03ff0ff00ee8L;
    for (String id : List.of("6aa73e21f20049fa", "0fc589c34920d1cd")) {
      assertThat(sink.span(id).traceId()).isEqualTo(ddTrace);
      assertThat(sink.span(id).parentId()).isEqualTo(ddParent);
    }
    assertThat(sink.span("1c399aa50c9d41eb").parentId()).isEqualTo(0x6aa73e21f20049faL);

    // streamed subsegments, sent before their segment, take its service and hang under it
    Span importer = sink.span("28808f6bcc2a6e94");
    for (String id : List.of("34fcf314968136b5", "6dc7ae011f0984cc", "343a40959a15384f", "1adb026e52d4c10f")) {
      assertThat(sink.span(id).service()).isEqualTo(importer.service()).isEqualTo("batch-importer");
      assertThat(sink.span(id).parentId()).isEqualTo(importer.spanId());
    }
    assertThat(sink.span("1adb026e52d4c10f").name()).isEqualTo("http.client.request");

    // Node SDK
    Span node = sink.span("9bbe57c37602a683");
    assertThat(node.service()).isEqualTo("node-orders-api");
    assertThat(sink.span("4cebd53eaeda423b").name()).isEqualTo("postgresql.query");
    assertThat(sink.span("4cebd53eaeda423b").parentId()).isEqualTo(node.spanId());

    MicrometerDaemonMetrics.Totals s = metrics.totals();
    assertThat(s.datagramsAccepted()).isEqualTo(9);
    assertThat(s.documents()).containsEntry("delivered", 9L);
    assertThat(ledger.snapshot().documentsRejected()).isZero();
  }

  @Test
  void status_beforeAndAfterTraffic_reportsTheSocketAndTheLastDatagram() throws Exception {
    XRayDaemonListener l = start(settings());
    DaemonStatus idle = l.status();
    assertThat(idle.running()).isTrue();
    assertThat(idle.port()).isPositive().isEqualTo(l.port());
    assertThat(idle.lastDatagramEpochMillis()).isZero();
    assertThat(idle.kernelDrops()).isGreaterThanOrEqualTo(-1);

    long before = System.currentTimeMillis();
    send(l, Datagrams.datagram(segment(traceId(7), "5eea000000000007", "api", T0, T0 + 1)));
    await().atMost(AWAIT).until(() -> sink.spanCount() == 1);
    DaemonStatus s = l.status();
    assertThat(s.lastDatagramEpochMillis()).isGreaterThanOrEqualTo(before);
    assertThat(metrics.totals().flushes()).containsEntry("quiet", 1L);
    assertThat(l.levels().contextTraces()).isEqualTo(1);
    assertThat(l.levels().documentsBuffered()).isZero();
    assertThat(registry.get("bridge.daemon.buffered.documents").gauge().value()).isZero();
    assertThat(registry.get("bridge.daemon.kernel.dropped").functionCounter()).isNotNull();

    l.stop();
    assertThat(l.status().running()).isFalse();
  }

  @Test
  void stop_withTracesStillAssembling_convertsAndDeliversThem() throws Exception {
    XRayDaemonListener l = start(settings().timing(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(60),
        Duration.ofMillis(10)));
    send(l, Datagrams.datagram(segment(traceId(8), "5eea000000000008", "api", T0, T0 + 1)));
    await().atMost(AWAIT).until(() -> l.levels().documentsBuffered() == 1);
    l.stop();
    assertThat(sink.span("5eea000000000008").service()).isEqualTo("api");
    assertThat(metrics.totals().flushes()).containsEntry("stop", 1L);
  }

  @Test
  void stop_mergeStageRefusingUntilTheTimeout_countsTheSpansDroppedAtShutdown() throws Exception {
    XRayDaemonListener l = start(settings().stopTimeout(Duration.ofMillis(200)));
    sink.overloaded = true;
    send(l, Datagrams.datagram(segment(traceId(9), "5eea000000000009", "api", T0, T0 + 1)));
    await().atMost(AWAIT).until(() -> l.levels().chunksAwaitingSink() == 1);
    l.stop();
    assertThat(ledger.snapshot().drops()).containsEntry("receive.shutdown", 1L);
    assertThat(metrics.totals().documents()).containsEntry("dropped_shutdown", 1L);
  }

  @Test
  void start_portAlreadyTaken_failsNamingTheAddress() {
    XRayDaemonListener first = start(settings());
    XRayDaemonListener second = listener(settings().port(first.port()));
    assertThatThrownBy(second::start).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot bind udp 127.0.0.1:" + first.port());
    assertThat(second.status().running()).isFalse();
  }

  // ---- helpers -------------------------------------------------------------------------------------

  private static TestSettings settings() {
    return TestSettings.loopback().timing(Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofMillis(10));
  }

  private XRayDaemonListener listener(TestSettings s) {
    XRayDaemonListener l = new XRayDaemonListener(
        s.get(), new SegmentConverter(ConvertOptions.DEFAULTS, ledger, Clock.systemUTC()), sink, ledger, metrics, Clock.systemUTC());
    listeners.add(l);
    return l;
  }

  private XRayDaemonListener start(TestSettings s) {
    XRayDaemonListener l = listener(s);
    l.start();
    return l;
  }

  private void send(XRayDaemonListener l, byte[] datagram) throws IOException {
    sender.send(new DatagramPacket(datagram, datagram.length, new InetSocketAddress(InetAddress.getLoopbackAddress(), l.port())));
  }

  private static byte[] receive(DatagramSocket s) throws IOException {
    byte[] buf = new byte[65_536];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    s.receive(p);
    return Arrays.copyOf(buf, p.getLength());
  }

  private static DatagramSocket socket() {
    try {
      return new DatagramSocket(0, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
