#!/usr/bin/env bash
# Builds the browser playground into playground/: Warrant compiled to
# WebAssembly (crates/warrant-wasm), its JavaScript bindings, and the
# example rules and profile it opens with. Then serve the folder:
#
#   scripts/build-playground.sh && python3 -m http.server -d playground 8000
#
# Installs what it needs when missing: the wasm32 target (rustup) and the
# wasm-bindgen CLI at the version crates/warrant-wasm pins.
set -euo pipefail
cd "$(dirname "$0")/.."

version=0.2.105
rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
wasm-bindgen --version 2>/dev/null | grep -q "$version" || cargo install wasm-bindgen-cli --locked --version "$version"

cargo build -p warrant-wasm --target wasm32-unknown-unknown --release --locked
wasm-bindgen --target web --no-typescript --out-dir playground/pkg \
    target/wasm32-unknown-unknown/release/warrant_wasm.wasm
# The examples it opens with: a small self-contained rule file from the
# tests, and a profile for it.
node -e '
const fs = require("fs");
const rules = fs.readFileSync("tests/fixtures/person/rules/person.warrant", "utf8");
const profile = "name: example\nage: 40\nsex: female\nlabs:\n  ferritin: { value: 30, unit: ng/mL, date: 2026-11-01 }\n  tsat: { value: 25, unit: \"%\", date: 2026-11-01 }\nconditions: []\nmedications: []\nsupplements: []\n";
fs.writeFileSync("playground/examples.js",
  "// Written by scripts/build-playground.sh.\nexport const RULES = " + JSON.stringify(rules) + ";\nexport const PROFILE = " + JSON.stringify(profile) + ";\n");
'
echo "playground built: serve it with python3 -m http.server -d playground 8000"
