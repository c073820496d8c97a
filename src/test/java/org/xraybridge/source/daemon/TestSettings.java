package org.xraybridge.source.daemon;

import java.time.Duration;

/** Daemon settings for tests: the defaults on a free loopback port, and copies with one part changed. */
record TestSettings(DaemonSettings get) {

  /** The smallest {@code maxBytes} the configuration allows is larger; assembly needs room for four datagrams. */
  static final long MIN_MAX_BYTES = 4L * DaemonSettings.MAX_DATAGRAM_BYTES;

  /** The defaults ({@code bridge.daemon.*} and the in-progress timeout), bound to any free loopback port. */
  static TestSettings loopback() {
    return new TestSettings(new DaemonSettings("127.0.0.1", 0, "", Duration.ofSeconds(5), Duration.ofSeconds(30),
        Duration.ofMinutes(10), 10_000, 100_000, 64L << 20, DaemonSettings.Tuning.DEFAULTS));
  }

  TestSettings port(int port) {
    DaemonSettings s = get;
    return new TestSettings(new DaemonSettings(s.bindHost(), port, s.relayTo(), s.assemblyWindow(), s.orphanWindow(),
        s.inProgressTimeout(), s.maxTraces(), s.maxDocuments(), s.maxBytes(), s.tuning()));
  }

  TestSettings relayTo(String relayTo) {
    DaemonSettings s = get;
    return new TestSettings(new DaemonSettings(s.bindHost(), s.port(), relayTo, s.assemblyWindow(), s.orphanWindow(),
        s.inProgressTimeout(), s.maxTraces(), s.maxDocuments(), s.maxBytes(), s.tuning()));
  }

  /** The quiet period, assembly and orphan windows, and the tick that checks them. */
  TestSettings timing(Duration quietPeriod, Duration assemblyWindow, Duration orphanWindow, Duration tick) {
    DaemonSettings s = get;
    DaemonSettings.Tuning t = s.tuning();
    return new TestSettings(new DaemonSettings(s.bindHost(), s.port(), s.relayTo(), assemblyWindow, orphanWindow,
        s.inProgressTimeout(), s.maxTraces(), s.maxDocuments(), s.maxBytes(),
        new DaemonSettings.Tuning(quietPeriod, tick, t.deliveredTtl(), t.maxContextBytes(), t.maxQueuedDatagrams(),
            t.receiveBufferBytes(), t.stopTimeout())));
  }

  TestSettings caps(int maxTraces, int maxDocuments, long maxBytes) {
    DaemonSettings s = get;
    return new TestSettings(new DaemonSettings(s.bindHost(), s.port(), s.relayTo(), s.assemblyWindow(), s.orphanWindow(),
        s.inProgressTimeout(), maxTraces, maxDocuments, maxBytes, s.tuning()));
  }

  TestSettings tuning(DaemonSettings.Tuning tuning) {
    DaemonSettings s = get;
    return new TestSettings(new DaemonSettings(s.bindHost(), s.port(), s.relayTo(), s.assemblyWindow(), s.orphanWindow(),
        s.inProgressTimeout(), s.maxTraces(), s.maxDocuments(), s.maxBytes(), tuning));
  }

  /** How long delivered documents are kept as context, and their cap. */
  TestSettings context(Duration deliveredTtl, long maxContextBytes) {
    DaemonSettings.Tuning t = get.tuning();
    return tuning(new DaemonSettings.Tuning(t.quietPeriod(), t.tick(), deliveredTtl, maxContextBytes, t.maxQueuedDatagrams(),
        t.receiveBufferBytes(), t.stopTimeout()));
  }

  TestSettings queue(int maxQueuedDatagrams) {
    DaemonSettings.Tuning t = get.tuning();
    return tuning(new DaemonSettings.Tuning(t.quietPeriod(), t.tick(), t.deliveredTtl(), t.maxContextBytes(), maxQueuedDatagrams,
        t.receiveBufferBytes(), t.stopTimeout()));
  }

  TestSettings stopTimeout(Duration stopTimeout) {
    DaemonSettings.Tuning t = get.tuning();
    return tuning(new DaemonSettings.Tuning(t.quietPeriod(), t.tick(), t.deliveredTtl(), t.maxContextBytes(),
        t.maxQueuedDatagrams(), t.receiveBufferBytes(), stopTimeout));
  }
}
