package org.xraybridge.source.daemon;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.xraybridge.model.Ledger.DocumentReason;

/**
 * One daemon datagram → one {@link DaemonDocument}, or the reason it was rejected.
 *
 * <p>The protocol (docs/xray-source.md "The daemon input"): a header line, {@code \n}, one
 * segment or independent subsegment document. The header is valid iff it is a JSON object whose
 * {@code format} equals "json" ignoring case and whose {@code version} is the integer 1 (keys match
 * ignoring case, as Go's {@code encoding/json} does; any spacing). The whole datagram is at most
 * 64 KiB.
 *
 * <p>The document is only <em>scanned</em>: its top-level members are walked without building
 * anything, to read {@code trace_id}, {@code id}, {@code type} and {@code in_progress}, and to check
 * that it is one balanced JSON object. Nested subsegments' members are skipped, so their ids never
 * confuse the grouping. Values are not validated; the converter parses and judges the document.
 *
 * <p>Stateless and thread-safe; called on the network thread, allocates the document text and little
 * else.
 */
final class DatagramDecoder {

  /** Ids longer than this cannot be X-Ray ids (35 chars for a trace id); refusing them bounds the grouping keys. */
  static final int MAX_ID_CHARS = 64;

  private static final byte[] TRACE_ID = ascii("trace_id");
  private static final byte[] ID = ascii("id");
  private static final byte[] TYPE = ascii("type");
  private static final byte[] IN_PROGRESS = ascii("in_progress");
  private static final byte[] FORMAT = ascii("format");
  private static final byte[] VERSION = ascii("version");

  /** The outcome of {@link #decode}. */
  sealed interface Result permits Decoded, Rejected {}

  /** A valid datagram. */
  record Decoded(DaemonDocument document) implements Result {}

  /**
   * A rejected datagram.
   *
   * @param documentReason the ledger's reason when the datagram evidently carried a document that is
   *     now lost ({@code oversize}, {@code undecodable}); {@code null} when it did not get that far
   * @param message what was wrong, for DEBUG logs and tests
   */
  record Rejected(DatagramOutcome outcome, DocumentReason documentReason, String message) implements Result {}

  Result decode(byte[] b, int length) {
    if (length > DaemonSettings.MAX_DATAGRAM_BYTES) {
      return new Rejected(DatagramOutcome.OVERSIZE, DocumentReason.OVERSIZED,
          "Oversized datagram: more than " + DaemonSettings.MAX_DATAGRAM_BYTES + " bytes (read " + length + ")");
    }
    int nl = indexOf(b, (byte) '\n', 0, length);
    if (nl < 0) {
      return new Rejected(DatagramOutcome.MALFORMED_HEADER, null, "Malformed header: no newline after the header line");
    }
    HeaderVisitor header = new HeaderVisitor();
    if (!JsonScan.object(b, 0, nl, header)) {
      return new Rejected(DatagramOutcome.MALFORMED_HEADER, null,
          "Malformed header: not a JSON object: '" + preview(b, 0, nl) + "'");
    }
    if (!header.valid()) {
      return new Rejected(DatagramOutcome.UNKNOWN_FORMAT, null,
          "Unknown format: expected {\"format\":\"json\",\"version\":1}, got '" + preview(b, 0, nl) + "'");
    }
    int from = nl + 1;
    if (JsonScan.skipWhitespace(b, from, length) == length) {
      return new Rejected(DatagramOutcome.MISSING_BODY, null, "Missing body: nothing after the header line");
    }
    DocumentVisitor doc = new DocumentVisitor();
    if (!JsonScan.object(b, from, length, doc)) {
      return new Rejected(DatagramOutcome.UNDECODABLE, DocumentReason.MALFORMED_JSON,
          "Malformed document: not one JSON object: '" + preview(b, from, length) + "'");
    }
    if (doc.traceIdStart < 0 || doc.idStart < 0) {
      return new Rejected(DatagramOutcome.UNDECODABLE, DocumentReason.MISSING_FIELD,
          "Malformed document: " + (doc.traceIdStart < 0 ? "trace_id" : "id") + " is missing");
    }
    String traceId = doc.string(b, doc.traceIdStart, doc.traceIdEnd);
    String id = doc.string(b, doc.idStart, doc.idEnd);
    if (traceId == null || id == null) {
      return new Rejected(DatagramOutcome.UNDECODABLE, DocumentReason.MALFORMED_ID,
          "Malformed document: " + (traceId == null ? "trace_id" : "id") + " is not a string of 1.."
              + MAX_ID_CHARS + " characters without escapes");
    }
    String json = text(b, from, length);
    if (json == null) {
      return new Rejected(DatagramOutcome.UNDECODABLE, DocumentReason.MALFORMED_JSON, "Malformed document: not UTF-8");
    }
    return new Decoded(new DaemonDocument(traceId, id, doc.subsegment, doc.inProgress, json, length - from));
  }

  /** The document text; {@code null} when the bytes are not UTF-8. */
  private static String text(byte[] b, int from, int to) {
    boolean ascii = true;
    for (int i = from; i < to; i++) {
      if (b[i] < 0) {
        ascii = false;
        break;
      }
    }
    // the SDKs write ASCII (they escape non-ASCII): Latin-1 decoding of ASCII is a plain copy
    if (ascii) return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b, from, to - from))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static int indexOf(byte[] b, byte c, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == c) return i;
    }
    return -1;
  }

  /** Up to 64 printable characters, for messages. */
  static String preview(byte[] b, int from, int to) {
    int n = Math.min(to - from, 64);
    StringBuilder s = new StringBuilder(n + 1);
    for (int i = from; i < from + n; i++) {
      int c = b[i] & 0xff;
      s.append(c >= 0x20 && c < 0x7f ? (char) c : '?');
    }
    if (to - from > n) s.append('…');
    return s.toString();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The header's {@code format} and {@code version}; the last occurrence of a key wins, as in Go. */
  private static final class HeaderVisitor implements JsonScan.Members {
    boolean formatJson;
    boolean versionOne;

    @Override
    public void member(byte[] b, int keyStart, int keyEnd, int valueStart, int valueEnd) {
      if (JsonScan.keyEqualsIgnoreCase(b, keyStart, keyEnd, FORMAT)) {
        formatJson = valueEnd - valueStart == 6 && b[valueStart] == '"'
            && (b[valueStart + 1] | 0x20) == 'j' && (b[valueStart + 2] | 0x20) == 's'
            && (b[valueStart + 3] | 0x20) == 'o' && (b[valueStart + 4] | 0x20) == 'n';
      } else if (JsonScan.keyEqualsIgnoreCase(b, keyStart, keyEnd, VERSION)) {
        versionOne = valueEnd - valueStart == 1 && b[valueStart] == '1';
      }
    }

    boolean valid() {
      return formatJson && versionOne;
    }
  }

  /** Where the four grouping members are; the last occurrence of a key wins. */
  private static final class DocumentVisitor implements JsonScan.Members {
    int traceIdStart = -1;
    int traceIdEnd;
    int idStart = -1;
    int idEnd;
    boolean subsegment;
    boolean inProgress;

    @Override
    public void member(byte[] b, int keyStart, int keyEnd, int valueStart, int valueEnd) {
      int n = keyEnd - keyStart;
      if (n == 2 && JsonScan.keyEquals(b, keyStart, keyEnd, ID)) {
        idStart = valueStart;
        idEnd = valueEnd;
      } else if (n == 8 && JsonScan.keyEquals(b, keyStart, keyEnd, TRACE_ID)) {
        traceIdStart = valueStart;
        traceIdEnd = valueEnd;
      } else if (n == 4 && JsonScan.keyEquals(b, keyStart, keyEnd, TYPE)) {
        subsegment = JsonScan.stringEquals(b, valueStart, valueEnd, "subsegment");
      } else if (n == 11 && JsonScan.keyEquals(b, keyStart, keyEnd, IN_PROGRESS)) {
        // as the converter reads it (true, or the string "true" in any case): the two must agree on
        // which copy of a document is complete, or the complete one is dropped as a duplicate
        inProgress = JsonScan.literalEquals(b, valueStart, valueEnd, "true")
            || JsonScan.stringEqualsIgnoreCase(b, valueStart, valueEnd, "true");
      }
    }

    /**
     * The raw text of a string value of 1..64 chars without escapes; {@code null} for anything else.
     * Ids are hex and dashes: one written with an escape ({@code \u0035eea…}) would group here under
     * its raw text while the converter reports it unescaped, and its spans would be lost uncounted.
     */
    String string(byte[] b, int valueStart, int valueEnd) {
      int len = valueEnd - valueStart - 2;
      if (b[valueStart] != '"' || len < 1 || len > MAX_ID_CHARS) return null;
      for (int i = valueStart + 1; i < valueEnd - 1; i++) if (b[i] == '\\') return null;
      return new String(b, valueStart + 1, len, StandardCharsets.ISO_8859_1);
    }
  }
}
