package org.xraybridge.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Keeps the pure core pure (STYLE.md §1): {@code model}, {@code convert} and {@code merge} import no
 * Spring, Reactor, AWS SDK or Jackson, so unit tests and JMH reach them directly. The one exception
 * is {@code convert.json}: the streaming segment parser, which is Jackson by design (issue 4).
 * Stages depend on the model and on the stage before them, never on a later one or on the wiring.
 */
class ArchitectureTest {

  private static final JavaClasses MAIN =
      new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("org.xraybridge");

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

  @Test
  void model_dependsOnNoStage() {
    noClasses().that().resideInAPackage("org.xraybridge.model..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "org.xraybridge.source..", "org.xraybridge.receiver..", "org.xraybridge.convert..", "org.xraybridge.merge..",
            "org.xraybridge.forward..", "org.xraybridge.config..", "org.xraybridge.ops..", "org.xraybridge.cli..")
        .check(MAIN);
  }

  @Test
  void stages_doNotReachIntoTheWiring() {
    noClasses().that().resideInAnyPackage(
            "org.xraybridge.source..", "org.xraybridge.receiver..", "org.xraybridge.convert..", "org.xraybridge.merge..",
            "org.xraybridge.forward..")
        .should().dependOnClassesThat().resideInAnyPackage("org.xraybridge.config..", "org.xraybridge.ops..")
        .check(MAIN);
  }

  @Test
  void earlierStages_doNotDependOnLaterOnes() {
    noClasses().that().resideInAnyPackage("org.xraybridge.receiver..", "org.xraybridge.source..", "org.xraybridge.convert..")
        .should().dependOnClassesThat().resideInAnyPackage("org.xraybridge.merge..", "org.xraybridge.forward..")
        .check(MAIN);
    noClasses().that().resideInAPackage("org.xraybridge.merge..")
        .should().dependOnClassesThat().resideInAnyPackage("org.xraybridge.forward..", "org.xraybridge.receiver..", "org.xraybridge.source..")
        .check(MAIN);
  }
}
