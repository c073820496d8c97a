package org.xraybridge.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.xraybridge.source.daemon.DaemonSettings;
import org.xraybridge.source.daemon.RelayAddress;

/**
 * {@code bridge.daemon.*}: the X-Ray daemon UDP input (docs/xray-source.md "The daemon input" gives the
 * defaults' reasons).
 *
 * @param relayTo {@code host:port} of a real X-Ray daemon that also gets every datagram; {@code ""} off
 * @param assemblyWindow a trace's documents wait at most this long to leave together
 * @param orphanWindow subsegments whose segment has not arrived wait this long for it
 */
@ConfigurationProperties("bridge.daemon")
public record DaemonProperties(
    @DefaultValue("false") boolean enabled,
    @DefaultValue("127.0.0.1") String host,
    @DefaultValue("2000") int port,
    @DefaultValue("") String relayTo,
    @DefaultValue("5s") Duration assemblyWindow,
    @DefaultValue("30s") Duration orphanWindow,
    @DefaultValue("10000") int maxTraces,
    @DefaultValue("64MB") DataSize maxBytes) {

  public DaemonProperties {
    ConfigurationException.require(!host.isBlank(), "bridge.daemon.host must be an address to bind, e.g. 127.0.0.1 or 0.0.0.0");
    ConfigurationException.require(port >= 0 && port <= 65535, "bridge.daemon.port must be 0..65535 (2000 is the X-Ray daemon's), got " + port);
    if (!relayTo.isBlank()) {
      try {
        RelayAddress.parse(relayTo);
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException("bridge.daemon.relay-to must be host:port of an X-Ray daemon, e.g. 127.0.0.1:2001: "
            + e.getMessage());
      }
    }
    Duration quiet = DaemonSettings.Tuning.DEFAULTS.quietPeriod();
    ConfigurationException.require(assemblyWindow.compareTo(quiet) >= 0,
        "bridge.daemon.assembly-window must be at least " + quiet + " (the quiet period a trace waits for more pieces)"
            + " such as 5s, got " + assemblyWindow);
    ConfigurationException.require(orphanWindow.compareTo(assemblyWindow) >= 0,
        "bridge.daemon.orphan-window must be at least bridge.daemon.assembly-window, got " + orphanWindow);
    // the document bound is ten a trace: past this it would overflow an int (and no heap holds that many)
    ConfigurationException.require(maxTraces >= 10 && maxTraces <= 10_000_000,
        "bridge.daemon.max-traces must be from 10 to 10000000, got " + maxTraces);
    ConfigurationException.require(maxBytes.toBytes() >= DataSize.ofMegabytes(1).toBytes(),
        "bridge.daemon.max-bytes must be at least 1MB, got " + maxBytes);
  }
}
