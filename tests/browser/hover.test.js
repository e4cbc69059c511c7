// `warrant lsp`'s hover over a citation, as an editor shows it: the
// server is started and asked over JSON-RPC, exactly as an editor would,
// and its Markdown answer is rendered beside the rule it was asked about,
// in Chromium, for the README's screenshot.
const test = require("node:test");
const assert = require("node:assert");
const fs = require("node:fs");
const path = require("node:path");
const { spawn } = require("node:child_process");
const { pathToFileURL } = require("node:url");
const { chromium } = require("playwright-core");

const root = path.join(__dirname, "..", "..");
const server = process.env.WARRANT_LSP_BIN || path.join(root, "target", "debug", "warrant-lsp");
const out = path.join(root, "target", "browser");

/** A JSON-RPC session with the language server over its stdio. */
function session() {
  const child = spawn(server, [], { env: { ...process.env, WARRANT_TODAY: "2026-11-29" } });
  let buffer = Buffer.alloc(0);
  const waiting = new Map();
  child.stdout.on("data", (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const header = buffer.indexOf("\r\n\r\n");
      if (header < 0) return;
      const length = Number(/Content-Length: (\d+)/.exec(buffer.slice(0, header).toString())[1]);
      if (buffer.length < header + 4 + length) return;
      const message = JSON.parse(buffer.slice(header + 4, header + 4 + length).toString());
      buffer = buffer.slice(header + 4 + length);
      if (message.id !== undefined && waiting.has(message.id)) waiting.get(message.id)(message);
    }
  });
  const send = (message) => {
    const body = JSON.stringify({ jsonrpc: "2.0", ...message });
    child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };
  const request = (id, method, params) =>
    new Promise((resolve) => {
      waiting.set(id, resolve);
      send({ id, method, params });
    });
  return { child, send, request };
}

test("hover over a citation, rendered", async () => {
  const { child, send, request } = session();
  const rootUri = pathToFileURL(root).href;
  await request(1, "initialize", { processId: null, rootUri, capabilities: {} });
  send({ method: "initialized", params: {} });
  const file = path.join(root, "rules", "iron.warrant");
  const text = fs.readFileSync(file, "utf8");
  const uri = pathToFileURL(file).href;
  send({ method: "textDocument/didOpen", params: { textDocument: { uri, languageId: "warrant", version: 1, text } } });
  const lines = text.split("\n");
  const line = lines.findIndex((l) => l.includes("trenkwalder_2017_fcm") && !l.trim().startsWith("//"));
  const character = lines[line].indexOf("trenkwalder_2017_fcm") + 3;
  const hover = await request(2, "textDocument/hover", { textDocument: { uri }, position: { line, character } });
  await request(3, "shutdown", null);
  send({ method: "exit" });
  child.kill();
  const markdown = hover.result.contents.value;
  assert.ok(markdown.startsWith("**evidence** `trenkwalder_2017_fcm`"), markdown);
  assert.ok(markdown.includes("The Lancet Neurology, 2011"), "how the article cited it");

  const { marked } = await import("marked");
  const escape = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const excerpt = lines.slice(Math.max(0, line - 8), line + 3).map(escape).join("\n");
  const page = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>warrant lsp: hover</title><style>
    body { margin: 0; background: #1e1e1e; font: 14px/1.45 monospace; color: #d4d4d4; padding: 16px; width: 900px; }
    pre { margin: 0; } .hover { position: absolute; left: 130px; top: ${(Math.min(line, 8) + 1) * 20 + 24}px; width: 640px;
    background: #252526; border: 1px solid #454545; padding: 8px 12px; font: 13px/1.45 system-ui, sans-serif; color: #cccccc;
    box-shadow: 0 2px 8px rgba(0,0,0,.6); } .hover code { font-family: monospace; color: #d7ba7d; } .hover p { margin: .4em 0; }
    </style></head><body><pre>${excerpt}</pre><div class="hover" role="tooltip">${marked.parse(markdown)}</div></body></html>`;
  fs.mkdirSync(out, { recursive: true });
  const html = path.join(out, "lsp-hover.html");
  fs.writeFileSync(html, page);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
  try {
    const tab = await browser.newPage({ viewport: { width: 940, height: 520 } });
    await tab.goto(pathToFileURL(html).href);
    assert.ok((await tab.locator(".hover").textContent()).includes("certainty"));
    await tab.screenshot({ path: path.join(out, "lsp-hover.png") });
  } finally {
    await browser.close();
  }
});
