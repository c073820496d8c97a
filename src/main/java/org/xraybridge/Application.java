package org.xraybridge;

import java.util.Arrays;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.xraybridge.cli.ConvertCommand;

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
    SpringApplication.run(Application.class, args);
  }
}
