package org.xraybridge.source.xray;

import org.xraybridge.model.Ledger;
import org.xraybridge.source.poll.CheckpointWriter;

/**
 * What every part of one source's poll shares: its settings, the state they change under its lock,
 * the checkpoint writer they call when a page is done, and where they count. Built once by
 * {@link XRayPoller}.
 */
record SourceContext(
    XRaySourceSettings settings,
    XRayPollState state,
    CheckpointWriter<XRayCheckpoint> checkpoints,
    Ledger ledger,
    XRaySourceMetrics metrics) {}
