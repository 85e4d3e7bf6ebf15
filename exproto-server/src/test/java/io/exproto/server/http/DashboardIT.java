package io.exproto.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium (Debian's {@code chromium} driven through
 * {@code chromium-driver} by Selenium) against the gateway jar: it lists the connected clients,
 * searches, kicks one, and that device is closed. Saves {@code target/dashboard.png}.
 */
class DashboardIT {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  @TempDir
  Path dir;
  final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  @Test
  void listsClientsSearchesAndKicks() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "needs a headless browser: install the Debian packages chromium and chromium-driver"
            + " (apt-get install chromium chromium-driver)");
    ScriptedHandlerService handler = new ScriptedHandlerService();
    toClose.add(handler);
    Path keys = dir.resolve("keys");
    Files.writeString(keys, "dash:board-secret\n");
    Path conf = dir.resolve("gateway.conf");
    Files.writeString(conf, "http { bind = \"127.0.0.1:0\", api_key { bootstrap_file = \""
        + keys + "\" } }\n");
    GatewayProcess gateway = GatewayProcess.start(List.of("--config", conf.toString(),
        "--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0", "--handler", handler.url()),
        Map.of());
    toClose.add(gateway);
    handler.adapter(gateway.address("adapter"));
    List<LineDevice> devices = new ArrayList<>();
    for (String id : List.of("meter-a", "meter-b", "sensor-c")) {
      LineDevice d = new LineDevice(gateway.address("tcp")).auth(id, "site-1");
      toClose.add(d);
      devices.add(d);
    }
    assertThat(devices.get(0).call("sub alerts/# 1")).isEqualTo("ok");

    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
        "--disable-gpu", "--window-size=1280,900");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    WebDriver browser = new ChromeDriver(service, options);
    toClose.add(browser::quit);
    browser.manage().window().setSize(new Dimension(1280, 900));
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));

    browser.get("http://127.0.0.1:" + gateway.address("http").getPort() + "/");
    // Without the key the API refuses, and the page says so.
    wait.until(b -> b.findElement(By.id("error")).isDisplayed());
    assertThat(browser.findElement(By.id("error")).getText()).contains("key");
    browser.findElement(By.id("api-key")).sendKeys("dash");
    browser.findElement(By.id("api-secret")).sendKeys("board-secret");
    browser.findElement(By.id("connect")).click();
    wait.until(b -> clientIds(b).size() == 3);
    assertThat(clientIds(browser)).containsExactly("meter-a", "meter-b", "sensor-c");
    assertThat(browser.findElement(By.id("listeners")).getText()).contains("exproto:tcp:tcp");

    // Traffic for the charts, then a screenshot once a few samples are drawn.
    long until = System.nanoTime() + Duration.ofSeconds(7).toNanos();
    for (int i = 0; System.nanoTime() < until; i++) {
      devices.get(1 + i % 2).call("pub alerts/t" + i + " x");
      devices.get(0).readLine();
    }
    wait.until(b -> !b.findElement(By.id("in-rate")).getText().equals("0.0"));
    Path shot = Path.of("target", "dashboard.png");
    Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), shot,
        StandardCopyOption.REPLACE_EXISTING);
    assertThat(Files.size(shot)).isGreaterThan(10_000);

    browser.findElement(By.id("search-clientid")).sendKeys("meter");
    click(browser, "#search button");
    wait.until(b -> clientIds(b).size() == 2);

    click(browser, "button.kick[data-clientid='meter-b']");
    wait.until(b -> clientIds(b).equals(List.of("meter-a")));
    assertThat(handler.awaitClosed("meter-b", Duration.ofSeconds(10)))
        .isEqualTo("{shutdown,kicked}");
    assertThat(devices.get(1).awaitClosedByGateway()).isTrue();
    assertThat(devices.get(0).call("pub alerts/still x")).isEqualTo("ok");
  }

  /** The client ids in the table, read in one script (the page re-renders it every 2 s). */
  @SuppressWarnings("unchecked")
  private static List<String> clientIds(WebDriver b) {
    return (List<String>) ((JavascriptExecutor) b).executeScript("return Array.from("
        + "document.querySelectorAll('#clients tbody td.clientid')).map(td => td.textContent)");
  }

  /** Clicks what {@code css} finds, again if a re-render replaced it in between. */
  private static void click(WebDriver b, String css) {
    for (int attempt = 0; ; attempt++) {
      try {
        b.findElement(By.cssSelector(css)).click();
        return;
      } catch (StaleElementReferenceException e) {
        if (attempt == 5) {
          throw e;
        }
      }
    }
  }
}
