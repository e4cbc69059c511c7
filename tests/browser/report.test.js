// The HTML report as a person sees it, in headless Chromium (Debian's
// `chromium`, driven by playwright-core, which downloads no browser):
// the sections, a reason that opens on click, the reasoning drawn with the
// right nodes coloured, keyboard access, and no serious accessibility
// violation by axe-core. It saves a screenshot for the README.
const test = require("node:test");
const assert = require("node:assert");
const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { chromium } = require("playwright-core");

const root = path.join(__dirname, "..", "..");
const warrant = process.env.WARRANT_BIN || path.join(root, "target", "debug", "warrant");
const out = path.join(root, "target", "browser");
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";

function report(profile) {
  fs.mkdirSync(out, { recursive: true });
  const html = execFileSync(warrant, ["--today", "2026-11-29", "explain", "--format", "html", path.join(root, profile)]);
  const file = path.join(out, path.basename(profile, ".yaml") + ".html");
  fs.writeFileSync(file, html);
  return "file://" + file;
}

test("the HTML report in Chromium", async () => {
  const browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    // Nothing may be fetched from the network.
    const requests = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(report("tests/fixtures/profiles/low_ferritin.yaml"));

    const headings = await page.locator("h2").allTextContents();
    for (const section of ["Suggestions", "Tests to consider", "Test first", "Cautions", "Daily plan", "References"]) {
      assert.ok(headings.includes(section), `section ${section} in ${headings}`);
    }
    assert.ok((await page.locator("[role=note]").first().textContent()).includes("Not medical advice."));

    // A reason is collapsed, and opens on click.
    const oralIron = page.locator("#rule-oral_iron");
    const why = oralIron.locator("details", { has: page.locator("summary", { hasText: "Why" }) });
    const firstMark = why.locator(".truth").first();
    assert.strictEqual(await firstMark.isVisible(), false, "collapsed at first");
    await why.locator("summary").click();
    assert.strictEqual(await firstMark.isVisible(), true, "open after a click");
    assert.strictEqual(await firstMark.textContent(), "✓ yes");

    // And from the keyboard: focus the next summary and press Enter.
    const evidence = oralIron.locator("summary", { hasText: "Evidence" });
    await evidence.focus();
    await page.keyboard.press("Enter");
    assert.ok(await evidence.evaluate((summary) => summary.parentElement.open), "Enter opens it");

    // The reasoning drawn: an SVG whose nodes are coloured by truth.
    await oralIron.locator("summary", { hasText: "The reasoning, drawn" }).click();
    const figure = oralIron.locator("figure svg");
    assert.ok(await figure.isVisible(), "the figure shows");
    const fills = await figure.evaluate((svg) => [...svg.querySelectorAll("[fill]")].map((n) => n.getAttribute("fill")));
    assert.ok(fills.includes("#c8e6c9ff") && fills.includes("#ffcdd2ff"), "true and false nodes coloured");
    const frame = await oralIron.locator("figure").boundingBox();
    assert.ok(frame.width <= 1100, "the figure fits the page");

    // axe-core: no serious or critical accessibility violation.
    await page.addScriptTag({ path: require.resolve("axe-core") });
    const results = await page.evaluate(async () => window.axe.run(document, { resultTypes: ["violations"] }));
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    assert.deepStrictEqual(serious.map((v) => `${v.id}: ${v.help}`), []);

    assert.deepStrictEqual(requests.filter((url) => !url.startsWith("file://")), [], "nothing fetched");
    await oralIron.screenshot({ path: path.join(out, "report-reasoning.png") });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(out, "report.png") });
  } finally {
    await browser.close();
  }
});
