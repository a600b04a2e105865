//! Timing a case and reporting it: one line a case, and the same as JSON under `target/bench/`.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Throughput and latency of one side of a case.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Measured {
    /// Operations per second.
    pub(crate) rate: f64,
    /// Median latency of one operation.
    pub(crate) p50: Duration,
    /// 99th percentile latency.
    pub(crate) p99: Duration,
    /// This process's CPU time per operation (the client side: use case, ORM, driver), if the
    /// platform reports it.
    pub(crate) cpu_per_op: Option<Duration>,
}

/// The untimed start of each round of each side, while connections and caches warm up.
const WARMUP: Duration = Duration::from_millis(500);

/// How long one side of [`compare`] runs operations in `rounds` rounds of `measure`, warm-ups
/// included: what a pool of one-use inputs (a patient for each create) is sized by.
pub(crate) fn time_busy(rounds: u32, measure: Duration) -> Duration {
    (measure + WARMUP) * rounds
}

/// User + system CPU time of this process so far (Linux `/proc/self/stat`, in clock ticks of
/// 10 ms; runs of seconds make that resolution enough).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Runs both sides of a case `rounds` times, alternating (baseline, ours, baseline, …), and
/// merges each side's rounds: a disk flush or autovacuum that hits one round then weighs on both
/// sides alike. Returns (ours, baseline).
pub(crate) async fn compare<B, BF, O, OF>(
    tasks: usize,
    rounds: u32,
    measure: Duration,
    baseline: B,
    ours: O,
) -> (Measured, Measured)
where
    B: Fn(usize, u64) -> BF + Send + Sync + 'static,
    BF: Future<Output = Result<(), String>> + Send,
    O: Fn(usize, u64) -> OF + Send + Sync + 'static,
    OF: Future<Output = Result<(), String>> + Send,
{
    let (baseline, ours) = (Arc::new(baseline), Arc::new(ours));
    let warmup = WARMUP;
    let (mut b_all, mut o_all) = (Vec::new(), Vec::new());
    let (mut b_cpu, mut o_cpu) = (Some(Duration::ZERO), Some(Duration::ZERO));
    let add = |sum: Option<Duration>, before: Option<Duration>| {
        Some(sum? + cpu_time()?.checked_sub(before?)?)
    };
    for _ in 0..rounds {
        let b = Arc::clone(&baseline);
        let before = cpu_time();
        b_all.extend(run(tasks, warmup, measure, move |t, i| b(t, i)).await);
        b_cpu = add(b_cpu, before);
        let o = Arc::clone(&ours);
        let before = cpu_time();
        o_all.extend(run(tasks, warmup, measure, move |t, i| o(t, i)).await);
        o_cpu = add(o_cpu, before);
    }
    // The CPU time covers the warm-up too: scale it to the measured share of the run.
    let share = measure.as_secs_f64() / (measure + warmup).as_secs_f64();
    let total = measure * rounds;
    (
        summarize(o_all, total, o_cpu.map(|c| c.mul_f64(share))),
        summarize(b_all, total, b_cpu.map(|c| c.mul_f64(share))),
    )
}

fn summarize(mut all: Vec<Duration>, measured: Duration, cpu: Option<Duration>) -> Measured {
    all.sort_unstable();
    // Nearest-rank percentile: the `per_mille`th thousandth of the sorted latencies.
    let pick = |per_mille: usize| {
        all.get((all.len() * per_mille / 1000).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Measured {
        rate: all.len() as f64 / measured.as_secs_f64(),
        p50: pick(500),
        p99: pick(990),
        cpu_per_op: cpu.and_then(|c| c.checked_div(u32::try_from(all.len()).ok()?)),
    }
}

/// Runs `op` on `tasks` concurrent tasks for `warmup` then `measure`, and returns the latencies
/// of the operations started in the measured part. `op` gets the task number and the iteration
/// and must not fail (a failure is a bug in the benchmark, so it panics with the error).
async fn run<F, Fut>(tasks: usize, warmup: Duration, measure: Duration, op: F) -> Vec<Duration>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    let op = Arc::new(op);
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + measure;
    let mut handles = Vec::with_capacity(tasks);
    for task in 0..tasks {
        let op = Arc::clone(&op);
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = 0u64;
            loop {
                let t0 = Instant::now();
                if t0 >= end {
                    break;
                }
                if let Err(e) = op(task, i).await {
                    panic!("benchmark operation failed: {e}");
                }
                if t0 >= measure_from {
                    latencies.push(t0.elapsed());
                }
                i += 1;
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        match h.await {
            Ok(l) => all.extend(l),
            Err(e) => panic!("benchmark task failed: {e}"),
        }
    }
    all
}

/// Collects the lines of one benchmark run and writes them as JSON.
pub(crate) struct Report {
    name: &'static str,
    cases: Vec<serde_json::Value>,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl Report {
    pub(crate) fn new(name: &'static str) -> Self {
        Self {
            name,
            cases: Vec::new(),
        }
    }

    /// Prints `name case yigong=… baseline=… ratio=…% p50=… p99=…` and keeps it for the JSON.
    pub(crate) fn case(&mut self, case: &str, unit: &str, ours: Measured, baseline: Measured) {
        let ratio = 100.0 * ours.rate / baseline.rate;
        // Cases that measure no client CPU (the relay's work runs in other processes; bulk
        // imports time whole rounds) print without it, and their JSON carries `null`.
        let cpu = |m: Measured| m.cpu_per_op.map(|c| c.as_secs_f64() * 1e6);
        let cpu_fields = match (cpu(ours), cpu(baseline)) {
            (Some(o), Some(b)) => {
                format!(" client_cpu={o:.0}us/op baseline_client_cpu={b:.0}us/op")
            }
            _ => String::new(),
        };
        println!(
            "{} {case} yigong={:.0}{unit} baseline={:.0}{unit} ratio={ratio:.0}% p50={:.2}ms p99={:.2}ms baseline_p50={:.2}ms baseline_p99={:.2}ms{cpu_fields}",
            self.name,
            ours.rate,
            baseline.rate,
            ms(ours.p50),
            ms(ours.p99),
            ms(baseline.p50),
            ms(baseline.p99),
        );
        self.cases.push(serde_json::json!({
            "case": case,
            "unit": unit,
            "yigong": ours.rate,
            "baseline": baseline.rate,
            "ratio_percent": ratio,
            "p50_ms": ms(ours.p50),
            "p99_ms": ms(ours.p99),
            "baseline_p50_ms": ms(baseline.p50),
            "baseline_p99_ms": ms(baseline.p99),
            "client_cpu_us_per_op": cpu(ours),
            "baseline_client_cpu_us_per_op": cpu(baseline),
        }));
    }

    /// Prints `name case p50=… p99=… n=…` for a case with no baseline (a goal in time), and
    /// keeps it for the JSON.
    pub(crate) fn timing(&mut self, case: &str, samples: &mut [Duration]) {
        samples.sort_unstable();
        let at = |q: f64| {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss,
                reason = "an index into a short sorted list"
            )]
            let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
            samples.get(i).copied().unwrap_or_default()
        };
        let (p50, p99) = (at(0.5), at(0.99));
        println!(
            "{} {case} p50={:.2}ms p99={:.2}ms n={}",
            self.name,
            ms(p50),
            ms(p99),
            samples.len()
        );
        self.cases.push(serde_json::json!({
            "case": case,
            "p50_ms": ms(p50),
            "p99_ms": ms(p99),
            "samples": samples.len(),
        }));
    }

    /// Writes `target/bench/<name>.json` (the workspace's target directory).
    pub(crate) fn write(&self) -> std::io::Result<std::path::PathBuf> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{}.json", self.name));
        let body = serde_json::json!({
            "benchmark": self.name,
            "unix_time": time::OffsetDateTime::now_utc().unix_timestamp(),
            "cases": self.cases,
        });
        std::fs::write(&path, serde_json::to_vec_pretty(&body)?)?;
        Ok(path)
    }
}
