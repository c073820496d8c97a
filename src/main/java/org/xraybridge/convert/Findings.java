package org.xraybridge.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.xraybridge.model.Ledger.DocumentReason;

/**
 * What one conversion finds besides spans: rejections, repairs, and which documents were emitted,
 * held or rejected. Confined to one run; the converter reports it to the ledger at the end.
 */
final class Findings {

  private final List<Rejection> rejections = new ArrayList<>();
  private final List<String> repairs = new ArrayList<>();
  private final List<String> emitted = new ArrayList<>(4);
  private final List<String> held = new ArrayList<>(0);
  private final List<String> rejected = new ArrayList<>(0);

  /** A whole document yields nothing: counted, and the source never fetches it again. */
  void rejectDocument(String id, DocumentReason reason, String message) {
    rejections.add(new Rejection(id, reason, message));
    rejected.add(id);
  }

  /** A nested subsegment and everything under it yield nothing; the rest of its document converts. */
  void dropSubtree(String id, DocumentReason reason, String message) {
    rejections.add(new Rejection(id, reason, message));
  }

  void repaired(String what) {
    repairs.add(what);
  }

  void repaired(List<String> what) {
    if (!what.isEmpty()) repairs.addAll(what);
  }

  void emitted(String id) {
    emitted.add(id);
  }

  void held(String id) {
    held.add(id);
  }

  /** Context documents were judged when they were new: do not count them twice. */
  void forgetDelivered(Set<String> delivered) {
    if (delivered.isEmpty()) return;
    rejections.removeIf(r -> delivered.contains(r.segmentId()));
    rejected.removeIf(delivered::contains);
  }

  List<Rejection> rejections() {
    return rejections;
  }

  List<String> repairs() {
    return repairs;
  }

  Set<String> emittedIds() {
    return idSet(emitted);
  }

  Set<String> heldIds() {
    return idSet(held);
  }

  Set<String> rejectedIds() {
    return idSet(rejected);
  }

  /** Set.copyOf builds a hash set first; a trace usually names none or one id. */
  private static Set<String> idSet(List<String> ids) {
    return switch (ids.size()) {
      case 0 -> Set.of();
      case 1 -> Set.of(ids.get(0));
      default -> Set.copyOf(ids);
    };
  }
}
