package org.xraybridge.convert.otel;

import java.util.List;
import org.xraybridge.convert.otel.SpanRecord.Attribute;

/**
 * OpenTelemetry's words as the Datadog Agent's OTLP ingestion reads them (docs/conversion.md §8):
 * span kinds, status codes, attribute look-up with the Agent's precedence, and the tag-value
 * normalisation the Agent applies to the parts of an operation name.
 */
final class Otlp {

  static final int UNSPECIFIED = 0;
  static final int INTERNAL = 1;
  static final int SERVER = 2;
  static final int CLIENT = 3;
  static final int PRODUCER = 4;
  static final int CONSUMER = 5;

  static final int STATUS_UNSET = 0;
  static final int STATUS_OK = 1;
  static final int STATUS_ERROR = 2;

  /** Meta {@code span.kind}: the Agent's {@code OTelSpanKindName}. */
  private static final String[] KIND_TAGS = {"unspecified", "internal", "server", "client", "producer", "consumer"};
  /** pdata's {@code SpanKind.String()}: the last rule of the operation name. */
  private static final String[] KIND_NAMES = {"Unspecified", "Internal", "Server", "Client", "Producer", "Consumer"};
  /** pdata's {@code StatusCode.String()}: meta {@code otel.status_code}. */
  private static final String[] STATUS_NAMES = {"Unset", "Ok", "Error"};

  private Otlp() {}

  /** {@code kind} as aws/spans writes it ({@code SERVER}), as OTLP/JSON does ({@code SPAN_KIND_SERVER}, {@code 2}). */
  static int kind(String text) {
    switch (text) {
      case "SERVER", "SPAN_KIND_SERVER", "2" -> {
        return SERVER;
      }
      case "CLIENT", "SPAN_KIND_CLIENT", "3" -> {
        return CLIENT;
      }
      case "INTERNAL", "SPAN_KIND_INTERNAL", "1" -> {
        return INTERNAL;
      }
      case "PRODUCER", "SPAN_KIND_PRODUCER", "4" -> {
        return PRODUCER;
      }
      case "CONSUMER", "SPAN_KIND_CONSUMER", "5" -> {
        return CONSUMER;
      }
      default -> {
        String t = text.regionMatches(true, 0, "SPAN_KIND_", 0, 10) ? text.substring(10) : text;
        for (int k = 1; k < KIND_NAMES.length; k++) {
          if (KIND_NAMES[k].equalsIgnoreCase(t)) return k;
        }
        return UNSPECIFIED;
      }
    }
  }

  static String kindTag(int kind) {
    return KIND_TAGS[kind];
  }

  static String kindName(int kind) {
    return KIND_NAMES[kind];
  }

  /** {@code status.code}: {@code UNSET}/{@code OK}/{@code ERROR}, with or without {@code STATUS_CODE_}, or 0/1/2. */
  static int status(String text) {
    switch (text) {
      case "ERROR", "STATUS_CODE_ERROR", "2" -> {
        return STATUS_ERROR;
      }
      case "OK", "STATUS_CODE_OK", "1" -> {
        return STATUS_OK;
      }
      case "", "UNSET", "STATUS_CODE_UNSET", "0" -> {
        return STATUS_UNSET;
      }
      default -> {
        String t = text.regionMatches(true, 0, "STATUS_CODE_", 0, 12) ? text.substring(12) : text;
        if (t.equalsIgnoreCase("error")) return STATUS_ERROR;
        if (t.equalsIgnoreCase("ok")) return STATUS_OK;
        return STATUS_UNSET;
      }
    }
  }

  static String statusName(int status) {
    return STATUS_NAMES[status];
  }

  /** The attribute named {@code key}, or null. */
  static Attribute find(List<Attribute> attributes, String key) {
    int h = key.hashCode();
    for (int i = 0; i < attributes.size(); i++) {
      Attribute a = attributes.get(i);
      String k = a.key();
      if (k.hashCode() == h && k.equals(key)) return a;
    }
    return null;
  }

  /**
   * The Agent's semantic look-up ({@code semantics.LookupString} over {@code NewOTelSpanAccessor}): for
   * each key in precedence order, the span attribute, then the resource attribute; an empty value
   * counts as absent. {@code ""} when none.
   */
  static String lookup(SpanRecord r, String key) {
    Attribute a = find(r.attributes(), key);
    if (a != null && !a.text().isEmpty()) return a.text();
    a = find(r.resourceAttributes(), key);
    return a != null ? a.text() : "";
  }

  static String lookup(SpanRecord r, String key, String fallback) {
    String v = lookup(r, key);
    return v.isEmpty() ? lookup(r, fallback) : v;
  }

  /**
   * The Agent's {@code NormalizeTagValue}, used on the parts of an operation name: lower-case; every
   * character that is not a letter, digit, {@code _ - : . /} becomes {@code _}; runs of {@code _} merge;
   * trailing {@code _} go; at most 200 characters. Unlike a tag key, leading digits stay.
   */
  static String tagValue(String raw) {
    if (raw.isEmpty()) return raw;
    StringBuilder out = new StringBuilder(raw.length());
    int i = 0;
    while (i < raw.length() && out.length() < 200) {
      int cp = raw.codePointAt(i);
      i += Character.charCount(cp);
      int c = Character.toLowerCase(cp);
      boolean valid = Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == ':' || c == '.' || c == '/';
      if (!valid) c = '_';
      if (c == '_' && out.length() > 0 && out.charAt(out.length() - 1) == '_') continue;
      out.appendCodePoint(c);
    }
    int end = out.length();
    while (end > 0 && out.charAt(end - 1) == '_') end--;
    out.setLength(end);
    return out.toString();
  }

  /** span.type of a client span with {@code db.system}: the Agent's {@code checkDBType} over {@code attributes.DBTypes}. */
  static String dbType(String system) {
    return switch (system) {
      case "other_sql", "mssql", "mysql", "oracle", "db2", "postgresql", "redshift", "cloudscape", "hsqldb", "maxdb",
          "ingres", "firstsql", "edb", "cache", "firebird", "derby", "informix", "mariadb", "sqlite", "sybase",
          "teradata", "vertica", "h2", "coldfusion", "cockroachdb", "progress", "hanadb", "adabas", "filemaker",
          "instantdb", "interbase", "netezza", "pervasive", "pointbase", "clickhouse" -> "sql";
      case "cassandra" -> "cassandra";
      case "redis" -> "redis";
      case "memcached" -> "memcached";
      case "mongodb" -> "mongodb";
      case "elasticsearch" -> "elasticsearch";
      case "opensearch" -> "opensearch";
      default -> "db";
    };
  }

  /** Go's {@code http.StatusText} for the 4xx and 5xx codes: the Agent's error message fallback. */
  static String statusText(int code) {
    return switch (code) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 402 -> "Payment Required";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 406 -> "Not Acceptable";
      case 407 -> "Proxy Authentication Required";
      case 408 -> "Request Timeout";
      case 409 -> "Conflict";
      case 410 -> "Gone";
      case 411 -> "Length Required";
      case 412 -> "Precondition Failed";
      case 413 -> "Request Entity Too Large";
      case 414 -> "Request URI Too Long";
      case 415 -> "Unsupported Media Type";
      case 416 -> "Requested Range Not Satisfiable";
      case 417 -> "Expectation Failed";
      case 418 -> "I'm a teapot";
      case 421 -> "Misdirected Request";
      case 422 -> "Unprocessable Entity";
      case 423 -> "Locked";
      case 424 -> "Failed Dependency";
      case 425 -> "Too Early";
      case 426 -> "Upgrade Required";
      case 428 -> "Precondition Required";
      case 429 -> "Too Many Requests";
      case 431 -> "Request Header Fields Too Large";
      case 451 -> "Unavailable For Legal Reasons";
      case 500 -> "Internal Server Error";
      case 501 -> "Not Implemented";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      case 505 -> "HTTP Version Not Supported";
      case 506 -> "Variant Also Negotiates";
      case 507 -> "Insufficient Storage";
      case 508 -> "Loop Detected";
      case 510 -> "Not Extended";
      case 511 -> "Network Authentication Required";
      default -> "";
    };
  }
}
