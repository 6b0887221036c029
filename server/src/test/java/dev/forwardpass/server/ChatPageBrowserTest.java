package dev.forwardpass.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forwardpass.models.text.TextModel;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The chat page in a real browser (the OS's Chromium, driven through its chromedriver): a message sent from the page
 * is answered as a stream, and pointing at a generated token shows its five likeliest alternatives.
 */
class ChatPageBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String MESSAGE = "Tell me about a cat and a dog";
    private static final int MAX_TOKENS = 32;
    /** Each step of the model waits this long, so that the page is seen mid-stream. */
    private static final Duration STEP = Duration.ofMillis(20);
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    /** The page shows probabilities as percentages rounded to 0.1. */
    private static final double SHOWN_PERCENT_ROUNDING = 0.05;
    /** Warns that Selenium has no DevTools bindings for this Chromium's version: the test needs none. */
    private static final Logger CDP_VERSION_FINDER = Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    @Test
    void aMessageSentFromThePageIsAnsweredStreamedWithTheTopFiveAlternativesOfItsTokens(@TempDir Path tmp)
            throws Exception {
        requireBrowser();
        try (TextModel model = TestServer.stories("java", true);
                TestServer server = TestServer.start(
                        TestServer.pausing(model, () -> LockSupport.parkNanos(STEP.toNanos())),
                        TestServer.options(1, 0))) {
            WebDriver browser = headlessChromium(tmp);
            try {
                browser.get(server.url("/"));
                setField(browser, "temperature", "0");
                setField(browser, "maxTokens", Integer.toString(MAX_TOKENS));
                browser.findElement(By.id("message")).sendKeys(MESSAGE);
                browser.findElement(By.id("send")).click();

                WebDriverWait wait = new WebDriverWait(browser, DEADLINE, Duration.ofMillis(20));
                int midStream = wait.withMessage("a first token while the answer streams")
                        .until(page -> streamedTokens(page, true));
                int complete = wait.withMessage("the end of the stream").until(page -> streamedTokens(page, false));
                assertTrue(complete > midStream, "the answer grew from " + midStream + " to " + complete + " tokens");

                // the page shows what the API answers to the same chat, token by token
                JsonNode expected = answerOfTheApi(server);
                WebElement answer = browser.findElement(By.cssSelector(".turn.assistant"));
                assertEquals(expected.at("/message/content").asText(), answer.getDomProperty("textContent"));
                List<WebElement> tokens = answer.findElements(By.className("token"));
                JsonNode logprobs = expected.at("/logprobs/content");
                assertEquals(logprobs.size(), tokens.size(), "one token a stream event");

                int pointed = tokens.size() / 2;
                new Actions(browser).moveToElement(tokens.get(pointed)).perform();
                List<WebElement> rows = wait.withMessage("the alternatives of the token pointed at")
                        .until(page -> nonEmpty(page.findElements(By.cssSelector("#choices tr"))));
                assertAlternatives(tokens.get(pointed).getDomProperty("textContent"), rows, logprobs.get(pointed));
            } finally {
                browser.quit();
            }
        }
    }

    /**
     * The five rows are the API's top-5 of the token, as probabilities that sum to at most 1; decoding is greedy, so
     * the token itself is the first and the one marked as sampled.
     */
    private static void assertAlternatives(String token, List<WebElement> rows, JsonNode logprob) throws IOException {
        assertEquals(5, rows.size(), "rows of alternatives");
        JsonNode top = logprob.get("top_logprobs");
        double sum = 0;
        double previous = 100;
        for (int i = 0; i < rows.size(); i++) {
            List<WebElement> cells = rows.get(i).findElements(By.tagName("td"));
            String text = JsonFields.MAPPER.readValue(cells.get(0).getDomProperty("textContent"), String.class);
            double percent = Double.parseDouble(cells.get(1).getText().replace("%", ""));
            assertEquals(top.get(i).get("token").asText(), text, "alternative " + i);
            assertEquals(100 * Math.exp(top.get(i).get("logprob").asDouble()), percent, SHOWN_PERCENT_ROUNDING + 1e-9,
                    "percentage of alternative " + i);
            assertTrue(percent >= 0 && percent <= previous, "alternatives from likeliest down: " + percent + "%");
            assertEquals(i == 0, "sampled".equals(rows.get(i).getDomAttribute("class")), "row " + i + " marked sampled");
            assertEquals(i == 0, text.equals(token), "row " + i + " is the token " + token);
            sum += percent;
            previous = percent;
        }
        assertTrue(sum <= 100 + rows.size() * SHOWN_PERCENT_ROUNDING, "the five sum to at most 100%: " + sum);
    }

    /**
     * {@return the number of tokens of the answer once it has at least one and is still streaming (or has finished, if
     * not {@code streaming}), else null for the wait to look again}; an error shown by the page fails the test.
     */
    private static Integer streamedTokens(WebDriver page, boolean streaming) {
        List<WebElement> errors = page.findElements(By.cssSelector(".error"));
        if (!errors.isEmpty()) {
            throw new AssertionError("the page shows an error: " + errors.getFirst().getText());
        }
        // tokens first: if the stream is still on after, it was on when they were counted
        int tokens = page.findElements(By.cssSelector(".turn.assistant .token")).size();
        boolean sending = !page.findElement(By.id("send")).isEnabled();
        return tokens > 0 && sending == streaming ? tokens : null;
    }

    private static <T> List<T> nonEmpty(List<T> list) {
        return list.isEmpty() ? null : list;
    }

    private static void setField(WebDriver browser, String id, String value) {
        WebElement field = browser.findElement(By.id(id));
        field.clear();
        field.sendKeys(value);
    }

    /** {@return the first choice of the API's (not streamed) answer to the page's chat} */
    private static JsonNode answerOfTheApi(TestServer server) throws IOException {
        HttpResponse<String> response = server.post("/v1/chat/completions", String.format(Locale.ROOT,
                "{\"messages\": [{\"role\": \"user\", \"content\": \"%s\"}], \"temperature\": 0, \"max_tokens\": %d,"
                        + " \"logprobs\": true, \"top_logprobs\": 5}", MESSAGE, MAX_TOKENS));
        assertEquals(200, response.statusCode(), response.body());
        return JsonFields.MAPPER.readTree(response.body()).at("/choices/0");
    }

    /**
     * {@return Chromium without a window, through the OS's chromedriver: nothing is looked up or downloaded}; its
     * temporary files go to {@code tmp}, which the test removes (Chromium leaves a folder in {@code /tmp} otherwise)
     */
    private static WebDriver headlessChromium(Path tmp) {
        CDP_VERSION_FINDER.setLevel(Level.OFF);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .withEnvironment(Map.of("TMPDIR", tmp.toString())).build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                // no sandbox: CI runs as root, where Chromium's sandbox refuses to start
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800");
        return new ChromeDriver(service, options);
    }

    /**
     * Skips the test when Chromium or its chromedriver is absent (a local {@code mvn} run), with a reason that names
     * the script that installs them; with {@code FORWARDPASS_REQUIRE_SHARED=1} (CI) it fails instead.
     */
    private static void requireBrowser() {
        if (Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER)) {
            return;
        }
        String reason = "needs " + CHROMIUM + " and " + CHROMEDRIVER + ": run scripts/test-packages.sh (as root)";
        if ("1".equals(System.getenv("FORWARDPASS_REQUIRE_SHARED"))) {
            throw new IllegalStateException(reason + " (FORWARDPASS_REQUIRE_SHARED is set)");
        }
        Assumptions.abort(reason);
    }
}
