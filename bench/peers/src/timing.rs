//! Timing: passes over a pool of profiles, measured in CPU time of the
//! measuring thread (CLIPS measures its own process's CPU time, so every
//! engine is measured the same way, and a busy machine inflates the numbers
//! less than it would wall time). Wall time is kept alongside, to show when
//! the machine was not idle.

use std::time::{Duration, Instant};

/// CPU time consumed by the calling thread.
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// CPU (and, in process, wall) seconds of each timed pass over the pool.
#[derive(Debug, Clone, Default)]
pub struct Passes {
    pub cpu: Vec<f64>,
    /// Empty when only CPU time is known (CLIPS).
    pub wall: Vec<f64>,
}

impl Passes {
    pub fn extend(&mut self, other: Passes) {
        self.cpu.extend(other.cpu);
        self.wall.extend(other.wall);
    }
}

/// One engine's result for one size.
#[derive(Debug, Clone)]
pub struct Timing {
    /// Median over passes of CPU time per profile, in microseconds.
    pub median_us: f64,
    /// Fastest and slowest pass, per profile, in microseconds.
    pub min_us: f64,
    pub max_us: f64,
    pub profiles: usize,
    pub passes: usize,
    /// Wall time over CPU time for the timed passes; near 1 on an idle core.
    pub wall_over_cpu: Option<f64>,
}

impl Timing {
    pub fn from_passes(profiles: usize, passes: &Passes) -> Option<Timing> {
        let mut per_profile: Vec<f64> = passes.cpu.iter().map(|s| s * 1e6 / profiles as f64).collect();
        per_profile.sort_by(f64::total_cmp);
        let n = per_profile.len();
        if n == 0 {
            return None;
        }
        let median = if n % 2 == 1 {
            per_profile[n / 2]
        } else {
            (per_profile[n / 2 - 1] + per_profile[n / 2]) / 2.0
        };
        let wall_over_cpu = (passes.wall.len() == n)
            .then(|| passes.wall.iter().sum::<f64>() / passes.cpu.iter().sum::<f64>());
        Some(Timing { median_us: median, min_us: per_profile[0], max_us: per_profile[n - 1], profiles, passes: n, wall_over_cpu })
    }
}

/// How long to measure an engine in one round.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Keep making passes until this much CPU time has been measured…
    pub cpu: Duration,
    /// …but make at least this many passes, and at most this many.
    pub min_passes: usize,
    pub max_passes: usize,
}

/// One untimed warm-up pass, then timed passes. `setup` prepares a pass's
/// inputs (not timed); `pass` runs every profile of the pool once.
pub fn measure<S>(budget: Budget, mut setup: impl FnMut() -> S, mut pass: impl FnMut(S)) -> Passes {
    pass(setup());
    let mut passes = Passes::default();
    let mut total = Duration::ZERO;
    while passes.cpu.len() < budget.max_passes && (passes.cpu.len() < budget.min_passes || total < budget.cpu) {
        let input = setup();
        let (cpu0, wall0) = (thread_cpu(), Instant::now());
        pass(input);
        let (spent, elapsed) = (thread_cpu() - cpu0, wall0.elapsed());
        total += spent;
        passes.cpu.push(spent.as_secs_f64());
        passes.wall.push(elapsed.as_secs_f64());
    }
    passes
}
