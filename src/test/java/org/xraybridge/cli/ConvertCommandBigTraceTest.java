package org.xraybridge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.testing.Corpus;

/**
 * The new user, again: {@code convert} on a BatchGetTraces response whose Lambda segment is
 * compiled past 64 KiB prints every span (it printed nothing), and on a trace X-Ray cut prints what X-Ray
 * kept with a note, not a rejection.
 */
class ConvertCommandBigTraceTest {

  private final ConvertCommand command =
      new ConvertCommand(ConvertOptions.DEFAULTS, Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC));

  private record Run(int status, String out, String err) {}

  private Run run(String corpusFile) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = command.convert(Files.readAllBytes(Corpus.root().resolve(corpusFile)), out, new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void compiledSegmentPast64KiB_printsEverySpan() throws Exception {
    Run r = run("xray/api/005-constructed-batch-get-traces-compiled-lambda-segment-past-64kib.json");
    assertThat(r.status()).isEqualTo(ConvertCommand.OK);
    assertThat(r.err()).isEmpty();
    assertThat(r.out().lines()).hasSize(51);
  }

  @Test
  void limitExceededTrace_printsWhatXRayKept_withANote() throws Exception {
    Run r = run("xray/api/006-constructed-batch-get-traces-limit-exceeded.json");
    assertThat(r.status()).isEqualTo(ConvertCommand.OK);
    assertThat(r.out().lines()).hasSize(4).allSatisfy(l -> assertThat(l).contains("\"aws.xray.limit_exceeded\":\"true\""));
    assertThat(r.err()).contains("LimitExceeded", "1-6b0bb3c0-8d1e2f3a4b5c6d7e8f901234", "4 spans");
  }
}
