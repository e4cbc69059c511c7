//! The synthetic workload, generated in-process by `warrant::synthetic`, in
//! the shapes the engines read.

use warrant::synthetic::{self, FIELDS, SyntheticRule, Test};

/// One knowledge base size: its rules and profiles.
pub struct Workload {
    pub rules: Vec<SyntheticRule>,
    /// How many outcomes (`o0` … `o<n-1>`) there are.
    pub outcomes: usize,
    /// Profiles as `warrant generate profiles` writes them (JSON Lines).
    pub profile_json: Vec<String>,
    /// The same profiles as plain numbers in mg/L, `f0` … `f49`.
    pub profile_values: Vec<[f64; FIELDS]>,
}

impl Workload {
    pub fn new(rule_count: usize, profile_count: usize, seed: u64) -> Result<Workload, String> {
        let rules = synthetic::rules(rule_count, seed);
        let outcomes = rules.iter().filter(|r| matches!(r, SyntheticRule::Outcome { .. })).count();
        let profile_json: Vec<String> = synthetic::profiles(profile_count, seed).collect();
        let profile_values = profile_json.iter().map(|line| values_of(line)).collect::<Result<_, _>>()?;
        Ok(Workload { rules, outcomes, profile_json, profile_values })
    }
}

/// Reads the numbers back out of a generated profile line. Every field is
/// always present (the generator writes all 50), which is why the peers,
/// which have no notion of "unknown", can be compared with Warrant at all.
fn values_of(line: &str) -> Result<[f64; FIELDS], String> {
    let json: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("profile JSON: {e}"))?;
    let mut values = [0.0; FIELDS];
    for (field, slot) in values.iter_mut().enumerate() {
        let lab = &json["labs"][format!("f{field}")];
        if lab["unit"] != "mg/L" {
            return Err(format!("profile field f{field} is not in mg/L: {lab}"));
        }
        *slot = lab["value"].as_f64().ok_or_else(|| format!("profile field f{field} has no value: {line}"))?;
    }
    Ok(values)
}

/// The profile as a flat JSON object `{"f0": 12.34, …}`: the input that the
/// Rego policy and the JDM decision read.
pub fn flat_json(values: &[f64; FIELDS]) -> serde_json::Value {
    let map = values.iter().enumerate().map(|(i, v)| (format!("f{i}"), serde_json::json!(v))).collect();
    serde_json::Value::Object(map)
}

/// `a < b` and friends, as every translation spells a comparison.
pub fn holds(test: &Test, value: f64) -> bool {
    let threshold = f64::from(test.threshold);
    match test.op {
        "<" => value < threshold,
        "<=" => value <= threshold,
        ">" => value > threshold,
        ">=" => value >= threshold,
        other => unreachable!("the generator writes no operator `{other}`"),
    }
}
