//! Placing items into the day's slots: an exact search for the assignment
//! that breaks the fewest constraints and, among those, uses the fewest
//! slots. Ties go to the assignment that comes first when items take slots
//! in order, so the plan is deterministic.

use std::collections::BTreeSet;

use serde::Serialize;

/// A time of day an item can be taken at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slot {
    pub id: String,
    pub label: String,
    /// Hours after midnight, for measuring gaps.
    pub hour: f64,
    /// The timings it satisfies: `morning`, `empty_stomach`, ...
    pub provides: BTreeSet<String>,
}

/// Something to place: a suggested supplement or one the person takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: String,
    /// Timings the item's slot must provide.
    pub timing: BTreeSet<String>,
    /// What the item is, for others' `take_with` and `separate_from`: its
    /// own name and the groups it belongs to (`iron`, `magnesium`).
    pub contains: BTreeSet<String>,
    pub take_with: Vec<String>,
    pub apart: Vec<Apart>,
}

/// Keep the item at least `hours` from anything containing one of `what`.
#[derive(Debug, Clone, PartialEq)]
pub struct Apart {
    pub what: Vec<String>,
    pub hours: f64,
}

/// One hard constraint between items and slots, by item index.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Constraint {
    /// The item's slot must provide this timing.
    Timing { item: usize, timing: String },
    /// Both items in the same slot.
    TakeWith { item: usize, with: usize, because: String },
    /// The items' slots at least `hours` apart.
    Apart { item: usize, from: usize, hours: f64, because: String },
}

impl Constraint {
    /// Whether the assignment keeps this constraint.
    pub fn holds(&self, slots: &[Slot], slot_of: &[usize]) -> bool {
        let slot = |item: &usize| slot_of.get(*item).and_then(|s| slots.get(*s));
        match self {
            Constraint::Timing { item, timing } => slot(item).is_some_and(|s| s.provides.contains(timing)),
            Constraint::TakeWith { item, with, .. } => slot_of.get(*item) == slot_of.get(*with),
            Constraint::Apart { item, from, hours, .. } => match (slot(item), slot(from)) {
                (Some(a), Some(b)) => (a.hour - b.hour).abs() >= *hours,
                _ => false,
            },
        }
    }

    /// The items the constraint is about.
    pub fn items(&self) -> Vec<usize> {
        match self {
            Constraint::Timing { item, .. } => vec![*item],
            Constraint::TakeWith { item, with: other, .. } | Constraint::Apart { item, from: other, .. } => {
                vec![*item, *other]
            }
        }
    }
}

/// Every constraint the items impose, in a stable order.
pub fn constraints(items: &[Item]) -> Vec<Constraint> {
    let mut all = Vec::new();
    for (index, item) in items.iter().enumerate() {
        for timing in &item.timing {
            all.push(Constraint::Timing { item: index, timing: timing.clone() });
        }
    }
    for (index, item) in items.iter().enumerate() {
        for with in &item.take_with {
            for (other, candidate) in items.iter().enumerate() {
                if other != index && candidate.contains.contains(with) {
                    all.push(Constraint::TakeWith { item: index, with: other, because: with.clone() });
                }
            }
        }
        for apart in &item.apart {
            for (other, candidate) in items.iter().enumerate() {
                let Some(shared) = apart.what.iter().find(|w| candidate.contains.contains(*w)) else {
                    continue;
                };
                let duplicate = all.iter().any(|c| match c {
                    Constraint::Apart { item, from, hours, .. } => {
                        *item == other && *from == index && *hours >= apart.hours
                    }
                    _ => false,
                });
                if other != index && !duplicate {
                    all.push(Constraint::Apart {
                        item: index,
                        from: other,
                        hours: apart.hours,
                        because: shared.clone(),
                    });
                }
            }
        }
    }
    all
}

/// The chosen assignment and how it fares.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// `slot_of[item]` is the index of the item's slot.
    pub slot_of: Vec<usize>,
    pub kept: Vec<Constraint>,
    pub broken: Vec<Constraint>,
    /// False when the search stopped at its limit before proving the best.
    pub proven_best: bool,
}

/// Searched assignments before the search settles for the best found.
const SEARCH_LIMIT: u64 = 2_000_000;

/// Finds the assignment that breaks the fewest constraints, then uses the
/// fewest slots. With no slots, or no items, the solution is empty.
pub fn solve(slots: &[Slot], items: &[Item]) -> Solution {
    let all = constraints(items);
    let mut search = Search {
        slots,
        constraints: &all,
        current: Vec::with_capacity(items.len()),
        best: None,
        visited: 0,
        items: items.len(),
    };
    if !slots.is_empty() {
        search.descend();
    }
    let slot_of = search.best.map(|(_, _, assignment)| assignment).unwrap_or_default();
    let (kept, broken) = all.iter().cloned().partition(|c| c.holds(slots, &slot_of));
    Solution { slot_of, kept, broken, proven_best: search.visited < SEARCH_LIMIT }
}

struct Search<'a> {
    slots: &'a [Slot],
    constraints: &'a [Constraint],
    current: Vec<usize>,
    /// (broken, slots used, assignment) of the best complete assignment.
    best: Option<(usize, usize, Vec<usize>)>,
    visited: u64,
    items: usize,
}

impl Search<'_> {
    fn descend(&mut self) {
        self.visited += 1;
        if self.visited >= SEARCH_LIMIT {
            return;
        }
        let broken = self.broken_so_far();
        let used = self.current.iter().collect::<BTreeSet<_>>().len();
        if let Some((best_broken, best_used, _)) = &self.best {
            if (broken, used) >= (*best_broken, *best_used) {
                return;
            }
        }
        if self.current.len() == self.items {
            self.best = Some((broken, used, self.current.clone()));
            return;
        }
        for slot in 0..self.slots.len() {
            self.current.push(slot);
            self.descend();
            self.current.pop();
        }
    }

    /// Constraints already broken by the items placed so far.
    fn broken_so_far(&self) -> usize {
        let placed = self.current.len();
        self.constraints
            .iter()
            .filter(|c| c.items().iter().all(|i| *i < placed))
            .filter(|c| !c.holds(self.slots, &self.current))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(id: &str, hour: f64, provides: &[&str]) -> Slot {
        Slot {
            id: id.into(),
            label: id.into(),
            hour,
            provides: provides.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn item(id: &str, timing: &[&str], contains: &[&str]) -> Item {
        Item {
            id: id.into(),
            timing: timing.iter().map(|t| t.to_string()).collect(),
            contains: contains.iter().map(|c| c.to_string()).collect(),
            take_with: Vec::new(),
            apart: Vec::new(),
        }
    }

    fn day() -> Vec<Slot> {
        vec![
            slot("waking", 7.0, &["morning", "empty_stomach"]),
            slot("breakfast", 8.0, &["morning", "with_food"]),
            slot("dinner", 19.0, &["evening", "with_food"]),
            slot("bedtime", 22.0, &["evening", "bedtime", "empty_stomach"]),
        ]
    }

    #[test]
    fn iron_goes_apart_from_magnesium_and_uses_few_slots() {
        let mut iron = item("iron", &["empty_stomach"], &["iron"]);
        iron.apart.push(Apart { what: vec!["magnesium".into()], hours: 2.0 });
        let magnesium = item("magnesium", &["evening"], &["magnesium"]);
        let solution = solve(&day(), &[iron, magnesium]);
        assert!(solution.broken.is_empty());
        assert_eq!(solution.slot_of, vec![0, 2]);
    }

    #[test]
    fn items_share_a_slot_when_nothing_keeps_them_apart() {
        let solution = solve(&day(), &[item("a", &["evening"], &["a"]), item("b", &["with_food"], &["b"])]);
        assert_eq!(solution.slot_of, vec![2, 2], "one slot, the first that suits both");
    }

    #[test]
    fn conflicting_constraints_break_as_few_as_possible() {
        let mut a = item("a", &["morning"], &["a"]);
        a.take_with.push("b".into());
        let b = item("b", &["evening"], &["b"]);
        let solution = solve(&day(), &[a, b]);
        assert_eq!(solution.broken.len(), 1, "{:?}", solution.broken);
        assert!(solution.proven_best);
    }

    #[test]
    fn every_kept_constraint_holds() {
        let mut iron = item("iron", &["empty_stomach", "morning"], &["iron"]);
        iron.take_with.push("vitamin_c".into());
        iron.apart.push(Apart { what: vec!["calcium".into(), "dairy".into()], hours: 2.0 });
        let items =
            vec![iron, item("c", &[], &["vitamin_c"]), item("milk", &["evening"], &["dairy", "calcium"])];
        let solution = solve(&day(), &items);
        for constraint in &solution.kept {
            assert!(constraint.holds(&day(), &solution.slot_of), "{constraint:?}");
        }
        assert!(solution.broken.is_empty());
    }
}
