//! Name resolution, unit checking and clause checking.

use std::collections::{BTreeMap, BTreeSet};

use super::program::*;
use crate::codes::CodeSystem;
use crate::dates::Period;
use crate::diagnostic::Diagnostic;
use crate::evidence::{Certainty, EvidenceBase, StudyKind};
use crate::span::{FileId, SourceMap, Span, Spanned};
use crate::suggest::did_you_mean;
use crate::syntax::ast::{self, Clause, Comparator, Condition, Item, RuleKind, Strength};
use crate::units::{self, ConversionError, Dimension, Unit};

/// The timing words a recommendation may use.
pub const TIMINGS: [&str; 5] = ["morning", "evening", "bedtime", "empty_stomach", "with_food"];

/// Checks parsed rule files against the evidence base. Always returns the
/// program it could build, with every diagnostic found; the program is fit
/// to evaluate only when no diagnostic is an error.
pub fn check(
    sources: &SourceMap,
    files: &[(FileId, ast::RuleFile)],
    evidence: &EvidenceBase,
) -> (Program, Vec<Diagnostic>) {
    let mut checker = Checker {
        sources,
        evidence,
        diagnostics: Vec::new(),
        names: foldhash::HashMap::default(),
        code_spans: BTreeMap::new(),
        groups: BTreeMap::new(),
        rule_kinds: Vec::new(),
        program: Program::default(),
    };
    for (file, rule_file) in files {
        checker.program.files.push(FileMeta {
            file: *file,
            name: sources.get(*file).map(|f| f.name.clone()).unwrap_or_default(),
            title: rule_file.title.as_ref().map(|t| t.node.clone()),
            version: rule_file.version.as_ref().map(|v| v.node.clone()),
            reviewed: rule_file.reviewed.clone(),
        });
    }
    // Declarations first, so rules may refer to names declared later or in
    // other files.
    for (_, rule_file) in files {
        for item in &rule_file.items {
            checker.declare(item);
        }
    }
    for (_, rule_file) in files {
        let file_population = rule_file.population.as_ref().and_then(|name| checker.resolve_population(name));
        for item in &rule_file.items {
            if let Item::Rule(rule) = item {
                let checked = checker.check_rule(rule, file_population);
                checker.program.rules.push(checked);
            }
        }
    }
    checker.check_populations_can_hold();
    count_suggested_doses(&mut checker.program);
    checker.program.considered = considered(&checker.program, &checker.groups);
    // The daily plan walks the slots in the order of the day.
    checker.program.slots.sort_by(|a, b| a.hour.total_cmp(&b.hour));
    (checker.program, checker.diagnostics)
}

/// What a top-level name refers to.
#[derive(Debug, Clone, Copy)]
enum Declared {
    Input(InputId),
    Group,
    Slot,
    Rule(RuleId),
}

struct Group {
    members: Vec<String>,
}

struct Checker<'e> {
    sources: &'e SourceMap,
    evidence: &'e EvidenceBase,
    diagnostics: Vec<Diagnostic>,
    /// Every top-level name with where it was declared.
    names: foldhash::HashMap<String, (Declared, Span)>,
    /// Where each code was first given, for reporting a second.
    code_spans: BTreeMap<(CodeSystem, String), Span>,
    groups: BTreeMap<String, Group>,
    /// The kind of every rule, by the index it will have.
    rule_kinds: Vec<RuleKind>,
    program: Program,
}

/// The population that `for` names to apply an outcome to every person.
pub const EVERYONE: &str = "everyone";

impl Checker<'_> {
    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Registers a name, reporting a duplicate with both places, or a name
    /// the language keeps for the person's attributes and populations.
    fn claim(&mut self, name: &Spanned<String>, declared: Declared) -> bool {
        if let Some(builtin) = Builtin::from_name(&name.node) {
            self.report(
                Diagnostic::error("E0213", format!("`{}` is built in and cannot be declared", name.node))
                    .primary(name.span, "a name the language keeps")
                    .help(format!(
                        "use `{}` in conditions without declaring it: it is {}, from the profile's `{}`",
                        name.node,
                        builtin.meaning(),
                        builtin.field()
                    )),
            );
            return false;
        }
        if name.node == EVERYONE {
            self.report(
                Diagnostic::error("E0213", format!("`{EVERYONE}` is built in and cannot be declared"))
                    .primary(name.span, "a name the language keeps")
                    .help("`for everyone` makes an outcome apply to every person, whatever its file's `for`"),
            );
            return false;
        }
        if let Some((_, first)) = self.names.get(&name.node) {
            let first = *first;
            self.report(
                Diagnostic::error("E0202", format!("`{}` is declared twice", name.node))
                    .primary(name.span, "declared again here")
                    .secondary(first, "first declared here")
                    .help("inputs, groups and rules share one namespace; rename one of them"),
            );
            return false;
        }
        self.names.insert(name.node.clone(), (declared, name.span));
        true
    }

    fn declare(&mut self, item: &Item) {
        match item {
            Item::Input(input) => {
                if let Some(kind) = self.check_input_kind(input) {
                    let aliases = self.check_aliases(input, kind);
                    let valid_for = self.check_valid_for(input, kind);
                    let plausible = self.check_plausible(input, kind);
                    let (loinc, codes) = self.check_input_codes(input, kind);
                    let id = InputId(self.program.inputs.len());
                    if self.claim(&input.name, Declared::Input(id)) {
                        self.program.input_index.insert(input.name.node.clone(), id);
                        self.program.inputs.push(Input {
                            name: input.name.node.clone(),
                            label: input.label.node.clone(),
                            kind,
                            loinc,
                            codes,
                            aliases,
                            valid_for,
                            plausible: Plausible::of(kind, plausible),
                            builtin: None,
                            span: input.name.span,
                        });
                    }
                }
            }
            Item::Group(group) => {
                if self.claim(&group.name, Declared::Group) {
                    let members: Vec<String> = group.members.iter().map(|m| m.node.clone()).collect();
                    self.program.groups.insert(group.name.node.clone(), members.clone());
                    self.groups.insert(group.name.node.clone(), Group { members });
                }
            }
            Item::Term(term) => self.declare_term(term),
            Item::Slot(slot) => {
                if let Some(checked) = self.check_slot(slot) {
                    if self.claim(&slot.name, Declared::Slot) {
                        self.program.slots.push(checked);
                    }
                }
            }
            Item::Rule(rule) => {
                // `check` pushes every rule in this same order, duplicates
                // included, so this is the index the rule will have.
                let id = RuleId(self.rule_kinds.len());
                self.rule_kinds.push(rule.kind);
                self.claim(&rule.name, Declared::Rule(id));
            }
        }
    }

    fn check_input_kind(&mut self, input: &ast::InputDecl) -> Option<InputKind> {
        match &input.kind {
            ast::InputKind::Flag => Some(InputKind::Flag),
            ast::InputKind::List => {
                let list = ProfileList::ALL.into_iter().find(|l| l.name() == input.name.node);
                if list.is_none() {
                    self.report(
                        Diagnostic::error(
                            "E0208",
                            format!("`{}` is not a list in a profile", input.name.node),
                        )
                        .primary(input.name.span, "no such profile list")
                        .maybe_help(did_you_mean(&input.name.node, ProfileList::ALL.map(ProfileList::name)))
                        .note(
                            "profiles have the lists `conditions`, `medications`, `supplements` and `diet`",
                        ),
                    );
                }
                list.map(InputKind::List)
            }
            ast::InputKind::Lab { dimension, unit } => {
                let Some(dim) = Dimension::from_name(&dimension.node) else {
                    self.report(
                        Diagnostic::error("E0304", format!("unknown dimension `{}`", dimension.node))
                            .primary(dimension.span, "not a dimension")
                            .maybe_help(did_you_mean(&dimension.node, Dimension::ALL.map(Dimension::name)))
                            .note(format!(
                                "the dimensions are {}",
                                Dimension::ALL.map(|d| format!("`{}`", d.name())).join(", ")
                            )),
                    );
                    return None;
                };
                let canonical = self.parse_unit(unit)?;
                if canonical.dimension != dim {
                    self.report(
                        Diagnostic::error(
                            "E0302",
                            format!(
                                "`{}` measures {}, not {}",
                                canonical.symbol,
                                canonical.dimension.describe(),
                                dim.describe()
                            ),
                        )
                        .primary(unit.span, "unit of another dimension")
                        .help(format!("use one of {}", quote_list(&Unit::symbols_of(dim)))),
                    );
                    return None;
                }
                if let Some(mass) = &input.molar_mass {
                    if mass.node <= 0.0 {
                        self.report(
                            Diagnostic::error("E0305", "a molar mass must be greater than zero")
                                .primary(mass.span, "not a molar mass")
                                .help(
                                    "give the analyte's molar mass in g/mol, e.g. `molar_mass 1355.37 g/mol`",
                                ),
                        );
                    }
                }
                Some(InputKind::Lab {
                    unit: canonical,
                    molar_mass: input.molar_mass.as_ref().map(|m| m.node).filter(|m| *m > 0.0),
                })
            }
        }
    }

    /// A lab's LOINC codes and a flag's other codes, each well formed and
    /// in a system that fits the input. Every code is recorded for the
    /// input once the input has its id.
    fn check_input_codes(
        &mut self,
        input: &ast::InputDecl,
        kind: InputKind,
    ) -> (Vec<String>, Vec<(CodeSystem, String)>) {
        let is_lab = matches!(kind, InputKind::Lab { .. });
        let id = InputId(self.program.inputs.len());
        let loinc_codes = input.loinc.iter().map(|code| (CodeSystem::Loinc, code, None));
        let other_codes = input.codes.iter().map(|c| {
            let system = CodeSystem::from_name(&c.system.node);
            (system.unwrap_or(CodeSystem::Loinc), &c.code, Some((&c.system, system)))
        });
        let mut loinc = Vec::new();
        let mut codes = Vec::new();
        for (system, code, named) in loinc_codes.chain(other_codes) {
            if let Some((name, None)) = named {
                self.unknown_code_system(name);
                continue;
            }
            let fits = match system {
                CodeSystem::Loinc => is_lab,
                CodeSystem::Snomed | CodeSystem::Icd10 => kind == InputKind::Flag,
                CodeSystem::Rxnorm => false,
            };
            if !fits {
                let (what, fit) = if is_lab {
                    ("a lab value", "LOINC codes (`loinc`)")
                } else if kind == InputKind::Flag {
                    ("a flag", "SNOMED CT and ICD-10-CM codes")
                } else {
                    ("a list", "no codes")
                };
                self.report(
                    Diagnostic::error(
                        "E0223",
                        format!("`{}` is {what}: {} codes do not fit it", input.name.node, system.title()),
                    )
                    .primary(code.span, "this code")
                    .help(format!(
                        "{what} takes {fit}; the codes of a medicine or other list item go on a `term`"
                    )),
                );
                continue;
            }
            if !self.check_code(system, code, Coded::Input(id)) {
                continue;
            }
            match system {
                CodeSystem::Loinc => loinc.push(code.node.clone()),
                _ => codes.push((system, code.node.clone())),
            }
        }
        (loinc, codes)
    }

    /// `term NAME "label" codes ...`: a list item's codes.
    fn declare_term(&mut self, term: &ast::TermDecl) {
        if let Some(first) = self.program.terms.iter().find(|t| t.name == term.name.node) {
            let first = first.span;
            self.report(
                Diagnostic::error("E0202", format!("the term `{}` is declared twice", term.name.node))
                    .primary(term.name.span, "declared again here")
                    .secondary(first, "first declared here")
                    .help("give all its codes in one `term`"),
            );
            return;
        }
        let index = self.program.terms.len();
        let mut codes = Vec::new();
        for code in &term.codes {
            let Some(system) = CodeSystem::from_name(&code.system.node) else {
                self.unknown_code_system(&code.system);
                continue;
            };
            if system == CodeSystem::Loinc {
                self.report(
                    Diagnostic::error(
                        "E0223",
                        format!("`{}` is a term: LOINC codes do not fit it", term.name.node),
                    )
                    .primary(code.code.span, "this code")
                    .help("LOINC codes name lab tests: give them to the lab's `input` with `loinc`"),
                );
                continue;
            }
            if self.check_code(system, &code.code, Coded::Term(index)) {
                codes.push((system, code.code.node.clone()));
            }
        }
        self.program.terms.push(Term {
            name: term.name.node.clone(),
            label: term.label.node.clone(),
            codes,
            span: term.name.span,
        });
    }

    fn unknown_code_system(&mut self, name: &Spanned<String>) {
        self.report(
            Diagnostic::error("E0220", format!("unknown code system `{}`", name.node))
                .primary(name.span, "not a code system")
                .maybe_help(did_you_mean(&name.node, CodeSystem::ALL.map(CodeSystem::name)))
                .note("the code systems are `loinc`, `snomed`, `icd10` (ICD-10-CM) and `rxnorm`"),
        );
    }

    /// A code's form, and that no other name has it; records it as `meaning`.
    fn check_code(&mut self, system: CodeSystem, code: &Spanned<String>, meaning: Coded) -> bool {
        if let Err(why) = system.check(&code.node) {
            self.report(
                Diagnostic::error(
                    "E0221",
                    format!("`{}` is not a well-formed {} code", code.node, system.title()),
                )
                .primary(code.span, why)
                .help(
                    "copy the code exactly from the source that gives it, and name that source in a comment",
                ),
            );
            return false;
        }
        let key = (system, code.node.clone());
        if let Some(first) = self.code_spans.get(&key).copied() {
            if self.program.coded.get(&key) != Some(&meaning) {
                self.report(
                    Diagnostic::error(
                        "E0222",
                        format!("the {} code `{}` is given to two names", system.title(), code.node),
                    )
                    .primary(code.span, "given again here")
                    .secondary(first, "first given here")
                    .help("a code means one thing: keep it where it belongs"),
                );
                return false;
            }
            return true;
        }
        self.code_spans.insert(key.clone(), code.span);
        self.program.coded.insert(key, meaning);
        true
    }

    /// A flag's other names; only flags have them.
    fn check_aliases(&mut self, input: &ast::InputDecl, kind: InputKind) -> Vec<String> {
        let Some(first) = input.aliases.first() else { return Vec::new() };
        if kind != InputKind::Flag {
            let span = input.aliases.iter().map(|a| a.span).fold(first.span, Span::to);
            self.report(
                Diagnostic::error(
                    "E0217",
                    format!("`{}` is not a flag and cannot have aliases", input.name.node),
                )
                .primary(span, "aliases are for flags")
                .help("aliases are other names a profile's `conditions` may give a flag; remove them"),
            );
            return Vec::new();
        }
        names_of(&input.aliases)
    }

    /// How old a lab result may be before it counts as missing.
    fn check_valid_for(&mut self, input: &ast::InputDecl, kind: InputKind) -> Option<LabAge> {
        let period = input.valid_for.as_ref()?;
        if !matches!(kind, InputKind::Lab { .. }) {
            self.report(
                Diagnostic::error(
                    "E0217",
                    format!("`{}` is not a lab value and has no date", input.name.node),
                )
                .primary(period.span, "`valid_for` is for lab values")
                .help("remove `valid_for`: only lab results carry a date"),
            );
            return None;
        }
        self.check_lab_age(period)
    }

    /// The range a lab value must fall in, in the input's unit.
    fn check_plausible(&mut self, input: &ast::InputDecl, kind: InputKind) -> Option<(f64, f64)> {
        let range = input.plausible.as_ref()?;
        let InputKind::Lab { unit: canonical, molar_mass } = kind else {
            self.report(
                Diagnostic::error("E0219", format!("`{}` is not a lab value", input.name.node))
                    .primary(range.span, "`plausible` is for lab values")
                    .help("remove `plausible`: only lab values are numbers"),
            );
            return None;
        };
        let unit = self.parse_unit(&range.unit)?;
        let convert = |value: f64| units::convert(value, unit, canonical, molar_mass);
        let (low, high) = match (convert(range.low.node), convert(range.high.node)) {
            (Ok(low), Ok(high)) => (low, high),
            _ => {
                self.report(
                    Diagnostic::error(
                        "E0302",
                        format!(
                            "`{}` cannot be converted to `{}`, the unit of `{}`",
                            unit.symbol, canonical.symbol, input.name.node
                        ),
                    )
                    .primary(range.unit.span, "unit does not fit the input")
                    .help(format!("write the range in {}", canonical.symbol)),
                );
                return None;
            }
        };
        if low >= high {
            self.report(
                Diagnostic::error("E0219", format!("the plausible range of `{}` is empty", input.name.node))
                    .primary(range.span, "the low end must be below the high end")
                    .help("write `plausible LOW to HIGH UNIT`, e.g. `plausible 0 to 100000 ng/mL`"),
            );
            return None;
        }
        Some((low, high))
    }

    /// A lab result's age: a whole number of days, weeks, months or years.
    fn check_lab_age(&mut self, quantity: &ast::Quantity) -> Option<LabAge> {
        let unit = self.quantity_unit(quantity)?;
        let period = [
            (Unit::DAY, Period::Days),
            (Unit::WEEK, Period::Weeks),
            (Unit::MONTH, Period::Months),
            (Unit::YEAR, Period::Years),
        ]
        .into_iter()
        .find_map(|(candidate, period)| (candidate == unit).then_some(period));
        let value = quantity.value.node;
        let whole = value.fract() == 0.0 && value >= 1.0 && value <= f64::from(u16::MAX);
        match period {
            Some(period) if whole => Some(LabAge { amount: value as u32, period }),
            _ => {
                self.report(
                    Diagnostic::error(
                        "E0307",
                        format!(
                            "a lab result's age is a whole number of days, weeks, months or years, not `{}`",
                            units::format_quantity(value, unit)
                        ),
                    )
                    .primary(quantity.span, "not a calendar period")
                    .help("write e.g. `12 months`, `90 days` or `2 years`"),
                );
                None
            }
        }
    }

    fn check_slot(&mut self, slot: &ast::SlotDecl) -> Option<Slot> {
        let unit = self.quantity_unit(&slot.time)?;
        let Ok(hour) = units::convert(slot.time.value.node, unit, Unit::HOUR, None) else {
            self.report(
                Diagnostic::error(
                    "E0302",
                    format!(
                        "a slot's time is a time of day, but `{}` is a {}",
                        unit.symbol,
                        unit.dimension.describe()
                    ),
                )
                .primary(slot.time.span, "not a time")
                .help("give the hours after midnight, e.g. `at 7 h` or `at 19.5 h`"),
            );
            return None;
        };
        if !(0.0..24.0).contains(&hour) {
            self.report(
                Diagnostic::error("E0306", format!("`{}` is not a time of day", units::format_number(hour)))
                    .primary(slot.time.value.span, "outside the day")
                    .help("slot times run from 0 h up to, but not including, 24 h"),
            );
            return None;
        }
        let provides = self.check_timing(&slot.provides);
        Some(Slot {
            name: slot.name.node.clone(),
            label: slot.label.node.clone(),
            hour,
            provides,
            span: slot.name.span,
        })
    }

    fn parse_unit(&mut self, unit: &Spanned<String>) -> Option<Unit> {
        let parsed = Unit::parse(&unit.node);
        if parsed.is_none() {
            self.report(
                Diagnostic::error("E0301", format!("unknown unit `{}`", unit.node))
                    .primary(unit.span, "not a unit Warrant knows")
                    .maybe_help(if crate::syntax::written_with_exponent(&unit.node) {
                        Some(String::from(crate::syntax::WRITE_NUMBERS_IN_FULL))
                    } else {
                        did_you_mean(&unit.node, Unit::all_symbols())
                    }),
            );
        }
        parsed
    }

    /// The population a `for` names: `None` for `everyone` or on an error.
    fn resolve_population(&mut self, name: &Spanned<String>) -> Option<PopulationUse> {
        if name.node == EVERYONE {
            return None;
        }
        match self.names.get(&name.node).map(|(d, _)| *d) {
            Some(Declared::Rule(id)) if self.rule_kinds.get(id.0) == Some(&RuleKind::Population) => {
                Some(PopulationUse { rule: id, span: name.span })
            }
            Some(_) => {
                self.report(
                    Diagnostic::error("E0214", format!("`{}` is not a population", name.node))
                        .primary(name.span, "`for` needs a population")
                        .help(format!(
                            "declare one, e.g. `population {} \"Adults\" when age >= 18 years`, or write `for {EVERYONE}`",
                            name.node
                        )),
                );
                None
            }
            None => {
                let populations: Vec<&str> = self
                    .names
                    .iter()
                    .filter(|(_, (declared, _))| {
                        matches!(declared, Declared::Rule(id) if self.rule_kinds.get(id.0) == Some(&RuleKind::Population))
                    })
                    .map(|(name, _)| name.as_str())
                    .chain([EVERYONE])
                    .collect();
                let help = did_you_mean(&name.node, populations.iter().copied()).unwrap_or_else(|| {
                    format!(
                        "declare it, e.g. `population {} \"Adults\" when age >= 18 years`, or write `for {EVERYONE}`",
                        name.node
                    )
                });
                self.report(
                    Diagnostic::error("E0201", format!("unknown population `{}`", name.node))
                        .primary(name.span, "no population has this name")
                        .help(help),
                );
                None
            }
        }
    }

    /// E0215: a population no person can be in.
    fn check_populations_can_hold(&mut self) {
        let mut found = Vec::new();
        for rule in self.program.rules.iter().filter(|r| r.kind == RuleKind::Population) {
            if let Some(when) = rule.when.as_ref().filter(|w| crate::lint::never_holds(&self.program, w)) {
                found.push(
                    Diagnostic::error("E0215", format!("no person can be in population `{}`", rule.name))
                        .primary(rule.span, "its condition can never hold")
                        .maybe_secondary(when.span(), "this condition contradicts itself")
                        .help("check the thresholds and their units: an outcome for this population could never apply"),
                );
            }
        }
        self.diagnostics.extend(found);
    }

    fn check_rule(&mut self, rule: &ast::RuleDecl, file_population: Option<PopulationUse>) -> Rule {
        let mut checked = Rule {
            kind: rule.kind,
            name: rule.name.node.clone(),
            label: rule.label.node.clone(),
            when: None,
            unless: None,
            advice: Advice::default(),
            strength: None,
            citations: Vec::new(),
            caveats: Vec::new(),
            population: None,
            location: self.sources.locate(rule.name.span),
            span: rule.name.span,
        };
        let mut own_population = None;
        let mut seen: BTreeMap<&'static str, Span> = BTreeMap::new();
        let mut daily = None;
        for clause in &rule.clauses {
            let span = clause_span(clause);
            if !self.clause_allowed(rule, clause, span) {
                continue;
            }
            let repeatable =
                matches!(clause, Clause::Caveat(_) | Clause::Cite(_) | Clause::SeparateFrom { .. });
            if !repeatable {
                if let Some(first) = seen.get(clause.keyword()) {
                    let first = *first;
                    self.report(
                        Diagnostic::error(
                            "E0207",
                            format!("`{}` is given twice in `{}`", clause.keyword(), rule.name.node),
                        )
                        .primary(span, "second one here")
                        .secondary(first, "first one here")
                        .help(match clause {
                            Clause::When(_) | Clause::Unless(_) => "join the conditions with `and` or `or`",
                            _ => "keep one of them",
                        }),
                    );
                    continue;
                }
                seen.insert(clause.keyword(), span);
            }
            match clause {
                Clause::When(condition) => checked.when = Some(self.check_condition(condition)),
                Clause::Unless(condition) => checked.unless = Some(self.check_condition(condition)),
                Clause::Form(form) => checked.advice.form = Some(form.node.clone()),
                Clause::Dose(dose) => checked.advice.dose = self.check_dose(dose),
                Clause::Timing(words) => checked.advice.timing = self.check_timing(words),
                Clause::TakeWith(items) => checked.advice.take_with = names_of(items),
                Clause::SeparateFrom { items, gap } => {
                    if let Some(hours) = self.check_gap(gap) {
                        checked.advice.separate_from.push(Separation { items: names_of(items), hours });
                    }
                }
                Clause::Strength(strength) => checked.strength = Some(strength.node),
                Clause::Cite(citations) => {
                    for citation in citations {
                        self.check_citation(&rule.name.node, citation, &mut checked.citations);
                    }
                }
                Clause::Caveat(text) => checked.caveats.push(text.node.clone()),
                Clause::Daily(bound) => daily = self.check_daily(bound),
                Clause::Contains(items) => checked.advice.contains = names_of(items),
                Clause::For(name) => own_population = Some(self.resolve_population(name)),
            }
        }
        if checked.is_outcome() {
            checked.population = own_population.unwrap_or(file_population);
        }
        // A limit fires when its daily bound is broken (and `when` holds).
        if let Some(intake) = daily {
            checked.when = Some(match checked.when.take() {
                Some(when) => Expr::And(vec![when, intake]),
                None => intake,
            });
        }
        self.check_required_clauses(rule, &checked, &seen);
        checked
    }

    /// Reports a clause that this kind of rule cannot have.
    fn clause_allowed(&mut self, rule: &ast::RuleDecl, clause: &Clause, span: Span) -> bool {
        let advice = matches!(
            clause,
            Clause::Form(_)
                | Clause::Dose(_)
                | Clause::Timing(_)
                | Clause::TakeWith(_)
                | Clause::SeparateFrom { .. }
        );
        let fact = matches!(rule.kind, RuleKind::Derive | RuleKind::Population);
        let allowed = match clause {
            _ if advice => rule.kind == RuleKind::Recommend,
            Clause::Strength(_) => rule.kind == RuleKind::Recommend,
            Clause::Daily(_) => rule.kind == RuleKind::Limit,
            Clause::Unless(_) | Clause::For(_) => !fact,
            Clause::Caveat(_) => rule.kind != RuleKind::Population,
            _ => true,
        };
        if !allowed {
            let only = match clause {
                Clause::Daily(_) => "only a `limit` has a daily bound",
                Clause::Unless(_) => "a derived fact has no contraindications; put the condition in `when`",
                Clause::For(_) => "only outcomes are for a population; a derived fact holds for everyone",
                Clause::Caveat(_) => "a population only says who is in it; put caveats on the outcomes",
                _ => "only a `recommend` says what to take and how firmly",
            };
            self.report(
                Diagnostic::error(
                    "E0207",
                    format!("a `{}` cannot have a `{}` clause", rule.kind.keyword(), clause.keyword()),
                )
                .primary(span, "not allowed here")
                .help(only),
            );
        }
        allowed
    }

    fn check_required_clauses(
        &mut self,
        rule: &ast::RuleDecl,
        checked: &Rule,
        seen: &BTreeMap<&'static str, Span>,
    ) {
        let head = rule.name.span;
        // A limit is decided by its daily bound; background applies always.
        let needs_when =
            !matches!(rule.kind, RuleKind::Limit | RuleKind::Inform) && !seen.contains_key("when");
        if needs_when {
            self.report(
                Diagnostic::error("E0205", format!("`{}` has no `when` clause", rule.name.node))
                    .primary(head, "says nothing about when it applies")
                    .help("add `when <condition>`, e.g. `when ferritin <= 75 ng/mL`"),
            );
        }
        if rule.kind == RuleKind::Limit && !seen.contains_key("daily") {
            self.report(
                Diagnostic::error("E0205", format!("limit `{}` has no `daily` bound", rule.name.node))
                    .primary(head, "no bound to check")
                    .help("add e.g. `daily vitamin_b6 <= 100 mg`"),
            );
        }
        if rule.kind == RuleKind::Recommend && !seen.contains_key("strength") {
            self.report(
                Diagnostic::error("E0205", format!("recommendation `{}` has no `strength`", rule.name.node))
                    .primary(head, "how firm is this recommendation?")
                    .help("add `strength strong` or `strength conditional`"),
            );
        }
        let cited = rule.clauses.iter().any(|c| matches!(c, Clause::Cite(_)));
        if checked.is_outcome() && !cited {
            self.report(
                Diagnostic::error("E0206", format!("`{}` cites no evidence", rule.name.node))
                    .primary(head, "no `cite` clause")
                    .help("every suggestion, test, caution and limit cites at least one evidence record: add `cite <id> supports`"),
            );
        }
        let strong = checked.strength == Some(Strength::Strong);
        let best =
            checked.citations.iter().filter(|c| c.stance == ast::Stance::Supports).map(|c| c.certainty).max();
        if strong && best.is_some_and(|b| b <= Certainty::Low) {
            self.report(
                Diagnostic::error(
                    "E0209",
                    format!("`{}` is a strong recommendation, but its supporting evidence is at best of low certainty", rule.name.node),
                )
                .primary(head, "strong on weak evidence")
                .help("make it `strength conditional`, or cite evidence of moderate or high certainty"),
            );
        }
    }

    fn check_citation(&mut self, rule: &str, citation: &ast::Citation, into: &mut Vec<Citation>) {
        let id = &citation.evidence;
        if let Some(previous) = into.iter().find(|c| c.evidence == id.node) {
            let first = previous.span;
            self.report(
                Diagnostic::error("E0202", format!("`{rule}` cites `{}` twice", id.node))
                    .primary(id.span, "cited again here")
                    .secondary(first, "first cited here")
                    .help("cite each record once"),
            );
            return;
        }
        match self.evidence.get(&id.node) {
            Some(located) => {
                let graded =
                    citation.graded.as_ref().and_then(|level| self.check_graded(level, &located.record));
                into.push(Citation {
                    evidence: id.node.clone(),
                    stance: citation.stance,
                    certainty: graded.unwrap_or(located.record.certainty),
                    graded: graded.is_some(),
                    span: id.span,
                })
            }
            None if !self.evidence.is_complete() => {}
            None => self.report(
                Diagnostic::error("E0203", format!("unknown evidence id `{}`", id.node))
                    .primary(id.span, "no evidence record has this id")
                    .maybe_help(did_you_mean(&id.node, self.evidence.ids()))
                    .note("evidence records live in `evidence/*.yaml`"),
            ),
        }
    }

    /// A certainty level the cited source grades a recommendation with;
    /// only guidelines and reviews grade recommendations.
    fn check_graded(
        &mut self,
        level: &Spanned<String>,
        record: &crate::evidence::EvidenceRecord,
    ) -> Option<Certainty> {
        const LEVELS: [(&str, Certainty); 4] = [
            ("high", Certainty::High),
            ("moderate", Certainty::Moderate),
            ("low", Certainty::Low),
            ("very_low", Certainty::VeryLow),
        ];
        let Some((_, certainty)) = LEVELS.iter().find(|(word, _)| *word == level.node) else {
            self.report(
                Diagnostic::error("E0218", format!("unknown certainty `{}`", level.node))
                    .primary(level.span, "not a GRADE certainty")
                    .maybe_help(did_you_mean(&level.node, LEVELS.map(|(word, _)| word)))
                    .note("the certainties are `high`, `moderate`, `low` and `very_low`"),
            );
            return None;
        };
        let grades = matches!(
            record.kind,
            StudyKind::Guideline | StudyKind::SystematicReview | StudyKind::MetaAnalysis
        );
        if !grades {
            self.report(
                Diagnostic::error(
                    "E0218",
                    format!(
                        "`{}` is a {}, which grades no recommendation",
                        record.id,
                        record.kind.describe()
                    ),
                )
                .primary(level.span, "only a guideline or a systematic review grades what it recommends")
                .help("remove `certainty ...`: the record's own certainty applies"),
            );
            return None;
        }
        Some(*certainty)
    }

    fn check_dose(&mut self, dose: &ast::Dose) -> Option<DoseRange> {
        let unit = self.parse_unit(&dose.unit)?;
        if unit.dimension != Dimension::Mass {
            self.report(
                Diagnostic::error(
                    "E0302",
                    format!(
                        "a daily dose is a mass, but `{}` is a {}",
                        unit.symbol,
                        unit.dimension.describe()
                    ),
                )
                .primary(dose.unit.span, "not a mass")
                .help(format!("use one of {}", quote_list(&Unit::symbols_of(Dimension::Mass)))),
            );
            return None;
        }
        if dose.low.node > dose.high.node {
            self.report(
                Diagnostic::error("E0210", "the dose range runs backwards")
                    .primary(dose.span, "low end above high end")
                    .help(format!(
                        "write `dose {} to {} {} daily`",
                        dose.high.node, dose.low.node, unit.symbol
                    )),
            );
            return None;
        }
        Some(DoseRange { low: dose.low.node, high: dose.high.node, unit, span: dose.span })
    }

    fn check_timing(&mut self, words: &[Spanned<String>]) -> Vec<String> {
        let mut timing = Vec::new();
        for word in words {
            if TIMINGS.contains(&word.node.as_str()) {
                timing.push(word.node.clone());
            } else {
                self.report(
                    Diagnostic::error("E0211", format!("unknown timing `{}`", word.node))
                        .primary(word.span, "not a timing")
                        .maybe_help(did_you_mean(&word.node, TIMINGS))
                        .note(format!("the timings are {}", quote_list(&TIMINGS))),
                );
            }
        }
        timing
    }

    fn check_gap(&mut self, gap: &ast::Quantity) -> Option<f64> {
        let unit = self.quantity_unit(gap)?;
        match units::convert(gap.value.node, unit, Unit::HOUR, None) {
            Ok(hours) => Some(hours),
            Err(_) => {
                self.report(
                    Diagnostic::error(
                        "E0302",
                        format!(
                            "a gap between doses is a time, but `{}` is a {}",
                            unit.symbol,
                            unit.dimension.describe()
                        ),
                    )
                    .primary(gap.span, "not a time")
                    .help("write the gap in hours, e.g. `by 2 h`"),
                );
                None
            }
        }
    }

    /// The unit of a written quantity, reporting a missing or unknown one.
    fn quantity_unit(&mut self, quantity: &ast::Quantity) -> Option<Unit> {
        match &quantity.unit {
            Some(unit) => self.parse_unit(unit),
            None => {
                self.report(
                    Diagnostic::error(
                        "E0303",
                        format!("`{}` has no unit", units::format_number(quantity.value.node)),
                    )
                    .primary(quantity.value.span, "which unit?")
                    .help("write the unit after the number, e.g. `75 ng/mL` or `20 %`"),
                );
                None
            }
        }
    }

    fn check_daily(&mut self, bound: &ast::DailyBound) -> Option<Expr> {
        let supplements = self.supplements_input(bound.span);
        let members = self.members_of(&bound.supplement.node);
        let unit = self.quantity_unit(&bound.bound)?;
        if unit.dimension != Dimension::Mass {
            self.report(
                Diagnostic::error(
                    "E0302",
                    format!(
                        "a daily intake is a mass, but `{}` is a {}",
                        unit.symbol,
                        unit.dimension.describe()
                    ),
                )
                .primary(bound.bound.span, "not a mass")
                .help(format!("use one of {}", quote_list(&Unit::symbols_of(Dimension::Mass)))),
            );
            return None;
        }
        Some(Expr::DailyIntake {
            supplements: supplements?,
            name: bound.supplement.node.clone(),
            members,
            bound: bound.comparator.node,
            limit: Written { value: bound.bound.value.node, unit },
            limit_mg: units::convert(bound.bound.value.node, unit, Unit::MILLIGRAM, None)
                .unwrap_or(bound.bound.value.node),
            suggested: Vec::new(),
            span: bound.span,
        })
    }

    fn supplements_input(&mut self, span: Span) -> Option<InputId> {
        let found =
            self.program.inputs.iter().position(|i| i.kind == InputKind::List(ProfileList::Supplements));
        if found.is_none() {
            self.report(
                Diagnostic::error(
                    "E0201",
                    "a daily bound needs the profile's `supplements` list, which is not declared",
                )
                .primary(span, "reads `supplements`")
                .help("declare it: `input supplements: list \"Supplements taken\"`"),
            );
        }
        found.map(InputId)
    }

    /// A group's members, or the name alone when it is not a group.
    fn members_of(&self, name: &str) -> Vec<String> {
        match self.groups.get(name) {
            Some(group) => std::iter::once(name.to_string()).chain(group.members.iter().cloned()).collect(),
            None => vec![name.to_string()],
        }
    }

    fn check_condition(&mut self, condition: &Condition) -> Expr {
        match condition {
            Condition::And(parts, _) => Expr::And(parts.iter().map(|p| self.check_condition(p)).collect()),
            Condition::Or(parts, _) => Expr::Or(parts.iter().map(|p| self.check_condition(p)).collect()),
            Condition::Not(inner, _) => Expr::Not(Box::new(self.check_condition(inner))),
            Condition::Compare { subject, comparator, threshold, span } => {
                self.check_comparison(subject, comparator.node, threshold, *span)
            }
            Condition::Known(name, span) | Condition::Unknown(name, span) => {
                let Some(input) = self.expect_input(name, "`known` and `unknown` test inputs") else {
                    return Expr::Invalid(*span);
                };
                if matches!(condition, Condition::Known(..)) {
                    Expr::Known(input, *span)
                } else {
                    Expr::Unknown(input, *span)
                }
            }
            Condition::OutsideRange { subject, side, span } => {
                let Some(input) = self.expect_input(subject, "range tests read lab values") else {
                    return Expr::Invalid(*span);
                };
                if !matches!(self.program.input(input).map(|i| i.kind), Some(InputKind::Lab { .. })) {
                    self.report(
                        Diagnostic::error(
                            "E0204",
                            format!("`{}` is not a lab value and has no reference range", subject.node),
                        )
                        .primary(subject.span, "not a lab value")
                        .help("range tests apply to inputs declared with a dimension and unit"),
                    );
                    return Expr::Invalid(*span);
                }
                Expr::OutsideRange { input, side: *side, span: *span }
            }
            Condition::Has { list, item, span } => {
                let Some(input) = self.expect_input(list, "`has` tests a list") else {
                    return Expr::Invalid(*span);
                };
                if !matches!(self.program.input(input).map(|i| i.kind), Some(InputKind::List(_))) {
                    self.report(
                        Diagnostic::error("E0204", format!("`{}` is not a list", list.node))
                            .primary(list.span, "`has` needs a list here")
                            .help("declare it with `input <name>: list`, or test a flag by name alone"),
                    );
                    return Expr::Invalid(*span);
                }
                Expr::Has {
                    input,
                    item: item.node.clone(),
                    members: self.members_of(&item.node),
                    span: *span,
                }
            }
            Condition::Is { subject, value, span } => {
                let Some(input) = self.expect_input(subject, "`is` tests the person's sex") else {
                    return Expr::Invalid(*span);
                };
                if self.program.input(input).map(|i| i.kind) != Some(InputKind::Sex) {
                    self.report(
                        Diagnostic::error(
                            "E0204",
                            format!("`{}` has no values to test with `is`", subject.node),
                        )
                        .primary(subject.span, "not `sex`")
                        .help("`is` tests the person's sex, e.g. `sex is female`"),
                    );
                    return Expr::Invalid(*span);
                }
                if !SEXES.contains(&value.node.as_str()) {
                    self.report(
                        Diagnostic::error(
                            "E0216",
                            format!("`{}` is not a value of `{}`", value.node, subject.node),
                        )
                        .primary(value.span, "no profile can give this")
                        .maybe_help(did_you_mean(&value.node, SEXES))
                        .note(format!(
                            "`{}` is one of {}",
                            subject.node,
                            quote_list(&SEXES)
                        )),
                    );
                    return Expr::Invalid(*span);
                }
                Expr::Is { input, value: value.node.clone(), span: *span }
            }
            Condition::OlderThan { subject, age, span } => {
                let Some(input) = self.expect_input(subject, "`older than` reads a lab result's date") else {
                    return Expr::Invalid(*span);
                };
                if !matches!(self.program.input(input).map(|i| i.kind), Some(InputKind::Lab { .. })) {
                    self.report(
                        Diagnostic::error(
                            "E0204",
                            format!("`{}` is not a lab value and has no date", subject.node),
                        )
                        .primary(subject.span, "not a lab value")
                        .help("`older than` measures how long ago a lab result was taken"),
                    );
                    return Expr::Invalid(*span);
                }
                match self.check_lab_age(age) {
                    Some(age) => Expr::OlderThan { input, age, span: *span },
                    None => Expr::Invalid(*span),
                }
            }
            Condition::Fact(name) => self.check_fact(name),
        }
    }

    fn check_fact(&mut self, name: &Spanned<String>) -> Expr {
        self.declare_builtin(name);
        match self.names.get(&name.node).map(|(d, _)| *d) {
            Some(Declared::Rule(rule)) => Expr::Fact(rule, name.span),
            Some(Declared::Input(input)) => match self.program.input(input).map(|i| i.kind) {
                Some(InputKind::Flag) => Expr::Flag(input, name.span),
                Some(InputKind::Lab { unit, .. }) => {
                    self.report(
                        Diagnostic::error(
                            "E0204",
                            format!("`{}` is a lab value, not a yes/no fact", name.node),
                        )
                        .primary(name.span, "needs a comparison")
                        .help(format!(
                            "compare it with a threshold, e.g. `{} < 50 {}`",
                            name.node, unit.symbol
                        )),
                    );
                    Expr::Invalid(name.span)
                }
                Some(InputKind::Age) => {
                    self.report(
                        Diagnostic::error(
                            "E0204",
                            format!("`{}` is a quantity, not a yes/no fact", name.node),
                        )
                        .primary(name.span, "needs a comparison")
                        .help(format!("compare it, e.g. `{} >= 18 years`", name.node)),
                    );
                    Expr::Invalid(name.span)
                }
                Some(InputKind::Sex) => {
                    self.report(
                        Diagnostic::error("E0204", format!("`{}` is not a yes/no fact", name.node))
                            .primary(name.span, "needs `is`")
                            .help(format!("test its value, e.g. `{} is female`", name.node)),
                    );
                    Expr::Invalid(name.span)
                }
                _ => {
                    self.report(
                        Diagnostic::error("E0204", format!("`{}` is a list, not a yes/no fact", name.node))
                            .primary(name.span, "needs `has`")
                            .help(format!("test membership, e.g. `{} has <item>`", name.node)),
                    );
                    Expr::Invalid(name.span)
                }
            },
            Some(Declared::Group) => {
                self.report(
                    Diagnostic::error("E0204", format!("`{}` is a group, not a yes/no fact", name.node))
                        .primary(name.span, "a group of list items")
                        .help(format!("test a list for it, e.g. `medications has {}`", name.node)),
                );
                Expr::Invalid(name.span)
            }
            Some(Declared::Slot) => {
                self.report(
                    Diagnostic::error(
                        "E0204",
                        format!("`{}` is a slot of the daily plan, not a yes/no fact", name.node),
                    )
                    .primary(name.span, "a time of day")
                    .help("conditions can name flags, derived facts and outcomes"),
                );
                Expr::Invalid(name.span)
            }
            None => {
                self.unknown_name(name, "a flag, derived fact or outcome");
                Expr::Invalid(name.span)
            }
        }
    }

    fn check_comparison(
        &mut self,
        subject: &Spanned<String>,
        comparator: Comparator,
        threshold: &ast::Quantity,
        span: Span,
    ) -> Expr {
        let Some(input) = self.expect_input(subject, "comparisons test lab values") else {
            return Expr::Invalid(span);
        };
        let Some((canonical, molar_mass)) = self.program.input(input).and_then(|i| i.kind.quantity_unit())
        else {
            self.report(
                Diagnostic::error(
                    "E0204",
                    format!("`{}` is not a quantity and cannot be compared with one", subject.node),
                )
                .primary(subject.span, "not a lab value or the person's age")
                .help("compare lab values (inputs declared with a dimension and unit) and `age`"),
            );
            return Expr::Invalid(span);
        };
        let Some(unit) = self.quantity_unit(threshold) else {
            return Expr::Invalid(span);
        };
        match units::convert(threshold.value.node, unit, canonical, molar_mass) {
            Ok(value) => Expr::Compare {
                input,
                comparator,
                threshold: value,
                written: Written { value: threshold.value.node, unit },
                words: comparison_words(&subject.node, comparator, threshold.value.node, unit),
                span,
            },
            Err(error) => {
                let unit_span = threshold.unit.as_ref().map_or(threshold.span, |u| u.span);
                let (message, help) = match error {
                    ConversionError::NeedsMolarMass => (
                        format!(
                            "`{}` is molar but `{}` has no molar mass to convert it with",
                            unit.symbol, subject.node
                        ),
                        format!(
                            "add `molar_mass <g/mol>` to the input, or write the threshold in {}",
                            canonical.symbol
                        ),
                    ),
                    ConversionError::OutOfRange => (
                        format!(
                            "{} {} is too large to compare with `{}` in {}",
                            units::format_number(threshold.value.node),
                            unit.symbol,
                            subject.node,
                            canonical.symbol
                        ),
                        String::from("write a threshold a real value could reach"),
                    ),
                    ConversionError::Incompatible { .. } => (
                        format!(
                            "`{}` is a {} but `{}` is a {}",
                            unit.symbol,
                            unit.dimension.describe(),
                            subject.node,
                            canonical.dimension.describe()
                        ),
                        format!(
                            "write the threshold in a unit of {}, e.g. {}",
                            canonical.dimension.describe(),
                            canonical.symbol
                        ),
                    ),
                };
                self.report(
                    Diagnostic::error("E0302", message)
                        .primary(unit_span, "unit does not fit the input")
                        .help(help),
                );
                Expr::Invalid(span)
            }
        }
    }

    /// Makes a person attribute (`age`, `sex`, `pregnant`, `lactating`) an
    /// input the first time a rule names it, so a knowledge base carries
    /// only the attributes its rules read.
    fn declare_builtin(&mut self, name: &Spanned<String>) {
        let Some(builtin) = Builtin::from_name(&name.node) else { return };
        if self.names.contains_key(&name.node) {
            return;
        }
        let id = InputId(self.program.inputs.len());
        self.names.insert(name.node.clone(), (Declared::Input(id), name.span));
        self.program.input_index.insert(name.node.clone(), id);
        self.program.inputs.push(Input {
            name: name.node.clone(),
            label: builtin.label().to_string(),
            kind: builtin.kind(),
            loinc: Vec::new(),
            codes: Vec::new(),
            aliases: Vec::new(),
            valid_for: None,
            plausible: Plausible::of(builtin.kind(), None),
            builtin: Some(builtin),
            span: name.span,
        });
    }

    /// Resolves a name that must be an input.
    fn expect_input(&mut self, name: &Spanned<String>, why: &str) -> Option<InputId> {
        self.declare_builtin(name);
        match self.names.get(&name.node).map(|(d, _)| *d) {
            Some(Declared::Input(id)) => Some(id),
            Some(_) => {
                self.report(
                    Diagnostic::error("E0204", format!("`{}` is not an input", name.node))
                        .primary(name.span, "an input is needed here")
                        .help(format!("{why}; refer to a derived fact or outcome by name alone")),
                );
                None
            }
            None => {
                self.unknown_name(name, "an input");
                None
            }
        }
    }

    fn unknown_name(&mut self, name: &Spanned<String>, wanted: &str) {
        let candidates: Vec<&str> = self.names.keys().map(String::as_str).collect();
        let help = did_you_mean(&name.node, candidates.iter().copied());
        self.report(
            Diagnostic::error("E0201", format!("unknown name `{}`", name.node))
                .primary(name.span, format!("expected {wanted}"))
                .maybe_help(help.or_else(|| {
                    Some(format!("declare it with `input {}: ...` or `derive {} ...`", name.node, name.node))
                })),
        );
    }
}

/// Links each limit's daily intake to the recommendations whose doses count
/// towards it: those with a `dose` that `contains` the limit's supplement or
/// one of its group's members.
fn count_suggested_doses(program: &mut Program) {
    let doses: Vec<(RuleId, Vec<String>, f64)> = program
        .rule_ids()
        .zip(&program.rules)
        .filter(|(_, rule)| rule.kind == RuleKind::Recommend)
        .filter_map(|(id, rule)| {
            let dose = rule.advice.dose.as_ref()?;
            Some((id, rule.advice.contains.clone(), dose.high_milligrams()))
        })
        .collect();
    // Which doses contain each nutrient, so a limit looks its doses up.
    let mut containing: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, (_, contains, _)) in doses.iter().enumerate() {
        for nutrient in contains {
            containing.entry(nutrient.as_str()).or_default().push(index);
        }
    }
    let mut counted_by: Vec<Vec<RuleId>> = vec![Vec::new(); program.rules.len()];
    for (limit, rule) in program.rules.iter_mut().enumerate() {
        let mut stack: Vec<&mut Expr> = rule.when.iter_mut().collect();
        while let Some(expr) = stack.pop() {
            match expr {
                Expr::And(parts) | Expr::Or(parts) => stack.extend(parts.iter_mut()),
                Expr::Not(inner) => stack.push(inner),
                Expr::DailyIntake { members, suggested, .. } => {
                    let indices: BTreeSet<usize> = members
                        .iter()
                        .flat_map(|member| containing.get(member.as_str()).into_iter().flatten().copied())
                        .collect();
                    *suggested = indices
                        .into_iter()
                        .filter_map(|index| doses.get(index))
                        .map(|(rule, _, milligrams)| SuggestedDose { rule: *rule, milligrams: *milligrams })
                        .collect();
                    for dose in suggested.iter() {
                        let limits = counted_by.get_mut(dose.rule.0);
                        if let Some(limits) = limits.filter(|l| l.last() != Some(&RuleId(limit))) {
                            limits.push(RuleId(limit));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    program.counted_by_limits = counted_by;
}

/// The names each profile list's entries are read by: see
/// [`Program::considered`].
fn considered(
    program: &Program,
    groups: &BTreeMap<String, Group>,
) -> BTreeMap<ProfileList, BTreeSet<String>> {
    let mut read: BTreeMap<ProfileList, BTreeSet<String>> = BTreeMap::new();
    let list_of = |input: &InputId| match program.input(*input).map(|i| i.kind) {
        Some(InputKind::List(list)) => Some(list),
        _ => None,
    };
    let mut stack: Vec<&Expr> =
        program.rules.iter().flat_map(|r| r.when.iter().chain(r.unless.iter())).collect();
    while let Some(expr) = stack.pop() {
        match expr {
            Expr::And(parts) | Expr::Or(parts) => stack.extend(parts),
            Expr::Not(inner) => stack.push(inner),
            Expr::Has { input, members, .. } => {
                if let Some(list) = list_of(input) {
                    read.entry(list).or_default().extend(members.iter().cloned());
                }
            }
            Expr::DailyIntake { members, .. } => {
                read.entry(ProfileList::Supplements).or_default().extend(members.iter().cloned());
            }
            _ => {}
        }
    }
    let flags = program.inputs.iter().filter(|i| i.kind == InputKind::Flag && i.builtin.is_none());
    let conditions = read.entry(ProfileList::Conditions).or_default();
    for flag in flags {
        conditions.insert(flag.name.clone());
        conditions.extend(flag.aliases.iter().cloned());
    }
    // The daily plan matches a supplement to what suggestions keep it with or apart from.
    let supplements = read.entry(ProfileList::Supplements).or_default();
    for advice in program.rules.iter().map(|r| &r.advice) {
        let named = advice.take_with.iter().chain(advice.separate_from.iter().flat_map(|s| s.items.iter()));
        for name in named {
            supplements.insert(name.clone());
            if let Some(group) = groups.get(name) {
                supplements.extend(group.members.iter().cloned());
            }
        }
    }
    read
}

/// `ferritin <= 75 ng/mL`, the threshold as written.
fn comparison_words(name: &str, comparator: Comparator, value: f64, unit: Unit) -> ComparisonWords {
    ComparisonWords::write(name.len() + 24, |words| {
        words.push_str(name);
        words.push(' ');
        words.push_str(comparator.symbol());
        words.push(' ');
        units::push_quantity(words, value, unit);
    })
}

fn clause_span(clause: &Clause) -> Span {
    match clause {
        Clause::When(c) | Clause::Unless(c) => c.span(),
        Clause::Form(s) | Clause::Caveat(s) => s.span,
        Clause::Dose(d) => d.span,
        Clause::Timing(names) | Clause::TakeWith(names) | Clause::Contains(names) => span_of_names(names),
        Clause::SeparateFrom { items, gap } => span_of_names(items).to(gap.span),
        Clause::Strength(s) => s.span,
        Clause::Cite(citations) => {
            citations.iter().map(|c| c.evidence.span).reduce(Span::to).unwrap_or_default()
        }
        Clause::Daily(d) => d.span,
        Clause::For(name) => name.span,
    }
}

fn span_of_names(names: &[Spanned<String>]) -> Span {
    names.iter().map(|n| n.span).reduce(Span::to).unwrap_or_default()
}

fn names_of(names: &[Spanned<String>]) -> Vec<String> {
    names.iter().map(|n| n.node.clone()).collect()
}

fn quote_list(items: &[&str]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}
