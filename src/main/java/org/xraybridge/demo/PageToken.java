package org.xraybridge.demo;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.xraybridge.demo.Answer.BadRequest;
import org.xraybridge.demo.EmulatorStore.Summary;

/**
 * The opaque {@code NextToken} of GetTraceSummaries: the last row of a page, by (matched time, id), so
 * a page follows on correctly while newer traces arrive at the head of the newest-first list.
 */
final class PageToken {

  private PageToken() {}

  /** The token naming {@code last}, the last row of a page. */
  static String after(Summary last) {
    String raw = "v1|" + last.matchedAt() + "|" + last.trace().id();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** Index of the first summary after the one the token names (the list is newest first). */
  static int firstAfter(List<Summary> all, String token) {
    String decoded;
    try {
      decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new BadRequest("Invalid NextToken");
    }
    String[] parts = decoded.split("\\|");
    if (parts.length != 3 || !parts[0].equals("v1")) throw new BadRequest("Invalid NextToken");
    Instant at;
    try {
      at = Instant.parse(parts[1]);
    } catch (RuntimeException e) {
      throw new BadRequest("Invalid NextToken");
    }
    String id = parts[2];
    // Newest first by (time, id): the next page starts at the first row strictly older than the token's.
    for (int i = 0; i < all.size(); i++) {
      Summary s = all.get(i);
      int c = s.matchedAt().compareTo(at);
      if (c < 0 || (c == 0 && s.trace().id().compareTo(id) < 0)) return i;
    }
    return all.size();
  }
}
