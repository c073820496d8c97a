package org.xraybridge.source.xray;

import org.xraybridge.source.poll.PollCursor;

/**
 * What one tick read of a window: all of it (the cursor moves to its end), or — the logs path, past
 * its page bound — a first part, read on by the next tick (the cursor stays).
 *
 * @param window the window read (for the logs path, possibly the one a previous tick left unfinished)
 */
record Reached(PollCursor.Window window, boolean complete) {}
