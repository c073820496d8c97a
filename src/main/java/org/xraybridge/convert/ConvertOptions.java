package org.xraybridge.convert;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How conversion behaves where MAPPING.md leaves a choice (all keys under {@code bridge.convert.*},
 * except {@code defaultEnv} = {@code bridge.xray.env} and {@code inProgressTimeout} =
 * {@code bridge.xray.in-progress-timeout}).
 *
 * @param keepInferred emit X-Ray's inferred segments as spans ({@code inferred=keep}); default skip
 * @param serviceMapping normalised service → new name ({@code from:to,…} like {@code DD_SERVICE_MAPPING})
 * @param envAnnotation the annotation that names a trace's env
 * @param envRules normalised service → env, for traces without the annotation
 * @param defaultEnv env when neither says ({@code bridge.xray.env}, which defaults to {@code DD_ENV})
 * @param inProgressTimeout how long an in-progress segment is held before it is emitted as it is
 * @param maxMetadataChars longest {@code aws.xray.metadata.*} value; longer is cut and counted
 */
public record ConvertOptions(
    boolean keepInferred,
    Map<String, String> serviceMapping,
    String envAnnotation,
    Map<String, String> envRules,
    String defaultEnv,
    Duration inProgressTimeout,
    int maxMetadataChars) {

  public static final ConvertOptions DEFAULTS =
      new ConvertOptions(false, Map.of(), "env", Map.of(), "none", Duration.ofMinutes(10), 25_000);

  public ConvertOptions {
    serviceMapping = Map.copyOf(serviceMapping);
    Objects.requireNonNull(envAnnotation, "envAnnotation == null");
    envRules = Map.copyOf(envRules);
    Objects.requireNonNull(defaultEnv, "defaultEnv == null");
    Objects.requireNonNull(inProgressTimeout, "inProgressTimeout == null");
    if (maxMetadataChars < 0) throw new IllegalArgumentException("maxMetadataChars < 0");
  }

  public ConvertOptions withKeepInferred(boolean keep) {
    return new ConvertOptions(keep, serviceMapping, envAnnotation, envRules, defaultEnv, inProgressTimeout, maxMetadataChars);
  }

  public ConvertOptions withDefaultEnv(String env) {
    return new ConvertOptions(keepInferred, serviceMapping, envAnnotation, envRules, env, inProgressTimeout, maxMetadataChars);
  }
}
