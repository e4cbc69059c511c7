//! Stage three: a checked [`Program`] in, a [`KnowledgeGraph`] out.
//!
//! Inputs, the atomic conditions of every rule, derived facts, outcomes and
//! evidence records become nodes; "feeds", "qualifies" (a contraindication)
//! and "supports" / "refutes" / "mixed" (a citation) become edges. Cycles
//! among facts are found here with Kosaraju's algorithm and reported as
//! `a -> b -> a`; an acyclic graph yields the evaluation order.

pub mod export;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use petgraph::algo::{kosaraju_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::check::{Expr, InputId, Program, RuleId};
use crate::diagnostic::Diagnostic;
use crate::infer::bytecode::Bytecode;
use crate::limits::CHAIN_DEPTH;
use crate::span::Span;
use crate::syntax::ast::Stance;

/// A node of the knowledge graph.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Input(InputId),
    /// One atomic condition of a rule, with where it was written.
    Condition {
        rule: RuleId,
        role: Role,
        span: Span,
    },
    Rule(RuleId),
    Evidence(String),
}

/// Whether a condition is a rule's population (`for`), part of its `when`,
/// or part of its `unless`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    For,
    When,
    Unless,
}

/// An edge of the knowledge graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// A value flows into a condition, or a condition into its rule.
    Feeds,
    /// A contraindication blocks the rule.
    Qualifies,
    /// A citation, with its stance.
    Cites(Stance),
}

/// The checked program as a graph, with the order to evaluate its rules.
///
/// Invariant: the graph is acyclic, and `order` lists every rule after all
/// the rules its conditions refer to.
#[derive(Debug, Clone)]
pub struct KnowledgeGraph {
    pub program: Program,
    pub graph: DiGraph<Node, Edge>,
    pub order: Vec<RuleId>,
    /// The rules compiled in `order`, for evaluating profiles fast.
    pub bytecode: Bytecode,
}

/// Builds the graph, or reports every cycle among the program's facts.
pub fn build(program: Program) -> Result<KnowledgeGraph, Vec<Diagnostic>> {
    let mut builder = Builder::default();
    let graph = builder.build(&program);
    let cycles = find_cycles(&program, &graph);
    if !cycles.is_empty() {
        return Err(cycles);
    }
    let Ok(sorted) = toposort(&graph, None) else {
        return Err(vec![Diagnostic::error(
            "E0901",
            "internal error: the knowledge graph has a cycle that was not reported",
        )]);
    };
    if let Some(too_long) = chain_too_long(&program, &graph, &sorted) {
        return Err(vec![too_long]);
    }
    let order: Vec<RuleId> = sorted
        .into_iter()
        .filter_map(|n| match graph.node_weight(n) {
            Some(Node::Rule(rule)) => Some(*rule),
            _ => None,
        })
        .collect();
    let bytecode = Bytecode::compile(&program, &order);
    Ok(KnowledgeGraph { program, graph, order, bytecode })
}

#[derive(Default)]
struct Builder {
    graph: DiGraph<Node, Edge>,
    /// Node of each input and each rule, by id.
    inputs: Vec<NodeIndex>,
    rules: Vec<NodeIndex>,
    evidence: BTreeMap<String, NodeIndex>,
}

impl Builder {
    fn build(&mut self, program: &Program) -> DiGraph<Node, Edge> {
        for id in (0..program.inputs.len()).map(InputId) {
            let node = self.graph.add_node(Node::Input(id));
            self.inputs.push(node);
        }
        for id in program.rule_ids() {
            let node = self.graph.add_node(Node::Rule(id));
            self.rules.push(node);
        }
        for (id, rule) in program.rule_ids().zip(&program.rules) {
            let target = self.rules.get(id.0).copied();
            let Some(target) = target else { continue };
            if let Some(population) = rule.population {
                let member = Expr::Fact(population.rule, population.span);
                self.add_conditions(id, Role::For, &member, target);
            }
            if let Some(when) = &rule.when {
                self.add_conditions(id, Role::When, when, target);
            }
            if let Some(unless) = &rule.unless {
                self.add_conditions(id, Role::Unless, unless, target);
            }
            for citation in &rule.citations {
                let evidence = self.evidence_node(&citation.evidence);
                self.graph.add_edge(evidence, target, Edge::Cites(citation.stance));
            }
        }
        std::mem::take(&mut self.graph)
    }

    fn evidence_node(&mut self, id: &str) -> NodeIndex {
        if let Some(node) = self.evidence.get(id) {
            return *node;
        }
        let node = self.graph.add_node(Node::Evidence(id.to_string()));
        self.evidence.insert(id.to_string(), node);
        node
    }

    fn add_conditions(&mut self, rule: RuleId, role: Role, expr: &Expr, target: NodeIndex) {
        let (source, span) = match expr {
            Expr::And(parts) | Expr::Or(parts) => {
                for part in parts {
                    self.add_conditions(rule, role, part, target);
                }
                return;
            }
            Expr::Not(inner) => return self.add_conditions(rule, role, inner, target),
            Expr::Invalid(_) => return,
            Expr::Compare { input, span, .. }
            | Expr::Known(input, span)
            | Expr::Unknown(input, span)
            | Expr::Has { input, span, .. }
            | Expr::OutsideRange { input, span, .. }
            | Expr::Is { input, span, .. }
            | Expr::OlderThan { input, span, .. }
            | Expr::Flag(input, span)
            | Expr::DailyIntake { supplements: input, span, .. } => {
                (self.inputs.get(input.0).copied(), *span)
            }
            Expr::Fact(fact, span) => (self.rules.get(fact.0).copied(), *span),
        };
        let condition = self.graph.add_node(Node::Condition { rule, role, span });
        if let Some(source) = source {
            self.graph.add_edge(source, condition, Edge::Feeds);
        }
        // A limit counts the doses of the suggestions that fire, so it is
        // decided after them.
        if let Expr::DailyIntake { suggested, .. } = expr {
            for dose in suggested {
                if let Some(&suggestion) = self.rules.get(dose.rule.0) {
                    self.graph.add_edge(suggestion, condition, Edge::Feeds);
                }
            }
        }
        let edge = match role {
            Role::For | Role::When => Edge::Feeds,
            Role::Unless => Edge::Qualifies,
        };
        self.graph.add_edge(condition, target, edge);
    }
}

/// The first rule at the end of a chain of more than [`CHAIN_DEPTH`] rules,
/// each built on the one before (`a` when `b`, `b` when `c`, ...): one
/// error, however long the chain, naming its ends.
fn chain_too_long(
    program: &Program,
    graph: &DiGraph<Node, Edge>,
    sorted: &[NodeIndex],
) -> Option<Diagnostic> {
    // Rules on the longest chain ending at each node, and the rule before.
    let mut length: Vec<(usize, Option<NodeIndex>)> = vec![(0, None); graph.node_count()];
    for &node in sorted {
        let longest = graph
            .neighbors_directed(node, petgraph::Direction::Incoming)
            .filter_map(|before| length.get(before.index()).map(|(n, rule)| (*n, *rule)))
            .max_by_key(|(n, _)| *n)
            .unwrap_or((0, None));
        let entry = match graph.node_weight(node) {
            Some(Node::Rule(_)) => (longest.0 + 1, Some(node)),
            _ => longest,
        };
        if let Some(slot) = length.get_mut(node.index()) {
            *slot = entry;
        }
        if entry.0 > CHAIN_DEPTH {
            let name = |rule: RuleId| program.rule(rule).map_or("?", |r| r.name.as_str());
            let Some(Node::Rule(last)) = graph.node_weight(node) else { continue };
            let rule = program.rule(*last)?;
            // Walk back to the chain's first rule.
            let mut first = *last;
            let mut at = node;
            while let Some(Node::Condition { .. } | Node::Rule(_)) = graph.node_weight(at) {
                let Some(previous) = graph
                    .neighbors_directed(at, petgraph::Direction::Incoming)
                    .filter(|p| length.get(p.index()).is_some_and(|(n, _)| *n > 0))
                    .max_by_key(|p| length.get(p.index()).map_or(0, |(n, _)| *n))
                else {
                    break;
                };
                if let Some(Node::Rule(rule)) = graph.node_weight(previous) {
                    first = *rule;
                }
                at = previous;
            }
            return Some(
                Diagnostic::error(
                    "E0402",
                    format!(
                        "`{}` ends a chain of more than {CHAIN_DEPTH} rules built on one another, from `{}`",
                        rule.name,
                        name(first)
                    ),
                )
                .primary(rule.span, "too far from the facts it rests on")
                .help("join steps of the chain into one condition; explanations follow every step, so chains are bounded"),
            );
        }
    }
    None
}

/// One diagnostic per cycle: `a -> b -> a`, labelled at each reference.
fn find_cycles(program: &Program, graph: &DiGraph<Node, Edge>) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    // Kosaraju, not Tarjan: petgraph's Tarjan recurses once per node on a path,
    // and a long chain of derived facts would exhaust the stack.
    for component in kosaraju_scc(graph) {
        let self_loop = component.len() == 1 && component.iter().any(|&n| graph.contains_edge(n, n));
        if component.len() < 2 && !self_loop {
            continue;
        }
        let members: BTreeSet<NodeIndex> = component.iter().copied().collect();
        let Some(start) = members
            .iter()
            .copied()
            .filter(|&n| matches!(graph.node_weight(n), Some(Node::Rule(_))))
            .min_by_key(|&n| match graph.node_weight(n) {
                Some(Node::Rule(rule)) => *rule,
                _ => RuleId(usize::MAX),
            })
        else {
            continue;
        };
        let path = cycle_through(graph, &members, start);
        diagnostics.push(cycle_diagnostic(program, graph, &path));
    }
    diagnostics
}

/// The shortest path from `start` back to itself inside one strongly
/// connected component.
fn cycle_through(
    graph: &DiGraph<Node, Edge>,
    members: &BTreeSet<NodeIndex>,
    start: NodeIndex,
) -> Vec<NodeIndex> {
    let mut parent: BTreeMap<NodeIndex, NodeIndex> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        let mut next: Vec<NodeIndex> =
            graph.edges(node).map(|e| e.target()).filter(|t| members.contains(t)).collect();
        next.sort();
        for target in next {
            if target == start {
                let mut path = vec![node];
                let mut at = node;
                while let Some(&previous) = parent.get(&at) {
                    path.push(previous);
                    at = previous;
                }
                path.reverse();
                return path;
            }
            if target != start && !parent.contains_key(&target) {
                parent.insert(target, node);
                queue.push_back(target);
            }
        }
    }
    vec![start]
}

fn cycle_diagnostic(program: &Program, graph: &DiGraph<Node, Edge>, path: &[NodeIndex]) -> Diagnostic {
    let rule_name = |rule: RuleId| program.rule(rule).map_or("?", |r| r.name.as_str());
    let mut rules: Vec<RuleId> = path
        .iter()
        .filter_map(|&n| match graph.node_weight(n) {
            Some(Node::Rule(rule)) => Some(*rule),
            _ => None,
        })
        .collect();
    // The path follows data flow (a fact feeds what reads it); the message
    // reads the other way, each fact followed by the one it depends on.
    rules.reverse();
    rules.rotate_right(1);
    // References: the conditions on the path, each naming the next rule.
    let references: Vec<Span> = path
        .iter()
        .filter_map(|&n| match graph.node_weight(n) {
            Some(Node::Condition { span, .. }) => Some(*span),
            _ => None,
        })
        .collect();
    let message = match rules.as_slice() {
        [only] => format!("`{}` depends on itself", rule_name(*only)),
        _ => {
            let mut names: Vec<&str> = rules.iter().map(|&r| rule_name(r)).collect();
            if let Some(first) = names.first().copied() {
                names.push(first);
            }
            format!("facts depend on each other in a cycle: {}", names.join(" -> "))
        }
    };
    let mut diagnostic = Diagnostic::error("E0401", message).help(
        "a fact cannot depend on itself, even through other facts: break the cycle by removing one reference",
    );
    if let Some((closing, others)) = references.split_last() {
        diagnostic = diagnostic.primary(*closing, "this reference closes the cycle");
        for reference in others {
            diagnostic = diagnostic.secondary(*reference, "part of the cycle");
        }
    }
    diagnostic
}
