package org.xraybridge.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.xraybridge.convert.Conversion;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.convert.Rejection;
import org.xraybridge.convert.SegmentConverter;
import org.xraybridge.convert.json.ConvertInput;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Span;
import org.xraybridge.model.SpanLink;
import org.xraybridge.model.XRayDocuments;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * {@code java -jar xray-datadog-bridge.jar convert [FILE|-]}: a dry run of the conversion. Reads a
 * BatchGetTraces response or one segment document and prints the spans it becomes, one JSON object
 * per line with the Datadog v0.4 field names (ids as unsigned decimals, times in ns); rejected and
 * held documents go to stderr with their reasons.
 *
 * <p>Exit status: 0 every document converted, 1 some were rejected or held, 2 the input could not be
 * read as segments at all.
 */
public final class ConvertCommand {

  public static final int OK = 0;
  public static final int SOME_REJECTED = 1;
  public static final int UNREADABLE = 2;

  private static final JsonFactory JSON = JsonFactory.builder().rootValueSeparator((String) null).build();

  private final ConvertOptions options;
  private final Clock clock;

  public ConvertCommand(ConvertOptions options, Clock clock) {
    this.options = options;
    this.clock = clock;
  }

  /** Entry point for {@code main}: {@code args} are the words after {@code convert}. */
  public static int run(String[] args, InputStream stdin, PrintStream out, PrintStream err) {
    if (args.length > 1 || (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help")))) {
      err.println("usage: java -jar xray-datadog-bridge.jar convert [FILE|-]");
      err.println("  reads a BatchGetTraces response (aws xray batch-get-traces output) or one segment document");
      err.println("  and prints the Datadog spans it becomes, one JSON object per line");
      return UNREADABLE;
    }
    byte[] input;
    String source = args.length == 0 ? "-" : args[0];
    try {
      input = source.equals("-") ? stdin.readAllBytes() : Files.readAllBytes(Path.of(source));
    } catch (IOException e) {
      err.println("convert: cannot read " + source + ": " + e.getMessage());
      return UNREADABLE;
    }
    return new ConvertCommand(ConvertOptions.DEFAULTS, Clock.systemUTC()).convert(input, out, err);
  }

  public int convert(byte[] input, OutputStream out, PrintStream err) {
    ConvertInput.Result result = ConvertInput.read(input);
    if (result instanceof ConvertInput.Unreadable u) {
      err.println("convert: " + u.message());
      return UNREADABLE;
    }
    if (result instanceof ConvertInput.NotASegment n) {
      err.println("convert: " + n.message());
      return UNREADABLE;
    }
    List<XRayDocuments> traces = ((ConvertInput.Traces) result).traces();
    SegmentConverter converter = new SegmentConverter(options, Ledger.NONE, clock);
    int status = OK;
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
      for (XRayDocuments trace : traces) {
        Conversion c = converter.convertDetailed(trace);
        for (Span s : c.trace().spans()) {
          write(g, s);
          g.flush();
          out.write('\n');
        }
        for (Rejection r : c.rejections()) {
          err.println("rejected " + label(r.segmentId()) + " (" + r.reason().tag() + "): " + r.message());
          status = SOME_REJECTED;
        }
        for (String held : c.trace().heldSegmentIds()) {
          err.println("held " + label(held) + " (in_progress): still in progress; it converts once complete or timed out");
          status = SOME_REJECTED;
        }
        if (trace.limitExceeded()) {
          // not a rejection: every span X-Ray kept is printed, tagged so the cut shows in Datadog
          err.println("note: X-Ray cut trace " + trace.xrayTraceId() + " at its size limit (LimitExceeded); its "
              + c.trace().spans().size() + " spans are what X-Ray kept and carry aws.xray.limit_exceeded=true");
        }
      }
      g.flush();
      out.flush();
    } catch (IOException e) {
      err.println("convert: cannot write: " + e.getMessage());
      return UNREADABLE;
    }
    return status;
  }

  private static String label(String id) {
    return id.isEmpty() ? "document without id" : "segment " + id;
  }

  /** One span as a JSON object with the v0.4 field names. */
  public static void write(JsonGenerator g, Span s) {
    g.writeStartObject();
    g.writeStringProperty("service", s.service());
    g.writeStringProperty("name", s.name());
    g.writeStringProperty("resource", s.resource());
    g.writeName("trace_id");
    g.writeNumber(Long.toUnsignedString(s.traceId()));
    g.writeName("span_id");
    g.writeNumber(Long.toUnsignedString(s.spanId()));
    g.writeName("parent_id");
    g.writeNumber(Long.toUnsignedString(s.parentId()));
    g.writeNumberProperty("start", s.startNanos());
    g.writeNumberProperty("duration", s.durationNanos());
    g.writeNumberProperty("error", s.error());
    g.writeName("meta");
    g.writeStartObject();
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(s.meta()).entrySet()) g.writeStringProperty(e.getKey(), e.getValue());
    g.writeEndObject();
    g.writeName("metrics");
    g.writeStartObject();
    for (Map.Entry<String, Double> e : new java.util.TreeMap<>(s.metrics()).entrySet()) g.writeNumberProperty(e.getKey(), e.getValue());
    g.writeEndObject();
    g.writeStringProperty("type", s.type());
    if (!s.spanLinks().isEmpty()) {
      g.writeName("span_links");
      g.writeStartArray();
      for (SpanLink l : s.spanLinks()) {
        g.writeStartObject();
        g.writeName("trace_id");
        g.writeNumber(Long.toUnsignedString(l.traceId()));
        g.writeName("trace_id_high");
        g.writeNumber(Long.toUnsignedString(l.traceIdHigh()));
        g.writeName("span_id");
        g.writeNumber(Long.toUnsignedString(l.spanId()));
        g.writeName("attributes");
        g.writeStartObject();
        for (Map.Entry<String, String> e : l.attributes().entrySet()) g.writeStringProperty(e.getKey(), e.getValue());
        g.writeEndObject();
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }
}
