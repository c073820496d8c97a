package org.xraybridge.convert;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The converter's constructor arguments. config/Pipeline maps them from the validated
 * {@code bridge.convert.*} properties (config.ConvertProperties), {@code bridge.xray.env} and
 * {@code bridge.xray.in-progress-timeout}; the rules for their values live there.
 *
 * @param keepInferred emit inferred segments as spans (docs/conversion.md §3); default skip
 * @param serviceMapping normalised service → new name (§4)
 * @param envAnnotation the annotation that names a trace's env (§6)
 * @param envRules normalised service → env, for traces without the annotation (§6)
 * @param defaultEnv env when neither says (§6)
 * @param inProgressTimeout how long an in-progress segment is held before it is emitted as it is (§2)
 */
public record ConvertOptions(
    boolean keepInferred,
    Map<String, String> serviceMapping,
    String envAnnotation,
    Map<String, String> envRules,
    String defaultEnv,
    Duration inProgressTimeout) {

  /** The defaults of every property; what the golden files assume (§7) and the offline tool uses. */
  /** Longest {@code aws.xray.metadata.*} value (docs/conversion.md §5); longer ones are cut (repair {@code metadata_truncated}). */
  public static final int MAX_METADATA_CHARS = 25_000;

  public static final ConvertOptions DEFAULTS =
      new ConvertOptions(false, Map.of(), "env", Map.of(), "none", Duration.ofMinutes(10));

  public ConvertOptions {
    serviceMapping = Map.copyOf(serviceMapping);
    Objects.requireNonNull(envAnnotation, "envAnnotation == null");
    envRules = Map.copyOf(envRules);
    Objects.requireNonNull(defaultEnv, "defaultEnv == null");
    Objects.requireNonNull(inProgressTimeout, "inProgressTimeout == null");
  }

  public ConvertOptions withKeepInferred(boolean keep) {
    return new ConvertOptions(keep, serviceMapping, envAnnotation, envRules, defaultEnv, inProgressTimeout);
  }
}
