//! `warrant graph`: the knowledge graph, or the part of it behind one rule,
//! as Graphviz DOT, a Mermaid flowchart or JSON.
//!
//! Every node gets an id built from names, never from petgraph indices:
//!
//! | node | id |
//! |---|---|
//! | input | `input:ferritin` |
//! | rule (derived fact or outcome) | `rule:oral_iron` |
//! | atomic condition | `cond:oral_iron:when:0`, numbered per rule and role in the order written |
//! | evidence record | `evidence:aasm_2025_rls_guideline` |
//!
//! Nodes come in a fixed order: inputs, rules, conditions (each in
//! declaration order), then evidence records in id order. Edges are sorted
//! by source id, target id and kind. Every renderer builds the whole output
//! as one string, so the same graph always gives the same bytes.
//!
//! A condition node is one atom of a rule's `when` or `unless`, with any
//! `not` directly around it (`not hemochromatosis`), so its truth is the
//! truth of what the rule reads.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use serde::Serialize;

use super::{Edge, KnowledgeGraph, Node, Role};
use crate::check::{Expr, InputId, InputKind, Program, RuleId};
use crate::diagnostic::Diagnostic;
use crate::evidence::{EvidenceBase, Verification};
use crate::infer::{Evaluation, Truth};
use crate::profile::Value;
use crate::span::Span;
use crate::suggest;
use crate::syntax::ast::{RuleKind, Stance, Strength};
use crate::units::{Unit, format_number, format_quantity};

/// The output formats of `warrant graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Graphviz DOT: `dot -Tsvg` draws it.
    Dot,
    /// A Mermaid flowchart, for Markdown that renders Mermaid.
    Mermaid,
    /// `{"schema_version": 1, "nodes": [...], "edges": [...]}`.
    Json,
    /// A picture, laid out and drawn in Rust (no Graphviz needed).
    Svg,
}

/// The version of the JSON layout; raised when a field changes meaning or goes.
pub const SCHEMA_VERSION: u32 = 1;

/// The graph to export: nodes and edges in their final order.
#[derive(Debug, Clone, Serialize)]
pub struct Export {
    pub schema_version: u32,
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
}

/// What a node stands for. The order is the order nodes are listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Input,
    Rule,
    Condition,
    Evidence,
}

/// One node, with what a reader needs to know about it.
#[derive(Debug, Clone, Serialize)]
pub struct GraphNode {
    pub id: String,
    pub kind: NodeKind,
    /// The input's or rule's label, the condition in words, or the short citation.
    pub label: String,
    #[serde(flatten)]
    pub detail: Detail,
}

/// The fields particular to each kind of node.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Detail {
    Input {
        name: String,
        /// `lab`, `flag` or `list`.
        input_kind: &'static str,
        /// A lab's canonical unit.
        #[serde(skip_serializing_if = "Option::is_none")]
        unit: Option<&'static str>,
        /// The profile list a `list` input reads.
        #[serde(skip_serializing_if = "Option::is_none")]
        list: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        loinc: Option<String>,
        /// With a profile: the value (a lab in its canonical unit), or `missing`.
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        /// A lab value as the profile gave it, when its unit differs.
        #[serde(skip_serializing_if = "Option::is_none")]
        given: Option<String>,
        /// The profile's reference range, in the canonical unit.
        #[serde(skip_serializing_if = "Option::is_none")]
        range: Option<String>,
    },
    Condition {
        rule: String,
        /// `when` or `unless` (a contraindication).
        role: &'static str,
        /// The condition's place among the rule's conditions of this role.
        index: usize,
        /// With a profile: `true`, `false` or `unknown`.
        #[serde(skip_serializing_if = "Option::is_none")]
        truth: Option<Truth>,
    },
    Rule {
        name: String,
        /// `derive`, or the outcome's keyword (`recommend`, `test`, ...).
        rule_kind: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        strength: Option<Strength>,
        /// With a profile: `true`, `false` or `unknown`.
        #[serde(skip_serializing_if = "Option::is_none")]
        truth: Option<Truth>,
    },
    Evidence {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        design: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        certainty: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        verification: Option<Verification>,
    },
}

impl GraphNode {
    /// The truth of a condition or rule, when a profile was evaluated.
    pub fn truth(&self) -> Option<Truth> {
        match &self.detail {
            Detail::Condition { truth, .. } | Detail::Rule { truth, .. } => *truth,
            Detail::Input { .. } | Detail::Evidence { .. } => None,
        }
    }
}

/// What an edge means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeKind {
    /// A value flows into a condition, or a condition into its rule.
    Feeds,
    /// A contraindication (`unless`) blocks the rule.
    Qualifies,
    /// A rule cites the record.
    Cites,
}

impl EdgeKind {
    fn word(self) -> &'static str {
        match self {
            EdgeKind::Feeds => "feeds",
            EdgeKind::Qualifies => "qualifies",
            EdgeKind::Cites => "cites",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct GraphEdge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    /// A citation's stance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stance: Option<Stance>,
}

/// The rule named `name`, or error E0212 with the closest name as a suggestion.
pub fn find_rule(program: &Program, name: &str) -> Result<RuleId, Diagnostic> {
    program.find_rule(name).ok_or_else(|| {
        let names = program.rules.iter().map(|r| r.name.as_str());
        Diagnostic::error("E0212", format!("no rule has the id `{name}`")).help(
            suggest::did_you_mean(name, names)
                .unwrap_or_else(|| String::from("run `warrant graph --format json` to list every rule")),
        )
    })
}

/// The graph to export: all of it, or with `focus` only that rule and what
/// it depends on (its ancestors: conditions, inputs, other rules and the
/// evidence they cite). With an evaluation, inputs carry the profile's
/// values and conditions and rules their truth.
pub fn export(
    graph: &KnowledgeGraph,
    evidence: &EvidenceBase,
    evaluation: Option<&Evaluation<'_>>,
    focus: Option<RuleId>,
) -> Export {
    let program = &graph.program;
    let conditions = Conditions::of(program);
    let keep = focus.map(|rule| ancestors(graph, rule));
    let kept = |index: NodeIndex| keep.as_ref().is_none_or(|keep| keep.contains(&index));

    let mut ids: BTreeMap<NodeIndex, String> = BTreeMap::new();
    let mut nodes: Vec<(SortKey, GraphNode)> = Vec::new();
    for index in graph.graph.node_indices().filter(|&i| kept(i)) {
        let Some(weight) = graph.graph.node_weight(index) else { continue };
        let built = match weight {
            Node::Input(input) => input_node(program, *input, evaluation),
            Node::Rule(rule) => rule_node(program, *rule, evaluation),
            Node::Condition { rule, role, span } => conditions.node(program, *rule, *role, *span, evaluation),
            Node::Evidence(id) => Some(evidence_node(evidence, id)),
        };
        let Some((key, node)) = built else { continue };
        ids.insert(index, node.id.clone());
        nodes.push((key, node));
    }
    nodes.sort_by(|a, b| a.0.cmp(&b.0));

    let mut edges: Vec<GraphEdge> = graph
        .graph
        .edge_references()
        .filter_map(|edge| {
            let from = ids.get(&edge.source())?.clone();
            let to = ids.get(&edge.target())?.clone();
            let (kind, stance) = match edge.weight() {
                Edge::Feeds => (EdgeKind::Feeds, None),
                Edge::Qualifies => (EdgeKind::Qualifies, None),
                Edge::Cites(stance) => (EdgeKind::Cites, Some(*stance)),
            };
            Some(GraphEdge { from, to, kind, stance })
        })
        .collect();
    edges.sort();
    edges.dedup();

    Export { schema_version: SCHEMA_VERSION, nodes: nodes.into_iter().map(|(_, n)| n).collect(), edges }
}

/// Renders an export in `format`, ending with a newline.
pub fn render(export: &Export, format: Format) -> String {
    match format {
        Format::Dot => dot(export),
        Format::Mermaid => mermaid(export),
        Format::Json => crate::escape::json_document(export),
        Format::Svg => svg(export),
    }
}

/// The DOT export laid out and drawn by layout-rs, ending with a newline.
/// Its `<style>` rules come out in hash order, so they are sorted: the
/// same graph gives the same bytes.
fn svg(export: &Export) -> String {
    use layout::backends::svg::SVGWriter;
    use layout::gv::{DotParser, GraphBuilder};
    if most_paths_from_a_node(export) > LAYOUT_PATH_LIMIT {
        return String::from(
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><text x=\"10\" y=\"20\">The graph has too many paths to lay out; \
             `warrant graph --format dot` exports it.</text></svg>\n",
        );
    }
    let dot = dot_with(export, 2, (16, 14));
    let mut parser = DotParser::new(&dot);
    let Ok(parsed) = parser.process() else {
        return String::from(
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><text x=\"10\" y=\"20\">The graph could not be laid out.</text></svg>\n",
        );
    };
    let mut builder = GraphBuilder::new();
    builder.visit_graph(&parsed);
    let mut drawing = builder.get();
    let mut writer = SVGWriter::new();
    drawing.do_it(false, false, false, &mut writer);
    let drawn = writer.finalize();
    let drawn =
        drawn.strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>").unwrap_or(&drawn);
    let mut out = sorted_style(drawn);
    out.push('\n');
    out
}

/// The most paths from one node through the graph that layout-rs is
/// given. Its check that the graph has no cycle walks every path, so a
/// chain of facts each read twice (two paths per step) took it forever.
const LAYOUT_PATH_LIMIT: u64 = 100_000;

/// The most paths leaving any one node, counted over the graph in reverse
/// topological order, saturating; `u64::MAX` for a graph with a cycle.
fn most_paths_from_a_node(export: &Export) -> u64 {
    let mut graph = petgraph::graphmap::DiGraphMap::<&str, (), foldhash::fast::RandomState>::default();
    for node in &export.nodes {
        graph.add_node(node.id.as_str());
    }
    for edge in &export.edges {
        graph.add_edge(edge.from.as_str(), edge.to.as_str(), ());
    }
    let Ok(order) = petgraph::algo::toposort(&graph, None) else { return u64::MAX };
    let mut paths: foldhash::HashMap<&str, u64> = foldhash::HashMap::default();
    for node in order.into_iter().rev() {
        let through = graph
            .neighbors(node)
            .fold(0u64, |sum, next| sum.saturating_add(paths.get(next).copied().unwrap_or(0)));
        paths.insert(node, through.saturating_add(1));
    }
    paths.into_values().max().unwrap_or(0)
}

/// `svg` with the lines of its `<style>` element in sorted order.
fn sorted_style(svg: &str) -> String {
    let (Some(start), Some(end)) = (svg.find("<style>"), svg.find("</style>")) else {
        return svg.to_string();
    };
    let inner_start = start + "<style>".len();
    let Some(inner) = svg.get(inner_start..end) else { return svg.to_string() };
    let mut rules: Vec<&str> = inner.lines().filter(|line| !line.trim().is_empty()).collect();
    rules.sort_unstable();
    format!(
        "{}<style>\n{}\n{}",
        svg.get(..start).unwrap_or(""),
        rules.join("\n"),
        svg.get(end..).unwrap_or("")
    )
}

/// Orders nodes: inputs, rules, conditions, evidence; within each kind by
/// declaration (rule, then `when` before `unless`, then place) or by id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct SortKey(NodeKind, usize, Option<Role>, usize, String);

/// Every node a rule depends on, and the rule's own node.
fn ancestors(graph: &KnowledgeGraph, rule: RuleId) -> BTreeSet<NodeIndex> {
    let start = graph.graph.node_indices().find(|&i| graph.graph.node_weight(i) == Some(&Node::Rule(rule)));
    let mut seen: BTreeSet<NodeIndex> = start.into_iter().collect();
    let mut queue: VecDeque<NodeIndex> = seen.iter().copied().collect();
    while let Some(node) = queue.pop_front() {
        for parent in graph.graph.neighbors_directed(node, Direction::Incoming) {
            if seen.insert(parent) {
                queue.push_back(parent);
            }
        }
    }
    seen
}

fn input_node(
    program: &Program,
    id: InputId,
    evaluation: Option<&Evaluation<'_>>,
) -> Option<(SortKey, GraphNode)> {
    let input = program.input(id)?;
    let (input_kind, unit, list) = match input.kind {
        InputKind::Lab { unit, .. } => ("lab", Some(unit.symbol), None),
        InputKind::Age => ("age", Some(Unit::YEAR.symbol), None),
        InputKind::Sex => ("sex", None, None),
        InputKind::Flag => ("flag", None, None),
        InputKind::List(list) => ("list", None, Some(list.name())),
    };
    let (value, given, range) = match evaluation {
        Some(evaluation) => {
            let (value, given, range) = profile_value(evaluation, id, input.kind);
            (Some(value), given, range)
        }
        None => (None, None, None),
    };
    let node = GraphNode {
        id: format!("input:{}", input.name),
        kind: NodeKind::Input,
        label: input.label.clone(),
        detail: Detail::Input {
            name: input.name.clone(),
            input_kind,
            unit,
            list,
            loinc: input.loinc.first().cloned(),
            value,
            given,
            range,
        },
    };
    Some((SortKey(NodeKind::Input, id.0, None, 0, String::new()), node))
}

/// The profile's value for one input: the value (`missing` when absent),
/// the value as given when converted, and the reference range.
fn profile_value(
    evaluation: &Evaluation<'_>,
    id: InputId,
    kind: InputKind,
) -> (String, Option<String>, Option<String>) {
    match evaluation.facts.value(id) {
        None => (String::from("missing"), None, None),
        Some(Value::Quantity { canonical, given, given_unit, range, .. }) => {
            let unit = kind.quantity_unit().map_or(*given_unit, |(unit, _)| unit);
            let value = format_quantity(*canonical, unit);
            let shown_given = (*given_unit != unit).then(|| format_quantity(*given, *given_unit));
            let range =
                range.map(|(low, high)| format!("{}-{}", format_number(low), format_quantity(high, unit)));
            (value, shown_given, range)
        }
        Some(Value::Flag(set)) => (String::from(if *set { "yes" } else { "no" }), None, None),
        Some(Value::Choice(given)) => ((*given).to_string(), None, None),
        Some(Value::List(items)) if items.is_empty() => (String::from("none"), None, None),
        Some(Value::List(items)) => (items.join(", "), None, None),
    }
}

fn rule_node(
    program: &Program,
    id: RuleId,
    evaluation: Option<&Evaluation<'_>>,
) -> Option<(SortKey, GraphNode)> {
    let rule = program.rule(id)?;
    let node = GraphNode {
        id: format!("rule:{}", rule.name),
        kind: NodeKind::Rule,
        label: rule.label.clone(),
        detail: Detail::Rule {
            name: rule.name.clone(),
            rule_kind: rule.kind.keyword(),
            strength: rule.strength,
            truth: evaluation.map(|e| e.verdict(id)),
        },
    };
    Some((SortKey(NodeKind::Rule, id.0, None, 0, String::new()), node))
}

fn evidence_node(evidence: &EvidenceBase, id: &str) -> (SortKey, GraphNode) {
    let located = evidence.get(id);
    let record = located.map(|located| &located.record);
    let node = GraphNode {
        id: format!("evidence:{id}"),
        kind: NodeKind::Evidence,
        label: located.map_or_else(|| id.to_string(), |located| located.short.clone()),
        detail: Detail::Evidence {
            name: id.to_string(),
            design: record.map(|r| r.kind.describe()),
            certainty: record.map(|r| r.certainty.describe()),
            verification: record.map(|r| r.verification),
        },
    };
    (SortKey(NodeKind::Evidence, 0, None, 0, id.to_string()), node)
}

/// The atomic conditions of every rule, found the way the graph builder
/// finds them, keyed by where they were written.
struct Conditions<'p> {
    by_place: BTreeMap<(RuleId, Role, Span), (usize, &'p Expr)>,
}

impl<'p> Conditions<'p> {
    fn of(program: &'p Program) -> Self {
        let mut by_place = BTreeMap::new();
        for (id, rule) in program.rule_ids().zip(&program.rules) {
            for (role, expr) in [(Role::When, &rule.when), (Role::Unless, &rule.unless)] {
                let Some(expr) = expr else { continue };
                let mut atoms = Vec::new();
                collect_atoms(expr, None, &mut atoms);
                for (index, (span, condition)) in atoms.into_iter().enumerate() {
                    by_place.entry((id, role, span)).or_insert((index, condition));
                }
            }
        }
        Conditions { by_place }
    }

    fn node(
        &self,
        program: &Program,
        rule: RuleId,
        role: Role,
        span: Span,
        evaluation: Option<&Evaluation<'_>>,
    ) -> Option<(SortKey, GraphNode)> {
        let outcome = program.rule(rule)?;
        let name = &outcome.name;
        // A population is not written in a condition: it is the rule's `for`.
        let (index, label, truth) = match role {
            Role::For => {
                let population = outcome.population?;
                let population_name = &program.rule(population.rule)?.name;
                (0, population_name.clone(), evaluation.map(|e| e.verdict(population.rule)))
            }
            Role::When | Role::Unless => {
                let (index, expr) = self.by_place.get(&(rule, role, span)).copied()?;
                (index, program.describe(expr), evaluation.map(|e| e.truth(expr)))
            }
        };
        let role_word = match role {
            Role::For => "for",
            Role::When => "when",
            Role::Unless => "unless",
        };
        let node = GraphNode {
            id: format!("cond:{name}:{role_word}:{index}"),
            kind: NodeKind::Condition,
            label,
            detail: Detail::Condition { rule: name.clone(), role: role_word, index, truth },
        };
        Some((SortKey(NodeKind::Condition, rule.0, Some(role), index, String::new()), node))
    }
}

/// The atoms of a condition in the order written, each with the `not`s
/// directly around it, as the graph builder visits them.
fn collect_atoms<'p>(expr: &'p Expr, negated: Option<&'p Expr>, atoms: &mut Vec<(Span, &'p Expr)>) {
    let span = match expr {
        Expr::And(parts) | Expr::Or(parts) => {
            for part in parts {
                collect_atoms(part, None, atoms);
            }
            return;
        }
        Expr::Not(inner) => return collect_atoms(inner, Some(negated.unwrap_or(expr)), atoms),
        Expr::Invalid(_) => return,
        Expr::Compare { span, .. }
        | Expr::Known(_, span)
        | Expr::Unknown(_, span)
        | Expr::Has { span, .. }
        | Expr::OutsideRange { span, .. }
        | Expr::Is { span, .. }
        | Expr::OlderThan { span, .. }
        | Expr::Flag(_, span)
        | Expr::DailyIntake { span, .. }
        | Expr::Fact(_, span) => *span,
    };
    atoms.push((span, negated.unwrap_or(expr)));
}

// ---------------------------------------------------------------------------
// Labels shared by DOT and Mermaid

/// A node's label as lines: what it is, then its details, then the
/// profile's value or the truth, so it reads without colour.
fn label_lines(node: &GraphNode) -> Vec<String> {
    let mut lines = Vec::new();
    match &node.detail {
        Detail::Input { name, input_kind, unit, list, loinc, value, given, range } => {
            lines.push(format!("input {name}"));
            lines.push(node.label.clone());
            let mut kind = match (unit, list) {
                (Some(unit), _) => format!("{input_kind}, {unit}"),
                (None, Some(list)) => format!("{input_kind} of {list}"),
                (None, None) => (*input_kind).to_string(),
            };
            if let Some(loinc) = loinc {
                let _ = write!(kind, ", LOINC {loinc}");
            }
            lines.push(kind);
            if let Some(value) = value {
                let mut shown = format!("value: {value}");
                if let Some(given) = given {
                    let _ = write!(shown, " (given as {given})");
                }
                if let Some(range) = range {
                    let _ = write!(shown, "; range {range}");
                }
                lines.push(shown);
            }
        }
        Detail::Condition { role, truth, .. } => {
            lines.push(format!("{role}: {}", node.label));
            if let Some(truth) = truth {
                lines.push(format!("truth: {}", truth.word()));
            }
        }
        Detail::Rule { name, rule_kind, strength, truth } => {
            lines.push(format!("{rule_kind} {name}"));
            lines.push(node.label.clone());
            if let Some(strength) = strength {
                lines.push(format!("strength: {}", strength_word(*strength)));
            }
            if let Some(truth) = truth {
                lines.push(format!("truth: {}", truth.word()));
            }
        }
        Detail::Evidence { name, design, certainty, verification } => {
            lines.push(format!("evidence {name}"));
            lines.push(node.label.clone());
            if let Some(design) = design {
                lines.push((*design).to_string());
            }
            let status: Vec<String> = [
                certainty.map(|c| format!("certainty: {c}")),
                verification.map(|v| format!("citation {}", v.describe())),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !status.is_empty() {
                lines.push(status.join(", "));
            }
        }
    }
    lines
}

fn strength_word(strength: Strength) -> &'static str {
    match strength {
        Strength::Strong => "strong",
        Strength::Conditional => "conditional",
    }
}

fn is_derived(node: &GraphNode) -> bool {
    matches!(&node.detail, Detail::Rule { rule_kind, .. } if *rule_kind == RuleKind::Derive.keyword())
}

fn is_missing(node: &GraphNode) -> bool {
    matches!(&node.detail, Detail::Input { value: Some(value), .. } if value == "missing")
}

/// Fill colours for true, false and unknown.
fn truth_fill(truth: Truth) -> &'static str {
    match truth {
        Truth::True => "#c8e6c9",
        Truth::False => "#ffcdd2",
        Truth::Unknown => "#e0e0e0",
    }
}

// ---------------------------------------------------------------------------
// DOT

fn dot(export: &Export) -> String {
    dot_with(export, usize::MAX, (10, 9))
}

/// DOT with at most `lines` lines per node label and these node and edge
/// font sizes: the SVG drawing keeps two lines (kind and name, condition
/// and truth) in a larger font, so it stays legible scaled to a page.
fn dot_with(export: &Export, lines: usize, (node_font, edge_font): (u8, u8)) -> String {
    let mut out = String::from("digraph warrant {\n");
    out.push_str("  rankdir=LR;\n");
    let _ = writeln!(out, "  node [fontname=\"Helvetica\", fontsize={node_font}];");
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize={edge_font}];");
    for node in &export.nodes {
        let mut attributes: Vec<String> = Vec::new();
        let mut styles: Vec<&str> = Vec::new();
        let shape = match node.kind {
            NodeKind::Input => "box",
            NodeKind::Condition => "ellipse",
            NodeKind::Rule => {
                styles.push("rounded");
                if !is_derived(node) {
                    styles.push("bold");
                }
                "box"
            }
            NodeKind::Evidence => "note",
        };
        attributes.push(format!("shape={shape}"));
        if is_missing(node) {
            styles.push("dashed");
        }
        let fill = node.truth().map(truth_fill);
        if fill.is_some() {
            styles.push("filled");
        }
        if !styles.is_empty() {
            attributes.push(format!("style={}", dot_string(&styles.join(","))));
        }
        if let Some(fill) = fill {
            attributes.push(format!("fillcolor={}", dot_string(fill)));
        }
        let label: Vec<String> = label_lines(node).into_iter().take(lines).collect();
        attributes.push(format!("label={}", dot_string(&label.join("\n"))));
        let _ = writeln!(out, "  {} [{}];", dot_string(&node.id), attributes.join(", "));
    }
    for edge in &export.edges {
        let attributes = match (edge.kind, edge.stance) {
            (EdgeKind::Feeds, _) => String::new(),
            (EdgeKind::Qualifies, _) => {
                String::from(" [label=\"qualifies\", style=dashed, color=\"#c62828\"]")
            }
            (EdgeKind::Cites, stance) => {
                let word = stance.map_or("cites", Stance::keyword);
                format!(" [label={}, style=dotted]", dot_string(word))
            }
        };
        let _ = writeln!(out, "  {} -> {}{attributes};", dot_string(&edge.from), dot_string(&edge.to));
    }
    out.push_str("}\n");
    out
}

/// A DOT quoted string: backslashes and quotes escaped, newlines as `\n`.
fn dot_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '\\' => quoted.push_str("\\\\"),
            '"' => quoted.push_str("\\\""),
            '\n' => quoted.push_str("\\n"),
            '\r' => {}
            _ => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

// ---------------------------------------------------------------------------
// Mermaid

fn mermaid(export: &Export) -> String {
    let names = mermaid_ids(&export.nodes);
    let name_of = |id: &str| names.get(id).cloned().unwrap_or_else(|| sanitize(id));
    let mut out = String::from("flowchart LR\n");
    let mut classes: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for node in &export.nodes {
        let name = name_of(&node.id);
        let _ = writeln!(out, "  {name}[\"{}\"]", mermaid_label(&label_lines(node)));
        let class = match (node.truth(), node.kind) {
            (Some(Truth::True), _) => "truth_true",
            (Some(Truth::False), _) => "truth_false",
            (Some(Truth::Unknown), _) => "truth_unknown",
            (None, NodeKind::Input) if is_missing(node) => "missing",
            (None, NodeKind::Input) => "input",
            (None, NodeKind::Condition) => "condition",
            (None, NodeKind::Rule) => "rule",
            (None, NodeKind::Evidence) => "evidence",
        };
        classes.entry(class).or_default().push(name);
    }
    for edge in &export.edges {
        let arrow = match (edge.kind, edge.stance) {
            (EdgeKind::Feeds, _) => String::from("-->"),
            (EdgeKind::Qualifies, _) => String::from("-.->|qualifies|"),
            (EdgeKind::Cites, stance) => format!("==>|{}|", stance.map_or(edge.kind.word(), Stance::keyword)),
        };
        let _ = writeln!(out, "  {} {arrow} {}", name_of(&edge.from), name_of(&edge.to));
    }
    let definitions = [
        ("condition", "fill:#ffffff,stroke:#555555"),
        ("evidence", "fill:#fff8e1,stroke:#8d6e63"),
        ("input", "fill:#e3f2fd,stroke:#1565c0"),
        ("missing", "fill:#ffffff,stroke:#1565c0,stroke-dasharray:4 3"),
        ("rule", "fill:#ffffff,stroke:#333333,stroke-width:2px"),
        ("truth_false", "fill:#ffcdd2,stroke:#c62828"),
        ("truth_true", "fill:#c8e6c9,stroke:#2e7d32"),
        ("truth_unknown", "fill:#e0e0e0,stroke:#616161"),
    ];
    for (class, style) in definitions {
        if let Some(members) = classes.get(class) {
            let _ = writeln!(out, "  classDef {class} {style}");
            let _ = writeln!(out, "  class {} {class}", members.join(","));
        }
    }
    out
}

/// Mermaid node ids: the stable id with every character that is not an
/// ASCII letter or digit as `_`, made unique by a numeric suffix.
fn mermaid_ids(nodes: &[GraphNode]) -> BTreeMap<String, String> {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut names = BTreeMap::new();
    for node in nodes {
        let base = sanitize(&node.id);
        let mut name = base.clone();
        let mut suffix = 2;
        while taken.contains(&name) {
            name = format!("{base}_{suffix}");
            suffix += 1;
        }
        taken.insert(name.clone());
        names.insert(node.id.clone(), name);
    }
    names
}

fn sanitize(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

/// Label text for `id["..."]`: lines joined by `<br/>`, and the characters
/// Mermaid would read as markup written as entity codes.
fn mermaid_label(lines: &[String]) -> String {
    let escaped: Vec<String> = lines
        .iter()
        .map(|line| {
            let mut out = String::with_capacity(line.len());
            for c in line.chars() {
                match c {
                    '#' => out.push_str("#35;"),
                    '"' => out.push_str("#quot;"),
                    '<' => out.push_str("#lt;"),
                    '>' => out.push_str("#gt;"),
                    '&' => out.push_str("#amp;"),
                    '`' => out.push_str("#96;"),
                    '\n' => out.push_str("<br/>"),
                    '\r' => {}
                    _ => out.push(c),
                }
            }
            out
        })
        .collect();
    escaped.join("<br/>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_strings_escape_quotes_backslashes_and_newlines() {
        assert_eq!(dot_string("a \"b\"\\c\nd"), "\"a \\\"b\\\"\\\\c\\nd\"");
    }

    #[test]
    fn mermaid_labels_escape_markup() {
        let lines = [String::from("say \"hi\" <= 75 # & `x`"), String::from("two")];
        assert_eq!(mermaid_label(&lines), "say #quot;hi#quot; #lt;= 75 #35; #amp; #96;x#96;<br/>two");
    }

    #[test]
    fn mermaid_ids_are_sanitized_and_unique() {
        assert_eq!(sanitize("cond:oral_iron:when:0"), "cond_oral_iron_when_0");
        let node = |id: &str| GraphNode {
            id: id.to_string(),
            kind: NodeKind::Evidence,
            label: String::new(),
            detail: Detail::Evidence {
                name: id.to_string(),
                design: None,
                certainty: None,
                verification: None,
            },
        };
        let names = mermaid_ids(&[node("evidence:a-b"), node("evidence:a_b")]);
        assert_eq!(names.get("evidence:a-b").map(String::as_str), Some("evidence_a_b"));
        assert_eq!(names.get("evidence:a_b").map(String::as_str), Some("evidence_a_b_2"));
    }
}
