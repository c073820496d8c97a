package org.xraybridge.demo;

import java.math.BigDecimal;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xraybridge.demo.Answer.BadRequest;
import org.xraybridge.demo.EmulatorStore.TraceView;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

/**
 * The subset of X-Ray filter expressions the emulator understands: {@code service("name")} and
 * {@code annotation.key = value}; anything else is a 400 that says so, never a silent match-all.
 */
final class FilterExpression {

  private static final Pattern SERVICE = Pattern.compile("\\s*service\\(\\s*\"([^\"]*)\"\\s*\\)\\s*");
  private static final Pattern ANNOTATION =
      Pattern.compile("\\s*annotation\\.([A-Za-z0-9_]+)\\s*=\\s*(\"([^\"]*)\"|[-0-9.eE]+|true|false)\\s*");

  private FilterExpression() {}

  /** The traces {@code expression} selects; a blank one selects every trace. */
  static Predicate<TraceView> parse(String expression) {
    if (expression.isBlank()) return t -> true;
    Matcher m = SERVICE.matcher(expression);
    if (m.matches()) {
      String name = m.group(1);
      return t -> t.roots().stream().anyMatch(s -> name.equals(s.path("name").asString("")));
    }
    m = ANNOTATION.matcher(expression);
    if (m.matches()) {
      String key = m.group(1);
      String value = m.group(3) != null ? m.group(3) : m.group(2);
      return t -> t.roots().stream().anyMatch(s -> hasAnnotation(s, key, value));
    }
    throw new BadRequest(
        "The emulator supports only the filter expressions service(\"name\") and annotation.key = value, got: "
            + expression);
  }

  private static boolean hasAnnotation(JsonNode node, String key, String value) {
    JsonNode v = node.path("annotations").get(key);
    if (v != null) {
      if (v.isNumber() && isNumber(value) && v.decimalValue().compareTo(new BigDecimal(value)) == 0) return true;
      if (!v.isNumber() && value.equals(v.asString(""))) return true;
    }
    JsonNode subs = node.get("subsegments");
    if (subs instanceof ArrayNode array) for (JsonNode c : array) if (hasAnnotation(c, key, value)) return true;
    return false;
  }

  private static boolean isNumber(String s) {
    try {
      new BigDecimal(s);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
