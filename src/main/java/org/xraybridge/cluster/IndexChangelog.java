package org.xraybridge.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Half;
import org.xraybridge.model.MergeJournal;
import org.xraybridge.model.TraceKey;
import org.xraybridge.model.TraceState;

/**
 * The index changelog (docs/cluster.md, "Rebalance without forgetting"): a compacted topic with the
 * spans topic's partitions, where each replica writes down, in the partition of the record that caused
 * it, every change of its trace index (key {@code i}+trace key: the entry as it now is, so compaction
 * keeps the latest) and every X-Ray chunk it handed on (key {@code s}+trace key+first span id: its span
 * ids, and the offset of its record), plus one marker per partition and round (key {@code m}+partition:
 * the offset the replica has handed on through). A round's writes are acknowledged before its spans
 * go to the forward stage, so a replica that takes the partition over knows what it may be sending a
 * second time. Written on the consumer thread only.
 */
final class IndexChangelog implements MergeJournal {

  private static final Logger log = LoggerFactory.getLogger(IndexChangelog.class);
  static final byte VERSION = 1;
  static final byte INDEX = 'i';
  static final byte SENT = 's';
  static final byte MARKER = 'm';
  private static final Half[] HALVES = Half.values();

  private final Producer<byte[], byte[]> producer;
  private final String topic;
  private final String replicaId;
  private final LinkedHashMap<Long, ProducerRecord<byte[], byte[]>> entries = new LinkedHashMap<>();
  private final List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
  private int partition = -1;
  private long offset = -1;

  IndexChangelog(Producer<byte[], byte[]> producer, String topic, String replicaId) {
    this.producer = producer;
    this.topic = topic;
    this.replicaId = replicaId;
  }

  /** The record whose changes come next. */
  void at(TopicPartition tp, long recordOffset) {
    partition = tp.partition();
    offset = recordOffset;
  }

  @Override
  public void indexed(TraceKey key, TraceState s) {
    if (partition < 0) return;
    byte[] env = s.env().getBytes(StandardCharsets.UTF_8);
    ByteBuffer v = ByteBuffer.allocate(1 + 8 + 8 + 8 + 4 + 1 + 1 + 8 + env.length)
        .put(VERSION).putLong(offset).putLong(s.traceId()).putLong(s.traceIdHigh()).putInt(s.priority())
        .put((byte) s.decidedBy().ordinal()).put((byte) (s.nativeSeen() ? 1 : 0)).putLong(s.firstSeenSeconds()).put(env);
    byte[] k = ByteBuffer.allocate(9).put(INDEX).putLong(key.value()).array();
    // a trace written twice in a round: its last state is enough (the changelog is compacted by key);
    // a trace key always lives in one partition, so the key alone tells the entries apart
    entries.put(key.value(), new ProducerRecord<>(topic, partition, k, v.array()));
  }

  @Override
  public void sent(TraceKey key, long[] spanIds) {
    if (partition < 0 || spanIds.length == 0) return;
    ByteBuffer v = ByteBuffer.allocate(1 + 8 + 4 + 8 * spanIds.length).put(VERSION).putLong(offset).putInt(spanIds.length);
    for (long id : spanIds) v.putLong(id);
    byte[] k = ByteBuffer.allocate(17).put(SENT).putLong(key.value()).putLong(spanIds[0]).array();
    sent.add(new ProducerRecord<>(topic, partition, k, v.array()));
  }

  /**
   * Writes the round's changes and its markers, and returns once Kafka acknowledged all of them; a
   * failed write is tried again until it succeeds or {@code stopping} says so (false then).
   */
  boolean write(Round round, BooleanSupplier stopping) throws InterruptedException {
    List<ProducerRecord<byte[], byte[]>> all = new ArrayList<>(entries.size() + sent.size() + round.next.size());
    all.addAll(entries.values());
    all.addAll(sent);
    for (Map.Entry<TopicPartition, Long> e : round.next.entrySet()) {
      byte[] replica = replicaId.getBytes(StandardCharsets.UTF_8);
      byte[] k = ByteBuffer.allocate(5).put(MARKER).putInt(e.getKey().partition()).array();
      byte[] v = ByteBuffer.allocate(1 + 8 + replica.length).put(VERSION).putLong(e.getValue()).put(replica).array();
      all.add(new ProducerRecord<>(topic, e.getKey().partition(), k, v));
    }
    entries.clear();
    sent.clear();
    partition = -1;
    while (!all.isEmpty()) {
      List<Future<?>> futures = new ArrayList<>(all.size());
      for (ProducerRecord<byte[], byte[]> r : all) futures.add(send(r));
      List<ProducerRecord<byte[], byte[]>> failed = new ArrayList<>();
      Exception last = null;
      for (int i = 0; i < futures.size(); i++) {
        try {
          if (futures.get(i) != null) futures.get(i).get();
          else failed.add(all.get(i));
        } catch (ExecutionException e) {
          failed.add(all.get(i));
          last = e;
        }
      }
      if (failed.isEmpty()) return true;
      if (stopping.getAsBoolean()) return false;
      log.warn("cluster: {} index changelog records were not acknowledged ({}); writing them again", failed.size(),
          last == null ? "send refused" : last.getCause());
      Thread.sleep(1000);
      all = failed;
    }
    return true;
  }

  private Future<?> send(ProducerRecord<byte[], byte[]> r) {
    try {
      return producer.send(r);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** One changelog record read back. */
  sealed interface Entry permits Indexed, Sent, Marker, Unknown {}

  record Indexed(TraceKey key, TraceState state, long sourceOffset) implements Entry {}

  record Sent(TraceKey key, long[] spanIds, long sourceOffset) implements Entry {}

  record Marker(int partition, long handedThrough, String replica) implements Entry {}

  record Unknown() implements Entry {}

  static Entry read(byte[] key, byte[] value) {
    if (key == null || key.length == 0 || value == null || value.length == 0 || value[0] != VERSION) return new Unknown();
    try {
      ByteBuffer k = ByteBuffer.wrap(key);
      ByteBuffer v = ByteBuffer.wrap(value);
      byte kind = k.get();
      v.get();
      switch (kind) {
        case INDEX -> {
          long trace = k.getLong();
          long source = v.getLong();
          long traceId = v.getLong();
          long tid = v.getLong();
          int priority = v.getInt();
          Half half = HALVES[v.get()];
          boolean nativeSeen = v.get() == 1;
          long first = v.getLong();
          String env = new String(value, v.position(), v.remaining(), StandardCharsets.UTF_8);
          return new Indexed(new TraceKey(trace), new TraceState(traceId, tid, env, priority, half, nativeSeen, first), source);
        }
        case SENT -> {
          long trace = k.getLong();
          long source = v.getLong();
          long[] ids = new long[v.getInt()];
          for (int i = 0; i < ids.length; i++) ids[i] = v.getLong();
          return new Sent(new TraceKey(trace), ids, source);
        }
        case MARKER -> {
          int p = k.getInt();
          long through = v.getLong();
          return new Marker(p, through, new String(value, v.position(), v.remaining(), StandardCharsets.UTF_8));
        }
        default -> {
          return new Unknown();
        }
      }
    } catch (RuntimeException e) {
      return new Unknown();
    }
  }
}
