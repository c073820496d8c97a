package org.xraybridge.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.core.ResolvableType;
import org.springframework.util.unit.DataSize;

/**
 * Turns a failed start into the one line an operator needs: the key (and its conventional
 * environment variable), the value found and the value expected. Spring's own multi-line report is
 * still logged above it.
 */
public final class ConfigErrors {

  private static final Map<String, String> ALIASES = Map.of(
      "bridge.forward.site", "DD_SITE",
      "bridge.forward.api-key", "DD_API_KEY",
      "bridge.xray.env", "DD_ENV",
      "bridge.xray.region", "AWS_REGION");

  private ConfigErrors() {}

  /** The line for {@code failure}, or null when it is not a configuration problem. */
  public static String oneLine(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ConfigurationException c) return "configuration error: " + c.getMessage();
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      // stage settings validate too, and name the key in their messages
      if ((t instanceof IllegalArgumentException || t instanceof IllegalStateException)
          && t.getMessage() != null && t.getMessage().startsWith("bridge.")) {
        return "configuration error: " + t.getMessage().lines().findFirst().orElse("");
      }
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof BindException b) {
        if (b.getCause() instanceof BindValidationException v) {
          return "configuration error: " + v.getValidationErrors().getAllErrors().get(0).getDefaultMessage();
        }
        String key = b.getName().toString();
        ConfigurationProperty p = b.getProperty();
        String value = p == null ? "" : printable(String.valueOf(p.getValue()));
        String alias = ALIASES.containsKey(key) ? " (" + ALIASES.get(key) + ")" : "";
        return "configuration error: " + key + alias + " must be " + expected(b.getTarget().getType()) + ", got '" + value + "'";
      }
    }
    return null;
  }

  /**
   * {@code value} as configured, unless it may carry a credential (an {@code @}, {@code ?} or {@code #}:
   * user info, a query or a fragment of a URL): then it is not shown.
   */
  static String printable(String value) {
    boolean mayCarry = value.indexOf('@') >= 0 || value.indexOf('?') >= 0 || value.indexOf('#') >= 0;
    return mayCarry ? "<not shown: it may carry a credential>" : value;
  }

  static String expected(ResolvableType type) {
    Class<?> c = type.resolve(Object.class);
    if (c == Duration.class) return "a duration such as 500ms, 30s or 5m";
    if (c == DataSize.class) return "a size such as 64KB, 25MB or 1GB";
    if (c == int.class || c == Integer.class || c == long.class || c == Long.class) return "a whole number";
    if (c == boolean.class || c == Boolean.class) return "true or false";
    if (c == URI.class) return "a URL";
    if (c == Path.class) return "a file or directory path";
    if (c.isEnum()) {
      StringBuilder s = new StringBuilder("one of ");
      Object[] values = c.getEnumConstants();
      for (int i = 0; i < values.length; i++) {
        if (i > 0) s.append(", ");
        s.append(values[i].toString().toLowerCase(java.util.Locale.ROOT));
      }
      return s.toString();
    }
    return "a valid " + c.getSimpleName();
  }
}
