package org.xraybridge.config;

/**
 * A configuration value the bridge cannot start with. The message names the key (and its
 * environment variable when it has a conventional one) and the value expected, on one line.
 */
public final class ConfigurationException extends IllegalArgumentException {
  public ConfigurationException(String message) {
    super(message);
  }

  static void require(boolean ok, String message) {
    if (!ok) throw new ConfigurationException(message);
  }
}
