package org.xraybridge.convert.json;

import org.xraybridge.model.Ledger.DocumentReason;
import org.xraybridge.model.Utf8;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;

/**
 * The strict frame both parsers share (docs/conversion.md §0 and §8): a text of at most a bound of
 * UTF-8 bytes ({@code oversized}) holding exactly one JSON object, nested no deeper than the factory
 * allows ({@code malformed_json} otherwise). What is inside the object is the caller's to read.
 */
final class OneObject {

  /** Reads the object's members: called at its START_OBJECT, returns after its END_OBJECT. */
  interface Body<T> {
    T read(JsonParser p) throws DocumentParseException;
  }

  private final JsonFactory factory;
  private final String what;

  /**
   * @param maxNestingDepth deeper JSON is malformed
   * @param maxDocumentChars Jackson's own bound, a backstop far above any byte bound given to {@link #read}
   * @param what the document's name in messages ({@code segment document}, {@code span record})
   */
  OneObject(int maxNestingDepth, long maxDocumentChars, String what) {
    this.factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(maxNestingDepth)
                    .maxNumberLength(100)
                    .maxDocumentLength(maxDocumentChars)
                    .build())
            .build();
    this.what = what;
  }

  /**
   * Reads the chars themselves: encoding them to UTF-8 first would copy every document once more for
   * nothing. An unpaired surrogate (not valid Unicode) stays as it is; the wire encoders write it as {@code '?'}.
   */
  <T> T read(String text, int maxBytes, Body<T> body) throws DocumentParseException {
    // a char is 1 to 3 UTF-8 bytes: count them only when the text could be over the bound
    if (text.length() * 3L > maxBytes) {
      int bytes = Utf8.length(text);
      if (bytes > maxBytes) {
        throw new DocumentParseException(
            DocumentReason.OVERSIZED, "Oversized " + what + ": " + bytes + " bytes, the limit is " + maxBytes);
      }
    }
    try (JsonParser p = factory.createParser(ObjectReadContext.empty(), text)) {
      JsonToken first = p.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw new DocumentParseException(
            DocumentReason.MALFORMED_JSON,
            first == null ? "Malformed JSON: empty " + what : "Malformed " + what + ": top level is " + first + ", not an object");
      }
      T out = body.read(p);
      if (p.nextToken() != null) {
        throw new DocumentParseException(DocumentReason.MALFORMED_JSON, "Malformed JSON: trailing content after the " + what);
      }
      return out;
    } catch (JacksonException e) {
      String m = e.getOriginalMessage();
      int nl = m == null ? -1 : m.indexOf('\n');
      throw new DocumentParseException(
          DocumentReason.MALFORMED_JSON, "Malformed JSON: " + (m == null ? "unreadable" : nl < 0 ? m : m.substring(0, nl)));
    }
  }
}
