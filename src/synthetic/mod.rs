//! Synthetic workloads for benchmarks: knowledge bases of any size over 50
//! numeric fields, with derived facts in chains up to three deep, and
//! deterministic random profiles. The same seed gives the same bytes, so
//! peer engines can be fed the same rules and profiles.

use std::fmt::Write as _;

/// Numeric fields every synthetic profile has: `f0` … `f49`, in mg/L.
pub const FIELDS: usize = 50;

/// A small, fast, well-mixed generator (SplitMix64): deterministic across
/// platforms, which the benchmarks need and the standard library lacks.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// An integer in `0..bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }
}

/// One comparison of a synthetic rule: `f<field> <op> <threshold> mg/L`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Test {
    pub field: usize,
    /// `<`, `<=`, `>` or `>=`.
    pub op: &'static str,
    pub threshold: u32,
}

/// The shape of a synthetic rule, for writing it in any engine's language.
#[derive(Debug, Clone, PartialEq)]
pub enum SyntheticRule {
    /// `derive d<i> when <a> and <b>` (depth 0) or `when d<prev> and <a>`.
    Derived { index: usize, previous: Option<usize>, tests: Vec<Test> },
    /// `warn o<i> when (d<fact> or <a>) and not <b>`.
    Outcome { index: usize, fact: Option<usize>, either: Test, not: Test },
}

/// The rules of a synthetic knowledge base with `count` rules: a quarter
/// derived facts in chains of up to three, the rest outcomes reading them.
pub fn rules(count: usize, seed: u64) -> Vec<SyntheticRule> {
    let mut random = SplitMix64::new(seed);
    let test = |random: &mut SplitMix64| Test {
        field: random.below(FIELDS as u64) as usize,
        op: match random.below(4) {
            0 => "<",
            1 => "<=",
            2 => ">",
            _ => ">=",
        },
        threshold: 10 + random.below(80) as u32,
    };
    let derived = count / 4;
    let mut rules = Vec::with_capacity(count);
    for index in 0..derived {
        // Facts come in chains of three: d0 <- d1 <- d2, d3 <- d4 <- d5, ...
        let previous = (index % 3 != 0).then(|| index - 1);
        let tests = match previous {
            None => vec![test(&mut random), test(&mut random)],
            Some(_) => vec![test(&mut random)],
        };
        rules.push(SyntheticRule::Derived { index, previous, tests });
    }
    for index in 0..count - derived {
        let fact = (derived > 0 && random.below(2) == 0).then(|| random.below(derived as u64) as usize);
        rules.push(SyntheticRule::Outcome { index, fact, either: test(&mut random), not: test(&mut random) });
    }
    rules
}

/// The synthetic rules in Warrant's language, with one evidence record.
pub fn warrant_rules(rules: &[SyntheticRule]) -> String {
    let mut out = String::from("title \"Synthetic benchmark rules\"\nversion \"1\"\nreviewed 2026-11-27\n\n");
    for field in 0..FIELDS {
        let _ = writeln!(out, "input f{field}: mass_concentration mg/L \"Field {field}\"");
    }
    let test = |t: &Test| format!("f{} {} {} mg/L", t.field, t.op, t.threshold);
    for rule in rules {
        out.push('\n');
        match rule {
            SyntheticRule::Derived { index, previous, tests } => {
                let mut parts: Vec<String> = previous.iter().map(|p| format!("d{p}")).collect();
                parts.extend(tests.iter().map(test));
                let _ = write!(out, "derive d{index} \"Derived {index}\"\n  when {}\n", parts.join(" and "));
            }
            SyntheticRule::Outcome { index, fact, either, not } => {
                let first = match fact {
                    Some(fact) => format!("(d{fact} or {})", test(either)),
                    None => test(either),
                };
                let _ = write!(
                    out,
                    "warn o{index} \"Outcome {index}\"\n  when {first} and not {}\n  cite synthetic_source supports\n",
                    test(not)
                );
            }
        }
    }
    out
}

/// The one evidence record the synthetic outcomes cite.
pub const WARRANT_EVIDENCE: &str = "- id: synthetic_source
  kind: expert_opinion
  title: A synthetic source for benchmarks
  year: 2026
  finding: None; these rules exist to be measured.
  certainty: very_low
  verification: unverified
";

/// `count` profiles as JSON Lines: every field in mg/L, values in 0..100.
pub fn profiles(count: usize, seed: u64) -> impl Iterator<Item = String> {
    let mut random = SplitMix64::new(seed ^ 0x5EED);
    (0..count).map(move |index| {
        let mut line = format!("{{\"name\":\"p{index}\",\"labs\":{{");
        for field in 0..FIELDS {
            let value = random.below(10_000) as f64 / 100.0;
            if field > 0 {
                line.push(',');
            }
            let _ = write!(line, "\"f{field}\":{{\"value\":{value},\"unit\":\"mg/L\"}}");
        }
        line.push_str("}}");
        line
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_workload() {
        assert_eq!(rules(40, 7), rules(40, 7));
        assert_ne!(rules(40, 7), rules(40, 8));
        assert_eq!(profiles(3, 1).collect::<Vec<_>>(), profiles(3, 1).collect::<Vec<_>>());
    }

    #[test]
    fn the_synthetic_knowledge_base_checks_clean() {
        let files = crate::knowledge_base::Files {
            rules: vec![crate::span::SourceFile::new("synthetic.warrant", warrant_rules(&rules(100, 3)))],
            evidence: vec![crate::span::SourceFile::new("synthetic.yaml", WARRANT_EVIDENCE)],
        };
        let (sources, compiled) = crate::knowledge_base::compile(files);
        let kb = compiled.map_err(|d| crate::diagnostic::render(&sources, &d, false)).expect("checks clean");
        assert_eq!(kb.graph.program.rules.len(), 100);
    }

    #[test]
    fn chains_are_at_most_three_deep() {
        for rule in rules(400, 1) {
            if let SyntheticRule::Derived { index, previous, .. } = rule {
                assert_eq!(previous.is_some(), index % 3 != 0);
            }
        }
    }
}
