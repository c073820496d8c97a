package org.xraybridge.source.daemon;

/**
 * What assembly holds at one moment: an immutable snapshot the assembler thread publishes after
 * every change, read by status and gauges from any thread.
 *
 * @param tracesBuffered traces assembling or holding in-progress documents, plus chunks waiting for
 *     the merge stage
 * @param documentsBuffered documents assembling, held in progress, or in waiting chunks
 * @param bytesBuffered their bytes
 * @param chunksAwaitingSink converted chunks the merge stage refused so far (offered again every tick)
 * @param inProgressHeld in-progress documents held until their complete version or timeout
 * @param contextTraces traces whose delivered documents are kept as context for late pieces
 * @param contextBytes their bytes
 */
public record DaemonLevels(
    long tracesBuffered,
    long documentsBuffered,
    long bytesBuffered,
    long chunksAwaitingSink,
    long inProgressHeld,
    long contextTraces,
    long contextBytes) {

  public static final DaemonLevels EMPTY = new DaemonLevels(0, 0, 0, 0, 0, 0, 0);
}
