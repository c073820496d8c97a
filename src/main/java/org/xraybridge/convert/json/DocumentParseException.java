package org.xraybridge.convert.json;

import org.xraybridge.model.Ledger.DocumentReason;

/** Why a document yields nothing at all; {@link #reason()} is what the ledger counts. */
public final class DocumentParseException extends Exception {

  private final DocumentReason reason;

  DocumentParseException(DocumentReason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public DocumentReason reason() {
    return reason;
  }
}
