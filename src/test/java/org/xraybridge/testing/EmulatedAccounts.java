package org.xraybridge.testing;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.xraybridge.demo.EmulatorStore;
import org.xraybridge.demo.XRayEmulator;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Several AWS accounts for tests of a bridge that reads many: one X-Ray emulator per account, each
 * letting in only calls signed with credentials the shared {@link LocalSts} issued for a role of that
 * account and not yet expired; the bridge's own credentials ({@link #BASE}) only sign {@code AssumeRole}.
 */
public final class EmulatedAccounts implements AutoCloseable {

  /** The bridge's own credentials: an X-Ray account refuses them, STS takes them. */
  public static final StaticCredentialsProvider BASE =
      StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIABRIDGE0000000000", "bridge-own-secret-not-real"));

  /** One emulated account: its role, its X-Ray API and what that API serves. */
  public record Account(String id, String roleArn, String externalId, EmulatorStore store, EmulatorFaults faults, XRayEmulator emulator) {
    public String endpoint() {
      return emulator.endpoint().toString();
    }
  }

  public final LocalSts sts = new LocalSts();
  private final Clock clock;
  private final List<Account> accounts = new ArrayList<>();

  /** @param clock the emulators' clock (when a document arrived: the Event time axis) */
  public EmulatedAccounts(Clock clock) {
    this.clock = clock;
  }

  /** A new account {@code id} (12 digits) with role {@code xray-datadog-bridge} and external id {@code ext-<id>}. */
  public Account add(String id) {
    String role = "arn:aws:iam::" + id + ":role/xray-datadog-bridge";
    String externalId = "ext-" + id;
    sts.role(role, id, externalId);
    EmulatorStore store = new EmulatorStore(clock);
    EmulatorFaults faults = new EmulatorFaults();
    faults.access(sts.accessTo(id));
    Account a = new Account(id, role, externalId, store, faults, XRayEmulator.start(store, "127.0.0.1", 0, faults));
    accounts.add(a);
    return a;
  }

  public List<Account> all() {
    return List.copyOf(accounts);
  }

  @Override
  public void close() {
    for (Account a : accounts) a.emulator().close();
    sts.close();
  }
}
