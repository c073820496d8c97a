package org.xraybridge.convert;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.xray.AWSXRayRecorder;
import com.amazonaws.xray.AWSXRayRecorderBuilder;
import com.amazonaws.xray.config.DaemonConfiguration;
import com.amazonaws.xray.emitters.Emitter;
import com.amazonaws.xray.entities.Segment;
import com.amazonaws.xray.entities.Subsegment;
import com.amazonaws.xray.strategy.sampling.AllSamplingStrategy;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Half;
import org.xraybridge.model.IdCodec;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.SegmentDocument;
import org.xraybridge.model.Span;
import org.xraybridge.model.XRayDocuments;

/**
 * The real AWS X-Ray SDK for Java records a segment; its UDP emitter sends the documents to a socket
 * in this test, and what the SDK actually sent is converted.
 */
class XRaySdkConversionTest {

  @Test
  void convert_whatTheRealXRaySdkSent_mapsEveryFamily() throws Exception {
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      socket.setSoTimeout(5_000);
      DaemonConfiguration daemon = new DaemonConfiguration();
      daemon.setDaemonAddress("127.0.0.1:" + socket.getLocalPort());
      AWSXRayRecorder recorder = AWSXRayRecorderBuilder.standard()
          .withEmitter(Emitter.create(daemon))
          .withSamplingStrategy(new AllSamplingStrategy())
          .build();

      Segment segment = recorder.beginSegment("Checkout Service");
      segment.setOrigin("AWS::EC2::Instance");
      segment.setUser("alice");
      Map<String, Object> request = new HashMap<>();
      request.put("method", "POST");
      request.put("url", "https://shop.example.com/checkout?cart=1");
      request.put("client_ip", "203.0.113.9");
      segment.putHttp("request", request);
      segment.putHttp("response", Map.of("status", 502, "content_length", 17));
      segment.putAnnotation("order_id", "o-42");
      segment.putAnnotation("items", 3);
      segment.putAnnotation("total", 19.5);
      segment.putAnnotation("express", true);
      segment.putAnnotation("env", "Staging");
      segment.putMetadata("default", "cart", Map.of("coupon", "WELCOME"));
      segment.putMetadata("debug", "flag", true);
      segment.setFault(true);

      Subsegment db = recorder.beginSubsegment("ORDERS");
      db.setNamespace("remote");
      db.putSql("database_type", "PostgreSQL");
      db.putSql("url", "jdbc:postgresql://db.internal:5432/orders");
      db.putSql("sanitized_query", "SELECT * FROM orders WHERE id = ?");
      recorder.endSubsegment();

      Subsegment ddb = recorder.beginSubsegment("DynamoDB");
      ddb.setNamespace("aws");
      ddb.putAws("operation", "GetItem");
      ddb.putAws("table_name", "orders");
      ddb.putAws("region", "eu-west-1");
      recorder.endSubsegment();

      Subsegment failing = recorder.beginSubsegment("charge-card");
      failing.addException(new IllegalStateException("card declined"));
      recorder.endSubsegment();
      recorder.endSegment();

      List<SegmentDocument> docs = new ArrayList<>();
      String traceId = segment.getTraceId().toString();
      byte[] buf = new byte[65_536];
      DatagramPacket packet = new DatagramPacket(buf, buf.length);
      socket.receive(packet);
      String datagram = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
      int nl = datagram.indexOf('\n');
      assertThat(datagram.substring(0, nl)).isEqualTo("{\"format\": \"json\", \"version\": 1}");
      docs.add(new SegmentDocument("", datagram.substring(nl + 1)));

      ConvertedTrace t = new SegmentConverter(ConvertOptions.DEFAULTS, Ledger.NONE, Clock.systemUTC())
          .convert(new XRayDocuments(traceId, docs, Half.XRAY_DAEMON, false));

      assertThat(t.env()).isEqualTo("staging");
      assertThat(t.spans()).hasSize(4);
      Span root = byName(t, "http.server.request");
      assertThat(root.spanId()).isEqualTo(Long.parseUnsignedLong(segment.getId(), 16));
      assertThat(root.traceId()).isEqualTo(IdCodec.datadogTraceId(traceId));
      assertThat(root.service()).isEqualTo("checkout_service");
      assertThat(root.resource()).isEqualTo("POST /checkout");
      assertThat(root.error()).isEqualTo(1);
      assertThat(root.meta())
          .containsEntry("http.status_code", "502")
          .containsEntry("http.url", "https://shop.example.com/checkout?cart=1")
          .containsEntry("usr.id", "alice")
          .containsEntry("order_id", "o-42")
          .containsEntry("express", "true")
          .containsEntry("aws.xray.annotation.env", "Staging")
          .containsEntry("env", "staging")
          .containsEntry("aws.xray.metadata.default", "{\"cart\":{\"coupon\":\"WELCOME\"}}")
          .containsEntry("aws.xray.metadata.debug", "{\"flag\":true}")
          .containsEntry("aws.xray.sdk", "X-Ray for Java");
      assertThat(root.metrics()).containsEntry("items", 3.0).containsEntry("total", 19.5).containsEntry("http.response.content_length", 17.0);
      assertThat(root.startNanos()).isPositive();

      Span sql = byName(t, "postgresql.query");
      assertThat(sql.resource()).isEqualTo("SELECT * FROM orders WHERE id = ?");
      assertThat(sql.meta()).containsEntry("db.instance", "orders").containsEntry("span.kind", "client");
      assertThat(sql.parentId()).isEqualTo(root.spanId());

      Span dynamo = byName(t, "aws.dynamodb.request");
      assertThat(dynamo.resource()).isEqualTo("DynamoDB.GetItem");
      assertThat(dynamo.meta()).containsEntry("aws.table_name", "orders").containsEntry("aws.region", "eu-west-1");

      Span charge = byName(t, "charge_card");
      assertThat(charge.error()).isEqualTo(1);
      assertThat(charge.meta()).containsEntry("error.type", "java.lang.IllegalStateException").containsEntry("error.message", "card declined");
      assertThat(charge.meta().get("error.stack")).startsWith("java.lang.IllegalStateException: card declined\n\tat ")
          .contains("XRaySdkConversionTest");
      for (Span s : t.spans()) assertThat(s.durationNanos()).isNotNegative();
    }
  }

  private static Span byName(ConvertedTrace t, String name) {
    return t.spans().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no span " + name + " in " + t.spans()));
  }
}
