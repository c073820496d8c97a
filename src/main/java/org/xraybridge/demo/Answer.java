package org.xraybridge.demo;

import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the emulator answers one request: a status, the {@code x-amzn-ErrorType} header of an error
 * ({@code null} on success) and the JSON body, as the X-Ray service's REST-JSON protocol has them.
 */
record Answer(int status, String errorType, String body) {

  static Answer ok(ObjectNode json) {
    return new Answer(200, null, EmulatorStore.JSON.writeValueAsString(json));
  }

  /** An error as the service writes it: the type in the header and a {@code {"__type", "message"}} body. */
  static Answer error(int status, String type, String message) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("__type", type);
    o.put("message", message);
    return new Answer(status, type, EmulatorStore.JSON.writeValueAsString(o));
  }

  /** A request the service would refuse: answered 400 {@code InvalidRequestException} with the message. */
  static final class BadRequest extends RuntimeException {
    BadRequest(String message) {
      super(message, null, false, false);
    }
  }
}
