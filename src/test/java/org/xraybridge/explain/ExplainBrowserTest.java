package org.xraybridge.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.xraybridge.explain.ExplainFixtures.CLIENT;
import static org.xraybridge.explain.ExplainFixtures.DYNAMO;
import static org.xraybridge.explain.ExplainFixtures.NATIVE_TRACE;
import static org.xraybridge.explain.ExplainFixtures.ROOT;
import static org.xraybridge.explain.ExplainFixtures.SEGMENT;
import static org.xraybridge.explain.ExplainFixtures.nativeHalf;
import static org.xraybridge.explain.ExplainFixtures.xrayHalf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.http.codec.autoconfigure.CodecsAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webflux.autoconfigure.HttpHandlerAutoConfiguration;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.xraybridge.config.ExplainConfiguration;
import org.xraybridge.convert.ConvertOptions;
import org.xraybridge.convert.SegmentConverter;
import org.xraybridge.model.ConvertedTrace;
import org.xraybridge.model.Ledger;
import org.xraybridge.model.Priority;
import org.xraybridge.testing.BigTraces;

/**
 * The page in a real browser: Debian's headless Chromium driven through its ChromeDriver, against a
 * server on a random port that runs only the explain configuration. Opens a joined trace from the
 * list and checks the waterfall shows both halves, in their two colours, with the X-Ray root nested
 * under the tracer's client span. Saves {@code target/explain-waterfall.png}.
 *
 * <p>Fails (never skips) when the browser is missing: {@code .ci/run} installs {@code chromium} and
 * {@code chromium-driver}.
 */
@SpringBootTest(
    classes = ExplainBrowserTest.App.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"spring.main.banner-mode=off", "bridge.explain.max-traces=100",
      // room for a 10,000-span trace: one trace keeps at most a quarter (docs/explain.md)
      "bridge.explain.max-bytes=64MB"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExplainBrowserTest {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final String NATIVE_COLOUR = "rgba(99, 44, 166, 1)";
  static final String XRAY_COLOUR = "rgba(232, 135, 14, 1)";

  /** The web server, WebFlux and Jackson as the application configures them, and the explain configuration: nothing else. */
  @SpringBootConfiguration(proxyBeanMethods = false)
  @ImportAutoConfiguration({
    PropertyPlaceholderAutoConfiguration.class,
    NettyReactiveWebServerAutoConfiguration.class,
    HttpHandlerAutoConfiguration.class,
    WebFluxAutoConfiguration.class,
    JacksonAutoConfiguration.class,
    CodecsAutoConfiguration.class
  })
  @Import(ExplainConfiguration.class)
  static class App {}

  @LocalServerPort int port;
  @Autowired ExplainRecorder recorder;

  ChromeDriver driver;
  WebDriverWait wait;

  @BeforeAll
  void startBrowser() throws IOException {
    assertThat(CHROMIUM).as("Chromium is required (apt-get install chromium chromium-driver)").isExecutable();
    assertThat(CHROMEDRIVER).as("ChromeDriver is required (apt-get install chromium-driver)").isExecutable();
    Path target = Path.of("target");
    Files.createDirectories(target);
    Path profile = Files.createTempDirectory(target, "chromium-profile-");
    ChromeOptions options = new ChromeOptions()
        .setBinary(CHROMIUM.toString())
        .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1440,960", "--user-data-dir=" + profile);
    options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
    wait = new WebDriverWait(driver, Duration.ofSeconds(15), Duration.ofMillis(50));
    recordTraces();
  }

  @AfterAll
  void quitBrowser() {
    if (driver != null) driver.quit();
  }

  void recordTraces() {
    // the four ways a trace can end up: joined, env mismatch, sampled out, X-Ray half alone
    ExplainFixtures.Pipeline p = new ExplainFixtures.Pipeline(recorder);
    p.offer(nativeHalf(0x1000000000000001L, Priority.AUTO_KEEP, "prod")).flush().offer(xrayHalf(0x1000000000000001L, "none")).flush();
    p.offer(nativeHalf(0x2000000000000002L, Priority.AUTO_REJECT, "prod")).flush().offer(xrayHalf(0x2000000000000002L, "prod")).flush();
    p.offer(xrayHalf(0x3000000000000003L, "prod")).flush();
    p.offer(nativeHalf(NATIVE_TRACE, Priority.AUTO_KEEP, "prod")).flush().offer(xrayHalf(NATIVE_TRACE, "prod")).flush();
  }

  WebElement row(long spanId) {
    return driver.findElement(By.cssSelector(".span-row[data-span-id='" + Long.toUnsignedString(spanId) + "']"));
  }

  @Test
  void page_openJoinedTrace_waterfallShowsBothHalvesNestedUnderTheClientSpan() throws IOException {
    driver.get("http://localhost:" + port + "/");
    String key = Long.toString(NATIVE_TRACE);
    By listRow = By.cssSelector("#traces tbody tr[data-trace-key='" + key + "']");
    wait.until(ExpectedConditions.elementToBeClickable(listRow));
    assertThat(driver.findElements(By.cssSelector("#traces tbody tr"))).hasSizeGreaterThanOrEqualTo(4);
    assertThat(driver.findElement(listRow).getText()).contains("checkout-service", "payments-service", "prod", "✓ joined");
    assertThat(driver.findElement(By.cssSelector("#traces tbody tr[data-status='env_mismatch']")).getText()).contains("env mismatch");

    driver.findElement(listRow).click();
    wait.until(d -> d.findElements(By.cssSelector("#waterfall .span-row")).size() == 5);

    // both halves, in two different colours, with a legend
    List<WebElement> nativeRows = driver.findElements(By.cssSelector("#waterfall .span-row.half-native"));
    List<WebElement> xrayRows = driver.findElements(By.cssSelector("#waterfall .span-row.half-xray"));
    assertThat(nativeRows).hasSize(2);
    assertThat(xrayRows).hasSize(3);
    assertThat(nativeRows.get(0).findElement(By.className("bar")).getCssValue("background-color")).isEqualTo(NATIVE_COLOUR);
    assertThat(xrayRows.get(0).findElement(By.className("bar")).getCssValue("background-color")).isEqualTo(XRAY_COLOUR);
    assertThat(driver.findElement(By.className("legend")).getText()).contains("native", "X-Ray");

    // nesting: root › client › X-Ray segment › its subsegments, each indented further
    List<String> order = driver.findElements(By.cssSelector("#waterfall .span-row")).stream().map(e -> e.getDomAttribute("data-span-id")).toList();
    assertThat(order.subList(0, 3)).containsExactly(Long.toUnsignedString(ROOT), Long.toUnsignedString(CLIENT), Long.toUnsignedString(SEGMENT));
    WebElement client = row(CLIENT);
    WebElement segment = row(SEGMENT);
    assertThat(segment.getDomAttribute("data-half")).isEqualTo("xray_poll");
    assertThat(segment.getDomAttribute("data-parent-id")).isEqualTo(Long.toUnsignedString(CLIENT));
    assertThat(Integer.parseInt(segment.getDomAttribute("data-depth"))).isEqualTo(Integer.parseInt(client.getDomAttribute("data-depth")) + 1);
    int clientX = client.findElement(By.className("svc")).getRect().getX();
    int segmentX = segment.findElement(By.className("svc")).getRect().getX();
    assertThat(segmentX).as("the X-Ray root is indented under the client span").isGreaterThan(clientX);
    assertThat(row(DYNAMO).findElement(By.className("svc")).getRect().getX()).isGreaterThan(segmentX);
    // bars on the time axis: the X-Ray segment starts after the client span and ends before it
    assertThat(segment.findElement(By.className("bar")).getRect().getX()).isGreaterThan(client.findElement(By.className("bar")).getRect().getX());

    // the error is marked, the decisions are beside the waterfall
    assertThat(row(DYNAMO).getDomAttribute("class")).contains("error");
    assertThat(row(DYNAMO).getText()).contains("⚠");
    assertThat(driver.findElement(By.id("trace-status")).getText()).isEqualTo("joined");
    assertThat(driver.findElement(By.id("decisions")).getText()).contains("Index hit", "auto_keep", "X-Ray half: joined");

    // a click shows the span's tags
    segment.click();
    WebElement detail = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("span-detail")));
    assertThat(detail.getText()).contains("aws.xray.trace_id", "http.status_code", Long.toUnsignedString(CLIENT));

    Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), Path.of("target", "explain-waterfall.png"), StandardCopyOption.REPLACE_EXISTING);
    assertThat(browserErrors()).isEmpty();
  }

  @Test
  void page_notJoinedTrace_saysWhyAndTheListRefreshesByItself() throws IOException {
    driver.get("http://localhost:" + port + "/#trace=" + Long.toUnsignedString(0x1000000000000001L));
    wait.until(d -> d.findElements(By.cssSelector("#waterfall .span-row")).size() == 5);
    assertThat(driver.findElement(By.id("trace-status")).getText()).isEqualTo("not joined: env mismatch");
    assertThat(driver.findElement(By.id("trace-reason")).getText()).contains("'prod'", "'none'");
    assertThat(driver.findElement(By.id("decisions")).getText()).contains("env mismatch", "bridge.xray.env");

    // a trace recorded after the page loaded appears without a reload
    long later = 0x4000000000000004L;
    new ExplainFixtures.Pipeline(recorder).offer(nativeHalf(later, Priority.AUTO_KEEP, "prod")).flush();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#traces tbody tr[data-trace-key='" + later + "']")));

    Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), Path.of("target", "explain-env-mismatch.png"), StandardCopyOption.REPLACE_EXISTING);
    assertThat(browserErrors()).isEmpty();
  }

  @Test
  void page_openTenThousandSpanTrace_loadsWithVirtualRowsAndScrollsToTheLastSpan() throws IOException {
    // X-Ray's largest trace, as the converter makes it of documents as the API serves them, cut by X-Ray
    ConvertedTrace big = new SegmentConverter(ConvertOptions.DEFAULTS, Ledger.NONE, Clock.systemUTC())
        .convert(BigTraces.trace(10_000, 10_000, 500, Instant.now().getEpochSecond() - 120).documents(true));
    new ExplainFixtures.Pipeline(recorder).offer(big).flush();
    String id = Long.toUnsignedString(big.traceId());

    long opened = System.nanoTime();
    driver.get("http://localhost:" + port + "/#trace=" + id);
    wait.withTimeout(Duration.ofSeconds(60))
        .until(d -> d.findElement(By.id("axis")).getText().contains("10000 spans") && !d.findElements(By.cssSelector("#waterfall .span-row")).isEmpty());
    long loadedMillis = (System.nanoTime() - opened) / 1_000_000;
    System.out.printf("explain page: a 10,000-span trace opened and drawn in %d ms%n", loadedMillis);

    // virtual rows: a scroll box as tall as 10,000 rows, a few dozen of them in the document
    WebElement box = driver.findElement(By.id("waterfall"));
    assertThat(driver.findElement(By.cssSelector("#waterfall .waterfall-rows")).getRect().getHeight()).isEqualTo(10_000 * 22);
    assertThat(box.getRect().getHeight()).isLessThan(1_000);
    assertThat(driver.findElements(By.cssSelector("#waterfall .span-row"))).hasSizeBetween(10, 200);
    WebElement first = driver.findElement(By.cssSelector("#waterfall .span-row[data-row='0']"));
    assertThat(first.getDomAttribute("data-depth")).isEqualTo("0");
    assertThat(first.getDomAttribute("data-parent-id")).as("the root").isEmpty();
    assertThat(first.getText()).contains("order-importer");
    assertThat(driver.findElement(By.id("decisions")).getText()).contains("cut by X-Ray", "LimitExceeded");

    // scrolling to the end brings the last rows in, and still only a few dozen
    driver.executeScript("arguments[0].scrollTop = arguments[0].scrollHeight", box);
    WebElement last = wait.until(d -> d.findElement(By.cssSelector("#waterfall .span-row[data-row='9999']")));
    assertThat(driver.findElements(By.cssSelector("#waterfall .span-row"))).hasSizeBetween(10, 200);
    assertThat(driver.findElements(By.cssSelector("#waterfall .span-row[data-row='0']"))).isEmpty();
    assertThat(last.getRect().getY() + last.getRect().getHeight()).isLessThanOrEqualTo(box.getRect().getY() + box.getRect().getHeight());
    driver.executeScript("arguments[0].scrollTop = 5000 * 22", box);
    wait.until(d -> !d.findElements(By.cssSelector("#waterfall .span-row[data-row='5000']")).isEmpty());

    // a row far down still opens its tags, which say X-Ray cut the trace
    driver.executeScript("arguments[0].scrollTop = arguments[0].scrollHeight", box);
    wait.until(d -> d.findElement(By.cssSelector("#waterfall .span-row[data-row='9999']"))).click();
    WebElement detail = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("span-detail")));
    assertThat(detail.getText()).contains("aws.xray.limit_exceeded", "DynamoDB");

    Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), Path.of("target", "explain-10000-spans.png"), StandardCopyOption.REPLACE_EXISTING);
    assertThat(loadedMillis).as("wide margin: the page is usable, not fast on a loaded machine").isLessThan(30_000);
    assertThat(browserErrors()).isEmpty();
  }

  /** Script errors and Content-Security-Policy violations the browser reported. */
  List<String> browserErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .toList();
  }
}
