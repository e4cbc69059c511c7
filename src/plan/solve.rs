//! Placing items into the day's slots: an exact search for the assignment
//! that breaks the fewest constraints and, among those, uses the fewest
//! slots. Ties go to the assignment found first, each item trying first
//! the slots that break least and then the slots in order, so the plan is
//! deterministic.

use std::collections::{BTreeMap, BTreeSet};

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
    // The widest gap already required between each ordered pair of items.
    let mut gaps: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    // Which items contain what, so each `take_with` and `separate_from`
    // looks up its partners instead of scanning every item.
    let mut containing: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        for what in &item.contains {
            containing.entry(what.as_str()).or_default().push(index);
        }
    }
    let partners = |what: &str| containing.get(what).map_or(&[][..], Vec::as_slice);
    for (index, item) in items.iter().enumerate() {
        for timing in &item.timing {
            all.push(Constraint::Timing { item: index, timing: timing.clone() });
        }
    }
    for (index, item) in items.iter().enumerate() {
        for with in &item.take_with {
            for &other in partners(with).iter().filter(|&&other| other != index) {
                all.push(Constraint::TakeWith { item: index, with: other, because: with.clone() });
            }
        }
        for apart in &item.apart {
            let others: BTreeSet<usize> =
                apart.what.iter().flat_map(|w| partners(w).iter().copied()).collect();
            for other in others {
                let Some(candidate) = items.get(other) else { continue };
                let Some(shared) = apart.what.iter().find(|w| candidate.contains.contains(*w)) else {
                    continue;
                };
                let duplicate = gaps.get(&(other, index)).is_some_and(|hours| *hours >= apart.hours);
                if other != index && !duplicate {
                    let widest = gaps.entry((index, other)).or_insert(apart.hours);
                    *widest = widest.max(apart.hours);
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
    // A constraint is decided once the last of its items is placed.
    let mut decided_by = vec![Vec::new(); items.len()];
    for (index, constraint) in all.iter().enumerate() {
        if let Some(last) = constraint.items().into_iter().max().and_then(|i| decided_by.get_mut(i)) {
            last.push(index);
        }
    }
    let mut search = Search { slots, constraints: &all, decided_by, best: None, visited: 0 };
    if !slots.is_empty() {
        search.run();
    }
    let slot_of = search.best.map(|(_, _, assignment)| assignment).unwrap_or_default();
    let (kept, broken) = all.iter().cloned().partition(|c| c.holds(slots, &slot_of));
    Solution { slot_of, kept, broken, proven_best: search.visited < SEARCH_LIMIT }
}

struct Search<'a> {
    slots: &'a [Slot],
    constraints: &'a [Constraint],
    /// The constraints each item's placement decides.
    decided_by: Vec<Vec<usize>>,
    /// (broken, slots used, assignment) of the best complete assignment.
    best: Option<(usize, usize, Vec<usize>)>,
    visited: u64,
}

impl Search<'_> {
    /// Depth-first over assignments, items in order, with an explicit
    /// stack: a profile listing hundreds of supplements costs no recursion.
    /// Each item tries first the slots that break the fewest constraints
    /// (ties in slot order), so the first complete assignment is already
    /// good and bounds the rest. Counts are kept incrementally, so a step
    /// costs only the constraints its item decides.
    fn run(&mut self) {
        let items = self.decided_by.len();
        let mut current: Vec<usize> = Vec::with_capacity(items);
        // broken[k]: constraints broken by the first k items placed.
        let mut broken = vec![0usize];
        let mut in_slot = vec![0usize; self.slots.len()];
        let mut used = 0usize;
        // At each depth: the slots to try for the next item, with what each
        // newly breaks, and how many have been tried.
        let mut frames: Vec<(Vec<(usize, usize)>, usize)> = Vec::with_capacity(items + 1);
        if self.visit(&current, 0, 0) {
            frames.push((self.choices(&mut current), 0));
        }
        while let Some((choices, tried)) = frames.last_mut() {
            let choice = choices.get(*tried).copied();
            *tried += 1;
            let Some((slot, newly_broken)) = choice.filter(|_| self.visited < SEARCH_LIMIT) else {
                frames.pop();
                let Some(undone) = current.pop() else { break };
                broken.pop();
                if let Some(count) = in_slot.get_mut(undone) {
                    *count -= 1;
                    used -= usize::from(*count == 0);
                }
                continue;
            };
            current.push(slot);
            if let Some(count) = in_slot.get_mut(slot) {
                used += usize::from(*count == 0);
                *count += 1;
            }
            let so_far = broken.last().copied().unwrap_or(0) + newly_broken;
            broken.push(so_far);
            let choices =
                if self.visit(&current, so_far, used) { self.choices(&mut current) } else { Vec::new() };
            frames.push((choices, 0));
        }
    }

    /// The slots for the next item, each with the constraints placing it
    /// there would break, fewest first.
    fn choices(&self, current: &mut Vec<usize>) -> Vec<(usize, usize)> {
        let decided = self.decided_by.get(current.len()).map_or(&[][..], Vec::as_slice);
        let mut choices: Vec<(usize, usize)> = (0..self.slots.len())
            .map(|slot| {
                current.push(slot);
                let breaks = decided
                    .iter()
                    .filter_map(|&c| self.constraints.get(c))
                    .filter(|c| !c.holds(self.slots, current))
                    .count();
                current.pop();
                (slot, breaks)
            })
            .collect();
        choices.sort_by_key(|&(slot, breaks)| (breaks, slot));
        choices
    }

    /// Counts a node of the search; false when nothing below it can beat
    /// the best assignment so far (or it is complete, and recorded).
    fn visit(&mut self, current: &[usize], broken: usize, used: usize) -> bool {
        self.visited += 1;
        if self.visited >= SEARCH_LIMIT {
            return false;
        }
        if let Some((best_broken, best_used, _)) = &self.best {
            if (broken, used) >= (*best_broken, *best_used) {
                return false;
            }
        }
        if current.len() == self.decided_by.len() {
            self.best = Some((broken, used, current.to_vec()));
            return false;
        }
        true
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
    fn thousands_of_items_are_placed_without_recursion() {
        let items: Vec<Item> = (0..20_000).map(|i| item(&format!("s{i}"), &["evening"], &["s"])).collect();
        let solution = solve(&day(), &items);
        assert!(solution.proven_best);
        assert!(solution.broken.is_empty());
        assert!(solution.slot_of.iter().all(|&slot| slot == 2), "all at dinner, the first evening slot");
    }

    #[test]
    fn a_search_too_large_to_finish_settles_for_the_best_found() {
        // Every item wants a different slot from the next: 4^40 assignments.
        let items: Vec<Item> = (0..40)
            .map(|i| {
                let mut it = item(&format!("s{i}"), &[], &[&format!("c{i}")]);
                it.apart.push(Apart { what: vec![format!("c{}", i + 1)], hours: 24.0 });
                it
            })
            .collect();
        let solution = solve(&day(), &items);
        assert!(!solution.proven_best);
        assert_eq!(solution.slot_of.len(), 40);
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
