package org.xraybridge;

import java.util.Arrays;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.xraybridge.cli.ConvertCommand;
import org.xraybridge.config.ConfigErrors;

/**
 * {@code java -jar xray-datadog-bridge.jar} runs the service; {@code … convert [FILE|-]} runs the
 * offline conversion dry run without starting anything else.
 */
@SpringBootApplication
public class Application {
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("convert")) {
      System.exit(ConvertCommand.run(Arrays.copyOfRange(args, 1, args.length), System.in, System.out, System.err));
    }
    try {
      SpringApplication.run(Application.class, args);
    } catch (Throwable failure) {
      // Spring has logged its report; end with the one line an operator needs, and a failing status
      String line = ConfigErrors.oneLine(failure);
      System.err.println(line != null ? line : "xray-datadog-bridge failed to start: " + rootMessage(failure));
      System.exit(1);
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }
}
