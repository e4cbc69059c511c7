//! regorus: the workload as a Rego policy, compiled to regorus's bytecode
//! (RVM) — the path its own `rvm_benchmark` measures as "hot": the VM is
//! built once, then each profile is `set_input` + `execute`.

use std::fmt::Write as _;
use std::sync::Arc;

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::program::Program;
use regorus::rvm::vm::RegoVM;
use regorus::{Engine, Value};
use warrant::synthetic::{SyntheticRule, Test};

const ENTRY_POINT: &str = "data.bench.fired";

/// The policy text. Each derived fact and each outcome is a rule of its own,
/// as in Warrant; `fired` is the set of outcome names that hold.
///
/// Rego has no `or` inside a rule body: a rule defined by several bodies is
/// their disjunction, so `o<i> when (d<j> or A) and not B` becomes two
/// bodies, `{ d<j>; not B }` and `{ A; not B }`. A rule with no body that
/// holds is undefined, not false, which is what `not` and `fired` need.
pub fn policy(rules: &[SyntheticRule]) -> String {
    let test = |t: &Test| format!("input.f{} {} {}", t.field, t.op, t.threshold);
    let mut out = String::from("package bench\n\n");
    for rule in rules {
        match rule {
            SyntheticRule::Derived { index, previous, tests } => {
                let _ = writeln!(out, "d{index} if {{");
                if let Some(previous) = previous {
                    let _ = writeln!(out, "\td{previous}");
                }
                for t in tests {
                    let _ = writeln!(out, "\t{}", test(t));
                }
                out.push_str("}\n\n");
            }
            SyntheticRule::Outcome { index, fact, either, not } => {
                if let Some(fact) = fact {
                    let _ = writeln!(out, "o{index} if {{\n\td{fact}\n\tnot {}\n}}\n", test(not));
                }
                let _ = writeln!(out, "o{index} if {{\n\t{}\n\tnot {}\n}}\n", test(either), test(not));
                let _ = writeln!(out, "fired contains \"o{index}\" if o{index}\n");
            }
        }
    }
    out
}

pub struct Regorus {
    vm: RegoVM,
}

impl Regorus {
    pub fn compile(rules: &[SyntheticRule]) -> Result<Regorus, String> {
        let mut engine = Engine::new();
        engine.add_policy("synthetic.rego".to_string(), policy(rules)).map_err(|e| format!("regorus: {e}"))?;
        let compiled =
            engine.compile_with_entrypoint(&ENTRY_POINT.into()).map_err(|e| format!("regorus compile: {e}"))?;
        let program: Arc<Program> = Compiler::compile_from_policy(&compiled, &[ENTRY_POINT])
            .map_err(|e| format!("regorus RVM compile: {e}"))?;
        let mut vm = RegoVM::new();
        vm.load_program(program);
        Ok(Regorus { vm })
    }

    /// What is timed: one profile in, the `fired` set out.
    #[inline]
    pub fn evaluate(&mut self, input: Value) -> Result<Value, String> {
        self.vm.set_input(input);
        self.vm.execute().map_err(|e| format!("regorus execute: {e}"))
    }

    pub fn fired(&mut self, input: Value) -> Result<Vec<usize>, String> {
        let result = self.evaluate(input)?;
        // An empty partial set is the empty set, but be lenient with undefined.
        if result == Value::Undefined {
            return Ok(Vec::new());
        }
        let set = result.as_set().map_err(|e| format!("regorus: `fired` is not a set ({e}): {result}"))?;
        let mut fired = set
            .iter()
            .map(|name| {
                let name = name.as_string().map_err(|e| format!("{e}"))?;
                name.strip_prefix('o').and_then(|n| n.parse().ok()).ok_or_else(|| format!("bad name {name}"))
            })
            .collect::<Result<Vec<usize>, String>>()?;
        fired.sort_unstable();
        Ok(fired)
    }
}
