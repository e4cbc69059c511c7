//! regorus: the workload as a Rego policy, run two ways:
//!
//! - compiled to regorus's bytecode VM (RVM), its fastest path — the one its
//!   own `rvm_benchmark` measures as "hot": the VM is built once, then each
//!   profile is `set_input` + `execute`. An RVM program holds at most 65,535
//!   instructions, which the 10,000-rule policy exceeds, so there is no VM
//!   measurement at that size;
//! - its tree-walking interpreter: one `Engine` kept across profiles, each
//!   profile `set_input` + `eval_rule`.

use std::fmt::Write as _;
use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::Arc;

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::program::Program;
use regorus::rvm::vm::RegoVM;
use regorus::{Engine, PolicyLengthConfig, Value};
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

/// Which regorus evaluator runs the policy.
pub enum Regorus {
    Vm(RegoVM),
    Interpreter(Engine),
}

impl Regorus {
    fn engine(rules: &[SyntheticRule]) -> Result<Engine, String> {
        let mut engine = Engine::new();
        // The 10,000-rule policy is ~50,000 lines, past regorus's default
        // guard against pathological input (20,000 lines, 1 MiB per file).
        engine.set_policy_length_config(PolicyLengthConfig {
            max_col: NonZeroU32::new(1024).expect("non-zero"),
            max_file_bytes: NonZeroUsize::new(64 << 20).expect("non-zero"),
            max_lines: NonZeroUsize::new(1 << 24).expect("non-zero"),
        });
        engine.add_policy("synthetic.rego".to_string(), policy(rules)).map_err(|e| format!("regorus: {e}"))?;
        Ok(engine)
    }

    /// Compiles for the VM; `Err` when the program cannot be compiled.
    pub fn vm(rules: &[SyntheticRule]) -> Result<Regorus, String> {
        let mut engine = Self::engine(rules)?;
        let compiled =
            engine.compile_with_entrypoint(&ENTRY_POINT.into()).map_err(|e| format!("regorus compile: {e}"))?;
        let program: Arc<Program> =
            Compiler::compile_from_policy(&compiled, &[ENTRY_POINT]).map_err(|e| format!("{e}"))?;
        let mut vm = RegoVM::new();
        vm.load_program(program);
        Ok(Regorus::Vm(vm))
    }

    pub fn interpreter(rules: &[SyntheticRule]) -> Result<Regorus, String> {
        Ok(Regorus::Interpreter(Self::engine(rules)?))
    }

    /// A profile as regorus reads input: parsed from JSON text by regorus,
    /// which stores it in its compact form (done once, not timed).
    pub fn input(json: &serde_json::Value) -> Result<Value, String> {
        Value::from_json_str(&json.to_string()).map_err(|e| format!("regorus input: {e}"))
    }

    /// What is timed: one profile in, the `fired` set out.
    #[inline]
    pub fn evaluate(&mut self, input: Value) -> Result<Value, String> {
        match self {
            Regorus::Vm(vm) => {
                vm.set_input(input);
                vm.execute().map_err(|e| format!("regorus execute: {e}"))
            }
            Regorus::Interpreter(engine) => {
                engine.set_input(input);
                engine.eval_rule(ENTRY_POINT.to_string()).map_err(|e| format!("regorus eval_rule: {e}"))
            }
        }
    }

    pub fn fired(&mut self, input: Value) -> Result<Vec<usize>, String> {
        let result = self.evaluate(input)?;
        // A partial set with no members is the empty set; accept undefined too.
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
