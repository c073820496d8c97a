package org.xraybridge.convert;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Keys joined from two parts ({@code aws.} + a document's key, {@code ec2} + {@code .} +
 * {@code instance_id}), built once per distinct pair and shared across documents. The parts repeat
 * endlessly in real traffic; handing out the same String each time also means its hash, which every
 * later tag-key lookup needs, is computed once. Bounded: a flood of distinct keys only costs
 * recomputation. Thread-safe.
 */
public final class JoinedKeys {

  private static final int LIMIT = 4096;
  private static final ConcurrentHashMap<String, ConcurrentHashMap<String, String>> BY_HEAD = new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<String, ConcurrentHashMap<String, String>> DOTTED = new ConcurrentHashMap<>();

  private JoinedKeys() {}

  /** {@code prefix + key}. */
  public static String join(String prefix, String key) {
    ConcurrentHashMap<String, String> byKey = byHead(BY_HEAD, prefix);
    String joined = byKey.get(key);
    if (joined != null) return joined;
    joined = prefix + key;
    remember(byKey, key, joined);
    return joined;
  }

  /** {@code object + "." + member}. */
  public static String dotted(String object, String member) {
    ConcurrentHashMap<String, String> byMember = byHead(DOTTED, object);
    String joined = byMember.get(member);
    if (joined != null) return joined;
    joined = object + "." + member;
    remember(byMember, member, joined);
    return joined;
  }

  private static ConcurrentHashMap<String, String> byHead(ConcurrentHashMap<String, ConcurrentHashMap<String, String>> heads, String head) {
    ConcurrentHashMap<String, String> m = heads.get(head);
    if (m != null) return m;
    if (heads.size() >= LIMIT) heads.clear();
    return heads.computeIfAbsent(head, h -> new ConcurrentHashMap<>());
  }

  private static void remember(ConcurrentHashMap<String, String> m, String key, String joined) {
    if (m.size() >= LIMIT) m.clear();
    m.put(key, joined);
  }
}
