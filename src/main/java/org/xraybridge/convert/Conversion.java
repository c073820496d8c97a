package org.xraybridge.convert;

import java.util.List;
import org.xraybridge.model.ConvertedTrace;

/**
 * The converter's full answer for one trace: what the pipeline needs ({@link ConvertedTrace}) plus
 * the reasons behind every rejection and repair, for the CLI, the explain view and the tests.
 */
public record Conversion(ConvertedTrace trace, List<Rejection> rejections, List<String> repairs) {
  public Conversion {
    rejections = List.copyOf(rejections);
    repairs = List.copyOf(repairs);
  }
}
