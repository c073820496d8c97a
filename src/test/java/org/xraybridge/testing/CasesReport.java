package org.xraybridge.testing;

import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/** Prints how many property and fuzz cases the run planned, once, at the end of the test plan. */
public final class CasesReport implements TestExecutionListener {
  @Override
  public void testPlanExecutionFinished(TestPlan testPlan) {
    if (Cases.planned() > 0) {
      System.out.println("[cases] property and fuzz cases run: " + Cases.planned()
          + " (fuzz.scale=" + System.getProperty("fuzz.scale", "1") + ")");
    }
  }
}
