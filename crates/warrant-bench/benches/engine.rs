//! Speed of Warrant on synthetic knowledge bases of 100, 1,000 and 10,000
//! rules (see `warrant::synthetic`): parse + check + compile, evaluation
//! alone, evaluation plus the full explanation, and a hand-written loop
//! over the same rules as the baseline.
//!
//! Evaluation runs over a pool of distinct profiles, not one profile again
//! and again: with a single profile the branch predictor learns every
//! outcome, which flatters branchy code and says nothing about a real
//! batch. Throughput is in profiles per second.
//!
//! `cargo bench -p warrant-bench --bench engine`; CI only type-checks and
//! lints this file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark set up wrongly should stop at once"
)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use warrant::knowledge_base::{self, KnowledgeBase};
use warrant::limits::Limits;
use warrant::profile::{self, Facts, Format};
use warrant::span::{FileId, SourceFile};
use warrant::synthetic::{self, FIELDS, SyntheticRule, Test};
use warrant::{batch, explain, infer};
use warrant_bench::{SEED, TODAY, compile, files};

const SIZES: [usize; 3] = [100, 1_000, 10_000];
/// Distinct profiles per evaluated pool, and per explained pool (smaller:
/// explaining 10,000 rules takes milliseconds).
const POOL: usize = 256;
const EXPLAINED: usize = 8;
/// Profiles per columnar batch: sixteen blocks.
const COLUMNAR_POOL: usize = 4_096;

/// The first `count` synthetic profiles, bound to the knowledge base once.
fn facts(kb: &KnowledgeBase, count: usize) -> Vec<Facts> {
    synthetic::profiles(count, SEED)
        .map(|line| {
            let source = SourceFile::new("p.json", line);
            let parsed = profile::parse(FileId(999), &source, Format::Json)
                .unwrap_or_else(|_| panic!("profile parses"));
            let written = profile::Written::file(FileId(999), &source);
            profile::bind(&parsed, &kb.graph.program, written, TODAY, &Limits::default())
                .unwrap_or_else(|_| panic!("profile binds"))
        })
        .collect()
}

/// The same profiles as plain numbers, for the hand-written loop.
fn values(count: usize) -> Vec<[f64; FIELDS]> {
    synthetic::profiles(count, SEED)
        .map(|line| {
            let json: serde_json::Value = serde_json::from_str(&line).unwrap();
            std::array::from_fn(|i| json["labs"][format!("f{i}")]["value"].as_f64().unwrap())
        })
        .collect()
}

fn holds(test: &Test, values: &[f64; FIELDS]) -> bool {
    let value = values.get(test.field).copied().unwrap_or(f64::NAN);
    let threshold = f64::from(test.threshold);
    match test.op {
        "<" => value < threshold,
        "<=" => value <= threshold,
        ">" => value > threshold,
        _ => value >= threshold,
    }
}

/// The baseline: the same rules as a plain loop over structs.
fn hand_written(
    rules: &[SyntheticRule],
    values: &[f64; FIELDS],
    derived: &mut Vec<bool>,
    fired: &mut Vec<usize>,
) {
    derived.clear();
    fired.clear();
    for rule in rules {
        match rule {
            SyntheticRule::Derived { previous, tests, .. } => {
                let chained = previous.is_none_or(|p| derived.get(p).copied().unwrap_or(false));
                derived.push(chained && tests.iter().all(|t| holds(t, values)));
            }
            SyntheticRule::Outcome { index, fact, either, not } => {
                let first =
                    fact.is_some_and(|f| derived.get(f).copied().unwrap_or(false)) || holds(either, values);
                if first && !holds(not, values) {
                    fired.push(*index);
                }
            }
        }
    }
}

/// One comparison as `sign × value < bound`: `x >= 50` is `-x < next_up(-50)`.
#[derive(Clone, Copy)]
struct FlatTest {
    field: usize,
    sign: f64,
    bound: f64,
}

impl FlatTest {
    fn of(test: &Test) -> FlatTest {
        let threshold = f64::from(test.threshold);
        let (sign, bound) = match test.op {
            "<" => (1.0, threshold),
            "<=" => (1.0, threshold.next_up()),
            ">" => (-1.0, -threshold),
            _ => (-1.0, (-threshold).next_up()),
        };
        FlatTest { field: test.field, sign, bound }
    }

    #[inline(always)]
    fn holds(self, values: &[f64; FIELDS]) -> u8 {
        u8::from(self.sign * values.get(self.field).copied().unwrap_or(f64::NAN) < self.bound)
    }
}

/// The same rules flattened for the tighter baseline: every rule two tests
/// and one fact (an always-true test or fact where a rule has fewer).
enum FlatRule {
    Derived { previous: Option<usize>, first: FlatTest, second: Option<FlatTest> },
    Outcome { fact: Option<usize>, either: FlatTest, not: FlatTest },
}

fn flatten(rules: &[SyntheticRule]) -> Vec<FlatRule> {
    rules
        .iter()
        .map(|rule| match rule {
            SyntheticRule::Derived { previous, tests, .. } => FlatRule::Derived {
                previous: *previous,
                first: FlatTest::of(&tests[0]),
                second: tests.get(1).map(FlatTest::of),
            },
            SyntheticRule::Outcome { fact, either, not, .. } => {
                FlatRule::Outcome { fact: *fact, either: FlatTest::of(either), not: FlatTest::of(not) }
            }
        })
        .collect()
}

/// The tighter baseline: no short-circuit and no branch on a value, every
/// comparison a byte (`(x < t) as u8`) combined with `&` and `|`, outcomes
/// written as bytes in place.
fn hand_written_branch_free(
    rules: &[FlatRule],
    values: &[f64; FIELDS],
    derived: &mut Vec<u8>,
    fired: &mut Vec<u8>,
) {
    derived.clear();
    fired.clear();
    for rule in rules {
        match rule {
            FlatRule::Derived { previous, first, second } => {
                let chained = previous.map_or(1, |p| derived.get(p).copied().unwrap_or(0));
                let second = second.map_or(1, |t| t.holds(values));
                derived.push(chained & first.holds(values) & second);
            }
            FlatRule::Outcome { fact, either, not } => {
                let fact = fact.map_or(0, |f| derived.get(f).copied().unwrap_or(0));
                fired.push((fact | either.holds(values)) & (1 - not.holds(values)));
            }
        }
    }
}

fn bench_compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_check_compile");
    group.sample_size(10);
    // Up to 100,000 rules, where a step worse than linear would show.
    for count in SIZES.into_iter().chain([100_000]) {
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(BenchmarkId::from_parameter(count), &count, |b, &count| {
            b.iter_batched(
                || files(count),
                |files| black_box(knowledge_base::compile(files)),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

fn bench_evaluate(c: &mut Criterion) {
    let mut group = c.benchmark_group("evaluate");
    for count in SIZES {
        let kb = compile(count);
        let pool = facts(&kb, POOL);
        let mut evaluator = infer::Evaluator::new(&kb.graph);
        group.throughput(Throughput::Elements(POOL as u64));
        group.bench_with_input(BenchmarkId::new("warrant", count), &count, |b, _| {
            b.iter(|| {
                for facts in &pool {
                    black_box(evaluator.run(black_box(facts)).len());
                }
            })
        });
        let rules = synthetic::rules(count, SEED);
        let values = values(POOL);
        let (mut derived, mut fired) = (Vec::new(), Vec::new());
        group.bench_with_input(BenchmarkId::new("hand_written", count), &count, |b, _| {
            b.iter(|| {
                for values in &values {
                    hand_written(black_box(&rules), black_box(values), &mut derived, &mut fired);
                }
            })
        });
        let flat = flatten(&rules);
        let (mut derived_bytes, mut fired_bytes) = (Vec::new(), Vec::new());
        // Both baselines fire the same outcomes, or the comparison means nothing.
        for values in &values {
            hand_written(&rules, values, &mut derived, &mut fired);
            hand_written_branch_free(&flat, values, &mut derived_bytes, &mut fired_bytes);
            let flat_fired: Vec<usize> =
                fired_bytes.iter().enumerate().filter(|(_, f)| **f == 1).map(|(i, _)| i).collect();
            assert_eq!(fired, flat_fired, "the branch-free baseline disagrees");
        }
        group.bench_with_input(BenchmarkId::new("hand_written_branch_free", count), &count, |b, _| {
            b.iter(|| {
                for values in &values {
                    hand_written_branch_free(
                        black_box(&flat),
                        black_box(values),
                        &mut derived_bytes,
                        &mut fired_bytes,
                    );
                    black_box(&fired_bytes);
                }
            })
        });
        // Columnar: the same kind of profiles, column by column, evaluated a
        // block at a time.
        let slots: Vec<profile::LabSlot> = (0..FIELDS)
            .map(|field| profile::LabSlot::resolve(&kb.graph.program, &format!("f{field}"), "mg/L").unwrap())
            .collect();
        let rows = self::values(COLUMNAR_POOL);
        let mut columns = infer::columnar::Columns::new(&kb.graph.program, COLUMNAR_POOL);
        for (field, slot) in slots.iter().enumerate() {
            let column: Vec<Option<f64>> = rows.iter().map(|row| Some(row[field])).collect();
            columns.lab(*slot, &column).unwrap();
        }
        let mut columnar = infer::columnar::ColumnarEvaluator::new(&kb.graph);
        group.throughput(Throughput::Elements(COLUMNAR_POOL as u64));
        group.bench_with_input(BenchmarkId::new("warrant_columnar", count), &count, |b, _| {
            b.iter(|| {
                let mut fired = 0;
                columnar
                    .run(black_box(&columns), |block| {
                        fired += block.verdict(warrant::check::RuleId(0), 0) as usize
                    })
                    .unwrap();
                black_box(fired)
            })
        });
        let explained = facts(&kb, EXPLAINED);
        group.throughput(Throughput::Elements(EXPLAINED as u64));
        group.bench_with_input(BenchmarkId::new("warrant_with_explanation", count), &count, |b, _| {
            // The facts are handed over, as `explain` hands over those it
            // read: copying them is set-up, not explaining.
            b.iter_batched(
                || explained.clone(),
                |owned| {
                    for facts in owned {
                        let evaluation = infer::evaluate(&kb.graph, black_box(facts));
                        black_box(explain::build(&evaluation, &kb.evidence));
                    }
                },
                criterion::BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

/// Reading a 50-field JSON profile and binding it to the 100-rule base, as
/// separate steps: what every profile costs before evaluation.
fn bench_bind(c: &mut Criterion) {
    let kb = compile(100);
    let sources: Vec<SourceFile> =
        synthetic::profiles(POOL, SEED).map(|line| SourceFile::new("p.json", line)).collect();
    let parsed: Vec<profile::Profile> = sources
        .iter()
        .map(|source| profile::parse(FileId(999), source, Format::Json).unwrap_or_else(|_| panic!("parses")))
        .collect();
    let mut group = c.benchmark_group("bind_50_fields");
    group.throughput(Throughput::Elements(POOL as u64));
    group.bench_function("parse_json", |b| {
        b.iter(|| {
            for source in &sources {
                black_box(profile::parse(FileId(999), black_box(source), Format::Json).is_ok());
            }
        })
    });
    group.bench_function("bind_parsed", |b| {
        b.iter(|| {
            for (profile, source) in parsed.iter().zip(&sources) {
                let written = profile::Written::file(FileId(999), source);
                black_box(
                    profile::bind(black_box(profile), &kb.graph.program, written, TODAY, &Limits::default())
                        .is_ok(),
                );
            }
        })
    });
    // The embedding path: the 50 fields resolved to slots once, each
    // profile's values set by slot.
    let slots: Vec<profile::LabSlot> = (0..FIELDS)
        .map(|field| profile::LabSlot::resolve(&kb.graph.program, &format!("f{field}"), "mg/L").unwrap())
        .collect();
    let rows = values(POOL);
    let mut builder = profile::FactsBuilder::new(&kb.graph.program, TODAY);
    group.bench_function("by_slot", |b| {
        b.iter(|| {
            for row in &rows {
                for (slot, value) in slots.iter().zip(row) {
                    builder.lab(*slot, *value).unwrap_or_else(|_| panic!("a plausible value"));
                }
                black_box(builder.finish());
            }
        })
    });
    group.finish();
}

/// `warrant batch` on 2,000 profiles of the 1,000-rule base, on one worker
/// thread and on two: JSON parsing, binding, evaluation and output.
fn bench_batch(c: &mut Criterion) {
    let kb = compile(1_000);
    let profiles: String = synthetic::profiles(2_000, SEED).map(|line| line + "\n").collect();
    let mut group = c.benchmark_group("batch_1000_rules");
    group.sample_size(10);
    group.throughput(Throughput::Elements(2_000));
    let lines: Vec<SourceFile> =
        profiles.lines().map(|line| SourceFile::new("profiles.jsonl", line.to_string())).collect();
    group.bench_function("in_process", |b| {
        let mut evaluator = infer::Evaluator::new(&kb.graph);
        b.iter(|| warrant_bench::evaluate_in_process(&kb, &lines, &mut evaluator))
    });
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let options = warrant_bench::batch_options(&pool);
        group.bench_with_input(BenchmarkId::new("threads", threads), &threads, |b, _| {
            b.iter(|| {
                let mut results = Vec::new();
                batch::run(&kb, profiles.as_bytes(), &mut results, &mut std::io::sink(), &options).unwrap();
                black_box(results)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_compile, bench_evaluate, bench_bind, bench_batch);
criterion_main!(benches);
