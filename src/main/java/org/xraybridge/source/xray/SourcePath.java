package org.xraybridge.source.xray;

import org.xraybridge.model.MetricTag;

/** The way a source reads its account (docs/xray-source.md "Transaction Search"). */
public enum SourcePath implements MetricTag {
  /** GetTraceSummaries + BatchGetTraces: segments X-Ray keeps. */
  XRAY,
  /** FilterLogEvents on {@code aws/spans}: every span, where Transaction Search writes them. */
  LOGS,
  /** GetTraceSummaries + StartTraceRetrieval + ListRetrievedTraces: the traces Transaction Search indexes. */
  RETRIEVAL;

  /** The path a tag names. */
  static SourcePath of(String tag) {
    for (SourcePath p : values()) if (p.tag().equals(tag)) return p;
    throw new IllegalArgumentException("path is '" + tag + "', expected xray, logs or retrieval");
  }
}
