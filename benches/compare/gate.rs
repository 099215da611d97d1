//! The CI speed gate: does classification still cost what it cost, relative to reading?
//!
//! Absolute times differ between machines and between runs on a shared one, so the gate
//! measures a ratio in one run: the median CPU time (user + system) of `residency analyze`
//! over the median CPU time of the libpcap read floor (`tcpdump -r F -w /dev/null`), both on
//! the same generated capture, interleaved ([`RECIPE`], [`ROUNDS`] rounds after a warm-up).
//! It fails when that ratio is more than [`TOLERANCE`] above the committed baseline
//! (`benches/compare/baseline.json`). A ratio over the limit is measured once more before the
//! gate fails (a burst of load slows one attempt, rarely two); both ratios are in the message.
//!
//! CPU time, not wall time: on a shared 2-core machine under load, a one-second run waits for
//! the CPU far more than a 50 ms one, and the wall-time ratio tripled (12× quiet, 40× at load
//! 6.5) where the CPU-time ratio moved by a few percent. CPU time counts the work done, which
//! is what a slower classifier does more of. The wall-time ratio is measured and recorded
//! beside it; the full comparison (`cargo bench --bench compare`) is where wall time counts.
//!
//! `cargo bench --bench compare -- --write-baseline` measures and rewrites the baseline
//! (docs/performance.md says when that is legitimate).

use super::child::{env_or, load1, machine, target_dir};
use super::generate::{self, Kind};
use super::{Run, Tool, binary, capture, describe_capture, interleaved, stats, tools, write_json};
use serde_json::{Value, json};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The gate's capture: long enough that the floor takes tens of milliseconds (a few tens of
/// MB), deterministic, generated in seconds.
pub const RECIPE: (Kind, u64) = (Kind::Long, 300_000);
/// Rounds per attempt (`RESIDENCY_GATE_ROUNDS` overrides).
pub const ROUNDS: usize = 7;
/// How much slower than the baseline the ratio may be.
pub const TOLERANCE: f64 = 0.25;
const STATISTIC: &str = "median CPU time (user+sys) of residency analyze / median CPU time of tcpdump -r F -w /dev/null, interleaved rounds after one warm-up round";

fn baseline_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/compare/baseline.json")
}

pub fn recipe() -> String {
    format!(
        "floodgen v{} {} {}",
        generate::VERSION,
        RECIPE.0.name(),
        RECIPE.1
    )
}

/// One attempt's figures.
#[derive(Debug)]
pub struct Measured {
    /// The gate's figure: median CPU time of residency / median CPU time of the floor.
    pub ratio: f64,
    pub residency_cpu_s: f64,
    pub floor_cpu_s: f64,
    /// The same with wall times (for the record; sensitive to the machine's load).
    pub wall_ratio: f64,
    pub residency_wall_s: f64,
    pub floor_wall_s: f64,
    /// The median of the per-round CPU-time ratios, and the ratio of the fastest runs (other
    /// views of the same noise, recorded to choose the statistic on evidence).
    pub per_round_ratio: f64,
    pub min_ratio: f64,
    pub loads: Vec<f64>,
}

impl Measured {
    fn json(&self) -> Value {
        json!({
            "ratio": stats::round3(self.ratio),
            "residency_cpu_median_s": stats::round3(self.residency_cpu_s),
            "floor_cpu_median_s": stats::round3(self.floor_cpu_s),
            "per_round_ratio_median": stats::round3(self.per_round_ratio),
            "min_ratio": stats::round3(self.min_ratio),
            "wall_ratio": stats::round3(self.wall_ratio),
            "residency_wall_median_s": stats::round3(self.residency_wall_s),
            "floor_wall_median_s": stats::round3(self.floor_wall_s),
            "load_1min_per_round": self.loads,
        })
    }
}

/// The ratio of the two tools' runs (`runs[0]` the floor, `runs[1]` residency).
pub fn ratio_of(floor: &[Run], ours: &[Run], loads: Vec<f64>) -> Result<Measured, String> {
    for r in floor.iter().chain(ours) {
        if r.outcome != "exit-0" {
            return Err(format!("a run failed: {} {}", r.outcome, r.stderr));
        }
    }
    let cpu = |runs: &[Run]| stats::median(&runs.iter().map(|r| r.cpu_s).collect::<Vec<_>>());
    let wall = |runs: &[Run]| stats::median(&runs.iter().map(|r| r.wall_s).collect::<Vec<_>>());
    let per_round: Vec<f64> = ours
        .iter()
        .zip(floor)
        .map(|(o, f)| o.cpu_s / f.cpu_s)
        .collect();
    let cpu_min = |runs: &[Run]| stats::min(&runs.iter().map(|r| r.cpu_s).collect::<Vec<_>>());
    let (residency_cpu_s, floor_cpu_s) = (cpu(ours), cpu(floor));
    let (residency_wall_s, floor_wall_s) = (wall(ours), wall(floor));
    Ok(Measured {
        ratio: residency_cpu_s / floor_cpu_s,
        residency_cpu_s,
        floor_cpu_s,
        wall_ratio: residency_wall_s / floor_wall_s,
        residency_wall_s,
        floor_wall_s,
        per_round_ratio: stats::median(&per_round),
        min_ratio: cpu_min(ours) / cpu_min(floor),
        loads,
    })
}

/// Pass (`Ok`) or fail (`Err`), with the sentence that says why.
pub fn verdict(ratio: f64, baseline: &Value) -> Result<String, String> {
    let base = baseline["ratio"]
        .as_f64()
        .ok_or("the baseline has no ratio")?;
    let limit = base * (1.0 + TOLERANCE);
    let change = (ratio / base - 1.0) * 100.0;
    let line = format!(
        "residency takes {ratio:.2}× the CPU time of the libpcap read floor; baseline {base:.2}× (commit {}, {}), limit {limit:.2}× (+{:.0}%); change {change:+.0}%",
        baseline["machine"]["commit"].as_str().unwrap_or("?"),
        baseline["machine"]["date"].as_str().unwrap_or("?"),
        TOLERANCE * 100.0
    );
    if ratio.is_finite() && ratio <= limit {
        Ok(line)
    } else {
        Err(line)
    }
}

fn measure_once(pair: &[(Tool, PathBuf)], rounds: usize, out: &Path) -> Result<Measured, String> {
    let mut loads = Vec::new();
    let runs = interleaved(pair, rounds, out, 300, |_| loads.push(load1()));
    ratio_of(&runs[0], &runs[1], loads)
}

pub fn run(write_baseline: bool) -> ExitCode {
    match gate(write_baseline) {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn gate(write_baseline: bool) -> Result<String, String> {
    let fail = |m: String| format!("speed gate: FAILED: {m}");
    let bin = binary();
    if !bin.is_file() {
        return Err(fail(format!("{} not found", bin.display())));
    }
    let dir = target_dir().join("bench-captures");
    fs::create_dir_all(&dir).map_err(|e| fail(format!("{}: {e}", dir.display())))?;
    let (path, _) = capture::capture(&dir, RECIPE.0, RECIPE.1);
    let out = target_dir().join("bench-results/gate-out");
    fs::create_dir_all(&out).map_err(|e| fail(format!("{}: {e}", out.display())))?;
    let pair: Vec<(Tool, PathBuf)> = tools(&bin, &path, &out)
        .into_iter()
        .filter(|t| t.name == "tcpdump" || t.name == "residency")
        .map(|t| {
            let p = t.path();
            (t, p)
        })
        .map(|(t, p)| match p {
            Some(p) => Ok((t, p)),
            None => Err(fail(format!(
                "{} is not installed; the gate measures residency against tcpdump's read floor (Debian: apt-get install tcpdump)",
                t.program
            ))),
        })
        .collect::<Result<_, _>>()?;
    let rounds: usize = env_or("RESIDENCY_GATE_ROUNDS", ROUNDS).max(1);
    println!(
        "speed gate: {} on {} ({}), {rounds} interleaved rounds",
        bin.display(),
        path.display(),
        recipe()
    );
    let first = measure_once(&pair, rounds, &out).map_err(fail)?;
    let record = |attempts: &[&Measured]| {
        json!({
            "statistic": STATISTIC,
            "capture": recipe(),
            "capture_file": describe_capture(&path),
            "rounds": rounds,
            "tolerance": TOLERANCE,
            "ratio": stats::round3(attempts.last().map_or(f64::NAN, |m| m.ratio)),
            "attempts": attempts.iter().map(|m| m.json()).collect::<Vec<_>>(),
            "machine": machine(),
        })
    };
    let results = target_dir().join("bench-results/gate.json");
    if write_baseline {
        let record = record(&[&first]);
        write_json(&baseline_path(), &record).map_err(fail)?;
        let _ = write_json(&results, &record);
        return Ok(format!(
            "speed gate: baseline written to {}: ratio {:.2} (CPU: residency {:.3} s, tcpdump {:.3} s; wall ratio {:.2}); commit it with the reason",
            baseline_path().display(),
            first.ratio,
            first.residency_cpu_s,
            first.floor_cpu_s,
            first.wall_ratio
        ));
    }
    let text = fs::read_to_string(baseline_path()).map_err(|e| {
        fail(format!(
            "{}: {e}; write one with `cargo bench --bench compare -- --write-baseline`",
            baseline_path().display()
        ))
    })?;
    let baseline: Value = serde_json::from_str(&text)
        .map_err(|e| fail(format!("{}: {e}", baseline_path().display())))?;
    if baseline["capture"] != recipe() {
        return Err(fail(format!(
            "the baseline was measured on {} and the gate now runs on {}: ratios on different captures do not compare; rewrite the baseline (`cargo bench --bench compare -- --write-baseline`) in the commit that changes the capture",
            baseline["capture"],
            recipe()
        )));
    }
    match verdict(first.ratio, &baseline) {
        Ok(line) => {
            let _ = write_json(&results, &record(&[&first]));
            Ok(format!(
                "speed gate: ok: {line} (wall-time ratio {:.2}; load {:.1})",
                first.wall_ratio,
                load1()
            ))
        }
        Err(line) => {
            println!("speed gate: over the limit ({line}); measuring once more");
            let second = measure_once(&pair, rounds, &out).map_err(fail)?;
            let _ = write_json(&results, &record(&[&first, &second]));
            match verdict(second.ratio, &baseline) {
                Ok(line) => Ok(format!("speed gate: ok on the second attempt: {line}")),
                Err(line) => Err(fail(format!(
                    "classification slowed against reading: first attempt {:.2}×, second: {line}. If the slowdown is intended (the analysis does more), rewrite the baseline with `cargo bench --bench compare -- --write-baseline` and say why in the commit (docs/performance.md)",
                    first.ratio
                ))),
            }
        }
    }
}

/// The gate's arithmetic and baseline file, without measuring.
pub fn self_check(dir: &Path) {
    let run = |wall_s: f64| Run {
        wall_s,
        cpu_s: wall_s,
        peak_mib: 10.0,
        outcome: "exit-0".into(),
        stderr: String::new(),
    };
    let floor: Vec<Run> = [0.05, 0.04, 0.06].into_iter().map(run).collect();
    let ours: Vec<Run> = [0.5, 0.6, 0.4].into_iter().map(run).collect();
    let m = ratio_of(&floor, &ours, vec![]).expect("all ran");
    assert!((m.ratio - 10.0).abs() < 1e-9, "{m:?}");
    assert!((m.per_round_ratio - 10.0).abs() < 1e-9, "{m:?}");
    // The gate reads CPU time; wall time waits for a busy machine and is only recorded.
    let waited: Vec<Run> = ours
        .iter()
        .map(|r| Run {
            wall_s: r.wall_s * 3.0,
            ..r.clone()
        })
        .collect();
    let m = ratio_of(&floor, &waited, vec![]).expect("all ran");
    assert!(
        (m.ratio - 10.0).abs() < 1e-9 && (m.wall_ratio - 30.0).abs() < 1e-9,
        "{m:?}"
    );
    let mut failed = ours.clone();
    failed[1].outcome = "exit-1".into();
    assert!(ratio_of(&floor, &failed, vec![]).is_err());
    let baseline = json!({"ratio": 8.0, "machine": {"commit": "abc1234", "date": "2026-12-06"}});
    // 8.0 × 1.25 = 10.0: at the limit passes, above fails, and the message names both.
    assert!(verdict(10.0, &baseline).is_ok());
    let e = verdict(10.1, &baseline).unwrap_err();
    assert!(
        e.contains("10.10×") && e.contains("8.00×") && e.contains("+26%"),
        "{e}"
    );
    assert!(verdict(f64::NAN, &baseline).is_err());
    assert!(verdict(1.0, &json!({})).is_err());
    // The committed baseline is for the gate's capture, with a ratio.
    let committed: Value = serde_json::from_str(
        &fs::read_to_string(baseline_path()).expect("benches/compare/baseline.json is committed"),
    )
    .expect("the baseline is JSON");
    assert_eq!(committed["capture"], recipe());
    assert!(committed["ratio"].as_f64().is_some_and(|r| r > 1.0));
    // The record is written atomically and reads back.
    let p = dir.join("baseline.json");
    write_json(&p, &json!({"ratio": 2.5})).expect("write");
    let back: Value = serde_json::from_slice(&fs::read(&p).expect("read")).expect("JSON");
    assert_eq!(back["ratio"], 2.5);
}
