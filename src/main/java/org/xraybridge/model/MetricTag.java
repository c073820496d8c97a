package org.xraybridge.model;

import java.util.Locale;

/** An enum whose lower-case name is a value of a metric tag (and of the explain API's fields). */
public interface MetricTag {

  String name();

  default String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
