package org.xraybridge.source.xray;

import java.util.Locale;

/** The way a source reads its account (docs/xray-source.md "Transaction Search"). */
public enum SourcePath {
  /** GetTraceSummaries + BatchGetTraces: segments X-Ray keeps. */
  XRAY,
  /** FilterLogEvents on {@code aws/spans}: every span, where Transaction Search writes them. */
  LOGS,
  /** GetTraceSummaries + StartTraceRetrieval + ListRetrievedTraces: the traces Transaction Search indexes. */
  RETRIEVAL;

  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The path a tag names. */
  static SourcePath of(String tag) {
    for (SourcePath p : values()) if (p.tag().equals(tag)) return p;
    throw new IllegalArgumentException("path is '" + tag + "', expected xray, logs or retrieval");
  }
}
