//! The language server's answers, driven in-process: diagnostics equal to
//! `check`'s, hover, definitions, formatting, symbols, and no failure on
//! any prefix of any bundled rule file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use std::fs;
use std::path::{Path, PathBuf};

use lsp_types::Url;
use serde_json::{Value, json};
use warrant_lsp::Server;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A workspace holding copies of the bundled `rules/` and `evidence/`.
fn workspace() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["rules", "evidence"] {
        fs::create_dir_all(dir.path().join(sub)).unwrap();
        for entry in fs::read_dir(repository().join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "warrant" || e == "yaml") {
                fs::copy(&path, dir.path().join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    let root = dir.path().canonicalize().unwrap();
    let server = Server::new(root, warrant::dates::parse_argument("2026-11-29").unwrap());
    (dir, server)
}

fn uri(server_root: &Path, relative: &str) -> String {
    Url::from_file_path(server_root.canonicalize().unwrap().join(relative)).unwrap().to_string()
}

fn open(server: &mut Server, uri: &str, text: &str) -> Vec<(String, Value)> {
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "warrant", "version": 1, "text": text } }),
    )
}

fn change(server: &mut Server, uri: &str, text: &str) -> Vec<(String, Value)> {
    server.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [ { "text": text } ] }),
    )
}

fn at(uri: &str, text: &str, needle: &str) -> Value {
    let offset = text.find(needle).unwrap_or_else(|| panic!("{needle} not in the text")) + 1;
    let position = warrant_lsp::position_of(text, offset);
    json!({ "textDocument": { "uri": uri }, "position": position })
}

/// Diagnostics published for `uri`.
fn published_for<'a>(notifications: &'a [(String, Value)], uri: &str) -> &'a Vec<Value> {
    let (_, params) = notifications
        .iter()
        .find(|(method, params)| method == "textDocument/publishDiagnostics" && params["uri"] == uri)
        .unwrap_or_else(|| panic!("nothing published for {uri}"));
    params["diagnostics"].as_array().unwrap()
}

#[test]
fn diagnostics_are_those_check_gives_for_the_same_text() {
    let (dir, mut server) = workspace();
    let iron = uri(dir.path(), "rules/iron.warrant");
    let text = fs::read_to_string(dir.path().join("rules/iron.warrant")).unwrap();
    let clean = open(&mut server, &iron, &text);
    let errors = |list: &Vec<Value>| list.iter().filter(|d| d["severity"] == 1).count();
    assert_eq!(errors(published_for(&clean, &iron)), 0);

    // Two mistakes: an unknown evidence id and an unknown input.
    let broken = text.replacen("cite aasm_2025_rls_guideline", "cite aasm_2025_rls_guidelin", 1).replacen(
        "ferritin <= 75 ng/mL",
        "feritin <= 75 ng/mL",
        1,
    );
    let published = change(&mut server, &iron, &broken);
    let mut got: Vec<(u64, u64, String, String)> = published_for(&published, &iron)
        .iter()
        .map(|d| {
            let message = d["message"].as_str().unwrap().lines().next().unwrap().to_string();
            (
                d["range"]["start"]["line"].as_u64().unwrap() + 1,
                d["range"]["start"]["character"].as_u64().unwrap() + 1,
                d["code"].as_str().unwrap().to_string(),
                message,
            )
        })
        .collect();
    got.sort();

    // What `warrant check --error-format json` reports for the same files.
    fs::write(dir.path().join("rules/iron.warrant"), &broken).unwrap();
    let files = warrant::knowledge_base::Files::from_dirs(
        Some(&dir.path().join("rules")),
        Some(&dir.path().join("evidence")),
        &warrant::limits::Limits::default(),
    )
    .unwrap();
    let (sources, compiled) = warrant::knowledge_base::compile(files);
    let diagnostics = compiled.unwrap_err();
    let mut expected: Vec<(u64, u64, String, String)> =
        warrant::diagnostic::json_values(&sources, &diagnostics)
            .into_iter()
            .filter(|d| d["file"].as_str().unwrap().ends_with("iron.warrant"))
            .map(|d| {
                (
                    d["line"].as_u64().unwrap(),
                    d["column"].as_u64().unwrap(),
                    d["code"].as_str().unwrap().to_string(),
                    d["message"].as_str().unwrap().to_string(),
                )
            })
            .collect();
    expected.sort();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got, expected);
}

#[test]
fn hover_shows_the_evidence_behind_a_citation_and_the_input_behind_a_name() {
    let (dir, mut server) = workspace();
    let iron = uri(dir.path(), "rules/iron.warrant");
    let text = fs::read_to_string(dir.path().join("rules/iron.warrant")).unwrap();
    open(&mut server, &iron, &text);
    let hover = server.request("textDocument/hover", at(&iron, &text, "aasm_2025_rls_guideline")).unwrap();
    let shown = hover["contents"]["value"].as_str().unwrap();
    for expected in [
        "**evidence** `aasm_2025_rls_guideline`",
        "certainty",
        "citation discrepancy",
        "doi:10.5664/jcsm.11390",
    ] {
        assert!(shown.contains(expected), "{expected:?} in {shown}");
    }
    let hover =
        server.request("textDocument/hover", at(&iron, &text, "ferritin: mass_concentration")).unwrap();
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.contains("**input** `ferritin`") && shown.contains("LOINC: 2276-4, 20567-4"), "{shown}");
    let hover = server.request("textDocument/hover", at(&iron, &text, "oral_iron \"")).unwrap();
    assert!(hover["contents"]["value"].as_str().unwrap().contains("Strength: conditional"), "{hover}");
    let hover = server.request("textDocument/hover", at(&iron, &text, "g/mL or tsat")).unwrap();
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.starts_with("**unit** `ng/mL`") && shown.contains("1 ng/mL = 1 µg/L"), "{shown}");
    // Nothing under the cursor: no hover, not an error.
    let nothing = server
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": iron }, "position": { "line": 0, "character": 0 } }),
        )
        .unwrap();
    assert_eq!(nothing, Value::Null);
}

#[test]
fn definitions_lead_to_rules_inputs_and_evidence_records() {
    let (dir, mut server) = workspace();
    let iron = uri(dir.path(), "rules/iron.warrant");
    let text = fs::read_to_string(dir.path().join("rules/iron.warrant")).unwrap();
    open(&mut server, &iron, &text);
    let cited = text.match_indices("aasm_2025_rls_guideline").next().unwrap().0;
    let position = warrant_lsp::position_of(&text, cited + 2);
    let location = server
        .request("textDocument/definition", json!({ "textDocument": { "uri": iron }, "position": position }))
        .unwrap();
    assert!(location["uri"].as_str().unwrap().ends_with("evidence/iron.yaml"), "{location}");
    let evidence = fs::read_to_string(dir.path().join("evidence/iron.yaml")).unwrap();
    let line = location["range"]["start"]["line"].as_u64().unwrap() as usize;
    assert!(evidence.lines().nth(line).unwrap().contains("aasm_2025_rls_guideline"), "{location}");

    // A group leads to its `group` line.
    let medicines = uri(dir.path(), "rules/medicines.warrant");
    let text_medicines = fs::read_to_string(dir.path().join("rules/medicines.warrant")).unwrap();
    open(&mut server, &medicines, &text_medicines);
    let used = text_medicines.find("has ssri").unwrap() + "has ".len() + 1;
    let position = warrant_lsp::position_of(&text_medicines, used);
    let location = server
        .request(
            "textDocument/definition",
            json!({ "textDocument": { "uri": medicines }, "position": position }),
        )
        .unwrap();
    assert!(location["uri"].as_str().unwrap().ends_with(".warrant"), "{location}");
    let path = Url::parse(location["uri"].as_str().unwrap()).unwrap().to_file_path().unwrap();
    let defining = fs::read_to_string(path).unwrap();
    let line = location["range"]["start"]["line"].as_u64().unwrap() as usize;
    assert!(defining.lines().nth(line).unwrap().starts_with("group ssri "), "{location}");

    // A derived fact used in another rule leads to its `derive`.
    let used = text.rfind("iron_low_for_rls").unwrap();
    let position = warrant_lsp::position_of(&text, used + 1);
    let location = server
        .request("textDocument/definition", json!({ "textDocument": { "uri": iron }, "position": position }))
        .unwrap();
    let line = location["range"]["start"]["line"].as_u64().unwrap() as usize;
    assert!(text.lines().nth(line).unwrap().contains("derive iron_low_for_rls"), "{location}");
}

#[test]
fn formatting_is_warrant_fmt_and_symbols_list_the_rules() {
    let (dir, mut server) = workspace();
    let path = dir.path().join("rules/iron.warrant");
    let iron = uri(dir.path(), "rules/iron.warrant");
    let text = fs::read_to_string(&path).unwrap();
    let messy = text.replacen("recommend oral_iron", "recommend    oral_iron", 1);
    open(&mut server, &iron, &messy);
    let edits = server
        .request(
            "textDocument/formatting",
            json!({ "textDocument": { "uri": iron }, "options": { "tabSize": 2, "insertSpaces": true } }),
        )
        .unwrap();
    assert_eq!(edits[0]["newText"], text, "formatting gives the formatted file, as `warrant fmt`");
    open(&mut server, &iron, &text);
    let formatted = server
        .request(
            "textDocument/formatting",
            json!({ "textDocument": { "uri": iron }, "options": { "tabSize": 2, "insertSpaces": true } }),
        )
        .unwrap();
    assert_eq!(formatted, json!([]), "a formatted file needs no edit");

    let symbols =
        server.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": iron } })).unwrap();
    let names: Vec<&str> = symbols.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"oral_iron") && names.contains(&"ferritin"), "{names:?}");
}

#[test]
fn a_file_outside_the_workspace_is_an_error_not_a_panic() {
    let (_dir, mut server) = workspace();
    let outside = Url::from_file_path("/etc/passwd").unwrap().to_string();
    let error = server
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": outside }, "position": { "line": 0, "character": 0 } }),
        )
        .unwrap_err();
    assert!(error.message.contains("outside the workspace"), "{}", error.message);
    assert!(server.request("textDocument/hover", json!({ "nonsense": true })).is_err());
    assert!(server.request("workspace/unknown", json!({})).is_err());
}

#[test]
fn every_prefix_of_every_bundled_rule_file_is_answered() {
    let (dir, mut server) = workspace();
    let mut files: Vec<PathBuf> = fs::read_dir(dir.path().join("rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "warrant"))
        .collect();
    files.sort();
    let mut requests = 0;
    for path in files {
        let relative = format!("rules/{}", path.file_name().unwrap().to_str().unwrap());
        let file = uri(dir.path(), &relative);
        let text = fs::read_to_string(&path).unwrap();
        open(&mut server, &file, "");
        // Every line end, and the middle of every third line: where typing stops.
        let mut cuts: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
        cuts.extend(text.match_indices('\n').step_by(3).map(|(i, _)| i.saturating_sub(7)));
        cuts.sort_unstable();
        for cut in cuts {
            let cut = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap();
            let prefix = &text[..cut];
            change(&mut server, &file, prefix);
            let end = warrant_lsp::position_of(prefix, prefix.len());
            let middle = warrant_lsp::position_of(prefix, prefix.len() / 2);
            for position in [end, middle] {
                let params = json!({ "textDocument": { "uri": file }, "position": position });
                server.request("textDocument/hover", params.clone()).unwrap();
                server.request("textDocument/definition", params).unwrap();
            }
            server.request("textDocument/formatting", json!({ "textDocument": { "uri": file }, "options": { "tabSize": 2, "insertSpaces": true } })).unwrap();
            server
                .request("textDocument/documentSymbol", json!({ "textDocument": { "uri": file } }))
                .unwrap();
            requests += 6;
        }
        change(&mut server, &file, &text);
    }
    assert!(requests > 1_000, "{requests}");
}

fn labels(result: &Value) -> Vec<String> {
    result.as_array().unwrap().iter().map(|item| item["label"].as_str().unwrap().to_string()).collect()
}

#[test]
fn completion_offers_evidence_after_cite_units_after_a_threshold_and_names_elsewhere() {
    let (dir, mut server) = workspace();
    let path = dir.path().join("rules/iron.warrant");
    let file = uri(dir.path(), "rules/iron.warrant");
    let text = fs::read_to_string(&path).unwrap();
    for (typed, wanted, unwanted) in [
        ("  cite aasm", "aasm_2025_rls_guideline", "ferritin"),
        ("  when ferritin <= 75 ", "ng/mL", "mmol/L"),
        ("  when ferritin <= 75 µ", "µg/L", "ng/mL"),
        ("  when ferr", "ferritin", "aasm_2025_rls_guideline"),
        ("recom", "recommend", "ferritin"),
    ] {
        let edited = format!("{text}\n{typed}");
        open(&mut server, &file, &edited);
        let position = warrant_lsp::position_of(&edited, edited.len());
        let result = server
            .request(
                "textDocument/completion",
                json!({ "textDocument": { "uri": file }, "position": position }),
            )
            .unwrap();
        let offered = labels(&result);
        assert!(offered.iter().any(|l| l == wanted), "{typed:?}: {wanted} in {offered:?}");
        assert!(!offered.iter().any(|l| l == unwanted), "{typed:?}: not {unwanted} in {offered:?}");
    }
}

#[test]
fn references_and_rename_reach_every_rule_file_and_the_evidence_record() {
    let (dir, mut server) = workspace();
    let file = uri(dir.path(), "rules/iron.warrant");
    let text = fs::read_to_string(dir.path().join("rules/iron.warrant")).unwrap();
    open(&mut server, &file, &text);
    let cited = text.find("trenkwalder_2017_fcm").unwrap() + 1;
    let position = warrant_lsp::position_of(&text, cited);
    let params = json!({ "textDocument": { "uri": file }, "position": position, "context": { "includeDeclaration": true } });
    let references = server.request("textDocument/references", params).unwrap();
    let uris: Vec<&str> = references.as_array().unwrap().iter().map(|l| l["uri"].as_str().unwrap()).collect();
    assert!(uris.iter().any(|u| u.ends_with("evidence/iron.yaml")), "{uris:?}");
    let in_rules = uris.iter().filter(|u| u.ends_with(".warrant")).count();
    let written = fs::read_dir(dir.path().join("rules"))
        .unwrap()
        .map(|e| fs::read_to_string(e.unwrap().path()).unwrap())
        .map(|text| warrant::symbols::occurrences(&text, "trenkwalder_2017_fcm").len())
        .sum::<usize>();
    assert_eq!(in_rules, written);

    let mut rename = |new_name: &str| {
        server.request(
            "textDocument/rename",
            json!({ "textDocument": { "uri": file }, "position": position, "newName": new_name }),
        )
    };
    let edit = rename("trenkwalder_2017_fcm_trial").unwrap();
    let changes = edit["changes"].as_object().unwrap();
    let edits: usize = changes.values().map(|e| e.as_array().unwrap().len()).sum();
    assert_eq!(edits, uris.len());
    assert!(changes.keys().any(|u| u.ends_with("evidence/iron.yaml")));
    assert!(rename("when").is_err(), "a keyword");
    assert!(rename("Bad-Name").is_err());
    assert!(rename("oral_iron").is_err(), "a name already taken");
}

#[test]
fn a_did_you_mean_becomes_a_quick_fix() {
    let (dir, mut server) = workspace();
    let file = uri(dir.path(), "rules/iron.warrant");
    let text = fs::read_to_string(dir.path().join("rules/iron.warrant")).unwrap();
    let broken = text.replacen("cite aasm_2025_rls_guideline", "cite aasm_2025_rls_guidelin", 1);
    let published = open(&mut server, &file, &broken);
    let diagnostics = published_for(&published, &file).clone();
    let typo =
        diagnostics.iter().find(|d| d["message"].as_str().unwrap().contains("did you mean")).unwrap().clone();
    let actions = server
        .request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": file }, "range": typo["range"], "context": { "diagnostics": [typo] } }),
        )
        .unwrap();
    let action = &actions[0];
    assert_eq!(action["title"], "Change to `aasm_2025_rls_guideline`");
    let edit = &action["edit"]["changes"][&file][0];
    assert_eq!(edit["newText"], "aasm_2025_rls_guideline");
    let start =
        warrant_lsp::offset_of(&broken, serde_json::from_value(edit["range"]["start"].clone()).unwrap());
    let end = warrant_lsp::offset_of(&broken, serde_json::from_value(edit["range"]["end"].clone()).unwrap());
    assert_eq!(&broken[start..end], "aasm_2025_rls_guidelin", "the fix replaces the misspelt name");
}

#[test]
fn evidence_files_get_diagnostics_too() {
    let (dir, mut server) = workspace();
    let file = uri(dir.path(), "evidence/iron.yaml");
    let text = fs::read_to_string(dir.path().join("evidence/iron.yaml")).unwrap();
    let broken = text.replacen("certainty: moderate", "certainty: middling", 1);
    assert_ne!(broken, text);
    let published = open(&mut server, &file, &broken);
    let diagnostics = published_for(&published, &file);
    let error = diagnostics.iter().find(|d| d["severity"] == 1).unwrap_or_else(|| panic!("{diagnostics:?}"));
    let line = error["range"]["start"]["line"].as_u64().unwrap() as usize;
    assert!(broken.lines().nth(line).unwrap().contains("middling"), "at the field: {error}");
    // Fixed, the file's diagnostics are cleared.
    let fixed = change(&mut server, &file, &text);
    assert!(published_for(&fixed, &file).iter().all(|d| d["severity"] != 1));
}
