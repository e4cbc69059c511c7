// The playground in Chromium: Warrant compiled to WebAssembly, no server
// behind it. It opens with a report; a typo in the rules shows the error
// at the right line, underlined. Needs `scripts/build-playground.sh` first;
// without playground/pkg the test is skipped and says so.
const test = require("node:test");
const assert = require("node:assert");
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const { chromium } = require("playwright-core");

const root = path.join(__dirname, "..", "..");
const dir = path.join(root, "playground");
const built = fs.existsSync(path.join(dir, "pkg", "warrant_wasm.js"));
const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };

test("the playground", { skip: built ? false : "playground not built: run scripts/build-playground.sh" }, async () => {
  // A static server: modules and WebAssembly are not loaded from file:// URLs.
  const server = http.createServer((request, response) => {
    const file = path.join(dir, decodeURIComponent(new URL(request.url, "http://x").pathname).replace(/\/$/, "/index.html"));
    if (!file.startsWith(dir) || !fs.existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream" });
    fs.createReadStream(file).pipe(response);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.locator("#status", { hasText: "ok" }).waitFor();
    const report = page.frameLocator("#report");
    await report.locator("h1", { hasText: "Warrant report" }).waitFor();
    assert.ok(await report.locator("#rule-oral_iron").count(), "the example's oral iron suggestion");

    // A typo in a name: the diagnostic names the right line and underlines it.
    const rules = await page.locator("#rules").inputValue();
    const typo = rules.replace("when iron_low\n", "when iron_lo\n");
    assert.notStrictEqual(typo, rules);
    const line = typo.split("\n").findIndex((l) => l.includes("when iron_lo") && !l.includes("iron_low")) + 1;
    await page.locator("#rules").fill(typo);
    const diagnostic = page.locator("#diagnostics pre").first();
    await diagnostic.waitFor();
    const shown = await diagnostic.textContent();
    assert.ok(shown.startsWith(`rules.warrant:${line}:`), shown);
    assert.ok(shown.includes(`${line} |   when iron_lo`) && /\^{7}/.test(shown), shown);
    await page.screenshot({ path: path.join(root, "target", "browser", "playground.png") });
  } finally {
    await browser.close();
    server.close();
  }
});
