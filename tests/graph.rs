//! `warrant graph`: the knowledge graph as DOT, Mermaid and JSON. The DOT
//! output is parsed back with a real DOT parser and checked against the JSON.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::warrant;
use graphviz_rust::dot_structures::{Attribute, EdgeTy, Graph, Id, NodeId, Stmt, Vertex};
use predicates::prelude::*;
use serde_json::Value;
use warrant::graph::export::{self, Format};

const LOW_FERRITIN: &str = "tests/fixtures/profiles/low_ferritin.yaml";
const FIXTURE_RULES: &str = "tests/fixtures/graph/rules";
const FIXTURE_PROFILE: &str = "tests/fixtures/graph/low_ferritin_hemochromatosis.yaml";

/// Runs `warrant graph ARGS`, which must succeed quietly, and returns stdout.
fn graph(args: &[&str]) -> String {
    let output = warrant().arg("graph").args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "warrant graph {args:?} failed:\n{stderr}");
    assert_eq!(stderr, "", "warrant graph {args:?} wrote to stderr");
    String::from_utf8(output.stdout).unwrap()
}

fn graph_json(args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.extend(["--format", "json"]);
    serde_json::from_str(&graph(&args)).unwrap()
}

/// A DOT graph as parsed back: node ids with their attributes, and edges.
struct Dot {
    nodes: BTreeMap<String, BTreeMap<String, String>>,
    node_order: Vec<String>,
    edges: Vec<(String, String, BTreeMap<String, String>)>,
}

impl Dot {
    fn label(&self, id: &str) -> &str {
        self.nodes[id]["label"].as_str()
    }
}

fn parse_dot(text: &str) -> Dot {
    let parsed = graphviz_rust::parse(text).unwrap_or_else(|e| panic!("DOT does not parse: {e}\n{text}"));
    let Graph::DiGraph { id, strict, stmts } = parsed else { panic!("not a digraph:\n{text}") };
    assert_eq!(id, Id::Plain(String::from("warrant")));
    assert!(!strict);
    let mut dot = Dot { nodes: BTreeMap::new(), node_order: Vec::new(), edges: Vec::new() };
    for stmt in stmts {
        match stmt {
            Stmt::Node(node) => {
                let NodeId(id, port) = node.id;
                assert!(port.is_none(), "a node id was read as having a port");
                let id = unquote(&id);
                assert!(!dot.nodes.contains_key(&id), "node `{id}` declared twice");
                dot.node_order.push(id.clone());
                dot.nodes.insert(id, attributes(&node.attributes));
            }
            Stmt::Edge(edge) => {
                let EdgeTy::Pair(Vertex::N(NodeId(from, None)), Vertex::N(NodeId(to, None))) = edge.ty else {
                    panic!("an edge that is not between two nodes: {:?}", edge.ty);
                };
                dot.edges.push((unquote(&from), unquote(&to), attributes(&edge.attributes)));
            }
            Stmt::Subgraph(_) => panic!("no subgraphs are written"),
            Stmt::Attribute(_) | Stmt::GAttribute(_) => {}
        }
    }
    dot
}

fn attributes(attributes: &[Attribute]) -> BTreeMap<String, String> {
    attributes.iter().map(|Attribute(key, value)| (unquote(key), unquote(value))).collect()
}

/// The text of a DOT id: quoted strings unescaped (`\"`, `\\`, `\n`).
fn unquote(id: &Id) -> String {
    match id {
        Id::Plain(text) => text.clone(),
        Id::Escaped(text) => {
            let inner = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap();
            let mut out = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    match chars.next().unwrap() {
                        'n' => out.push('\n'),
                        other => out.push(other),
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }
        other => panic!("unexpected id {other:?}"),
    }
}

fn json_ids(value: &Value) -> Vec<String> {
    value["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_string()).collect()
}

fn json_node<'a>(value: &'a Value, id: &str) -> &'a Value {
    value["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id)
        .unwrap_or_else(|| panic!("no node `{id}`"))
}

/// The DOT and JSON exports of the same graph agree: the same nodes in the
/// same order, the same edges, and no edge to an undeclared node.
fn assert_dot_matches_json(args: &[&str]) -> (Dot, Value) {
    let dot = parse_dot(&graph(args));
    let json = graph_json(args);
    let ids = json_ids(&json);
    let edges = json["edges"].as_array().unwrap();
    assert_eq!(dot.nodes.len(), ids.len(), "node count, {args:?}");
    assert_eq!(dot.edges.len(), edges.len(), "edge count, {args:?}");
    assert_eq!(dot.node_order, ids, "node order, {args:?}");
    for (from, to, _) in &dot.edges {
        assert!(dot.nodes.contains_key(from), "edge from undeclared node `{from}`");
        assert!(dot.nodes.contains_key(to), "edge to undeclared node `{to}`");
    }
    let dot_edges: Vec<(&str, &str)> = dot.edges.iter().map(|(f, t, _)| (f.as_str(), t.as_str())).collect();
    let json_edges: Vec<(&str, &str)> =
        edges.iter().map(|e| (e["from"].as_str().unwrap(), e["to"].as_str().unwrap())).collect();
    assert_eq!(dot_edges, json_edges, "edges, {args:?}");
    (dot, json)
}

#[test]
fn dot_parses_back_and_agrees_with_json() {
    let (dot, _) = assert_dot_matches_json(&[]);
    assert!(
        dot.edges.iter().any(|(from, to, attributes)| from == "evidence:aasm_2025_rls_guideline"
            && to == "rule:oral_iron"
            && attributes.get("label").map(String::as_str) == Some("supports")),
        "the guideline's citation of oral iron is an edge"
    );
    for args in [
        vec!["--for", "oral_iron"],
        vec!["--profile", LOW_FERRITIN],
        vec!["--profile", LOW_FERRITIN, "--for", "acid_reducers_lower_iron"],
        vec!["--rules", FIXTURE_RULES, "--profile", FIXTURE_PROFILE],
    ] {
        assert_dot_matches_json(&args);
    }
}

#[test]
fn every_graph_node_and_edge_is_exported_once_with_a_unique_id() {
    let kb = common::bundled();
    let exported = export::export(&kb.graph, &kb.evidence, None, None);
    assert_eq!(exported.nodes.len(), kb.graph.graph.node_count());
    assert_eq!(exported.edges.len(), kb.graph.graph.edge_count());
    let ids: BTreeSet<&str> = exported.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids.len(), exported.nodes.len(), "ids are unique");
}

#[test]
fn nodes_are_ordered_by_kind_and_edges_by_endpoints() {
    let json = graph_json(&[]);
    let kinds: Vec<&str> =
        json["nodes"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
    let rank =
        |kind: &str| ["input", "rule", "condition", "evidence"].iter().position(|k| *k == kind).unwrap();
    assert!(kinds.windows(2).all(|w| rank(w[0]) <= rank(w[1])), "inputs, rules, conditions, evidence");
    let ids = json_ids(&json);
    let program = common::bundled().graph.program;
    let declared: Vec<String> = program
        .inputs
        .iter()
        .map(|i| format!("input:{}", i.name))
        .chain(program.rules.iter().map(|r| format!("rule:{}", r.name)))
        .collect();
    let listed: Vec<String> =
        ids.iter().filter(|id| id.starts_with("input:") || id.starts_with("rule:")).cloned().collect();
    assert_eq!(listed, declared, "inputs, then rules, in declaration order");
    let evidence: Vec<&String> = ids.iter().filter(|id| id.starts_with("evidence:")).collect();
    assert!(evidence.windows(2).all(|w| w[0] < w[1]), "evidence in id order");
    let conditions: Vec<&str> =
        ids.iter().filter(|id| id.starts_with("cond:oral_iron:")).map(String::as_str).collect();
    assert_eq!(
        conditions,
        ["cond:oral_iron:for:0", "cond:oral_iron:when:0", "cond:oral_iron:when:1", "cond:oral_iron:unless:0"]
    );
    let edges: Vec<(String, String, String)> = json["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from"].to_string(), e["to"].to_string(), e["kind"].to_string()))
        .collect();
    assert!(edges.windows(2).all(|w| w[0] <= w[1]), "edges sorted by (from, to, kind)");
}

#[test]
fn for_keeps_only_what_the_rule_depends_on() {
    let dot = parse_dot(&graph(&["--for", "oral_iron"]));
    for id in [
        "rule:oral_iron",
        "input:ferritin",
        "rule:iron_low_for_rls",
        "rule:iron_overload_risk",
        "rule:adults",
        "input:hemochromatosis",
        "input:age",
        "cond:oral_iron:for:0",
        "cond:oral_iron:unless:0",
        "evidence:aasm_2025_rls_guideline",
        "evidence:trotti_2019_cochrane_iron",
    ] {
        assert!(dot.nodes.contains_key(id), "`{id}` is behind oral_iron");
    }
    for id in ["rule:magnesium", "rule:iv_iron", "rule:acid_reducers_lower_iron", "input:medications"] {
        assert!(!dot.nodes.contains_key(id), "`{id}` is not behind oral_iron");
    }
    // Nothing depends on an unrelated rule's conditions.
    let behind = ["cond:oral_iron:", "cond:iron_low_for_rls:", "cond:iron_overload_risk:", "cond:adults:"];
    assert!(dot.nodes.keys().all(|id| !id.starts_with("cond:") || behind.iter().any(|b| id.starts_with(b))));
    // Its population, two `when` conditions, one `unless`, and nine citations.
    assert_eq!(dot.edges.iter().filter(|(_, to, _)| to == "rule:oral_iron").count(), 1 + 2 + 1 + 9);
}

#[test]
fn a_profile_gives_values_and_truth() {
    let json = graph_json(&["--profile", LOW_FERRITIN, "--for", "oral_iron"]);
    let ferritin = json_node(&json, "input:ferritin");
    assert_eq!(ferritin["value"], "32 ng/mL");
    assert_eq!(ferritin["unit"], "ng/mL");
    assert_eq!(ferritin["loinc"], "2276-4");
    assert!(ferritin.get("given").is_none(), "given in the canonical unit");
    assert_eq!(json_node(&json, "rule:oral_iron")["truth"], "true");
    assert_eq!(json_node(&json, "rule:iron_low_for_rls")["truth"], "true");
    assert_eq!(json_node(&json, "cond:iron_low_for_rls:when:1")["label"], "ferritin <= 75 ng/mL");
    assert_eq!(json_node(&json, "cond:iron_low_for_rls:when:1")["truth"], "true");
    assert_eq!(json_node(&json, "cond:iron_low_for_rls:when:2")["truth"], "false");
    assert_eq!(json_node(&json, "cond:oral_iron:unless:0")["role"], "unless");
    assert_eq!(json_node(&json, "input:hemochromatosis")["value"], "no");

    // Without a profile there is neither value nor truth.
    let bare = graph_json(&["--for", "oral_iron"]);
    assert!(json_node(&bare, "input:ferritin").get("value").is_none());
    assert!(json_node(&bare, "rule:oral_iron").get("truth").is_none());
}

#[test]
fn a_population_is_a_condition_of_its_outcome_with_its_truth() {
    let args =
        ["--rules", "tests/fixtures/person/rules", "--profile", "tests/fixtures/person/profiles/child.yaml"];
    let (dot, json) = assert_dot_matches_json(&[&args[..], &["--for", "oral_iron"]].concat());
    let member = json_node(&json, "cond:oral_iron:for:0");
    assert_eq!(member["role"], "for");
    assert_eq!(member["label"], "adults");
    assert_eq!(member["truth"], "false");
    assert_eq!(json_node(&json, "input:age")["value"], "9 years");
    assert_eq!(json_node(&json, "rule:adults")["truth"], "false");
    assert!(dot.edges.iter().any(|(from, to, _)| from == "rule:adults" && to == "cond:oral_iron:for:0"));
    let sex =
        json_node(&graph_json(&[&args[..], &["--for", "for_women"]].concat()), "input:sex")["value"].clone();
    assert_eq!(sex, "female");
}

#[test]
fn missing_values_are_unknown_and_converted_values_show_what_was_given() {
    let json =
        graph_json(&["--profile", "tests/fixtures/profiles/ferritin_missing.yaml", "--for", "iron_panel"]);
    assert_eq!(json_node(&json, "input:ferritin")["value"], "missing");
    let dot = parse_dot(&graph(&["--profile", "tests/fixtures/profiles/ferritin_missing.yaml"]));
    assert!(dot.label("input:ferritin").ends_with("\nvalue: missing"));
    assert_eq!(dot.nodes["input:ferritin"]["style"], "dashed");

    let json = graph_json(&["--rules", FIXTURE_RULES, "--profile", FIXTURE_PROFILE]);
    let ferritin = json_node(&json, "input:ferritin");
    assert_eq!(ferritin["value"], "20 ng/mL");
    assert_eq!(ferritin["given"], "20 µg/L");
}

#[test]
fn truth_is_in_the_label_and_the_fill() {
    let dot = parse_dot(&graph(&["--profile", LOW_FERRITIN, "--for", "oral_iron"]));
    let node = &dot.nodes["rule:oral_iron"];
    assert!(node["label"].ends_with("\ntruth: true"));
    assert!(node["style"].split(',').any(|s| s == "filled"));
    assert_eq!(node["fillcolor"], "#c8e6c9");
    let unless = &dot.nodes["cond:oral_iron:unless:0"];
    assert_eq!(unless["label"], "unless: iron_overload_risk\ntruth: false");
    assert_eq!(unless["fillcolor"], "#ffcdd2");
    let unknown =
        parse_dot(&graph(&["--profile", "tests/fixtures/profiles/empty.yaml", "--for", "oral_iron"]));
    assert!(unknown.label("rule:oral_iron").ends_with("\ntruth: unknown"));
    assert_eq!(unknown.nodes["rule:oral_iron"]["fillcolor"], "#e0e0e0");
}

#[test]
fn labels_with_quotes_backslashes_and_negation_survive_the_round_trip() {
    let (dot, exported) = assert_dot_matches_json(&["--rules", FIXTURE_RULES]);
    assert_eq!(
        dot.label("input:ferritin"),
        "input ferritin\nSerum \"ferritin\" \\ as C:\\labs\nlab, ng/mL, LOINC 2276-4"
    );
    assert_eq!(dot.label("rule:low_iron"), "derive low_iron\nLow \"iron\"");
    assert_eq!(json_node(&exported, "rule:check_iron")["label"], "Check iron <soon> & \"often\" #1");
    assert_eq!(json_node(&exported, "cond:low_iron:when:1")["label"], "not hemochromatosis");

    let with_profile = graph_json(&["--rules", FIXTURE_RULES, "--profile", FIXTURE_PROFILE]);
    // `not hemochromatosis` is false for someone with haemochromatosis.
    assert_eq!(json_node(&with_profile, "cond:low_iron:when:1")["truth"], "false");
    assert_eq!(json_node(&with_profile, "rule:check_iron")["truth"], "false");

    let mermaid = graph(&["--rules", FIXTURE_RULES, "--format", "mermaid"]);
    assert!(mermaid.contains(
        "  rule_check_iron[\"warn check_iron<br/>Check iron #lt;soon#gt; #amp; #quot;often#quot; #35;1\"]\n"
    ));
    assert!(mermaid.contains("  cond_low_iron_when_0[\"when: ferritin #lt; 30 ng/mL\"]\n"));
}

#[test]
fn mermaid_declares_every_node_it_links() {
    let text = graph(&["--profile", LOW_FERRITIN]);
    let dot = parse_dot(&text);
    let mermaid = graph(&["--profile", LOW_FERRITIN, "--format", "mermaid"]);
    let mut lines = mermaid.lines();
    assert_eq!(lines.next(), Some("flowchart LR"));
    let mut declared = BTreeSet::new();
    let mut links = 0;
    for line in lines {
        let line = line.trim_start();
        if let Some((id, rest)) = line.split_once("[\"") {
            assert!(rest.ends_with("\"]"), "{line}");
            assert!(!rest[..rest.len() - 2].contains('"'), "quotes are escaped: {line}");
            assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{id}");
            assert!(declared.insert(id.to_string()), "{id} declared twice");
        } else if line.starts_with("classDef ") || line.starts_with("class ") {
        } else {
            let words: Vec<&str> = line.split(' ').collect();
            assert_eq!(words.len(), 3, "{line}");
            assert!(declared.contains(words[0]) && declared.contains(words[2]), "{line}");
            links += 1;
        }
    }
    assert_eq!(declared.len(), dot.nodes.len());
    assert_eq!(links, dot.edges.len());
}

#[test]
fn output_is_the_same_bytes_every_time() {
    for format in ["dot", "mermaid", "json"] {
        for extra in [vec![], vec!["--profile", LOW_FERRITIN, "--for", "oral_iron"]] {
            let mut args = vec!["--format", format];
            args.extend(extra);
            assert_eq!(graph(&args), graph(&args), "{args:?}");
        }
    }
    // The library gives the same bytes as the binary.
    let kb = common::bundled();
    let exported = export::export(&kb.graph, &kb.evidence, None, None);
    assert_eq!(export::render(&exported, Format::Dot), graph(&[]));
}

#[test]
fn snapshot_dot_for_oral_iron_with_a_profile() {
    insta::assert_snapshot!(
        "dot_oral_iron_low_ferritin",
        graph(&["--for", "oral_iron", "--profile", LOW_FERRITIN, "--format", "dot"])
    );
}

#[test]
fn snapshot_mermaid_for_oral_iron_with_a_profile() {
    insta::assert_snapshot!(
        "mermaid_oral_iron_low_ferritin",
        graph(&["--for", "oral_iron", "--profile", LOW_FERRITIN, "--format", "mermaid"])
    );
}

#[test]
fn an_unknown_rule_id_exits_one_with_nothing_on_stdout() {
    warrant()
        .args(["graph", "--for", "oral_irn"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("error[E0212]: no rule has the id `oral_irn`"))
        .stderr(predicate::str::contains("did you mean `oral_iron`?"));
    warrant()
        .args(["graph", "--for", "zzz", "--profile", LOW_FERRITIN])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("E0212"));
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    warrant().args(["graph", "--format", "png"]).assert().code(2).stdout("");
}

#[test]
fn a_bad_profile_exits_one_with_nothing_on_stdout() {
    warrant()
        .args(["graph", "--profile", "tests/fixtures/profiles_invalid/wrong_unit.yaml"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("error[E0603]"));
    warrant()
        .args(["graph", "--profile", "tests/fixtures/profiles/missing.yaml"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("error[E0701]"));
    warrant()
        .args(["graph", "--profile", "README.md"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("error[E0605]"));
}

#[test]
fn a_profile_can_come_from_stdin() {
    let piped = warrant()
        .args(["graph", "--profile", "-", "--for", "oral_iron"])
        .write_stdin(std::fs::read_to_string(LOW_FERRITIN).unwrap())
        .output()
        .unwrap();
    assert!(piped.status.success());
    assert_eq!(
        String::from_utf8(piped.stdout).unwrap(),
        graph(&["--profile", LOW_FERRITIN, "--for", "oral_iron"])
    );
}

#[test]
fn a_broken_knowledge_base_exits_one_with_nothing_on_stdout() {
    warrant()
        .args(["graph", "--rules", "tests/fixtures/rules_invalid"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("the knowledge base has errors"));
    warrant()
        .args(["graph", "--rules", "tests/fixtures/graph"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("error[E0702]"));
}

#[test]
fn svg_is_drawn_in_rust_the_same_every_time_and_coloured_by_truth() {
    let whole = graph(&["--format", "svg"]);
    let document = roxmltree::Document::parse(&whole).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(document.root_element().tag_name().name(), "svg");
    let texts: String = document.descendants().filter_map(|n| n.text()).collect();
    assert!(texts.contains("oral_iron") && texts.contains("aasm_2025_rls_guideline"), "nodes are labelled");

    let focused = graph(&[
        "--format",
        "svg",
        "--for",
        "oral_iron",
        "--profile",
        "tests/fixtures/profiles/low_ferritin.yaml",
    ]);
    assert_eq!(
        focused,
        graph(&[
            "--format",
            "svg",
            "--for",
            "oral_iron",
            "--profile",
            "tests/fixtures/profiles/low_ferritin.yaml"
        ]),
        "the same bytes every time"
    );
    let document = roxmltree::Document::parse(&focused).unwrap();
    let fills: Vec<&str> = document.descendants().filter_map(|n| n.attribute("fill")).collect();
    assert!(fills.contains(&"#c8e6c9ff"), "true in green: {fills:?}");
    assert!(fills.contains(&"#ffcdd2ff"), "false in red");
    let texts: String = document.descendants().filter_map(|n| n.text()).collect();
    assert!(!texts.contains("magnesium_evening"), "only what oral_iron rests on");
}
