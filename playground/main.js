// Runs Warrant (compiled to WebAssembly) on every edit and shows the
// diagnostics, each with its source line underlined, or the report.
import init, { playground } from "./pkg/warrant_wasm.js";
import { RULES, PROFILE } from "./examples.js";

const $ = (id) => document.getElementById(id);

function escape(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A diagnostic as `check` shows it: place, message, the line, the underline. */
function show(diagnostic, sources) {
  const label = (diagnostic.labels || []).find((l) => l.primary) || (diagnostic.labels || [])[0];
  let text = `${diagnostic.severity}${diagnostic.code ? `[${diagnostic.code}]` : ""}: ${diagnostic.message}`;
  if (label) {
    const line = (sources[label.file] || "").split("\n")[label.line - 1] || "";
    const width = Math.max(1, (label.end_line === label.line ? label.end_column : line.length + 1) - label.column);
    const gutter = String(label.line).length;
    text = `${label.file}:${label.line}:${label.column}: ${text}\n${label.line} | ${line}\n${" ".repeat(gutter)} | ${" ".repeat(label.column - 1)}${"^".repeat(width)} ${label.message}`;
  }
  if (diagnostic.help) text += `\nhelp: ${diagnostic.help}`;
  return `<pre class="diagnostic" data-line="${label ? label.line : ""}">${escape(text)}</pre>`;
}

function update() {
  const rules = $("rules").value;
  const evidence = $("evidence").value;
  const profile = $("profile").value;
  const answer = JSON.parse(playground(rules, evidence, profile, $("today").value));
  const sources = { "rules.warrant": rules, "evidence.yaml": evidence, "profile.yaml": profile };
  $("diagnostics").innerHTML = answer.diagnostics.map((d) => show(d, sources)).join("");
  // With problems, the report stays the last one without, dimmed, and says so.
  $("status").textContent = answer.diagnostics.length
    ? `${answer.diagnostics.length} problem(s); the report shown is the last one without`
    : "ok";
  $("report").style.opacity = answer.report ? "1" : "0.45";
  if (answer.report) $("report").srcdoc = answer.report;
}

await init();
$("rules").value = RULES;
$("profile").value = PROFILE;
let pending;
for (const id of ["rules", "evidence", "profile", "today"]) {
  $(id).addEventListener("input", () => {
    clearTimeout(pending);
    pending = setTimeout(update, 250);
  });
}
update();
