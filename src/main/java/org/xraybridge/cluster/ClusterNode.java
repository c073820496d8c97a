package org.xraybridge.cluster;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.BatchSink;
import org.xraybridge.model.ChunkDecoder;
import org.xraybridge.model.ChunkEncoder;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.MergeJournal;
import org.xraybridge.model.MergeRestore;
import org.xraybridge.model.NativeSink;
import org.xraybridge.model.SharedValues;
import org.xraybridge.model.SourceOwner;
import org.xraybridge.model.XRaySink;

/**
 * One replica of a kafka-mode bridge (docs/cluster.md): the producer every half enters through, and
 * the group member that runs this replica's merge and forward stages for the partitions it owns. The
 * wiring ({@code config}) builds it first, takes from it what the other stages plug into —
 * {@link #natives()} and {@link #xrays()} for the receiver and the sources, {@link #batchSink},
 * {@link #journal()} and {@link #mergeLedger} for the merge stage — then hands it the merge stage with
 * {@link #consumeInto}.
 *
 * <p>Lifecycle: {@link #start()} checks (and creates) the topics, then joins the group; {@link
 * #startSources()} with the other inputs joins the sources group when this replica may poll ({@link
 * #electSources}), {@link #stopSources()} hands its sources over before the sources stop; {@link
 * #stopProducing()} after the inputs stopped; {@link #stopConsuming()} before the merge and forward
 * stages stop, so what was read is delivered and committed first.
 */
public final class ClusterNode {

  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);

  private final ClusterSettings settings;
  private final Ledger ledger;
  private final ClusterMetrics metrics;
  private final Clock clock;
  private final SpanRecords records;
  private final ClusterProducer producer;
  private final KafkaProducer<byte[], byte[]> journalProducer;
  private final IndexChangelog journal;
  private RoundSink roundSink;
  private volatile int partitions;
  private ConsumerLoop loop;
  private Rebuild rebuild;
  private CheckpointTopic checkpoints;
  private volatile SourceElection election; // status() reads it without the lock

  public ClusterNode(ClusterSettings settings, ChunkEncoder encoder, ChunkDecoder decoder, Ledger ledger, ClusterMetrics metrics,
      Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings == null");
    this.ledger = Objects.requireNonNull(ledger, "ledger == null");
    this.metrics = Objects.requireNonNull(metrics, "metrics == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
    this.records = new SpanRecords(settings.spansTopic(), settings.replicaId(), settings.maxRecordBytes(), encoder, decoder);
    this.producer = new ClusterProducer(new KafkaProducer<>(KafkaClients.spansProducer(settings, settings.replicaId() + "-spans")),
        records, ledger, metrics, clock, settings.produceTimeout().toMillis());
    this.journalProducer = new KafkaProducer<>(KafkaClients.journalProducer(settings, settings.replicaId() + "-index"));
    this.journal = new IndexChangelog(journalProducer, settings.indexTopic(), settings.replicaId());
    this.partitions = settings.partitions();
  }

  /** Where the receiver hands tracers' chunks: the spans topic. */
  public NativeSink natives() {
    return producer;
  }

  /** Where the sources hand X-Ray halves: the spans topic, re-keyed first. */
  public XRaySink xrays() {
    return producer;
  }

  /** The forward stage as this replica's merge stage must see it: batches carry their round as receipt. */
  public synchronized BatchSink batchSink(BatchSink forward) {
    if (roundSink == null) roundSink = new RoundSink(forward);
    return roundSink;
  }

  /** Where this replica's merge stage writes its state changes: the index changelog. */
  public MergeJournal journal() {
    return journal;
  }

  /**
   * The polled sources' checkpoints: the compacted topic {@code <prefix>-checkpoints}, so a source
   * resumes from its checkpoint on whichever replica polls it next.
   */
  public synchronized SharedValues checkpoints() {
    if (checkpoints == null) checkpoints = new CheckpointTopic(settings, Duration.ofSeconds(10));
    return checkpoints;
  }

  /**
   * Makes this replica a candidate poller of {@code sources}: from {@link #startSources()} on, Kafka's
   * group membership tells {@code owner} which of them it polls (docs/cluster.md "Sources").
   */
  public synchronized void electSources(java.util.Collection<String> sources, SourceOwner owner) {
    if (election != null) throw new IllegalStateException("electSources(…) once");
    election = new SourceElection(settings, sources, owner);
  }

  /** Joins the sources group (after {@link #start()}); nothing when this replica does not poll. */
  public synchronized void startSources() {
    if (election != null) election.start();
  }

  /** Leaves the sources group: the sources polled here are stopped and checkpointed, then move. */
  public void stopSources() {
    SourceElection e;
    synchronized (this) {
      e = election;
    }
    if (e != null) e.stop();
  }

  private java.util.List<String> sourcesOwned() {
    SourceElection e = election;
    return e == null ? java.util.List.of() : e.owned();
  }

  private String sourcesError() {
    SourceElection e = election;
    return e == null ? "" : e.lastError();
  }

  /** The ledger this replica's merge stage counts in: what it takes in was consumed, not received. */
  public Ledger mergeLedger() {
    return new ConsumedLedger(ledger);
  }

  /**
   * The merge stage the consumer feeds ({@code natives}, {@code xrays}, {@code restore} are its ports),
   * how to flush its batch, and how to cut the forward stage's open payloads before a partition is
   * given up.
   */
  public synchronized void consumeInto(NativeSink natives, XRaySink xrays, MergeRestore restore, Runnable flushMerge,
      Runnable flushForward) {
    if (roundSink == null) throw new IllegalStateException("batchSink(…) must be taken before consumeInto(…)");
    rebuild = new Rebuild(settings, restore, clock);
    loop = new ConsumerLoop(settings, new KafkaConsumer<>(KafkaClients.groupConsumer(settings)), records, natives, xrays,
        roundSink, flushMerge, flushForward, journal, rebuild, ledger, metrics, clock);
  }

  /**
   * Checks (or creates) the topics and joins the group.
   *
   * @throws IllegalStateException with one line naming the setting when the topics cannot serve
   */
  public synchronized void start() {
    if (loop == null) throw new IllegalStateException("consumeInto(…) must be called before start()");
    try (Admin admin = Admin.create(KafkaClients.admin(settings))) {
      partitions = TopicSetup.ensure(admin, settings);
      if (election != null) TopicSetup.ensureSources(admin, settings, election.sourceCount(), CheckpointTopic.MAX_BYTES);
      log.info("cluster: replica {} joins group {} on {} ({} partitions, session timeout {}, classic protocol)",
          settings.replicaId(), settings.groupId(), settings.spansTopic(), partitions, settings.sessionTimeout());
    }
    loop.start();
  }

  /** Sends what the inputs handed in last, then closes the spans producer (inputs stopped first). */
  public void stopProducing() {
    producer.close();
  }

  /** Delivers and commits what was read (bounded), leaves the group, closes the changelog producer. */
  public void stopConsuming() {
    if (loop != null) loop.stop();
    if (rebuild != null) rebuild.close();
    journalProducer.close(Duration.ofSeconds(5));
    CheckpointTopic c;
    synchronized (this) {
      c = checkpoints;
    }
    if (c != null) c.close();
  }

  /** Spans waiting for Kafka's acknowledgement: part of the replica's in flight. */
  public long inFlightSpans() {
    return producer.inFlightSpans();
  }

  public ClusterStatus status() {
    ConsumerLoop l = loop;
    if (l == null) {
      return new ClusterStatus("kafka", settings.replicaId(), settings.groupId(), settings.spansTopic(), false, java.util.List.of(),
          java.util.List.of(), 0, 0, false, producer.failedRecords(), producer.inFlightSpans(), 0, 0, 0, 0, 0,
          java.time.Instant.EPOCH, "", java.util.List.of()).withSources(sourcesOwned(), sourcesError());
    }
    return l.status("kafka", producer.failedRecords(), producer.inFlightSpans()).withSources(sourcesOwned(), sourcesError());
  }

  /**
   * Where the halves of the trace with key {@code traceKey} meet: its spans-topic partition (as Kafka's
   * default partitioner places the record key), for an operator looking for the replica that owns it.
   */
  public String whereIs(long traceKey) {
    int p = org.apache.kafka.common.utils.Utils.toPositive(
        org.apache.kafka.common.utils.Utils.murmur2(SpanRecords.key(new org.xraybridge.model.TraceKey(traceKey)))) % partitions;
    return "in kafka mode its halves meet in partition " + p + " of " + settings.spansTopic() + ", handled by the replica whose"
        + " cluster health component lists it (this is " + settings.replicaId() + ")";
  }

  public ClusterSettings settings() {
    return settings;
  }
}
