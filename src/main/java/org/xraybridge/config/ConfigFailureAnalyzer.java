package org.xraybridge.config;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * The report Spring prints when start-up fails on the configuration: the one line {@link ConfigErrors}
 * makes, instead of Spring's own bind report, which quotes the value as configured ({@code Value:
 * "http://user:password@…"}) — a credential in a URL would reach the pod's log. Registered in
 * {@code META-INF/spring.factories}, ahead of Spring's analyzers.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
public final class ConfigFailureAnalyzer implements FailureAnalyzer {

  @Override
  public FailureAnalysis analyze(Throwable failure) {
    String line = ConfigErrors.oneLine(failure);
    if (line == null) return null;
    return new FailureAnalysis(line, "Correct the key named above (the README lists every key) and start again.", null);
  }
}
