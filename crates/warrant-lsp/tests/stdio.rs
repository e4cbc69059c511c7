//! `warrant-lsp` as an editor runs it: JSON-RPC framed by Content-Length
//! over the process's stdin and stdout, from `initialize` to `exit`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{ChildStdout, Command, Stdio};

use lsp_types::Url;
use serde_json::{Value, json};

fn send(stdin: &mut impl Write, message: &Value) {
    let body = message.to_string();
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    stdin.flush().unwrap();
}

fn receive(stdout: &mut BufReader<ChildStdout>) -> Value {
    let mut length = 0;
    loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "the server closed its output");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    stdout.read_exact(&mut body).unwrap();
    serde_json::from_slice(&body).unwrap()
}

/// Reads until the response to request `id`, keeping the notifications.
fn response(stdout: &mut BufReader<ChildStdout>, id: u64, notifications: &mut Vec<Value>) -> Value {
    loop {
        let message = receive(stdout);
        if message["id"] == id {
            return message;
        }
        notifications.push(message);
    }
}

#[test]
fn a_session_from_initialize_to_exit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_warrant-lsp"))
        .env("WARRANT_TODAY", "2026-11-29")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut notifications = Vec::new();
    let root_uri = Url::from_file_path(&root).unwrap().to_string();
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": { "processId": null, "rootUri": root_uri, "capabilities": {} } }),
    );
    let initialized = response(&mut stdout, 1, &mut notifications);
    let capabilities = &initialized["result"]["capabilities"];
    assert_eq!(capabilities["hoverProvider"], true);
    assert_eq!(capabilities["definitionProvider"], true);
    assert_eq!(capabilities["documentFormattingProvider"], true);
    send(&mut stdin, &json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }));

    let path = root.join("rules/magnesium.warrant");
    let text = std::fs::read_to_string(&path).unwrap();
    let uri = Url::from_file_path(&path).unwrap().to_string();
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen",
        "params": { "textDocument": { "uri": uri, "languageId": "warrant", "version": 1, "text": text } } }),
    );

    // Hover on the first citation's evidence id.
    let cite = text.find("cite ").unwrap() + "cite ".len() + 2;
    let before = &text[..cite];
    let position = json!({ "line": before.matches('\n').count(), "character": cite - before.rfind('\n').map_or(0, |i| i + 1) });
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "id": 2, "method": "textDocument/hover",
        "params": { "textDocument": { "uri": uri }, "position": position } }),
    );
    let hover = response(&mut stdout, 2, &mut notifications);
    assert!(hover["result"]["contents"]["value"].as_str().unwrap().starts_with("**evidence**"), "{hover}");

    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "id": 3, "method": "textDocument/definition",
        "params": { "textDocument": { "uri": uri }, "position": position } }),
    );
    let definition = response(&mut stdout, 3, &mut notifications);
    assert!(definition["result"]["uri"].as_str().unwrap().contains("/evidence/"), "{definition}");

    // Completion after `cite ` offers evidence ids.
    let typed = format!("{text}\n  cite ");
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "method": "textDocument/didChange",
        "params": { "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [ { "text": typed } ] } }),
    );
    let last = json!({ "line": typed.matches('\n').count(), "character": "  cite ".len() });
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "id": 6, "method": "textDocument/completion",
        "params": { "textDocument": { "uri": uri }, "position": last } }),
    );
    let completion = response(&mut stdout, 6, &mut notifications);
    let labels: Vec<&str> =
        completion["result"].as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert!(labels.contains(&"aasm_2025_rls_guideline"), "{labels:?}");

    // A change that breaks the file is diagnosed.
    let broken = text.replacen("title ", "titel ", 1);
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "method": "textDocument/didChange",
        "params": { "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [ { "text": broken } ] } }),
    );
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "id": 4, "method": "textDocument/formatting",
        "params": { "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } } }),
    );
    let formatting = response(&mut stdout, 4, &mut notifications);
    assert_eq!(formatting["result"], json!([]), "a file that does not parse is left alone");
    let diagnosed = notifications.iter().any(|n| {
        n["method"] == "textDocument/publishDiagnostics"
            && n["params"]["uri"] == uri
            && n["params"]["diagnostics"].as_array().is_some_and(|d| d.iter().any(|d| d["severity"] == 1))
    });
    assert!(diagnosed, "{notifications:#?}");

    send(&mut stdin, &json!({ "jsonrpc": "2.0", "id": 5, "method": "shutdown" }));
    let shutdown = response(&mut stdout, 5, &mut notifications);
    assert_eq!(shutdown["result"], Value::Null);
    send(&mut stdin, &json!({ "jsonrpc": "2.0", "method": "exit" }));
    assert!(child.wait().unwrap().success());
}
