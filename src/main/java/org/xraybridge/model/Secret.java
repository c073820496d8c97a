package org.xraybridge.model;

import java.util.Objects;

/**
 * A credential (the Datadog API key). Its {@link #toString()} never shows the value, so a secret
 * that ends up in a log line, an exception message or an actuator endpoint stays secret; only
 * {@link #reveal()} gives it, and only code that puts it on the wire calls that.
 */
public final class Secret {
  public static final Secret EMPTY = new Secret("");

  private final String value;

  private Secret(String value) {
    this.value = value;
  }

  public static Secret of(String value) {
    Objects.requireNonNull(value, "value == null");
    String v = value.strip();
    return v.isEmpty() ? EMPTY : new Secret(v);
  }

  public String reveal() {
    return value;
  }

  public boolean isEmpty() {
    return value.isEmpty();
  }

  @Override
  public String toString() {
    return value.isEmpty() ? "<empty>" : "<redacted>";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && s.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }
}
