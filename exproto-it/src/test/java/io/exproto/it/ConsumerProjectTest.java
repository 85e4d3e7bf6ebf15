package io.exproto.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Uses exproto as a new user would. It runs {@code mvn install} of the published modules this
 * project's tests need (parent, {@code exproto-bom}, {@code exproto-core},
 * {@code exproto-transport-netty}, {@code exproto-testkit}) into a temporary local repository,
 * then builds and tests {@code src/it/consumer}, a project that imports the BOM and names no
 * exproto version of its own, against exactly those artifacts.
 *
 * <p>Nothing is written to the shared local repository: third-party artifacts are read from it as
 * a {@code file:} repository (Maven Central behind it for anything it lacks), and the install
 * builds into separate {@code target-consumer-it} folders, so it can run while the outer build
 * does.
 */
class ConsumerProjectTest {
  // Tests are compiled (the transport needs core's test-jar) but not run: the outer build runs them.
  private static final String[] PUBLISHED =
      {"exproto-bom", "exproto-core", "exproto-transport-netty", "exproto-testkit"};

  @Test
  void aNewProjectBuildsAndTestsAgainstTheInstalledArtifacts() throws Exception {
    Path work = Paths.get(property("exproto.it.work"));
    deleteRecursively(work);
    Files.createDirectories(work);
    Path repository = work.resolve("repository");
    Path settings = writeSettings(work, repository);
    Path root = Paths.get(property("exproto.it.projectRoot"));
    String version = property("exproto.it.version");

    List<String> install = new ArrayList<>(List.of("install", "-pl", String.join(",", PUBLISHED),
        "-am", "-DskipTests", "-Dmaven.javadoc.skip=true", "-Dmaven.source.skip=true",
        "-Dexproto.buildDir=target-consumer-it"));
    run(root, settings, repository, work.resolve("install.log"), install);
    for (String module : List.of("exproto-core", "exproto-transport-netty", "exproto-testkit")) {
      assertThat(repository.resolve("io/exproto/" + module + "/" + version + "/" + module + "-"
          + version + ".jar")).as("installed " + module).isRegularFile();
    }
    assertThat(repository.resolve(
        "io/exproto/exproto-bom/" + version + "/exproto-bom-" + version + ".pom")).isRegularFile();

    Path consumer = work.resolve("consumer");
    copyRecursively(Paths.get(property("exproto.it.consumer")), consumer);
    Path log = work.resolve("consumer.log");
    run(consumer, settings, repository, log,
        List.of("verify", "-Dexproto.version=" + version));
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(output).contains("Tests run: 3, Failures: 0, Errors: 0, Skipped: 0");
    assertThat(consumer.resolve("target/greeter-gateway-1.0.jar")).isRegularFile();
  }

  /**
   * Settings with the temporary local repository and the shared one as a read-only
   * {@code file:} repository ahead of Central, so third-party artifacts are copied, not
   * downloaded, and the shared repository is never written to.
   */
  private static Path writeSettings(Path work, Path repository) throws IOException {
    String shared = Paths.get(property("exproto.it.sharedRepository")).toUri().toString();
    String repos = """
            <repository><id>shared-local</id><url>%s</url>
              <releases><enabled>true</enabled><checksumPolicy>ignore</checksumPolicy></releases><snapshots><enabled>false</enabled></snapshots>
            </repository>""".formatted(shared);
    String xml = """
        <settings>
          <localRepository>%s</localRepository>
          <profiles>
            <profile>
              <id>shared-local</id>
              <repositories>%s</repositories>
              <pluginRepositories>%s</pluginRepositories>
            </profile>
          </profiles>
          <activeProfiles><activeProfile>shared-local</activeProfile></activeProfiles>
        </settings>
        """.formatted(repository, repos, repos.replace("repository>", "pluginRepository>"));
    Path settings = work.resolve("settings.xml");
    Files.writeString(settings, xml, StandardCharsets.UTF_8);
    return settings;
  }

  private static void run(Path dir, Path settings, Path repository, Path log, List<String> goals)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(property("exproto.it.mavenHome"), "bin", "mvn").toString());
    command.addAll(List.of("-B", "-s", settings.toString(),
        "-Dmaven.repo.local=" + repository));
    command.addAll(goals);
    Process process = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!process.waitFor(8, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + command + "\n" + tail(log));
    }
    assertThat(process.exitValue()).as("%s in %s exited non-zero:%n%s", command, dir, tail(log))
        .isZero();
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }

  private static String property(String name) {
    String value = System.getProperty(name);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException("system property " + name + " is not set: run this test"
          + " through Maven (exproto-it's surefire configuration sets it)");
    }
    return value;
  }

  private static void copyRecursively(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted((a, b) -> b.compareTo(a))::iterator) {
        Files.delete(p);
      }
    }
  }
}
