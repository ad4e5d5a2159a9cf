// Drives the web page like a person would, in headless Chromium, and prints what it saw as JSON.
// Usage: node page-test.mjs <frontend url> <api key> <screenshot.png>
import { chromium } from "playwright-core";

const [url, key, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));

  await page.goto(url);
  const title = await page.title();
  await page.fill("#api-key", key);
  await page.click("#connect");
  await page.waitForSelector("#key-status:has-text('Key accepted')", { timeout: 30000 });
  const miniatureNotice = await page.waitForSelector("#miniature:not([hidden])", { timeout: 10000 }).then(() => true, () => false);

  await page.fill("#text", "Hello from the browser test. The page streams and plays this. It starts to play before the last "
    + "byte has arrived. A fourth sentence keeps the response going. And a fifth one, to be sure.");
  await page.selectOption("#language", "english");
  await page.selectOption("#format", "wav");
  await page.fill("#description", "A cheerful young woman, bright and quick.");
  await page.click("#generate");
  const sawProgress = await page.waitForSelector("#progress-text:has-text('KiB')", { timeout: 30000 }).then(() => true, () => false);
  await page.waitForSelector("#player:not([hidden])", { timeout: 60000 }).catch(async (error) => {
    throw new Error(`${error.message}; page error: ${await page.textContent("#error")}; console: ${consoleErrors.join(" | ")}`);
  });
  const doneText = await page.textContent("#progress-text");
  const duration = await page.evaluate(async () => {
    const audio = document.getElementById("player");
    if (!(audio.duration > 0)) {
      await new Promise((resolve, reject) => {
        audio.addEventListener("loadedmetadata", resolve, { once: true });
        audio.addEventListener("error", () => reject(new Error("audio element error " + audio.error?.code)), { once: true });
      });
    }
    return audio.duration;
  });
  const timings = await page.evaluate(() => window.qwenttsTimings);
  const timingText = await page.textContent("#timing");
  const download = await page.getAttribute("#download", "download");
  const downloadHidden = await page.isHidden("#download");

  // Chromium's own decoders must accept every format the API streams.
  const decoded = await page.evaluate(async (apiKey) => {
    const result = {};
    for (const format of ["mp3", "opus", "flac", "wav"]) {
      const response = await fetch("/v1/audio/speech", {
        method: "POST",
        headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
        body: JSON.stringify({ input: "Browser decoding check.", voice: "alloy", response_format: format }),
      });
      // Decoded exactly as sent: a streamed WAV's header has open-ended sizes (0xFFFFFFFF), which Chromium accepts.
      const bytes = new Uint8Array(await response.arrayBuffer());
      try {
        const audio = await new OfflineAudioContext(1, 24000, 24000).decodeAudioData(bytes.buffer);
        result[format] = audio.duration;
      } catch (error) {
        result[format] = "error: " + error;
      }
    }
    return result;
  }, key);

  await page.fill("#voice-name", "browser-voice");
  await page.click("#save-voice");
  await page.waitForSelector("#save-status:has-text('Saved voice')", { timeout: 60000 });
  const voiceOptions = await page.$$eval("#voice option", (options) => options.map((o) => o.value));
  const listed = await page.textContent("#voices");

  await page.selectOption("#voice", "browser-voice");
  await page.click("#generate");
  await page.waitForSelector("#progress-text:has-text('Done')", { timeout: 60000 });

  // Speak as I type: the WebSocket demo, key sent as a subprotocol.
  await page.click("#live-start");
  await page.waitForSelector("#live-text:not([disabled])", { timeout: 30000 });
  await page.type("#live-text", "Typed in the browser. ", { delay: 5 });
  await page.waitForSelector("#live-status:has-text('spoken on card')", { timeout: 60000 });
  await page.type("#live-text", "And a last one.", { delay: 5 });
  await page.click("#live-done");
  await page.waitForSelector("#live-status:has-text('Session done')", { timeout: 60000 });
  const liveStatus = await page.textContent("#live-status");

  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ title, miniatureNotice, sawProgress, doneText, duration, download, downloadHidden, decoded, voiceOptions, listed,
    timings, timingText, liveStatus, consoleErrors }));
} finally {
  await browser.close();
}
