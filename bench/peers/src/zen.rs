//! zen-engine: the workload as a JDM decision graph — input node, one
//! expression node, output node — precompiled with `Decision::compile`
//! (what its own "decision/8k/precompiled" benchmark measures).

use std::sync::Arc;

use serde_json::json;
use warrant::synthetic::{SyntheticRule, Test};
use zen_engine::model::GraphContent;
use zen_engine::{Decision, Variable};

/// The JDM document. The expression node computes every derived fact, then
/// every outcome, in list order (which is dependency order: a derived fact
/// reads only an earlier one). An expression reads the profile's fields by
/// name and the node's earlier results as `$.<key>`. `not` binds tighter
/// than a comparison in ZEN, hence `not (f2 < 40)`.
pub fn decision(rules: &[SyntheticRule]) -> serde_json::Value {
    let test = |t: &Test| format!("f{} {} {}", t.field, t.op, t.threshold);
    let expressions: Vec<serde_json::Value> = rules
        .iter()
        .map(|rule| {
            let (key, value) = match rule {
                SyntheticRule::Derived { index, previous, tests } => {
                    let mut parts: Vec<String> = previous.iter().map(|p| format!("$.d{p}")).collect();
                    parts.extend(tests.iter().map(test));
                    (format!("d{index}"), parts.join(" and "))
                }
                SyntheticRule::Outcome { index, fact, either, not } => {
                    let first = match fact {
                        Some(fact) => format!("($.d{fact} or {})", test(either)),
                        None => test(either),
                    };
                    (format!("o{index}"), format!("{first} and not ({})", test(not)))
                }
            };
            json!({ "id": key, "key": key, "value": value })
        })
        .collect();
    json!({
        "nodes": [
            { "id": "input", "name": "Profile", "type": "inputNode", "content": {} },
            {
                "id": "rules", "name": "Rules", "type": "expressionNode",
                "content": { "passThrough": false, "expressions": expressions }
            },
            { "id": "output", "name": "Verdicts", "type": "outputNode", "content": {} }
        ],
        "edges": [
            { "id": "e1", "sourceId": "input", "targetId": "rules" },
            { "id": "e2", "sourceId": "rules", "targetId": "output" }
        ]
    })
}

pub struct Zen {
    decision: Decision,
    outcomes: usize,
}

impl Zen {
    pub fn compile(rules: &[SyntheticRule], outcomes: usize) -> Result<Zen, String> {
        let content: GraphContent =
            serde_json::from_value(decision(rules)).map_err(|e| format!("zen-engine JDM: {e}"))?;
        let mut decision = Decision::from(Arc::new(content));
        decision.validate().map_err(|e| format!("zen-engine validate: {e}"))?;
        decision.compile();
        Ok(Zen { decision, outcomes })
    }

    /// What is timed: one profile in, every derived fact and outcome out.
    /// `evaluate` is async (a graph may call out to loaders); nothing here
    /// awaits I/O, so it completes on first poll under any executor.
    #[inline]
    pub async fn evaluate(&self, input: Variable) -> Result<Variable, String> {
        let response = self.decision.evaluate(input).await.map_err(|e| format!("zen-engine: {e}"))?;
        Ok(response.result)
    }

    pub async fn fired(&self, input: Variable) -> Result<Vec<usize>, String> {
        let result = self.evaluate(input).await?.to_value();
        let mut fired = Vec::new();
        for n in 0..self.outcomes {
            match result.get(format!("o{n}")) {
                Some(serde_json::Value::Bool(true)) => fired.push(n),
                Some(serde_json::Value::Bool(false)) => {}
                other => return Err(format!("zen-engine: o{n} is {other:?}, not a boolean")),
            }
        }
        Ok(fired)
    }
}
