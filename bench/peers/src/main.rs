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

use timing::{Budget, Passes, Timing, measure};
use workload::{Workload, flat_json};

struct Args {
    sizes: Vec<usize>,
    seed: u64,
    sample: usize,
    budget: Duration,
    clips: PathBuf,
    work: PathBuf,
    out: PathBuf,
    /// Write the translations to this directory instead of running.
    emit: Option<PathBuf>,
}

const USAGE: &str = "usage: warrant-peers [--sizes 100,1000,10000] [--seed 1] [--sample 200] \
[--budget-secs 3] [--clips /usr/bin/clips] [--work DIR] [--out results.md] [--emit DIR]

--emit DIR writes each size's rules in every engine's language to DIR/<size>/ and exits.";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        sizes: vec![100, 1000, 10_000],
        seed: 1,
        sample: 200,
        budget: Duration::from_secs(3),
        clips: PathBuf::from("clips"),
        work: PathBuf::from("target/clips-work"),
        out: PathBuf::from("results.md"),
        emit: None,
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
            "--emit" => args.emit = Some(value()?.into()),
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(args)
}

/// How many distinct profiles each timed pass covers: fewer for big
/// knowledge bases, so that the slowest peer's passes stay a few seconds.
/// (CLIPS holds a whole pass's profiles in working memory at once, and its
/// cost per profile grows somewhat with their number; every engine gets
/// the same pool, so the comparison is at the same batch size.)
fn pool_size(rules: usize, sample: usize) -> usize {
    let pool = match rules {
        0..=3000 => 1000,
        _ => 200,
    };
    pool.max(sample)
}

struct Row {
    rules: usize,
    engine: &'static str,
    /// The timing, or why there is none.
    result: Result<Timing, String>,
}

const WARRANT: &str = "Warrant (`infer::Evaluator`)";
const HAND: &str = "hand-written Rust loop";
const REGORUS_VM: &str = "regorus (Rego, RVM bytecode VM)";
const REGORUS_INTERPRETER: &str = "regorus (Rego, interpreter)";
const ZEN: &str = "zen-engine (JDM expression node)";
const CLIPS: &str = "CLIPS (batch, Rete)";

/// Rounds per size: every engine is timed once per round, in turn, so a
/// slow spell of a shared machine falls on all of them rather than one.
const ROUNDS: usize = 3;

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let result = match &args.emit {
        Some(dir) => emit(&args, dir),
        None => run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// One engine ready to be timed: a round's worth of passes at a time.
struct Contender<'a> {
    name: &'static str,
    round: Box<dyn FnMut(Budget) -> Result<Passes, String> + 'a>,
    passes: Passes,
}

fn run(args: &Args) -> Result<(), String> {
    let started = Instant::now();
    let budget = Budget { cpu: args.budget / ROUNDS as u32, min_passes: 2, max_passes: 1000 };
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
        let vm = rego::Regorus::vm(&workload.rules);
        match &vm {
            Ok(_) => eprintln!("   regorus: compiled to RVM bytecode in {:.2?}", step.elapsed()),
            Err(e) => eprintln!("   regorus: cannot compile to RVM bytecode: {e}"),
        }
        let mut interpreter = rego::Regorus::interpreter(&workload.rules)?;
        let rego_inputs: Vec<regorus::Value> =
            values.iter().map(|v| rego::Regorus::input(&flat_json(v))).collect::<Result<_, _>>()?;
        let step = Instant::now();
        let zen = zen::Zen::compile(&workload.rules, workload.outcomes)?;
        let zen_inputs: Vec<zen_engine::Variable> = values.iter().map(|v| flat_json(v).into()).collect();
        eprintln!("   zen-engine: compiled in {:.2?}", step.elapsed());
        let clips = clips::Clips::new(&args.clips, &args.work.join(size.to_string()), &workload.rules)?;

        // The correctness gate: every engine fires exactly Warrant's outcomes.
        let sample = args.sample.min(pool);
        let mut evaluator = warrant.evaluator();
        let expected: Vec<Vec<usize>> =
            facts[..sample].iter().map(|f| warrant.fired(&mut evaluator, f)).collect::<Result<_, _>>()?;
        let check = |engine: &str, fired: Result<Vec<Vec<usize>>, String>, step: Instant| {
            gate(size, engine, &expected, &fired?)?;
            eprintln!("   gate: {engine} agrees on {sample} profiles ({:.2?})", step.elapsed());
            Ok::<_, String>(())
        };
        let step = Instant::now();
        check(HAND, Ok(values[..sample].iter().map(|v| hand.fired(v)).collect()), step)?;
        let mut vm = match vm {
            Ok(mut vm) => {
                let step = Instant::now();
                check(REGORUS_VM, rego_inputs[..sample].iter().map(|v| vm.fired(v.clone())).collect(), step)?;
                Ok(vm)
            }
            Err(e) => Err(e),
        };
        let step = Instant::now();
        check(REGORUS_INTERPRETER, rego_inputs[..sample].iter().map(|v| interpreter.fired(v.clone())).collect(), step)?;
        let step = Instant::now();
        let zen_fired = runtime.block_on(async {
            let mut all = Vec::with_capacity(sample);
            for input in &zen_inputs[..sample] {
                all.push(zen.fired(input.clone()).await?);
            }
            Ok::<_, String>(all)
        });
        check(ZEN, zen_fired, step)?;
        let step = Instant::now();
        check(CLIPS, clips.fired(&values[..sample]), step)?;
        let mean_fired = expected.iter().map(Vec::len).sum::<usize>() as f64 / sample as f64;
        gates.push(format!(
            "{size} rules: on {sample} profiles every peer timed below fires exactly Warrant's outcomes \
             (on average {mean_fired:.1} of {} outcomes fire per profile)",
            workload.outcomes
        ));

        // Timing: in each round every engine in turn, on this one thread.
        let mut contenders: Vec<Contender> = Vec::new();
        let mut contender = |name, round| contenders.push(Contender { name, round, passes: Passes::default() });
        contender(
            WARRANT,
            Box::new(|budget| {
                Ok(measure(budget, || (), |()| {
                    for f in &facts {
                        black_box(evaluator.run(black_box(f)));
                    }
                }))
            }),
        );
        contender(
            HAND,
            Box::new(|budget| {
                Ok(measure(budget, || (), |()| {
                    for v in values {
                        black_box(hand.run(black_box(v)));
                    }
                }))
            }),
        );
        let mut not_measured = Vec::new();
        match &mut vm {
            Ok(vm) => contender(
                REGORUS_VM,
                Box::new(|budget| {
                    Ok(measure(budget, || (), |()| {
                        for input in &rego_inputs {
                            // Reference-counted: the clone is a count increment.
                            black_box(vm.evaluate(black_box(input.clone())).ok());
                        }
                    }))
                }),
            ),
            Err(e) => not_measured.push((REGORUS_VM, e.clone())),
        }
        contender(
            REGORUS_INTERPRETER,
            Box::new(|budget| {
                Ok(measure(budget, || (), |()| {
                    for input in &rego_inputs {
                        black_box(interpreter.evaluate(black_box(input.clone())).ok());
                    }
                }))
            }),
        );
        contender(
            ZEN,
            Box::new(|budget| {
                Ok(measure(budget, || (), |()| {
                    runtime.block_on(async {
                        for input in &zen_inputs {
                            // Reference-counted too.
                            black_box(zen.evaluate(black_box(input.clone())).await.ok());
                        }
                    })
                }))
            }),
        );
        // A CLIPS round is one run of the program: load, warm-up pass, timed passes.
        contender(
            CLIPS,
            Box::new(|budget| Ok(Passes { cpu: clips.time(values, budget.min_passes)?, wall: Vec::new() })),
        );
        for round in 1..=ROUNDS {
            for c in &mut contenders {
                let step = Instant::now();
                let passes = (c.round)(budget)?;
                eprintln!("   round {round}: {} — {} passes in {:.2?}", c.name, passes.cpu.len(), step.elapsed());
                c.passes.extend(passes);
            }
        }
        for c in contenders {
            let timing = Timing::from_passes(pool, &c.passes).ok_or_else(|| format!("{}: no passes", c.name))?;
            eprintln!("   {}: {:.2} µs/profile (median of {} passes over {pool} profiles)", c.name, timing.median_us, timing.passes);
            rows.push(Row { rules: size, engine: c.name, result: Ok(timing) });
        }
        for (engine, why) in not_measured {
            rows.push(Row { rules: size, engine, result: Err(why) });
        }
    }

    let report = render(args, &rows, &gates, started.elapsed());
    print!("{report}");
    std::fs::write(&args.out, &report).map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// Writes the translations, for reading.
fn emit(args: &Args, dir: &std::path::Path) -> Result<(), String> {
    for &size in &args.sizes {
        let rules = warrant::synthetic::rules(size, args.seed);
        let dir = dir.join(size.to_string());
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let jdm = serde_json::to_string_pretty(&zen::decision(&rules)).map_err(|e| e.to_string())?;
        let files = [
            ("synthetic.warrant", warrant::synthetic::warrant_rules(&rules)),
            ("synthetic.rego", rego::policy(&rules)),
            ("decision.json", jdm),
            ("rules.clp", clips::rules_text(&rules)),
        ];
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        eprintln!("wrote {}", dir.display());
    }
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
    let _ = writeln!(out, "{}\n", environment(&args.clips));
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
        let warrant = rows
            .iter()
            .find(|r| r.rules == row.rules && r.engine == WARRANT)
            .and_then(|r| r.result.as_ref().ok())
            .map(|t| t.median_us);
        match &row.result {
            Ok(t) => {
                let ratio = warrant.map_or("–".to_string(), |w| format!("{:.2}", t.median_us / w));
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
            Err(why) => {
                let _ = writeln!(out, "| {} | {} | not measured: {why} | | | |", row.rules, row.engine);
            }
        }
    }
    out.push_str("\nCorrectness gate (before any timing):\n\n");
    for gate in gates {
        let _ = writeln!(out, "- {gate}");
    }
    let busy: Vec<String> = rows
        .iter()
        .filter_map(|r| r.result.as_ref().ok()?.wall_over_cpu.filter(|x| *x > 1.05).map(|x| format!("{} at {} rules ({x:.2})", r.engine, r.rules)))
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
fn environment(clips_binary: &std::path::Path) -> String {
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
    let clips = std::env::var("PEERS_CLIPS_VERSION").unwrap_or_else(|_| clips::Clips::version(clips_binary));
    let warrant = std::env::var("PEERS_WARRANT_REVISION").unwrap_or_else(|_| "unknown".to_string());
    format!(
        "Machine: {cores} cores ({cpu}), {memory} memory; {}.\n\
         Versions: {}; warrant {} ({warrant}); regorus {} (features `std`, `arc`, `rvm`); \
         zen-engine {}; CLIPS {clips}.",
        std::env::consts::OS,
        env!("PEERS_RUSTC_VERSION"),
        version("warrant"),
        version("regorus"),
        version("zen-engine"),
    )
}
