package org.xraybridge.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The boundaries of docs/architecture.md. The pure core stays pure: {@code model}, {@code convert}
 * and {@code merge} import no Spring, Reactor, AWS SDK or Jackson, so unit tests and JMH reach them
 * directly (the one exception is {@code convert.json}, the streaming segment parser, Jackson by
 * design). The stages meet only through {@code model}: no stage imports another, nor the wiring
 * ({@code config}), the operations side ({@code ops}) or the demo, which only {@code config} wires.
 */
class ArchitectureTest {

  private static final JavaClasses MAIN =
      new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("org.xraybridge");

  /** The stages of the data flow; {@code cluster} is the scale-out stage, {@code passthrough} what tracers send besides traces. */
  private static final String[] STAGES = {"source", "receiver", "convert", "merge", "forward", "passthrough", "explain", "cluster"};

  private static final String[] FRAMEWORKS = {
    "org.springframework..", "reactor..", "software.amazon.awssdk..", "tools.jackson..", "com.fasterxml.jackson.."
  };

  @Test
  void model_importsNoFramework() {
    noClasses().that().resideInAPackage("org.xraybridge.model..")
        .should().dependOnClassesThat().resideInAnyPackage(FRAMEWORKS)
        .check(MAIN);
  }

  @Test
  void convert_importsNoFramework_exceptItsJsonParser() {
    noClasses().that().resideInAPackage("org.xraybridge.convert..")
        .and().resideOutsideOfPackage("org.xraybridge.convert.json..")
        .should().dependOnClassesThat().resideInAnyPackage(FRAMEWORKS)
        .check(MAIN);
  }

  @Test
  void convertJson_usesOnlyJacksonStreaming_noSpringReactorOrAws() {
    noClasses().that().resideInAPackage("org.xraybridge.convert.json..")
        .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "reactor..", "software.amazon.awssdk..", "tools.jackson.databind..")
        .check(MAIN);
  }

  @Test
  void merge_importsNoFramework() {
    noClasses().that().resideInAPackage("org.xraybridge.merge..")
        .should().dependOnClassesThat().resideInAnyPackage(FRAMEWORKS)
        .check(MAIN);
  }

  /** The cluster stage talks to Kafka with the plain client only: no Spring for Apache Kafka, no Reactor. */
  @Test
  void cluster_importsNoFramework_onlyKafkaClients() {
    noClasses().that().resideInAPackage("org.xraybridge.cluster..")
        .should().dependOnClassesThat().resideInAnyPackage(FRAMEWORKS)
        .check(MAIN);
  }

  @Test
  void model_dependsOnNothingElseOfOurs() {
    noClasses().that().resideInAPackage("org.xraybridge.model..")
        .should().dependOnClassesThat().resideInAnyPackage(allBut("model"))
        .check(MAIN);
  }

  @Test
  void stages_importNoOtherStage_theyMeetThroughTheModel() {
    for (String stage : STAGES) {
      noClasses().that().resideInAPackage("org.xraybridge." + stage + "..")
          .should().dependOnClassesThat().resideInAnyPackage(allBut(stage, "model"))
          .allowEmptyShould(true)
          .check(MAIN);
    }
  }

  @Test
  void demo_isReachableOnlyFromTheWiring() {
    noClasses().that().resideOutsideOfPackages("org.xraybridge.demo..", "org.xraybridge.config..")
        .should().dependOnClassesThat().resideInAPackage("org.xraybridge.demo..")
        .check(MAIN);
  }

  /** Every package of ours except {@code keep}: its own sub-packages stay allowed. */
  private static String[] allBut(String... keep) {
    java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(STAGES));
    all.addAll(java.util.List.of("config", "ops", "demo", "cli", "model"));
    all.removeAll(java.util.List.of(keep));
    return all.stream().map(p -> "org.xraybridge." + p + "..").toArray(String[]::new);
  }
}
