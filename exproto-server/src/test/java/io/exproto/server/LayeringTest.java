package io.exproto.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries, checked on the compiled main classes of every module on this class path:
 * the core knows no transport, binding or heavy library; the gRPC binding knows no transport; the
 * transports know no binding; the remote handler gateway sits above them all and shows no Netty
 * or gRPC type; and no public package lets an {@code internal} type through its public or
 * protected members.
 */
class LayeringTest {

  /** The packages of exproto-core. */
  private static final String[] CORE = {"io.exproto.gateway", "io.exproto.gateway.internal",
      "io.exproto.handler", "io.exproto.broker", "io.exproto.auth", "io.exproto.transport",
      "io.exproto.transport.internal", "io.exproto.tls", "io.exproto.tls.internal"};

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        // Other modules' test jars (MosquittoProcess, BridgeNodeMain) are tests too.
        .withImportOption(location -> !location.contains("-tests.jar"))
        .importPackages("io.exproto");
  }

  @Test
  void coreDependsOnNoTransportBindingOrNetworkLibrary() {
    noClasses().that().resideInAnyPackage(CORE)
        .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "io.grpc..",
            "com.google.protobuf..", "org.eclipse.californium..", "io.exproto.transport.netty..",
            "io.exproto.transport.dtls..", "io.exproto.grpc..", "io.exproto.server..",
            "com.hivemq..", "io.exproto.broker.mqtt..")
        .check(classes);
  }

  @Test
  void theMqttBridgeDependsOnNoTransportOrBinding() {
    noClasses().that().resideInAPackage("io.exproto.broker.mqtt..")
        .should().dependOnClassesThat().resideInAnyPackage("io.exproto.transport.netty..",
            "io.exproto.transport.dtls..", "io.exproto.grpc..", "io.exproto.server..")
        .check(classes);
  }

  @Test
  void theGrpcBindingDependsOnNoTransport() {
    noClasses().that().resideInAPackage("io.exproto.grpc..")
        .should().dependOnClassesThat().resideInAnyPackage("io.exproto.transport.netty..",
            "io.exproto.transport.dtls..", "org.eclipse.californium..", "io.exproto.server..")
        .check(classes);
  }

  @Test
  void transportsDependOnNoBindingAndNotOnEachOther() {
    noClasses().that().resideInAPackage("io.exproto.transport.netty..")
        .should().dependOnClassesThat().resideInAnyPackage("io.exproto.grpc..",
            "io.exproto.transport.dtls..", "io.exproto.server..")
        .check(classes);
    noClasses().that().resideInAPackage("io.exproto.transport.dtls..")
        .should().dependOnClassesThat().resideInAnyPackage("io.exproto.grpc..",
            "io.exproto.transport.netty..", "io.netty..", "io.exproto.server..")
        .check(classes);
  }

  @Test
  void theRemoteHandlerGatewayIsUsedByNoLibraryModule() {
    noClasses().that().resideOutsideOfPackages("io.exproto.remote..", "io.exproto.server..",
            "io.exproto.examples..", "io.exproto.bench..")
        .should().dependOnClassesThat().resideInAPackage("io.exproto.remote..")
        .check(classes);
    noClasses().that().resideInAPackage("io.exproto.remote..")
        .should().dependOnClassesThat().resideInAnyPackage("io.exproto.server..",
            "io.exproto.transport.dtls..", "io.exproto.broker.mqtt..")
        .check(classes);
  }

  @Test
  void theRemoteHandlerGatewayShowsNoNettyOrGrpcType() {
    classes().that().arePublic().and().resideInAPackage("io.exproto.remote..")
        .should(exposeNoTypeFrom("io.netty.", "io.grpc."))
        .check(classes);
  }

  private static ArchCondition<JavaClass> exposeNoTypeFrom(String... packages) {
    return new ArchCondition<>("expose no type of " + String.join(", ", packages)
        + " in public or protected members") {
      @Override
      public void check(JavaClass type, ConditionEvents events) {
        for (JavaMember member : type.getMembers()) {
          if (!visible(member)) {
            continue;
          }
          List<JavaClass> shown = new ArrayList<>();
          if (member instanceof JavaField field) {
            shown.add(field.getRawType());
          } else if (member instanceof JavaCodeUnit code) {
            shown.add(code.getRawReturnType());
            shown.addAll(code.getRawParameterTypes());
          }
          for (JavaClass t : shown) {
            String name = (t.isArray() ? t.getBaseComponentType() : t).getName();
            for (String p : packages) {
              if (name.startsWith(p)) {
                events.add(SimpleConditionEvent.violated(type,
                    type.getName() + ": " + member.getFullName() + " shows " + name));
              }
            }
          }
        }
      }
    };
  }

  @Test
  void publicPackagesExposeNoInternalType() {
    classes().that().arePublic().and().resideOutsideOfPackage("..internal..")
        .should(exposeNoInternalType())
        .check(classes);
  }

  private static ArchCondition<JavaClass> exposeNoInternalType() {
    return new ArchCondition<>("expose no internal type in public or protected members") {
      @Override
      public void check(JavaClass type, ConditionEvents events) {
        List<String> leaks = new ArrayList<>();
        type.getRawSuperclass().filter(LayeringTest::isInternal)
            .ifPresent(s -> leaks.add("extends " + s.getName()));
        type.getRawInterfaces().stream().filter(LayeringTest::isInternal)
            .forEach(i -> leaks.add("implements " + i.getName()));
        for (JavaMember member : type.getMembers()) {
          if (!visible(member)) {
            continue;
          }
          if (member instanceof JavaField field && isInternal(field.getRawType())) {
            leaks.add(field.getFullName());
          } else if (member instanceof JavaCodeUnit code) {
            if (isInternal(code.getRawReturnType())
                || code.getRawParameterTypes().stream().anyMatch(LayeringTest::isInternal)) {
              leaks.add(code.getFullName());
            }
          }
        }
        for (String leak : leaks) {
          events.add(SimpleConditionEvent.violated(type, type.getName() + ": " + leak));
        }
      }
    };
  }

  private static boolean visible(JavaMember member) {
    return member.getModifiers().contains(JavaModifier.PUBLIC)
        || member.getModifiers().contains(JavaModifier.PROTECTED);
  }

  private static boolean isInternal(JavaClass type) {
    JavaClass base = type.isArray() ? type.getBaseComponentType() : type;
    return base.getPackageName().contains(".internal");
  }
}
