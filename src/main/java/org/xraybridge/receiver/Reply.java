package org.xraybridge.receiver;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/** What to answer a request: status, media type, body, and whether to close the connection after it. */
record Reply(HttpResponseStatus status, String contentType, byte[] body, boolean close) {

  static final String JSON = "application/json";
  static final String TEXT = "text/plain; charset=utf-8";

  /** What the Agent answers the trace endpoints: tracers parse it for their sampling rates. */
  private static final byte[] RATES = "{\"rate_by_service\":{\"service:,env:\":1}}".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OK = "OK\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EMPTY = new byte[0];

  static Reply text(HttpResponseStatus status, String text) {
    return new Reply(status, TEXT, text.getBytes(StandardCharsets.UTF_8), false);
  }

  static Reply empty(HttpResponseStatus status) {
    return new Reply(status, TEXT, EMPTY, false);
  }

  /** The rates document, with {@code status}. */
  static Reply rates(HttpResponseStatus status) {
    return new Reply(status, JSON, RATES, false);
  }

  /** v0.3's success: {@code OK}. */
  static Reply ok() {
    return new Reply(HttpResponseStatus.OK, TEXT, OK, false);
  }

  /** The same answer, closing the connection after it (the request body was not read to its end). */
  Reply closing() {
    return new Reply(status, contentType, body, true);
  }
}
