package org.xraybridge.config;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.xraybridge.model.Names;

/**
 * {@code bridge.convert.*}: the choices docs/conversion.md leaves to the operator (§3 inferred
 * segments, §4 service mapping, §6 env), each rule checked here once.
 *
 * @param inferred {@code skip} (default) or {@code keep} X-Ray's inferred segments as spans
 * @param serviceMapping {@code from:to,…}, like {@code DD_SERVICE_MAPPING}
 * @param envAnnotation the annotation naming a trace's env
 * @param envRules {@code service:env,…} for traces without that annotation
 */
@ConfigurationProperties("bridge.convert")
public record ConvertProperties(
    @DefaultValue("skip") Inferred inferred,
    @DefaultValue("") String serviceMapping,
    @DefaultValue("env") String envAnnotation,
    @DefaultValue("") String envRules) {

  public enum Inferred {
    SKIP,
    KEEP
  }

  public ConvertProperties {
    ConfigurationException.require(!envAnnotation.isBlank(), "bridge.convert.env-annotation must name an annotation, e.g. env");
    serviceMappingOf(serviceMapping);
    envRulesOf(envRules);
  }

  /** Normalised service → new name. */
  public Map<String, String> serviceMappingMap() {
    return serviceMappingOf(serviceMapping);
  }

  /** Normalised service → env. */
  public Map<String, String> envRulesMap() {
    return envRulesOf(envRules);
  }

  private static Map<String, String> serviceMappingOf(String text) {
    return pairs(text, "bridge.convert.service-mapping", "from:to,… e.g. checkout-api:checkout");
  }

  private static Map<String, String> envRulesOf(String text) {
    return pairs(text, "bridge.convert.env-rules", "service:env,… e.g. checkout-api:prod");
  }

  /** {@code a:b,c:d} → map, keys normalised as services; fails naming the key on a malformed entry. */
  private static Map<String, String> pairs(String text, String key, String expected) {
    Map<String, String> out = new LinkedHashMap<>();
    if (text == null || text.isBlank()) return out;
    for (String item : text.split(",")) {
      String t = item.strip();
      if (t.isEmpty()) continue;
      int colon = t.indexOf(':');
      ConfigurationException.require(colon > 0 && colon < t.length() - 1,
          key + " must be " + expected + ", got '" + t + "'");
      out.put(Names.service(t.substring(0, colon).strip()), t.substring(colon + 1).strip());
    }
    return out;
  }
}
