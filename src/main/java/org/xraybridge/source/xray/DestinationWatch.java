package org.xraybridge.source.xray;

import java.time.Duration;
import java.time.Instant;
import org.xraybridge.source.xray.XRaySourceSettings.Search.Mode;

/**
 * Where a source's account sends its segments (GetTraceSegmentDestination, asked at the first tick
 * and every {@code destinationRecheck} after), and so which path the source reads by: with
 * {@code transaction-search=auto}, {@code CloudWatchLogs} means the logs path and {@code XRay} the
 * X-Ray path, once ACTIVE; while PENDING, or when the call failed, the path stays what it was.
 * {@code logs}, {@code retrieval} and {@code off} fix the path. Also what the source should warn
 * about, and its switches. Thread-safe. docs/xray-source.md "Transaction Search".
 */
final class DestinationWatch {

  static final String CLOUDWATCH_LOGS = "CloudWatchLogs";
  static final String XRAY = "XRay";
  static final String ACTIVE = "ACTIVE";
  static final String PENDING = "PENDING";

  /** What the watch knows, for the status. */
  record View(String destination, String status, Instant checkedAt, int switches, Instant lastSwitchAt, String lastSwitch) {}

  private final Mode mode;
  private final boolean logsAvailable;
  private final Duration recheck;
  private volatile View view = new View("unknown", "", Instant.EPOCH, 0, Instant.EPOCH, "");

  /** @param logsAvailable whether the source has a CloudWatch Logs client (the logs path) */
  DestinationWatch(Mode mode, boolean logsAvailable, Duration recheck) {
    this.mode = mode;
    this.logsAvailable = logsAvailable;
    this.recheck = recheck;
  }

  /** Whether a tick at {@code now} should ask again. */
  boolean due(Instant now) {
    View v = view;
    return v.checkedAt().equals(Instant.EPOCH) || !v.checkedAt().plus(recheck).isAfter(now);
  }

  synchronized void checked(Instant now, String destination, String status) {
    View v = view;
    view = new View(destination == null ? "unknown" : destination, status == null ? "" : status, now, v.switches(),
        v.lastSwitchAt(), v.lastSwitch());
  }

  /** The call failed: what was known stays, asked again at the next recheck. */
  synchronized void failed(Instant now) {
    View v = view;
    view = new View(v.destination(), v.status(), now, v.switches(), v.lastSwitchAt(), v.lastSwitch());
  }

  /** The path to read by, given the one read by now. */
  SourcePath decide(SourcePath current) {
    switch (mode) {
      case LOGS:
        return logsAvailable ? SourcePath.LOGS : current;
      case RETRIEVAL:
        return SourcePath.RETRIEVAL;
      case OFF:
        return SourcePath.XRAY;
      default:
        View v = view;
        if (!ACTIVE.equals(v.status())) return current; // PENDING, or not known: keep reading as before
        if (CLOUDWATCH_LOGS.equals(v.destination())) return logsAvailable ? SourcePath.LOGS : SourcePath.XRAY;
        if (XRAY.equals(v.destination())) return SourcePath.XRAY;
        return current;
    }
  }

  synchronized void switched(Instant now, SourcePath from, SourcePath to) {
    View v = view;
    String why = v.destination().equals("unknown") ? "transaction-search " + mode.name().toLowerCase(java.util.Locale.ROOT)
        : "destination " + v.destination() + " " + v.status();
    view = new View(v.destination(), v.status(), v.checkedAt(), v.switches() + 1, now, from.tag() + " → " + to.tag() + " (" + why + ")");
  }

  View view() {
    return view;
  }

  /** What an operator must know about the destination and the path, or {@code ""}. */
  String warning(SourcePath path) {
    View v = view;
    boolean toLogs = CLOUDWATCH_LOGS.equals(v.destination());
    if (toLogs && path == SourcePath.XRAY && ACTIVE.equals(v.status())) {
      return "The account's trace segment destination is CloudWatch Logs (Transaction Search, status " + v.status()
          + "): BatchGetTraces returns nothing for such traces, so this source delivers nothing"
          + (mode == Mode.OFF ? " (bridge.xray.transaction-search is off)" : "")
          + ". Read the spans from CloudWatch Logs (bridge.xray.transaction-search auto or logs) or switch the destination back to X-Ray.";
    }
    if (XRAY.equals(v.destination()) && ACTIVE.equals(v.status()) && path != SourcePath.XRAY) {
      return "The account's trace segment destination is X-Ray, but bridge.xray.transaction-search makes this source read by the "
          + path.tag() + " path, where new traces do not arrive.";
    }
    return "";
  }
}
