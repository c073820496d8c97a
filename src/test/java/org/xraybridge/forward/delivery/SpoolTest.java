package org.xraybridge.forward.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xraybridge.model.Ledger;
import org.xraybridge.testing.TestLedger;

class SpoolTest {
  @TempDir Path dir;
  private final TestLedger ledger = new TestLedger();
  private final Accounting accounting = new Accounting(ledger);

  private static Payload payload(long firstId, int spans, int bodyBytes) {
    long[] ids = new long[spans];
    for (int i = 0; i < spans; i++) ids[i] = firstId + i;
    return new Payload(PayloadKind.AGENT_TRACES, new byte[bodyBytes], false,
        Map.of("Content-Type", "application/msgpack", "X-Datadog-Trace-Count", "1"), 1, ids);
  }

  @Test
  void putThenReopen_findsEveryPayloadWithItsSpanIdsHeadersAndBody() {
    try (Spool s = new Spool(dir, 1 << 20, accounting)) {
      assertThat(s.open()).isZero();
      assertThat(s.put(payload(10, 3, 100), Ledger.Reason.SPOOL_FULL)).isTrue();
      assertThat(s.put(payload(20, 2, 50), Ledger.Reason.SPOOL_FULL)).isTrue();
    }
    try (Spool s = new Spool(dir, 1 << 20, accounting)) {
      assertThat(s.open()).as("spans found").isEqualTo(5);
      Spool.Claim first = s.claimOldest();
      assertThat(first.payload().spanIds()).containsExactly(10, 11, 12);
      assertThat(first.payload().headers()).containsEntry("X-Datadog-Trace-Count", "1");
      assertThat(first.payload().body()).hasSize(100);
      Spool.Claim second = s.claimOldest();
      assertThat(second.payload().spanIds()).containsExactly(20, 21);
      assertThat(s.claimOldest()).as("both claimed").isNull();
      s.release(second);
      s.remove(first);
      assertThat(s.payloads()).isEqualTo(1);
      assertThat(s.claimOldest().payload().spanIds()).containsExactly(20, 21);
    }
  }

  @Test
  void put_pastTheByteLimit_deletesTheOldestUnclaimedAndCountsItsSpans() throws IOException {
    int file = Spool.encode(payload(0, 2, 1000)).length;
    try (Spool s = new Spool(dir, 2L * file + 10, accounting)) {
      s.open();
      s.put(payload(100, 2, 1000), Ledger.Reason.SPOOL_FULL);
      s.put(payload(200, 2, 1000), Ledger.Reason.SPOOL_FULL);
      Spool.Claim inFlight = s.claimOldest(); // 100… is being sent: not evictable
      s.put(payload(300, 2, 1000), Ledger.Reason.SPOOL_FULL);
      assertThat(ledger.dropped(Ledger.Reason.SPOOL_FULL)).as("200… deleted").isEqualTo(2);
      assertThat(SpoolFiles.spanIds(dir)).containsExactly(100L, 101L, 300L, 301L);
      assertThat(s.bytes()).isLessThanOrEqualTo(2L * file + 10);
      s.remove(inFlight);
    }
  }

  @Test
  void put_largerThanTheWholeSpool_isCountedWithTheGivenReason() {
    try (Spool s = new Spool(dir, 500, accounting)) {
      s.open();
      assertThat(s.put(payload(1, 4, 1000), Ledger.Reason.SHUTDOWN)).isFalse();
      assertThat(ledger.dropped(Ledger.Reason.SHUTDOWN)).isEqualTo(4);
      assertThat(s.payloads()).isZero();
    }
  }

  @Test
  void disabled_putCountsTheSpans() {
    Spool s = new Spool(dir, 0, accounting);
    assertThat(s.open()).isZero();
    assertThat(s.put(payload(1, 3, 10), Ledger.Reason.SPOOL_FULL)).isFalse();
    assertThat(ledger.dropped(Ledger.Reason.SPOOL_FULL)).isEqualTo(3);
  }

  @Test
  void corruptFile_isDroppedAsMalformedWithItsSpanCount() throws IOException {
    try (Spool s = new Spool(dir, 1 << 20, accounting)) {
      s.open();
      s.put(payload(1, 3, 64), Ledger.Reason.SPOOL_FULL);
      s.put(payload(9, 1, 64), Ledger.Reason.SPOOL_FULL);
    }
    Path first;
    try (Stream<Path> files = Files.list(dir)) {
      first = files.filter(p -> p.toString().endsWith(".spool")).sorted().findFirst().orElseThrow();
    }
    byte[] b = Files.readAllBytes(first);
    b[b.length - 20] ^= 0x55; // flip bits in the body: the checksum no longer matches
    Files.write(first, b);
    try (Spool s = new Spool(dir, 1 << 20, accounting)) {
      assertThat(s.open()).isEqualTo(4);
      Spool.Claim c = s.claimOldest();
      assertThat(c.payload().spanIds()).as("the good one").containsExactly(9);
      assertThat(ledger.dropped(Ledger.Reason.MALFORMED)).isEqualTo(3);
      assertThat(Files.exists(first)).isFalse();
    }
  }

  @Test
  void open_leftoverTempFileAndUnreadableHeader_tempDeletedBadFileMovedAside() throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("00000000000000000007.spool.tmp"), "half");
    Files.writeString(dir.resolve("00000000000000000008.spool"), "not a spool file");
    try (Spool s = new Spool(dir, 1 << 20, accounting)) {
      assertThat(s.open()).isZero();
      assertThat(s.payloads()).isZero();
    }
    assertThat(Files.exists(dir.resolve("00000000000000000007.spool.tmp"))).isFalse();
    assertThat(Files.exists(dir.resolve("00000000000000000008.spool.corrupt"))).isTrue();
  }

  @Test
  void open_directoryHeldByAnotherSpool_isRefusedNamingTheKey() {
    try (Spool s = new Spool(dir, 1 << 20, accounting)) {
      s.open();
      Spool other = new Spool(dir, 1 << 20, accounting);
      assertThatThrownBy(other::open).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("bridge.forward.spool-dir");
    }
  }

  @Test
  void sequence_continuesAfterRestart_soNewFilesSortAfterOldOnes() throws IOException {
    try (Spool s = new Spool(dir, 1 << 20, accounting)) {
      s.open();
      s.put(payload(1, 1, 8), Ledger.Reason.SPOOL_FULL);
    }
    try (Spool s = new Spool(dir, 1 << 20, accounting)) {
      s.open();
      s.put(payload(2, 1, 8), Ledger.Reason.SPOOL_FULL);
      assertThat(SpoolFiles.spanIds(dir)).containsExactly(1L, 2L);
    }
  }
}
