package dev.forwardpass.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure of every module on this class path (all of them but the benchmarks), read from the compiled
 * classes: arrows between packages point one way, and the layers the design names hold.
 */
class PackageStructureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        // main classes only: tests (this module's, and the test jars of others) may reach anywhere
        ImportOption mainClasses = location -> !location.contains("/test-classes/") && !location.contains("-tests.jar");
        classes = new ClassFileImporter().withImportOption(mainClasses).importPackages("dev.forwardpass");
    }

    @Test
    void noPackageCycles() {
        // every package its own slice: a cycle between any two packages of any module fails
        slices().matching("dev.forwardpass.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void theTextApiIsTheTopThenTheModelsRootPackage() {
        noClasses().that().resideInAPackage("dev.forwardpass.models..")
                .and().resideOutsideOfPackage("dev.forwardpass.models.text..")
                .should().dependOnClassesThat().resideInAPackage("dev.forwardpass.models.text..")
                .check(classes);
        noClasses().that().resideInAPackage("dev.forwardpass.models.(*)..")
                .and().resideOutsideOfPackage("dev.forwardpass.models.text..")
                .should().dependOnClassesThat().resideInAPackage("dev.forwardpass.models")
                .check(classes);
    }

    @Test
    void modelsAndTheApiNeverSeeABackend() {
        noClasses().that().resideInAnyPackage("dev.forwardpass.models..", "dev.forwardpass.api..")
                .should().dependOnClassesThat().resideInAPackage("dev.forwardpass.backend..")
                .check(classes);
    }
}
