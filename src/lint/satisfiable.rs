//! W0106: conditions that can never be true. Within each conjunction, the
//! comparisons on one input must leave some value possible (thresholds are
//! already in the input's canonical unit, so `ferritin < 50 ng/mL and
//! ferritin > 60 µg/L` is caught), and no fact may be required both to hold
//! and not to hold.

use std::collections::BTreeMap;

use crate::check::{Expr, InputId, Program, Rule};
use crate::diagnostic::Diagnostic;
use crate::syntax::ast::{Comparator, RangeSide};

/// Every conjunction inside `expr` that no profile can satisfy.
pub fn never_true(program: &Program, rule: &Rule, expr: &Expr) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    visit(program, rule, expr, &mut found);
    found
}

fn visit(program: &Program, rule: &Rule, expr: &Expr, found: &mut Vec<Diagnostic>) {
    match expr {
        Expr::And(_) => {
            let mut atoms = Vec::new();
            flatten_and(expr, &mut atoms);
            if let Some(conflict) = conflict(program, &atoms) {
                found.push(conflict.into_diagnostic(program, rule));
                return;
            }
            for atom in atoms {
                visit(program, rule, atom, found);
            }
        }
        Expr::Or(parts) => parts.iter().for_each(|p| visit(program, rule, p, found)),
        Expr::Not(inner) => visit(program, rule, inner, found),
        _ => {}
    }
}

/// Whether no profile can make this conjunction true.
pub fn is_unsatisfiable(program: &Program, expr: &Expr) -> bool {
    let mut atoms = Vec::new();
    flatten_and(expr, &mut atoms);
    conflict(program, &atoms).is_some()
}

/// Whether no profile can make `expr` true: an `or` of parts that never
/// hold, or an `and` with two parts that exclude each other or one part
/// that never holds.
pub fn never_holds(program: &Program, expr: &Expr) -> bool {
    match expr {
        Expr::Or(parts) => parts.iter().all(|part| never_holds(program, part)),
        Expr::And(_) => {
            let mut atoms = Vec::new();
            flatten_and(expr, &mut atoms);
            conflict(program, &atoms).is_some()
                || atoms.iter().any(|atom| matches!(atom, Expr::Or(_)) && never_holds(program, atom))
        }
        _ => false,
    }
}

fn flatten_and<'e>(expr: &'e Expr, atoms: &mut Vec<&'e Expr>) {
    match expr {
        Expr::And(parts) => parts.iter().for_each(|p| flatten_and(p, atoms)),
        other => atoms.push(other),
    }
}

/// Two parts of one conjunction that exclude each other.
struct Conflict<'e> {
    first: &'e Expr,
    second: &'e Expr,
}

impl Conflict<'_> {
    fn into_diagnostic(self, program: &Program, rule: &Rule) -> Diagnostic {
        // Name the two parts in the order they are written.
        let (earlier, later) = match (Expr::span(self.first), Expr::span(self.second)) {
            (Some(a), Some(b)) if b.start < a.start => (self.second, self.first),
            _ => (self.first, self.second),
        };
        let (this, other) = (earlier, later);
        let (first, second) = (program.describe(this), program.describe(other));
        let mut diagnostic = Diagnostic::warning(
            "W0106",
            format!(
                "a condition of `{}` can never be true: `{first}` and `{second}` cannot both hold",
                rule.name
            ),
        )
        .help("one of the two is probably a typo: check the thresholds and their units");
        if let Some(span) = Expr::span(other) {
            diagnostic = diagnostic.primary(span, "excludes the other");
        }
        if let Some(span) = Expr::span(this) {
            diagnostic = diagnostic.secondary(span, "this part");
        }
        diagnostic
    }
}

/// The tightest bound on one side, with the part that set it.
#[derive(Clone, Copy)]
struct Bound<'e> {
    value: f64,
    inclusive: bool,
    from: &'e Expr,
}

fn conflict<'e>(program: &Program, atoms: &[&'e Expr]) -> Option<Conflict<'e>> {
    let mut lower: BTreeMap<InputId, Bound<'e>> = BTreeMap::new();
    let mut upper: BTreeMap<InputId, Bound<'e>> = BTreeMap::new();
    // The first part with each literal and polarity: a lookup, not a scan,
    // so a conjunction of 100,000 parts is checked in n log n.
    let mut literals: BTreeMap<(String, bool), &'e Expr> = BTreeMap::new();
    let mut choices: BTreeMap<InputId, (&'e str, &'e Expr)> = BTreeMap::new();
    for &atom in atoms {
        let (positive, core) = match atom {
            Expr::Not(inner) => (false, inner.as_ref()),
            other => (true, other),
        };
        // `sex is female and sex is male`: one value cannot be two.
        if let (true, Expr::Is { input, value, .. }) = (positive, core) {
            match choices.get(input) {
                Some((other, earlier)) if *other != value.as_str() => {
                    return Some(Conflict { first: earlier, second: atom });
                }
                _ => {
                    choices.insert(*input, (value.as_str(), atom));
                }
            }
        }
        if let Expr::Compare { input, comparator, threshold, .. } = core {
            // Under `not`, a comparison that holds on a known value flips.
            let comparator = if positive { *comparator } else { comparator.negated() };
            let bound = Bound {
                value: *threshold,
                inclusive: matches!(comparator, Comparator::LessEqual | Comparator::GreaterEqual),
                from: atom,
            };
            let (side, tighter): (&mut BTreeMap<_, _>, fn(&Bound, &Bound) -> bool) = match comparator {
                Comparator::Greater | Comparator::GreaterEqual => (&mut lower, |new, old| {
                    new.value > old.value || (new.value == old.value && !new.inclusive)
                }),
                Comparator::Less | Comparator::LessEqual => (&mut upper, |new, old| {
                    new.value < old.value || (new.value == old.value && !new.inclusive)
                }),
            };
            let replace = side.get(input).is_none_or(|old| tighter(&bound, old));
            if replace {
                side.insert(*input, bound);
            }
            if let (Some(low), Some(high)) = (lower.get(input), upper.get(input)) {
                let empty =
                    low.value > high.value || (low.value == high.value && !(low.inclusive && high.inclusive));
                if empty {
                    return Some(Conflict { first: low.from, second: high.from });
                }
            }
            continue;
        }
        let Some((key, polarity)) = literal(program, core, positive) else { continue };
        if let Some(earlier) = literals.get(&(key.clone(), !polarity)) {
            return Some(Conflict { first: earlier, second: atom });
        }
        literals.entry((key, polarity)).or_insert(atom);
    }
    None
}

/// A yes/no part as a key and a polarity: `known x` and `unknown x` are one
/// key with opposite polarities, as are `x below range` and `x above range`.
fn literal(program: &Program, expr: &Expr, positive: bool) -> Option<(String, bool)> {
    match expr {
        Expr::Known(input, _) => Some((format!("known {}", input.0), positive)),
        Expr::Unknown(input, _) => Some((format!("known {}", input.0), !positive)),
        // Below and above the range exclude each other only when both hold.
        Expr::OutsideRange { input, side, .. } if positive => {
            Some((format!("range {}", input.0), *side == RangeSide::Below))
        }
        Expr::Compare { .. } | Expr::And(_) | Expr::Or(_) | Expr::Not(_) | Expr::Invalid(_) => None,
        other => Some((program.describe(other), positive)),
    }
}
