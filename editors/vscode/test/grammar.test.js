// Tokenises every bundled rule file with a real TextMate engine (the one
// VS Code uses: vscode-textmate on vscode-oniguruma) and checks that each
// kind of token gets its scope.
const test = require("node:test");
const assert = require("node:assert");
const fs = require("node:fs");
const path = require("node:path");
const oniguruma = require("vscode-oniguruma");
const textmate = require("vscode-textmate");

const root = path.join(__dirname, "..", "..", "..");
const rulesDir = path.join(root, "rules");

async function loadGrammar() {
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async () => {
      const file = path.join(__dirname, "..", "syntaxes", "warrant.tmLanguage.json");
      return textmate.parseRawGrammar(fs.readFileSync(file, "utf8"), file);
    },
  });
  return registry.loadGrammar("source.warrant");
}

/** Every token of a file: its text and its innermost scope. */
function tokenise(grammar, text) {
  const tokens = [];
  let stack = textmate.INITIAL;
  for (const line of text.split("\n")) {
    const result = grammar.tokenizeLine(line, stack);
    for (const token of result.tokens) {
      tokens.push({ text: line.slice(token.startIndex, token.endIndex), scope: token.scopes[token.scopes.length - 1] });
    }
    stack = result.ruleStack;
  }
  return tokens;
}

const ruleFiles = fs.readdirSync(rulesDir).filter((f) => f.endsWith(".warrant")).sort();

test("every bundled rule file gets its scopes", async () => {
  const grammar = await loadGrammar();
  assert.ok(ruleFiles.length >= 10, "the bundled rule files");
  const seen = new Map();
  for (const file of ruleFiles) {
    const text = fs.readFileSync(path.join(rulesDir, file), "utf8");
    for (const token of tokenise(grammar, text)) {
      const text = token.text.trim();
      if (text === "") continue;
      if (!seen.has(token.scope)) seen.set(token.scope, new Set());
      seen.get(token.scope).add(text);
      // Keywords are never taken for names.
      if (["when", "unless", "cite", "strength", "recommend", "derive", "input"].includes(text)) {
        assert.ok(
          token.scope.startsWith("keyword") || token.scope.startsWith("string") || token.scope.startsWith("comment"),
          `${file}: \`${text}\` is ${token.scope}`,
        );
      }
    }
  }
  const scoped = (scope, text) => assert.ok(seen.get(scope) && seen.get(scope).has(text), `\`${text}\` as ${scope}`);
  scoped("keyword.control.declaration.warrant", "recommend");
  scoped("keyword.control.declaration.warrant", "input");
  scoped("entity.name.function.warrant", "oral_iron");
  scoped("entity.name.function.warrant", "ferritin");
  scoped("keyword.control.warrant", "when");
  scoped("keyword.control.warrant", "cite");
  scoped("keyword.operator.logical.warrant", "and");
  scoped("keyword.operator.comparison.warrant", "<=");
  scoped("constant.language.warrant", "supports");
  scoped("constant.language.warrant", "conditional");
  scoped("constant.numeric.warrant", "75");
  scoped("keyword.other.unit.warrant", "ng/mL");
  scoped("keyword.other.unit.warrant", "%");
  scoped("constant.numeric.date.warrant", "2026-11-29");
  scoped("variable.other.warrant", "iron_low_for_rls");
  scoped("variable.other.warrant", "aasm_2025_rls_guideline");
  assert.ok([...seen.get("comment.line.double-slash.warrant")].every((t) => t.startsWith("//")), "comments");
  assert.ok([...seen.get("string.quoted.double.warrant")].length > 50, "strings");
});

test("a unit is not read where a keyword follows a number", async () => {
  const grammar = await loadGrammar();
  const tokens = tokenise(grammar, "  dose 65 to 130 mg daily\n  when ferritin <= 75 ng/mL and tsat < 20 %");
  const scope = (text) => tokens.find((t) => t.text.trim() === text).scope;
  assert.strictEqual(scope("to"), "keyword.operator.logical.warrant");
  assert.strictEqual(scope("mg"), "keyword.other.unit.warrant");
  assert.strictEqual(scope("daily"), "keyword.control.warrant");
  assert.strictEqual(scope("and"), "keyword.operator.logical.warrant");
  assert.strictEqual(scope("%"), "keyword.other.unit.warrant");
});
