package org.xraybridge.config;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Finds {@code bridge.*} keys that no configuration record binds — a typo such as
 * {@code bridge.forward.agent-ulr} would otherwise be ignored silently and the default used. Keys are
 * compared without separators or case, so the environment-variable form ({@code BRIDGE_FORWARD_AGENT_URL})
 * matches too.
 */
final class UnknownKeys {

  private UnknownKeys() {}

  static List<String> find(ConfigurableEnvironment env, List<Class<?>> propertyRecords) {
    Set<String> known = new TreeSet<>();
    List<String> open = new ArrayList<>();
    for (Class<?> type : propertyRecords) {
      ConfigurationProperties cp = type.getAnnotation(ConfigurationProperties.class);
      String prefix = cp.value().isEmpty() ? cp.prefix() : cp.value();
      collect(type, prefix, known, open);
    }
    Set<String> unknown = new TreeSet<>();
    for (ConfigurationPropertySource source : ConfigurationPropertySources.get(env)) {
      if (!(source instanceof IterableConfigurationPropertySource iterable)) continue;
      iterable.stream().forEach(name -> {
        String n = name.toString();
        String sq = squash(n);
        if (n.startsWith("bridge.") && !known.contains(sq) && open.stream().noneMatch(sq::startsWith)) unknown.add(n);
      });
    }
    return new ArrayList<>(unknown);
  }

  /** The keys of a record: nested records by their own components, a map as a prefix that takes any key. */
  private static void collect(Class<?> type, String prefix, Set<String> known, List<String> open) {
    for (RecordComponent rc : type.getRecordComponents()) {
      String key = prefix + "." + rc.getName();
      Class<?> element = listElement(rc);
      if (rc.getType().isRecord()) collect(rc.getType(), key, known, open);
      else if (java.util.Map.class.isAssignableFrom(rc.getType())) open.add(squash(key));
      else known.add(squash(key));
      // a list of records (bridge.xray.sources[i].name): its elements' keys, indexes left out
      if (element != null && element.isRecord()) collect(element, key, known, open);
    }
  }

  /** The element type of a {@code List<E>} component, or null. */
  private static Class<?> listElement(RecordComponent rc) {
    if (rc.getType() != List.class || !(rc.getGenericType() instanceof ParameterizedType p)) return null;
    return p.getActualTypeArguments()[0] instanceof Class<?> c ? c : null;
  }

  /** The key without separators, case or list indexes ({@code [0]}). */
  static String squash(String key) {
    StringBuilder s = new StringBuilder(key.length());
    boolean inIndex = false;
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '[') inIndex = true;
      else if (c == ']') inIndex = false;
      else if (!inIndex && c != '.' && c != '-' && c != '_') s.append(Character.toLowerCase(c));
    }
    return s.toString().toLowerCase(Locale.ROOT);
  }
}
