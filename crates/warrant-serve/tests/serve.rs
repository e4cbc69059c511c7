//! The service as a client meets it: the binary started on a loopback port
//! and spoken to over HTTP, from discovery to a stop on SIGTERM.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TODAY: &str = "2026-11-29";
const HOOK_INSTANCE: &str = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea";
const SERVICE: &str = "/cds-services/warrant-patient-view";

/// A running server, stopped when dropped.
struct Server {
    child: Child,
    address: String,
    /// Log lines after "listening", as the server writes them.
    log: mpsc::Receiver<String>,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_warrant-serve"))
            .args(["--port", "0", "--today", TODAY])
            .args(extra)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (send, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let first: Value = serde_json::from_str(&log.recv_timeout(Duration::from_secs(60)).unwrap()).unwrap();
        assert_eq!(first["message"], "listening", "{first}");
        let address = first["address"].as_str().unwrap().to_string();
        Server { child, address, log }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn get(&self, path: &str) -> (u16, Value) {
        let mut response = agent().get(&self.url(path)).call().unwrap();
        let status = response.status().as_u16();
        (status, serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap())
    }

    fn post(&self, path: &str, content_type: &str, body: &str) -> (u16, Value) {
        let mut response =
            agent().post(&self.url(path)).header("content-type", content_type).send(body).unwrap();
        let status = response.status().as_u16();
        (status, serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap())
    }

    fn hook(&self, request: &Value) -> (u16, Value) {
        self.post(SERVICE, "application/json", &request.to_string())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

fn fhir_fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/fhir");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
}

/// A fixture Bundle as a client would prefetch it for the discovery
/// document's templates: the Patient, a searchset per template, each
/// Observation under the template for its LOINC code.
fn prefetch_of(bundle: &Value, discovery: &Value) -> Value {
    let templates = discovery["services"][0]["prefetch"].as_object().unwrap();
    let key_for_code = |code: &str| {
        templates.iter().find(|(_, query)| query.as_str().unwrap().contains(&format!("loinc.org|{code}")))
    };
    let mut searches: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut prefetch = serde_json::Map::new();
    for entry in bundle["entry"].as_array().unwrap() {
        let mut resource = entry["resource"].clone();
        let key = match resource["resourceType"].as_str().unwrap() {
            "Patient" => {
                resource["id"] = json!("p1");
                prefetch.insert(String::from("patient"), resource);
                continue;
            }
            "Condition" => String::from("conditions"),
            "MedicationStatement" => String::from("medications"),
            "Observation" => {
                let code = resource["code"]["coding"][0]["code"].as_str().unwrap_or("");
                match key_for_code(code) {
                    Some((key, _)) => key.clone(),
                    None => continue,
                }
            }
            _ => continue,
        };
        searches.entry(key).or_default().push(json!({ "resource": resource }));
    }
    for (key, entries) in searches {
        prefetch.insert(key, json!({ "resourceType": "Bundle", "type": "searchset", "entry": entries }));
    }
    Value::Object(prefetch)
}

fn request(prefetch: Value) -> Value {
    json!({
        "hook": "patient-view",
        "hookInstance": HOOK_INSTANCE,
        "context": { "userId": "Practitioner/example", "patientId": "p1" },
        "prefetch": prefetch,
    })
}

/// The card summaries the engine's own report calls for, in card order.
fn expected_summaries(bundle_path: &Path) -> Vec<String> {
    let (sources, kb) = warrant::knowledge_base::compile(warrant::knowledge_base::Files::bundled());
    let kb = kb.unwrap_or_else(|_| panic!("{}", sources.files().count()));
    let text = std::fs::read_to_string(bundle_path).unwrap();
    let source = warrant::span::SourceFile::new("bundle", text);
    let mut map = warrant::span::SourceMap::new();
    let file = map.add(source.clone());
    let today = warrant::dates::parse_argument(TODAY).unwrap();
    let report = warrant::explain_profile(
        &kb,
        file,
        &source,
        warrant::profile::Format::Fhir,
        today,
        &warrant::limits::Limits::default(),
    )
    .unwrap();
    let mut summaries = Vec::new();
    for (section, findings) in
        [("Caution", &report.cautions), ("Suggestion", &report.suggestions), ("Test", &report.tests)]
    {
        summaries.extend(findings.iter().map(|f| format!("{section}: {}", f.label)));
    }
    summaries.extend(report.test_first.iter().map(|undecided| {
        let missing: Vec<&str> = undecided.missing.iter().map(|m| m.label).collect();
        format!("Needs {}: {}", missing.join(", "), undecided.label)
    }));
    summaries
}

/// CDS Hooks: no element null or empty, but the top-level `cards`.
fn assert_no_null_or_empty(value: &Value, path: &str) {
    match value {
        Value::Null => panic!("null at {path}"),
        Value::String(text) => assert!(!text.is_empty(), "empty string at {path}"),
        Value::Array(items) => {
            assert!(!items.is_empty() || path == "cards", "empty array at {path}");
            for (index, item) in items.iter().enumerate() {
                assert_no_null_or_empty(item, &format!("{path}[{index}]"));
            }
        }
        Value::Object(fields) => {
            assert!(!fields.is_empty(), "empty object at {path}");
            for (key, item) in fields {
                let path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                assert_no_null_or_empty(item, &path);
            }
        }
        Value::Bool(_) | Value::Number(_) => {}
    }
}

#[test]
fn discovery_lists_a_patient_view_service_with_a_prefetch_template_per_coded_lab() {
    let server = Server::start(&[]);
    let (status, discovery) = server.get("/cds-services");
    assert_eq!(status, 200);
    assert_no_null_or_empty(&discovery, "");
    let service = &discovery["services"][0];
    assert_eq!(service["hook"], "patient-view");
    let prefetch = service["prefetch"].as_object().unwrap();
    assert_eq!(prefetch["patient"], "Patient/{{context.patientId}}");
    assert_eq!(
        prefetch["lab-ferritin"],
        "Observation?patient={{context.patientId}}&code=http://loinc.org|2276-4,http://loinc.org|20567-4"
    );
    insta::assert_json_snapshot!("discovery", discovery);

    let (status, health) = server.get("/health");
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert!(health["rules"].as_u64().unwrap() > 0);
}

#[test]
fn every_fhir_fixture_gets_a_card_per_finding_as_the_engine_reports_it() {
    let server = Server::start(&[]);
    let (_, discovery) = server.get("/cds-services");
    let fixtures = fhir_fixtures();
    assert!(fixtures.len() >= 27, "the FHIR fixtures are missing");
    for path in fixtures {
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let (status, response) = server.hook(&request(prefetch_of(&bundle, &discovery)));
        assert_eq!(status, 200, "{name}: {response}");
        assert_no_null_or_empty(&response, "");
        let cards = response["cards"].as_array().unwrap();
        for card in cards {
            let summary = card["summary"].as_str().unwrap();
            assert!(summary.chars().count() < 140, "{name}: {summary}");
            assert!(card["detail"].as_str().unwrap().contains("not medical advice"), "{name}: {summary}");
            let indicator = card["indicator"].as_str().unwrap();
            let warns = summary.starts_with("Caution:");
            assert!(!warns || indicator == "warning", "{name}: a caution is a warning: {summary}");
        }
        // The same outcomes as the engine's report of the Bundle itself.
        let summaries: Vec<String> = cards
            .iter()
            .map(|card| card["summary"].as_str().unwrap().to_string())
            .filter(|summary| !summary.starts_with("Not considered"))
            .collect();
        let expected = expected_summaries(&path);
        assert_eq!(summaries.len(), expected.len(), "{name}: {summaries:#?}");
        for (card, finding) in summaries.iter().zip(&expected) {
            match card.strip_suffix('…') {
                Some(cut) => assert!(finding.starts_with(cut), "{name}: `{card}` cuts `{finding}`"),
                None => assert_eq!(card, finding, "{name}"),
            }
        }
        let compact: Vec<Value> = cards
            .iter()
            .map(|card| {
                json!({
                    "summary": card["summary"],
                    "indicator": card["indicator"],
                    "source": card["source"],
                    "links": card.get("links").map_or(0, |links| links.as_array().unwrap().len()),
                })
            })
            .collect();
        insta::assert_json_snapshot!(format!("cards_{name}"), compact);
    }
}

#[test]
fn a_hook_answer_in_full_and_the_same_bytes_for_the_same_hook_instance() {
    let server = Server::start(&[]);
    let (_, discovery) = server.get("/cds-services");
    let path = fhir_fixtures().into_iter().find(|p| p.ends_with("low_ferritin_sertraline.json")).unwrap();
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let request = request(prefetch_of(&bundle, &discovery));
    let (status, first) = server.hook(&request);
    assert_eq!(status, 200);
    let (_, again) = server.hook(&request);
    assert_eq!(first, again);
    let mut other = request.clone();
    other["hookInstance"] = json!("0f4d9c1e-7d61-4f55-b7a4-1d8e0d1f2a3b");
    let (_, other) = server.hook(&other);
    assert_ne!(first["cards"][0]["uuid"], other["cards"][0]["uuid"], "ids belong to one hook instance");
    let card = &first["cards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["summary"].as_str().unwrap().contains("Oral iron"))
        .unwrap();
    assert_eq!(card["source"]["url"], "https://doi.org/10.5664/jcsm.11390", "the guideline graded for it");
    insta::assert_json_snapshot!("cards_in_full", first);
}

#[test]
fn missing_prefetch_is_unknown_so_test_first_cards_not_an_error() {
    let server = Server::start(&[]);
    let patient =
        json!({ "resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1980-01-01" });
    let (status, response) = server.hook(&request(json!({ "patient": patient, "conditions": null })));
    assert_eq!(status, 200, "{response}");
    let summaries: Vec<&str> =
        response["cards"].as_array().unwrap().iter().map(|c| c["summary"].as_str().unwrap()).collect();
    assert!(summaries.iter().any(|s| s.starts_with("Needs") && s.contains("ferritin")), "{summaries:#?}");
    assert!(!summaries.iter().any(|s| s.starts_with("Suggestion: Oral iron")), "{summaries:#?}");
    // No prefetch at all is the same: nothing known.
    let bare =
        json!({ "hook": "patient-view", "hookInstance": HOOK_INSTANCE, "context": { "patientId": "p1" } });
    let (status, _) = server.hook(&bare);
    assert_eq!(status, 200);
}

#[test]
fn bad_requests_get_a_status_and_a_json_error_that_says_what_to_fix() {
    let server = Server::start(&["--max-body-size", "64KiB"]);
    // Malformed JSON: 400 with the place.
    let (status, body) = server.post(SERVICE, "application/json", "{\"hook\": \"patient-view\",");
    assert_eq!(status, 400);
    assert_eq!(body["diagnostics"][0]["line"], 1, "{body}");
    // Bad FHIR inside the prefetch: 400 at its JSON path.
    let observation = json!({ "resourceType": "Observation", "status": "final",
        "code": { "coding": [ { "system": "http://loinc.org", "code": "2276-4" } ] },
        "valueQuantity": { "value": 30, "code": "ng/mL" } });
    let (status, body) = server.hook(&request(json!({ "lab-ferritin": observation })));
    assert_eq!(status, 400);
    let message = body["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("`prefetch.lab-ferritin.valueQuantity.code`"), "{message}");
    // Another patient's data: refused, not mixed in.
    let patient = json!({ "resourceType": "Patient", "id": "p2" });
    let (status, body) = server.hook(&request(json!({ "patient": patient })));
    assert_eq!(status, 400);
    assert_eq!(body["diagnostics"][0]["code"], "E0624");
    // Another hook.
    let mut order = request(json!({}));
    order["hook"] = json!("order-select");
    let (status, body) = server.hook(&order);
    assert_eq!(status, 400);
    assert_eq!(body["diagnostics"][0]["code"], "E0631");
    // Not JSON by its content type.
    let (status, body) = server.post(SERVICE, "text/plain", &request(json!({})).to_string());
    assert_eq!(status, 415);
    assert!(body["error"].as_str().unwrap().contains("application/json"));
    // Too large.
    let padding = "x".repeat(100 * 1024);
    let (status, body) = server.post(SERVICE, "application/json", &format!("{{\"pad\": \"{padding}\"}}"));
    assert_eq!(status, 413);
    assert!(body["error"].as_str().unwrap().contains("--max-body-size"));
    // No such service, no such endpoint.
    let (status, body) = server.post("/cds-services/other", "application/json", "{}");
    assert_eq!(status, 404);
    assert!(body["error"].as_str().unwrap().contains("warrant-patient-view"));
    let (status, _) = server.get("/nowhere");
    assert_eq!(status, 404);
}

#[test]
fn a_port_in_use_is_refused_with_the_address_and_what_to_do() {
    let first = Server::start(&[]);
    let port = first.address.rsplit(':').next().unwrap();
    let second = Command::new(env!("CARGO_BIN_EXE_warrant-serve"))
        .args(["--port", port, "--today", TODAY])
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(1));
    let stderr = String::from_utf8(second.stderr).unwrap();
    let expected = format!("cannot listen on {}: ", first.address);
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(stderr.contains("choose another `--port`"), "{stderr}");
}

#[test]
fn slow_and_half_sent_requests_time_out() {
    let server = Server::start(&["--timeout", "1"]);
    // A body announced and never finished: 408.
    let mut stream = TcpStream::connect(&server.address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "POST {SERVICE} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"hook\"",
        server.address
    );
    stream.write_all(head.as_bytes()).unwrap();
    let started = Instant::now();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(20));
    // Headers never finished: the connection is closed.
    let mut stream = TcpStream::connect(&server.address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    assert!(started.elapsed() < Duration::from_secs(20), "the connection was held open");
    // The server still answers others.
    assert_eq!(server.get("/health").0, 200);
}

#[test]
fn requests_are_logged_as_json_lines_and_sigterm_stops_the_server_cleanly() {
    let mut server = Server::start(&[]);
    assert_eq!(server.get("/health").0, 200);
    let logged: Value =
        serde_json::from_str(&server.log.recv_timeout(Duration::from_secs(30)).unwrap()).unwrap();
    assert_eq!(logged["message"], "request");
    assert_eq!(logged["method"], "GET");
    assert_eq!(logged["path"], "/health");
    assert_eq!(logged["status"], 200);
    assert!(logged["micros"].is_u64());
    let status = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = server.child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    // The reader thread ends at the end of stderr, closing the channel.
    let rest: Vec<String> = server.log.iter().collect();
    assert!(rest.iter().any(|line| line.contains("\"stopped\"")), "{rest:#?}");
}
