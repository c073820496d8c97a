package org.xraybridge.forward.delivery;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xraybridge.model.Ledger;

/**
 * The disk spool: payloads the next hop could not take within the retry budget, or while the
 * circuit was open, wait here — across restarts — until it can. One file per payload, written to
 * {@code .tmp}, forced and renamed, so a crash leaves the whole file or a {@code .tmp} the next start
 * deletes; the format and the bound are in docs/forward.md ("Spool").
 *
 * <p><b>Accounting.</b> The spool counts only what it drops ({@code SPOOL_FULL} to make room,
 * {@code MALFORMED} for a file that does not check out); its caller counts deliveries. Spans found
 * at {@link #open} are returned so the caller can report them as recovered.
 *
 * <p>Thread-safe. File writes happen under the spool's lock (spooling is the slow path).
 */
public final class Spool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Spool.class);
  private static final int MAGIC = 0x58444253; // "XDBS"
  private static final short VERSION = 1;
  private static final String SUFFIX = ".spool";
  private static final String TMP = ".tmp";

  private final Path dir;
  private final long maxBytes;
  private final Accounting accounting;
  private final TreeMap<Long, Entry> entries = new TreeMap<>();
  private final Set<Long> claimed = new HashSet<>();
  private long bytes;
  private long spans;
  private long nextSequence = 1;
  private FileChannel lockChannel;
  private FileLock lock;
  private boolean open;

  /** A spool in {@code dir} holding at most {@code maxBytes}; {@code maxBytes <= 0} disables it. */
  public Spool(Path dir, long maxBytes, Accounting accounting) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.accounting = accounting;
  }

  /** A spool file as the index knows it. */
  record Entry(long sequence, Path file, long bytes, int spanCount) {}

  /** A payload taken from the spool to be sent; give it back with {@link #remove} or {@link #release}. */
  record Claim(Entry entry, Payload payload) {}

  public boolean enabled() {
    return maxBytes > 0 && dir != null;
  }

  /**
   * Creates the directory, takes its lock, deletes half-written files and indexes what is there.
   *
   * @return spans found in the spool (taken in by an earlier run)
   * @throws IllegalStateException naming {@code bridge.forward.spool-dir} when the directory cannot
   *     be used or another process holds it
   */
  public synchronized long open() {
    if (!enabled() || open) return 0;
    try {
      Files.createDirectories(dir);
      lockChannel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        lock = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        lockChannel.close();
        throw new IllegalStateException(
            "bridge.forward.spool-dir (" + dir + ") is in use by another forwarder; give each instance its own directory");
      }
      long found = 0;
      List<Path> files = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
        for (Path p : ds) files.add(p);
      }
      for (Path p : files) {
        String name = p.getFileName().toString();
        if (name.endsWith(TMP)) {
          Files.deleteIfExists(p); // a write the previous process did not finish: never acknowledged to anyone
          continue;
        }
        if (!name.endsWith(SUFFIX)) continue;
        long seq = parseSequence(name);
        if (seq < 0) continue;
        int spanCount;
        try {
          spanCount = readSpanCount(p);
        } catch (IOException e) {
          quarantine(p, e);
          continue;
        }
        long size = Files.size(p);
        entries.put(seq, new Entry(seq, p, size, spanCount));
        bytes += size;
        spans += spanCount;
        found += spanCount;
        nextSequence = Math.max(nextSequence, seq + 1);
      }
      open = true;
      if (!entries.isEmpty()) {
        log.info("Spool {}: {} payloads ({} spans, {} bytes) left by an earlier run will be delivered",
            dir, entries.size(), found, bytes);
      }
      return found;
    } catch (IOException e) {
      throw new IllegalStateException(
          "bridge.forward.spool-dir (" + dir + ") cannot be used: " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code p} to the spool, deleting the oldest payloads (counted {@code SPOOL_FULL}) to make
   * room. When it cannot be stored its spans are counted as {@code failure}.
   *
   * @return whether the payload is now in the spool
   */
  public synchronized boolean put(Payload p, Ledger.Reason failure) {
    // whoever waits for these spans' outcome (kafka mode, where the spool is off) keeps them now
    p.receipts().abandoned();
    if (!enabled() || !open) {
      accounting.dropped(failure, p.spanCount());
      return false;
    }
    byte[] file = encode(p);
    if (file.length > maxBytes) {
      log.warn("Spool: a payload of {} bytes ({} spans) is larger than bridge.forward.spool-max-bytes ({}); dropped",
          file.length, p.spanCount(), maxBytes);
      accounting.dropped(failure, p.spanCount());
      return false;
    }
    evictFor(file.length);
    if (bytes + file.length > maxBytes) { // everything left is being sent right now
      accounting.dropped(Ledger.Reason.SPOOL_FULL, p.spanCount());
      return false;
    }
    long seq = nextSequence++;
    Path target = dir.resolve(String.format("%020d", seq) + SUFFIX);
    Path tmp = dir.resolve(target.getFileName() + TMP);
    // a stop interrupts the senders, and a file channel closes itself on an interrupted thread: what a
    // sender holds at the stop is just what must reach the disk, so the write runs without the flag
    boolean interrupted = Thread.interrupted();
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(file);
        while (b.hasRemaining()) ch.write(b);
        ch.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      forceDirectory();
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the next start deletes it
      }
      log.warn("Spool: cannot write {} ({}: {}); {} spans dropped", target, e.getClass().getSimpleName(), e.getMessage(),
          p.spanCount());
      accounting.dropped(failure, p.spanCount());
      return false;
    } finally {
      if (interrupted) Thread.currentThread().interrupt();
    }
    entries.put(seq, new Entry(seq, target, file.length, p.spanCount()));
    bytes += file.length;
    spans += p.spanCount();
    return true;
  }

  /** True when some payload waits and none is being sent from here. */
  synchronized boolean hasUnclaimed() {
    return open && entries.size() > claimed.size();
  }

  /**
   * The oldest payload not already being sent, read and checked; null when there is none. A file
   * that does not check out is deleted and its spans counted {@code MALFORMED}.
   */
  Claim claimOldest() {
    while (true) {
      Entry e;
      synchronized (this) {
        if (!open) return null;
        e = null;
        for (Entry candidate : entries.values()) {
          if (!claimed.contains(candidate.sequence())) {
            e = candidate;
            break;
          }
        }
        if (e == null) return null;
        claimed.add(e.sequence());
      }
      try {
        return new Claim(e, decode(Files.readAllBytes(e.file())));
      } catch (IOException ex) {
        log.warn("Spool: {} is unreadable ({}: {}); its {} spans are dropped", e.file(), ex.getClass().getSimpleName(),
            ex.getMessage(), e.spanCount());
        synchronized (this) {
          forget(e);
        }
        deleteQuietly(e.file());
        accounting.dropped(Ledger.Reason.MALFORMED, e.spanCount());
      }
    }
  }

  /** The claimed payload left the spool (delivered or rejected; the caller counts which). */
  void remove(Claim c) {
    synchronized (this) {
      forget(c.entry());
    }
    deleteQuietly(c.entry().file());
  }

  /** The claimed payload could not be sent; it stays, for a later attempt. */
  synchronized void release(Claim c) {
    claimed.remove(c.entry().sequence());
  }

  public synchronized int payloads() {
    return entries.size();
  }

  public synchronized long bytes() {
    return bytes;
  }

  public synchronized long spans() {
    return spans;
  }

  /** Releases the directory lock; files stay for the next run. */
  @Override
  public synchronized void close() {
    open = false;
    try {
      if (lock != null) lock.release();
      if (lockChannel != null) lockChannel.close();
    } catch (IOException e) {
      log.debug("Spool: releasing the lock of {} failed", dir, e);
    }
    lock = null;
    lockChannel = null;
  }

  private void evictFor(long incoming) {
    if (bytes + incoming <= maxBytes) return;
    List<Entry> victims = new ArrayList<>();
    long freed = 0;
    for (Entry e : entries.values()) {
      if (bytes - freed + incoming <= maxBytes) break;
      if (claimed.contains(e.sequence())) continue;
      victims.add(e);
      freed += e.bytes();
    }
    long dropped = 0;
    for (Entry e : victims) {
      forget(e);
      deleteQuietly(e.file());
      accounting.dropped(Ledger.Reason.SPOOL_FULL, e.spanCount());
      dropped += e.spanCount();
    }
    if (!victims.isEmpty()) {
      log.warn("Spool full (bridge.forward.spool-max-bytes = {}): deleted the {} oldest payloads, {} spans dropped",
          maxBytes, victims.size(), dropped);
    }
  }

  private void forget(Entry e) {
    if (entries.remove(e.sequence()) != null) {
      bytes -= e.bytes();
      spans -= e.spanCount();
    }
    claimed.remove(e.sequence());
  }

  private void forceDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not every platform can sync a directory; the rename is atomic either way
    }
  }

  private void quarantine(Path p, IOException e) {
    Path aside = p.resolveSibling(p.getFileName() + ".corrupt");
    log.warn("Spool: {} cannot be read ({}: {}); moved aside to {}", p, e.getClass().getSimpleName(), e.getMessage(), aside);
    try {
      Files.move(p, aside, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException ex) {
      deleteQuietly(p);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (NoSuchFileException ignored) {
      // gone already
    } catch (IOException e) {
      log.warn("Spool: cannot delete {}: {}", p, e.getMessage());
    }
  }

  private static long parseSequence(String name) {
    String digits = name.substring(0, name.length() - SUFFIX.length());
    if (digits.isEmpty() || digits.length() > 20) return -1;
    for (int i = 0; i < digits.length(); i++) {
      if (!Character.isDigit(digits.charAt(i))) return -1;
    }
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  // ---- file format ----------------------------------------------------------------------------

  static byte[] encode(Payload p) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(p.body().length + 64 + 8 * p.spanCount());
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeShort(VERSION);
      out.writeInt(p.spanCount());
      out.writeUTF(p.kind().name());
      out.writeBoolean(p.gzipped());
      out.writeInt(p.traceCount());
      long[] ids = p.spanIds();
      for (long id : ids) out.writeLong(id);
      Map<String, String> headers = p.headers();
      out.writeInt(headers.size());
      for (Map.Entry<String, String> h : headers.entrySet()) {
        out.writeUTF(h.getKey());
        out.writeUTF(h.getValue());
      }
      out.writeInt(p.body().length);
      out.write(p.body());
      out.flush();
      CRC32 crc = new CRC32();
      crc.update(bytes.toByteArray());
      out.writeLong(crc.getValue());
    } catch (IOException e) {
      throw new IllegalStateException(e); // in memory
    }
    return bytes.toByteArray();
  }

  static Payload decode(byte[] file) throws IOException {
    if (file.length < 8) throw new EOFException("Truncated spool file: " + file.length + " bytes");
    CRC32 crc = new CRC32();
    crc.update(file, 0, file.length - 8);
    long stored = ByteBuffer.wrap(file, file.length - 8, 8).getLong();
    if (stored != crc.getValue()) throw new IOException("Malformed spool file: checksum mismatch");
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(file, 0, file.length - 8))) {
      int spanCount = readHeader(in);
      PayloadKind kind;
      try {
        kind = PayloadKind.valueOf(in.readUTF());
      } catch (IllegalArgumentException e) {
        throw new IOException("Malformed spool file: unknown payload kind", e);
      }
      boolean gzipped = in.readBoolean();
      int traceCount = in.readInt();
      long[] ids = new long[spanCount];
      for (int i = 0; i < spanCount; i++) ids[i] = in.readLong();
      int headerCount = in.readInt();
      if (headerCount < 0 || headerCount > 1000) throw new IOException("Malformed spool file: " + headerCount + " headers");
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 0; i < headerCount; i++) headers.put(in.readUTF(), in.readUTF());
      int bodyLength = in.readInt();
      if (bodyLength < 0 || bodyLength > file.length) throw new IOException("Malformed spool file: body of " + bodyLength + " bytes");
      byte[] body = in.readNBytes(bodyLength);
      if (body.length != bodyLength) throw new EOFException("Truncated spool file body");
      return new Payload(kind, body, gzipped, headers, traceCount, ids);
    }
  }

  private static int readSpanCount(Path p) throws IOException {
    try (InputStream raw = Files.newInputStream(p); DataInputStream in = new DataInputStream(raw)) {
      return readHeader(in);
    }
  }

  private static int readHeader(DataInputStream in) throws IOException {
    if (in.readInt() != MAGIC) throw new IOException("Malformed spool file: bad magic");
    short version = in.readShort();
    if (version != VERSION) throw new IOException("Malformed spool file: version " + version);
    int spanCount = in.readInt();
    if (spanCount < 0) throw new IOException("Malformed spool file: " + spanCount + " spans");
    return spanCount;
  }
}
