//! Warrant and its peers — regorus (Rego), zen-engine (JDM) and CLIPS — on
//! the same synthetic workload, side by side in one run.
//!
//! For each size: generate the rules and profiles with `warrant::synthetic`,
//! translate the rules for every engine, check on a sample that every engine
//! fires exactly the outcomes Warrant fires, and only then time them all.
//! Times are CPU time per profile; ratios are to Warrant in the same run.
//!
//! `bench/peers/run.sh` builds and runs this; see `BENCHMARKS.md`.

mod clips;
mod hand;
mod rego;
mod timing;
mod warrant_engine;
mod workload;
mod zen;

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use timing::{Budget, Timing, measure};
use workload::{Workload, flat_json};

struct Args {
    sizes: Vec<usize>,
    seed: u64,
    sample: usize,
    budget: Duration,
    clips: PathBuf,
    work: PathBuf,
    out: PathBuf,
}

const USAGE: &str = "usage: warrant-peers [--sizes 100,1000,10000] [--seed 1] [--sample 200] \
[--budget-secs 3] [--clips /usr/bin/clips] [--work DIR] [--out results.md]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        sizes: vec![100, 1000, 10_000],
        seed: 1,
        sample: 200,
        budget: Duration::from_secs(3),
        clips: PathBuf::from("clips"),
        work: PathBuf::from("target/clips-work"),
        out: PathBuf::from("results.md"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        let bad = |e: &dyn std::fmt::Display| format!("{flag}: {e}\n{USAGE}");
        match flag.as_str() {
            "--sizes" => {
                args.sizes = value()?.split(',').map(|s| s.trim().parse()).collect::<Result<_, _>>().map_err(|e| bad(&e))?
            }
            "--seed" => args.seed = value()?.parse().map_err(|e| bad(&e))?,
            "--sample" => args.sample = value()?.parse().map_err(|e| bad(&e))?,
            "--budget-secs" => args.budget = Duration::from_secs_f64(value()?.parse().map_err(|e| bad(&e))?),
            "--clips" => args.clips = value()?.into(),
            "--work" => args.work = value()?.into(),
            "--out" => args.out = value()?.into(),
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(args)
}

/// How many distinct profiles each timed pass covers: fewer for big
/// knowledge bases, so that the slowest peer's passes stay a few seconds.
fn pool_size(rules: usize, sample: usize) -> usize {
    let pool = match rules {
        0..=300 => 2000,
        301..=3000 => 1000,
        _ => 200,
    };
    pool.max(sample)
}

struct Row {
    rules: usize,
    engine: &'static str,
    timing: Timing,
}

const WARRANT: &str = "Warrant (`infer::evaluate`)";
const HAND: &str = "hand-written Rust loop";
const REGORUS: &str = "regorus (Rego, RVM bytecode)";
const ZEN: &str = "zen-engine (JDM expression node)";
const CLIPS: &str = "CLIPS (batch, Rete)";

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let started = Instant::now();
    let budget = Budget { cpu: args.budget, min_passes: 5, max_passes: 1000 };
    let clips_passes = 5;
    let mut rows = Vec::new();
    let mut gates = Vec::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;

    for &size in &args.sizes {
        let pool = pool_size(size, args.sample);
        eprintln!("== {size} rules, {pool} profiles (seed {})", args.seed);
        let workload = Workload::new(size, pool, args.seed)?;
        let values = &workload.profile_values;

        // Translate and compile for every engine (not timed).
        let step = Instant::now();
        let warrant = warrant_engine::Warrant::compile(&workload)?;
        let facts: Vec<_> =
            workload.profile_json.iter().enumerate().map(|(i, json)| warrant.bind(i, json)).collect::<Result<_, _>>()?;
        eprintln!("   Warrant: compiled and bound in {:.2?}", step.elapsed());
        let mut hand = hand::HandLoop::new(&workload.rules);
        let step = Instant::now();
        let mut regorus = rego::Regorus::compile(&workload.rules)?;
        let rego_inputs: Vec<regorus::Value> = values.iter().map(|v| regorus::Value::from(flat_json(v))).collect();
        eprintln!("   regorus: compiled in {:.2?}", step.elapsed());
        let step = Instant::now();
        let zen = zen::Zen::compile(&workload.rules, workload.outcomes)?;
        let zen_inputs: Vec<zen_engine::Variable> = values.iter().map(|v| flat_json(v).into()).collect();
        eprintln!("   zen-engine: compiled in {:.2?}", step.elapsed());
        let clips = clips::Clips::new(&args.clips, &args.work.join(size.to_string()), &workload.rules)?;

        // The correctness gate: every engine fires exactly Warrant's outcomes.
        let sample = args.sample.min(pool);
        let step = Instant::now();
        let expected: Vec<Vec<usize>> =
            facts[..sample].iter().map(|f| warrant.fired(f.clone())).collect::<Result<_, _>>()?;
        let hand_fired: Vec<Vec<usize>> = values[..sample].iter().map(|v| hand.fired(v)).collect();
        gate(size, HAND, &expected, &hand_fired)?;
        let rego_fired: Vec<Vec<usize>> =
            rego_inputs[..sample].iter().map(|v| regorus.fired(v.clone())).collect::<Result<_, _>>()?;
        gate(size, REGORUS, &expected, &rego_fired)?;
        let zen_fired: Vec<Vec<usize>> = runtime.block_on(async {
            let mut all = Vec::with_capacity(sample);
            for input in &zen_inputs[..sample] {
                all.push(zen.fired(input.clone()).await?);
            }
            Ok::<_, String>(all)
        })?;
        gate(size, ZEN, &expected, &zen_fired)?;
        let clips_fired = clips.fired(&values[..sample])?;
        gate(size, CLIPS, &expected, &clips_fired)?;
        let mean_fired = expected.iter().map(Vec::len).sum::<usize>() as f64 / sample as f64;
        let message = format!(
            "{size} rules: on {sample} profiles all four engines fire exactly Warrant's outcomes \
             (on average {mean_fired:.1} of {} outcomes fire per profile)",
            workload.outcomes
        );
        eprintln!("   gate passed in {:.2?}: {message}", step.elapsed());
        gates.push(message);

        // Timing, one engine after another on the same thread.
        let mut time = |engine: &'static str, timing: Timing| {
            eprintln!(
                "   {engine}: {:.2} µs/profile (median of {} passes over {} profiles)",
                timing.median_us, timing.passes, timing.profiles
            );
            rows.push(Row { rules: size, engine, timing });
        };
        // `evaluate` takes the facts by value: each pass gets fresh clones, made untimed.
        time(
            WARRANT,
            measure(pool, budget, || facts.clone(), |facts| {
                for f in facts {
                    black_box(warrant.evaluate(black_box(f)));
                }
            }),
        );
        time(
            HAND,
            measure(pool, budget, || (), |()| {
                for v in values {
                    black_box(hand.run(black_box(v)));
                }
            }),
        );
        time(
            REGORUS,
            measure(pool, budget, || (), |()| {
                for input in &rego_inputs {
                    // The input is reference-counted: the clone is a count increment.
                    black_box(regorus.evaluate(black_box(input.clone())).ok());
                }
            }),
        );
        time(
            ZEN,
            measure(pool, budget, || (), |()| {
                runtime.block_on(async {
                    for input in &zen_inputs {
                        // Reference-counted too.
                        black_box(zen.evaluate(black_box(input.clone())).await.ok());
                    }
                })
            }),
        );
        let clips_seconds = clips.time(values, clips_passes)?;
        time(CLIPS, Timing::from_passes(pool, &clips_seconds, None));
    }

    let report = render(args, &rows, &gates, started.elapsed());
    print!("{report}");
    std::fs::write(&args.out, &report).map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// Compares one engine's fired sets with Warrant's; the first difference is
/// an error, so a mismatching engine is never timed.
fn gate(size: usize, engine: &str, expected: &[Vec<usize>], actual: &[Vec<usize>]) -> Result<(), String> {
    if expected.len() != actual.len() {
        return Err(format!("{engine} at {size} rules: {} results for {} profiles", actual.len(), expected.len()));
    }
    for (profile, (want, got)) in expected.iter().zip(actual).enumerate() {
        if want != got {
            let missing: Vec<String> = want.iter().filter(|o| !got.contains(o)).map(|o| format!("o{o}")).collect();
            let extra: Vec<String> = got.iter().filter(|o| !want.contains(o)).map(|o| format!("o{o}")).collect();
            return Err(format!(
                "correctness gate failed: {engine} at {size} rules, profile p{profile}: \
                 fires {} outcomes, Warrant fires {}; missing [{}], extra [{}]",
                got.len(),
                want.len(),
                missing.join(", "),
                extra.join(", ")
            ));
        }
    }
    Ok(())
}

fn render(args: &Args, rows: &[Row], gates: &[String], elapsed: Duration) -> String {
    let mut out = String::from("# Warrant and its peers on the synthetic workload\n\n");
    let _ = writeln!(out, "{}\n", environment());
    let _ = writeln!(
        out,
        "Seed {}; rules and profiles from `warrant::synthetic`. Times are CPU time per profile \
         (median over passes), single thread; \"× Warrant\" is that time divided by Warrant's at \
         the same size in this run (above 1 is slower than Warrant).\n",
        args.seed
    );
    out.push_str("| rules | engine | µs per profile (median) | fastest – slowest pass | × Warrant | profiles × passes |\n");
    out.push_str("|---:|---|---:|---:|---:|---:|\n");
    for row in rows {
        let warrant = rows.iter().find(|r| r.rules == row.rules && r.engine == WARRANT).map(|r| r.timing.median_us);
        let ratio = warrant.map_or("–".to_string(), |w| format!("{:.2}", row.timing.median_us / w));
        let t = &row.timing;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} – {} | {} | {} × {} |",
            row.rules,
            row.engine,
            fmt_us(t.median_us),
            fmt_us(t.min_us),
            fmt_us(t.max_us),
            ratio,
            t.profiles,
            t.passes
        );
    }
    out.push_str("\nCorrectness gate (before any timing):\n\n");
    for gate in gates {
        let _ = writeln!(out, "- {gate}");
    }
    let busy: Vec<String> = rows
        .iter()
        .filter_map(|r| r.timing.wall_over_cpu.filter(|x| *x > 1.05).map(|x| format!("{} at {} rules ({x:.2})", r.engine, r.rules)))
        .collect();
    out.push('\n');
    if busy.is_empty() {
        out.push_str("Wall time stayed within 5% of CPU time for every in-process measurement (the core was not shared).\n");
    } else {
        let _ = writeln!(
            out,
            "Wall time exceeded CPU time by more than 5% for: {} — the machine was busy; CPU times are less affected, but rerun on an idle machine.",
            busy.join("; ")
        );
    }
    let _ = writeln!(out, "\nWhole run (translation, gate and timing): {:.0} s.", elapsed.as_secs_f64());
    out
}

fn fmt_us(us: f64) -> String {
    if us >= 100.0 {
        format!("{us:.0}")
    } else if us >= 10.0 {
        format!("{us:.1}")
    } else {
        format!("{us:.2}")
    }
}

/// The machine and the versions, for the report.
fn environment() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_string()))
        .unwrap_or_else(|| "unknown".to_string());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or("unknown".to_string(), |kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0));
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let lock = include_str!("../Cargo.lock");
    let version = |name: &str| {
        let marker = format!("name = \"{name}\"\nversion = \"");
        lock.find(&marker)
            .and_then(|at| lock[at + marker.len()..].split('"').next())
            .unwrap_or("unknown")
            .to_string()
    };
    let clips = std::env::var("PEERS_CLIPS_VERSION").unwrap_or_else(|_| "unknown".to_string());
    let warrant = std::env::var("PEERS_WARRANT_REVISION").unwrap_or_else(|_| "unknown".to_string());
    format!(
        "Machine: {cores} cores ({cpu}), {memory} memory; {}.\n\
         Versions: {}; warrant {} ({warrant}); regorus {} (features `std`, `rvm`); \
         zen-engine {}; CLIPS {clips}.",
        std::env::consts::OS,
        env!("PEERS_RUSTC_VERSION"),
        version("warrant"),
        version("regorus"),
        version("zen-engine"),
    )
}
