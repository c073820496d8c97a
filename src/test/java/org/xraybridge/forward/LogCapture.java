package org.xraybridge.forward;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.slf4j.LoggerFactory;

/**
 * Captures every log line of the test JVM while open: Logback (SLF4J) at the given level on the
 * root logger, and java.util.logging (where the JDK HTTP client's System.Logger goes) at ALL.
 * Lines include formatted messages, arguments and full stack traces.
 */
final class LogCapture implements AutoCloseable {
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Level previous;
  private final java.util.logging.Logger julRoot = java.util.logging.Logger.getLogger("");
  private final java.util.logging.Level julPrevious;
  private final List<String> jul = new ArrayList<>();
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord r) {
      synchronized (jul) {
        jul.add(r.getLoggerName() + " " + new java.util.logging.SimpleFormatter().formatMessage(r)
            + (r.getThrown() == null ? "" : " " + r.getThrown()));
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  LogCapture(Level level) {
    previous = root.getLevel();
    root.setLevel(level);
    appender.start();
    root.addAppender(appender);
    julPrevious = julRoot.getLevel();
    julRoot.setLevel(java.util.logging.Level.ALL);
    handler.setLevel(java.util.logging.Level.ALL);
    julRoot.addHandler(handler);
  }

  /** Every captured line, with arguments and stack traces. */
  List<String> lines() {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : List.copyOf(appender.list)) {
      StringBuilder b = new StringBuilder(e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage());
      if (e.getThrowableProxy() != null) b.append('\n').append(ThrowableProxyUtil.asString(e.getThrowableProxy()));
      out.add(b.toString());
    }
    synchronized (jul) {
      out.addAll(jul);
    }
    return out;
  }

  List<String> warnings() {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : List.copyOf(appender.list)) {
      if (e.getLevel().isGreaterOrEqual(Level.WARN)) out.add(e.getFormattedMessage());
    }
    return out;
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    root.setLevel(previous);
    julRoot.removeHandler(handler);
    julRoot.setLevel(julPrevious);
  }
}
