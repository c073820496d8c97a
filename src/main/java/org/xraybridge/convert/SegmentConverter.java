package org.xraybridge.convert;

import java.time.Clock;
import java.util.List;
import java.util.Objects;
import org.xraybridge.convert.json.SegmentParser;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.TimeCodec;
import org.xraybridge.model.TraceConverter;
import org.xraybridge.model.XRayDocuments;

/**
 * The documents of one X-Ray trace → Datadog spans, by the rules of docs/conversion.md.
 *
 * <p>Never throws on bad data: a bad document is rejected with a counted reason and the rest of the
 * trace converts; a bad nested subsegment is dropped with its subtree; small problems are repaired.
 * Every rejection and repair is reported to the {@link Ledger}, the stage's only account.
 * Thread-safe: each call works on its own {@link ConversionRun}.
 */
public final class SegmentConverter implements TraceConverter {

  final SegmentParser parser = new SegmentParser();
  final SpanMapper mapper = new SpanMapper();
  final Services services;
  final TraceEnv env;
  final boolean keepInferred;
  final long inProgressTimeoutNanos;
  private final Ledger ledger;
  private final Clock clock;

  public SegmentConverter(ConvertOptions options, Ledger ledger, Clock clock) {
    Objects.requireNonNull(options, "options == null");
    this.ledger = Objects.requireNonNull(ledger, "ledger == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
    this.services = new Services(options.serviceMapping());
    this.env = new TraceEnv(options.envAnnotation(), options.envRules(), options.defaultEnv());
    this.keepInferred = options.keepInferred();
    this.inProgressTimeoutNanos = options.inProgressTimeout().toNanos();
  }

  @Override
  public ConvertedTrace convert(XRayDocuments documents) {
    return convertDetailed(documents).trace();
  }

  /** Converts and returns the reasons behind every rejection and repair as well. */
  public Conversion convertDetailed(XRayDocuments documents) {
    Conversion result = new ConversionRun(this, documents, TimeCodec.epochNanos(clock)).convert();
    List<Rejection> rejections = result.rejections();
    for (int i = 0; i < rejections.size(); i++) ledger.documentRejected(documents.half(), rejections.get(i).reason());
    List<String> repairs = result.repairs();
    for (int i = 0; i < repairs.size(); i++) ledger.repaired(repairs.get(i));
    return result;
  }
}
