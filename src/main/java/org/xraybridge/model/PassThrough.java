package org.xraybridge.model;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/**
 * Everything else a tracer sends the Agent (an {@link AgentEndpoint} family): the receiver hands
 * each such request here and writes back the answer; implemented by the {@code passthrough} stage —
 * relayed to the Agent, sent to Datadog's intake, or answered as an Agent without that feature
 * answers, by mode (docs/receiver.md, "Everything else a tracer sends"). Bodies stream both ways as
 * {@link Flow.Publisher}s of buffers that each side may keep (copies, never pooled memory), under the
 * reader's demand: memory stays bounded however large the body. Thread-safe, non-blocking.
 */
public interface PassThrough {

  /**
   * Relays one request when the returned answer body is subscribed. {@code head} is told the answer's
   * status and headers exactly once, before the body's first signal; a next hop that cannot be
   * reached is answered as such (502, an empty body), never with an error. An error after the head
   * means the answer was cut short.
   */
  Flow.Publisher<ByteBuffer> relay(Request request, Consumer<Head> head);

  /**
   * What the tracers' {@code /info} should be made from: the Agent's own document while the Agent
   * answers it, else none; and the endpoints this pass-through serves besides the receiver's own.
   */
  Discovery discovery();

  /** One header as sent; names keep their case, repeated names appear once each. */
  record Header(String name, String value) {
    public Header {
      Objects.requireNonNull(name, "name == null");
      Objects.requireNonNull(value, "value == null");
    }
  }

  /**
   * One request to relay.
   *
   * @param family what it is, from its path
   * @param method as sent
   * @param uri path and query as sent, in origin form ({@code /telemetry/proxy/api/v2/apmtelemetry?x=1}):
   *     one leading {@code /}, so that appended to a next hop's URL it can only name a path there
   * @param headers as received, hop-by-hop ones included: the implementation removes them
   * @param body the body as it arrives; empty for none. An error signal ends a body cut short
   */
  record Request(AgentEndpoint family, String method, String uri, List<Header> headers, Flow.Publisher<ByteBuffer> body) {
    public Request {
      Objects.requireNonNull(family, "family == null");
      Objects.requireNonNull(method, "method == null");
      Objects.requireNonNull(uri, "uri == null");
      if (!uri.startsWith("/") || uri.startsWith("//")) {
        throw new IllegalArgumentException("uri: expected a path in origin form, got '" + uri + "'");
      }
      headers = List.copyOf(headers);
      Objects.requireNonNull(body, "body == null");
    }
  }

  /**
   * The answer's status and headers.
   *
   * @param status the HTTP status
   * @param headers end-to-end headers to send back (no hop-by-hop ones); a {@code Content-Length}
   *     among them is the body's exact length
   */
  record Head(int status, List<Header> headers) {
    public Head {
      headers = List.copyOf(headers);
    }
  }

  /**
   * @param agentInfo the Agent's {@code /info} body as it last answered it; empty when there is no
   *     Agent, or it has not answered since the last failure (then tracers get the bridge's own document)
   * @param endpoints endpoint patterns served here, listed in the bridge's own document
   *     ({@code /telemetry/proxy/}, {@code /profiling/v1/input} in intake mode; none otherwise)
   */
  record Discovery(byte[] agentInfo, List<String> endpoints) {
    public Discovery {
      Objects.requireNonNull(agentInfo, "agentInfo == null");
      endpoints = List.copyOf(endpoints);
    }

    public boolean agentAnswered() {
      return agentInfo.length > 0;
    }
  }
}
