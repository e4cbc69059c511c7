//! Issue 17's ratios, each pair measured in the same rounds, taking
//! turns, best of several: on a shared machine whose speed drifts by tens
//! of percent from minute to minute, a ratio of two figures taken minutes
//! apart (as criterion's groups are) says more about the drift than about
//! Warrant. The absolute figures are in `cargo bench -p warrant-bench
//! --bench engine`.
//!
//! `cargo bench -p warrant-bench --bench side_by_side`; CI only type-checks
//! and lints it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    reason = "a benchmark set up wrongly should stop at once, and it reports on stdout"
)]

/// The allocator the `warrant` binary ships with: `batch` and explanations
/// are timed as users run them. (The criterion benchmarks keep the
/// system's.)
#[global_allocator]
static ALLOCATOR: warrant::Allocator = warrant::Allocator;

use std::hint::black_box;
use std::time::{Duration, Instant};

use warrant::knowledge_base;
use warrant::limits::Limits;
use warrant::profile::{self, Format};
use warrant::span::{FileId, SourceFile};
use warrant::{batch, explain, infer, synthetic};
use warrant_bench::{SEED, TODAY, compile, files};

const ROUNDS: usize = 15;

fn timed(run: impl FnOnce()) -> Duration {
    let start = Instant::now();
    run();
    start.elapsed()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// Parse + check + compile: the fastest and the median of the rounds, the
/// text made afresh before each.
fn loading() {
    for count in [10_000, 100_000] {
        let mut times: Vec<Duration> = (0..ROUNDS)
            .map(|_| {
                let files = files(count);
                let mut compiled = None;
                let time = timed(|| compiled = Some(knowledge_base::compile(files)));
                drop(black_box(compiled));
                time
            })
            .collect();
        times.sort();
        println!(
            "parse + check + compile, {count} rules: fastest {:.1} ms, median {:.1} ms",
            ms(times[0]),
            ms(times[ROUNDS / 2])
        );
    }
}

/// `warrant batch` against the same lines read, bound and evaluated in
/// process on one thread, and on one thread against two.
fn batch_against_in_process() {
    let kb = compile(1_000);
    let text: String = synthetic::profiles(2_000, SEED).map(|line| line + "\n").collect();
    let lines: Vec<SourceFile> =
        text.lines().map(|line| SourceFile::new("profiles.jsonl", line.to_string())).collect();
    let pools: Vec<rayon::ThreadPool> =
        [1, 2].iter().map(|&n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap()).collect();
    let mut best = [Duration::MAX; 3];
    // Kept between runs, as `warrant batch` writes through a buffer of a
    // fixed size: growing a fresh 3 MB vector each run timed the allocator.
    let mut results = Vec::new();
    for _ in 0..ROUNDS {
        let mut evaluator = infer::Evaluator::new(&kb.graph);
        let in_process = timed(|| warrant_bench::evaluate_in_process(&kb, &lines, &mut evaluator));
        best[0] = best[0].min(in_process);
        for (slot, pool) in best.iter_mut().skip(1).zip(&pools) {
            let options = warrant_bench::batch_options(pool);
            results.clear();
            let time = timed(|| {
                batch::run(&kb, text.as_bytes(), &mut results, &mut std::io::sink(), &options).unwrap();
            });
            black_box(&results);
            *slot = (*slot).min(time);
        }
    }
    let [in_process, one, two] = best;
    println!(
        "1,000 rules, 2,000 profiles: in process {:.1} ms; batch on 1 thread {:.1} ms ({:.2}x in process), on 2 threads {:.1} ms ({:.2}x faster than 1)",
        ms(in_process),
        ms(one),
        one.as_secs_f64() / in_process.as_secs_f64(),
        ms(two),
        one.as_secs_f64() / two.as_secs_f64()
    );
}

/// An evaluation against an evaluation with its full explanation, and the
/// explanation rendered as `explain` renders it.
fn explanation_against_evaluation() {
    for count in [100, 1_000] {
        let kb = compile(count);
        let pool: Vec<profile::Facts> = synthetic::profiles(8, SEED)
            .map(|line| {
                let source = SourceFile::new("p.json", line);
                warrant::read_profile(
                    &kb.graph.program,
                    FileId(0),
                    &source,
                    Format::Json,
                    TODAY,
                    &Limits::default(),
                )
                .unwrap()
            })
            .collect();
        let mut evaluator = infer::Evaluator::new(&kb.graph);
        let (mut evaluate, mut explained) = (Duration::MAX, Duration::MAX);
        let (mut as_json, mut as_text) = (Duration::MAX, Duration::MAX);
        for _ in 0..ROUNDS {
            evaluate = evaluate.min(timed(|| {
                for facts in &pool {
                    black_box(evaluator.run(black_box(facts)).len());
                }
            }));
            // Explaining takes the profile's facts, as `explain` hands over
            // the facts it read; copying them is not part of the work timed.
            let owned = pool.clone();
            explained = explained.min(timed(|| {
                for facts in owned {
                    let evaluation = infer::evaluate(&kb.graph, black_box(facts));
                    black_box(explain::build(&evaluation, &kb.evidence));
                }
            }));
            // What `explain --format json` and `--format text` do after
            // reading the profile: a report built is only half the work.
            for (format, best) in
                [(explain::Format::Json, &mut as_json), (explain::Format::Text, &mut as_text)]
            {
                let owned = pool.clone();
                *best = (*best).min(timed(|| {
                    for facts in owned {
                        let evaluation = infer::evaluate(&kb.graph, black_box(facts));
                        let report = explain::build(&evaluation, &kb.evidence);
                        black_box(explain::render(&report, format, false));
                    }
                }));
            }
        }
        let per_profile = |d: Duration| d.as_secs_f64() * 1e6 / pool.len() as f64;
        println!(
            "{count} rules: evaluation {:.2} us, with the full explanation {:.1} us per profile ({:.1}x); \
             built and rendered as JSON {:.1} us, as text {:.1} us",
            per_profile(evaluate),
            per_profile(explained),
            explained.as_secs_f64() / evaluate.as_secs_f64(),
            per_profile(as_json),
            per_profile(as_text),
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // then there is nothing to check but that this builds.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    loading();
    batch_against_in_process();
    explanation_against_evaluation();
}
