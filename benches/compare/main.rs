//! Speed beside the anchors: `residency analyze` and the tools a reader knows, on the same
//! capture, in the same run. Figures and how to read them: `docs/performance.md`, "Speed:
//! comparison with the anchors".
//!
//! ```text
//! cargo bench --bench compare                      # every tool, 5 interleaved rounds
//! cargo bench --bench compare -- tcpdump residency # only tools whose name contains a word
//! cargo bench --bench compare -- --gate            # the CI speed gate (gate.rs)
//! cargo bench --bench compare -- --write-baseline  # measure the gate and rewrite its baseline
//! ```
//!
//! The tools, each reading the whole capture:
//! * `tcpdump -r F -w /dev/null`: the libpcap read floor (read every record, write it nowhere);
//! * `ndpiReader -i F -q`: nDPI's flow classifier (Debian `libndpi-bin`; `-q` prints nothing);
//! * `tshark -r F -q -z conv,ip`: Wireshark's dissectors and its IP conversation table;
//! * `residency analyze -q --home SE --json OUT F`: the full analysis (names, geo, physics,
//!   the report), and `residency+flows`, the same with `--flows OUT.ndjson` (a record per flow).
//!
//! One untimed warm-up round, then R rounds; each round runs every tool once, in an order
//! rotated by one each round, so a slow phase of the machine falls on every tool alike. Each
//! run is the only child of a wrapper process (`benches/shared/child.rs`): exact peak RSS, CPU
//! time and wall time from spawn to exit. A tool that is not installed is reported missing.
//!
//! Without `--bench` (`cargo test --benches`) it runs a quick self-check on a tiny capture
//! (the machinery, the statistics and the gate's arithmetic) and measures nothing.
//!
//! Environment:
//! * `RESIDENCY_BIN`: the binary measured (default: the `residency` this `cargo bench` built).
//! * `RESIDENCY_COMPARE_CAPTURE`: the capture (a path); when unset, one is generated:
//! * `RESIDENCY_COMPARE_GEN`: `KIND SIZE` of `examples/floodgen` (default `long 500000`),
//!   cached in `<target>/bench-captures/`.
//! * `RESIDENCY_COMPARE_ROUNDS`: rounds (default 5).
//! * `RESIDENCY_COMPARE_TIMEOUT`: seconds one run may take (default 600).
//!
//! Results: a table on standard output and `<target>/bench-results/compare.json`.

#[allow(dead_code)]
#[path = "../shared/capture.rs"]
mod capture;
#[allow(dead_code)]
#[path = "../shared/child.rs"]
mod child;
mod gate;
// The bench uses the generator's library part, not its command-line names.
#[allow(dead_code)]
#[path = "../../examples/floodgen/generate.rs"]
mod generate;
mod stats;

use child::{env_or, load1, machine, num, run_self, target_dir};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// Address-space limit of one run (tshark's dissector tables are large).
const MEM_LIMIT_MIB: u64 = 16_384;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--measure-child") {
        return child::measure_child(args.get(1..).unwrap_or_default());
    }
    if !args.iter().any(|a| a == "--bench") {
        quick();
        return ExitCode::SUCCESS;
    }
    let write_baseline = args.iter().any(|a| a == "--write-baseline");
    if write_baseline || args.iter().any(|a| a == "--gate") {
        return gate::run(write_baseline);
    }
    let filters: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect();
    full(&filters)
}

/// One tool's command on a capture.
#[derive(Clone, Debug)]
pub struct Tool {
    pub name: &'static str,
    /// The program: a path, or a name looked up in `PATH`.
    pub program: String,
    pub args: Vec<String>,
    /// `--version` or the like, and which line of its output names the version.
    version_args: &'static [&'static str],
}

impl Tool {
    /// The program's full path, `None` when it is not installed.
    pub fn path(&self) -> Option<PathBuf> {
        let p = Path::new(&self.program);
        if p.components().count() > 1 {
            return p.is_file().then(|| p.to_owned());
        }
        // tcpdump is in /usr/sbin on older Debian, which a user's PATH may lack.
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
            .map(|dir| dir.join(p))
            .find(|c| c.is_file())
    }

    /// The first line of the tool's version output that names a version.
    fn version(&self) -> String {
        let Some(path) = self.path() else {
            return "missing".into();
        };
        let out = Command::new(path)
            .args(self.version_args)
            .stdin(Stdio::null())
            .output();
        let Ok(out) = out else {
            return "unknown".into();
        };
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        text.lines()
            .find(|l| l.chars().any(|c| c.is_ascii_digit()))
            .unwrap_or("unknown")
            .trim()
            .to_string()
    }
}

/// Every tool of the comparison on `capture`, writing what it writes into `out`.
pub fn tools(bin: &Path, capture: &Path, out: &Path) -> Vec<Tool> {
    let f = capture.display().to_string();
    let o = |name: &str| out.join(name).display().to_string();
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let residency = |extra: &[String]| {
        let mut a = s(&["analyze", "-q", "--home", "SE", "--json"]);
        a.push(o("residency.json"));
        a.extend_from_slice(extra);
        a.push(f.clone());
        a
    };
    vec![
        Tool {
            name: "tcpdump",
            program: "tcpdump".into(),
            args: s(&["-r", &f, "-w", "/dev/null"]),
            version_args: &["--version"],
        },
        Tool {
            name: "ndpiReader",
            program: "ndpiReader".into(),
            args: s(&["-i", &f, "-q"]),
            // nDPI 4.2 has no version option; its help starts "Welcome to nDPI 4.2.0".
            version_args: &["-h"],
        },
        Tool {
            name: "tshark",
            program: "tshark".into(),
            args: s(&["-r", &f, "-q", "-z", "conv,ip"]),
            version_args: &["--version"],
        },
        Tool {
            name: "residency",
            program: bin.display().to_string(),
            args: residency(&[]),
            version_args: &["--version"],
        },
        Tool {
            name: "residency+flows",
            program: bin.display().to_string(),
            args: residency(&["--flows".into(), o("flows.ndjson")]),
            version_args: &["--version"],
        },
    ]
}

/// The figures of one run.
#[derive(Clone, Debug)]
pub struct Run {
    pub wall_s: f64,
    pub cpu_s: f64,
    pub peak_mib: f64,
    pub outcome: String,
    pub stderr: String,
}

/// One run of `tool` under the wrapper; its standard output goes to `out/<name>.stdout`.
pub fn run_once(tool: &Tool, path: &Path, out: &Path, timeout: u64) -> Run {
    let stdout = out.join(format!("{}.stdout", tool.name));
    let mut cmd: Vec<String> = vec![
        "--measure-child".into(),
        timeout.to_string(),
        MEM_LIMIT_MIB.to_string(),
        stdout.display().to_string(),
        "--".into(),
        path.display().to_string(),
    ];
    cmd.extend(tool.args.iter().cloned());
    let refs: Vec<&str> = cmd.iter().map(String::as_str).collect();
    let f = run_self(&refs);
    Run {
        wall_s: num(&f, "wall_us") / 1e6,
        cpu_s: (num(&f, "user_us") + num(&f, "sys_us")) / 1e6,
        peak_mib: num(&f, "maxrss_kib") / 1024.0,
        outcome: f.get("outcome").cloned().unwrap_or_default(),
        stderr: f
            .get("stderr")
            .map(|e| e.replace('_', " "))
            .unwrap_or_default(),
    }
}

/// Runs of each tool: one warm-up round (not kept), then `rounds` rounds, each tool once per
/// round in an order rotated by one each round. `runs[i]` are the runs of `tools[i]`.
pub fn interleaved(
    tools: &[(Tool, PathBuf)],
    rounds: usize,
    out: &Path,
    timeout: u64,
    mut each_round: impl FnMut(usize),
) -> Vec<Vec<Run>> {
    let mut runs = vec![Vec::new(); tools.len()];
    for (tool, path) in tools {
        run_once(tool, path, out, timeout);
    }
    for round in 0..rounds {
        for i in stats::rotated(tools.len(), round) {
            let (tool, path) = &tools[i];
            runs[i].push(run_once(tool, path, out, timeout));
        }
        each_round(round);
    }
    runs
}

/// What a capture file is: bytes, packets, SHA-256.
pub fn describe_capture(path: &Path) -> Value {
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    if let Ok(mut file) = fs::File::open(path) {
        let mut buf = vec![0u8; 1 << 20];
        while let Ok(n) = file.read(&mut buf) {
            if n == 0 {
                break;
            }
            bytes += n as u64;
            hasher.update(&buf[..n]);
        }
    }
    let sha: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut packets = 0u64;
    if let Ok(mut capture) = residency::source::open(path) {
        while capture.next_packet().is_some() {
            packets += 1;
        }
    }
    json!({
        "path": path.display().to_string(),
        "bytes": bytes,
        "mb": (bytes as f64 / 1e6 * 10.0).round() / 10.0,
        "packets": packets,
        "sha256": sha,
    })
}

/// The binary measured: `RESIDENCY_BIN`, or the one this `cargo bench` built (optimised; in
/// the test profile the debug one, for the self-check).
pub fn binary() -> PathBuf {
    std::env::var_os("RESIDENCY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_residency")))
}

/// The capture to compare on, and how it was made.
fn comparison_capture() -> Result<(PathBuf, String), String> {
    if let Some(p) = std::env::var_os("RESIDENCY_COMPARE_CAPTURE") {
        let p = PathBuf::from(p);
        if !p.is_file() {
            return Err(format!(
                "RESIDENCY_COMPARE_CAPTURE={}: no such file",
                p.display()
            ));
        }
        return Ok((p.clone(), format!("file {}", p.display())));
    }
    let recipe = std::env::var("RESIDENCY_COMPARE_GEN").unwrap_or_else(|_| "long 500000".into());
    let (kind, size) = parse_recipe(&recipe)?;
    let dir = target_dir().join("bench-captures");
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (path, _) = capture::capture(&dir, kind, size);
    Ok((
        path,
        format!("floodgen v{} {} {size}", generate::VERSION, kind.name()),
    ))
}

/// `KIND SIZE` of the generator (`long 500000`).
pub fn parse_recipe(recipe: &str) -> Result<(generate::Kind, u64), String> {
    let mut words = recipe.split_whitespace();
    let kind = words.next().and_then(generate::Kind::parse);
    let size = words
        .next()
        .and_then(|n| n.replace(['_', ','], "").parse().ok());
    match (kind, size, words.next()) {
        (Some(k), Some(n), None) => Ok((k, n)),
        _ => Err(format!(
            "generator recipe {recipe:?}: expected `KIND SIZE` with a kind of examples/floodgen (e.g. `long 500000`)"
        )),
    }
}

/// A tool's figures over its runs, for the table and the JSON.
pub fn summarise(tool: &Tool, runs: &[Run]) -> Value {
    let walls: Vec<f64> = runs.iter().map(|r| r.wall_s).collect();
    let cpus: Vec<f64> = runs.iter().map(|r| r.cpu_s).collect();
    let peaks: Vec<f64> = runs.iter().map(|r| r.peak_mib).collect();
    let failed = runs.iter().find(|r| r.outcome != "exit-0");
    json!({
        "tool": tool.name,
        "command": std::iter::once(tool.program.clone()).chain(tool.args.iter().cloned()).collect::<Vec<_>>(),
        "version": tool.version(),
        "status": match failed {
            None => "ok".to_string(),
            Some(r) => format!("failed: {} {}", r.outcome, r.stderr),
        },
        "wall_s": {
            "median": stats::median(&walls),
            "min": stats::min(&walls),
            "max": stats::max(&walls),
            "runs": walls,
        },
        "cpu_s": {"median": stats::median(&cpus), "runs": cpus},
        "peak_rss_mib": {"max": stats::max(&peaks), "median": stats::median(&peaks)},
    })
}

/// Write `value` as pretty JSON to `path`, atomically (the project's output module).
pub fn write_json(path: &Path, value: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())? + "\n";
    let mut file = residency::output::AtomicFile::create(path).map_err(|e| e.to_string())?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.commit().map_err(|e| e.to_string())
}

fn full(filters: &[&str]) -> ExitCode {
    let bin = binary();
    if !bin.is_file() {
        eprintln!(
            "compare bench: {} not found (set RESIDENCY_BIN to a built residency)",
            bin.display()
        );
        return ExitCode::FAILURE;
    }
    let (path, recipe) = match comparison_capture() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("compare bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let rounds: usize = env_or("RESIDENCY_COMPARE_ROUNDS", 5).max(1);
    let timeout: u64 = env_or("RESIDENCY_COMPARE_TIMEOUT", 600);
    let results = target_dir().join("bench-results");
    let out = results.join("compare-out");
    if let Err(e) = fs::create_dir_all(&out) {
        eprintln!("compare bench: {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    let wanted = |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f));
    let all: Vec<Tool> = tools(&bin, &path, &out)
        .into_iter()
        .filter(|t| wanted(t.name))
        .collect();
    let (present, missing): (Vec<Tool>, Vec<Tool>) =
        all.into_iter().partition(|t| t.path().is_some());
    let present: Vec<(Tool, PathBuf)> = present
        .into_iter()
        .filter_map(|t| t.path().map(|p| (t, p)))
        .collect();
    let capture = describe_capture(&path);
    println!(
        "\nresidency beside the anchors: {} ({} MB, {} packets; {recipe}), {rounds} interleaved rounds",
        path.display(),
        capture["mb"],
        capture["packets"]
    );
    let load_before = load1();
    let mut loads = Vec::new();
    let runs = interleaved(&present, rounds, &out, timeout, |_| loads.push(load1()));
    let load_after = load1();
    let mut rows: Vec<Value> = present
        .iter()
        .zip(&runs)
        .map(|((t, _), r)| summarise(t, r))
        .collect();
    for t in &missing {
        rows.push(json!({"tool": t.name, "status": "missing", "command": t.args}));
    }
    let median_of = |rows: &[Value], name: &str| {
        rows.iter()
            .find(|r| r["tool"] == name && r["status"] == "ok")
            .and_then(|r| r["wall_s"]["median"].as_f64())
    };
    let floor = median_of(&rows, "tcpdump");
    let ndpi = median_of(&rows, "ndpiReader");
    for row in &mut rows {
        let m = row["wall_s"]["median"].as_f64();
        if let (Some(m), Some(fl)) = (m, floor) {
            row["to_floor"] = json!(stats::round3(m / fl));
        }
        if let (Some(m), Some(n)) = (m, ndpi) {
            row["to_ndpi"] = json!(stats::round3(m / n));
        }
    }
    println!(
        "{:<16} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8}  status",
        "tool", "median s", "min s", "max s", "cpu s", "peak MiB", "×floor", "×nDPI"
    );
    for r in &rows {
        let f = |v: &Value| v.as_f64().map_or("-".to_string(), |x| format!("{x:.3}"));
        println!(
            "{:<16} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8}  {}",
            r["tool"].as_str().unwrap_or(""),
            f(&r["wall_s"]["median"]),
            f(&r["wall_s"]["min"]),
            f(&r["wall_s"]["max"]),
            f(&r["cpu_s"]["median"]),
            r["peak_rss_mib"]["max"]
                .as_f64()
                .map_or("-".to_string(), |x| format!("{x:.1}")),
            r["to_floor"]
                .as_f64()
                .map_or("-".to_string(), |x| format!("{x:.2}")),
            r["to_ndpi"]
                .as_f64()
                .map_or("-".to_string(), |x| format!("{x:.2}")),
            r["status"].as_str().unwrap_or("")
        );
    }
    println!("load (1 min): {load_before:.2} before, {load_after:.2} after; per round {loads:?}");
    let report = json!({
        "machine": machine(),
        "binary": bin.display().to_string(),
        "capture": {"recipe": recipe, "file": capture},
        "rounds": rounds,
        "warm_up_rounds": 1,
        "load_1min": {"before": load_before, "after": load_after, "per_round": loads},
        "tools": rows,
        "residency_to_floor": median_of(&rows, "residency").zip(floor).map(|(r, f)| stats::round3(r / f)),
        "residency_to_ndpi": median_of(&rows, "residency").zip(ndpi).map(|(r, n)| stats::round3(r / n)),
    });
    let json_path = results.join("compare.json");
    if let Err(e) = write_json(&json_path, &report) {
        eprintln!("compare bench: {e}");
        return ExitCode::FAILURE;
    }
    println!("results: {}", json_path.display());
    let failed: Vec<&str> = rows
        .iter()
        .filter(|r| {
            r["status"]
                .as_str()
                .is_some_and(|s| s.starts_with("failed"))
        })
        .filter_map(|r| r["tool"].as_str())
        .collect();
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("compare bench: these tools failed: {}", failed.join(", "));
        ExitCode::FAILURE
    }
}

/// `cargo test --benches`: the whole machinery once on a tiny generated capture, with the
/// debug binary; checks what it reports, measures nothing.
fn quick() {
    let dir = std::env::temp_dir().join(format!("residency-compare-bench-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("long.pcap");
    let w = generate::write(generate::Kind::Long, 2_000, &path).expect("write capture");
    let described = describe_capture(&path);
    assert_eq!(described["packets"], 2_000);
    assert_eq!(described["bytes"], w.bytes);
    assert_eq!(described["sha256"].as_str().map(str::len), Some(64));
    let bin = binary();
    let all = tools(&bin, &path, &dir);
    assert_eq!(
        all.iter().map(|t| t.name).collect::<Vec<_>>(),
        [
            "tcpdump",
            "ndpiReader",
            "tshark",
            "residency",
            "residency+flows"
        ]
    );
    // The residency variants, one warm-up and two rounds: each ran twice and wrote its report.
    let ours: Vec<(Tool, PathBuf)> = all
        .into_iter()
        .filter(|t| t.name.starts_with("residency"))
        .map(|t| (t.clone(), bin.clone()))
        .collect();
    let mut rounds_seen = Vec::new();
    let runs = interleaved(&ours, 2, &dir, 120, |r| rounds_seen.push(r));
    assert_eq!(rounds_seen, [0, 1]);
    for (runs, (tool, _)) in runs.iter().zip(&ours) {
        assert_eq!(runs.len(), 2);
        for r in runs {
            assert_eq!(r.outcome, "exit-0", "{}: {}", tool.name, r.stderr);
            assert!(r.wall_s > 0.0 && r.peak_mib > 1.0, "{r:?}");
        }
        let row = summarise(tool, runs);
        assert_eq!(row["status"], "ok");
        assert_eq!(row["wall_s"]["runs"].as_array().map(Vec::len), Some(2));
        assert!(
            row["version"]
                .as_str()
                .is_some_and(|v| v.starts_with("residency ")),
            "{}",
            row["version"]
        );
    }
    let report: Value =
        serde_json::from_slice(&fs::read(dir.join("residency.json")).expect("report written"))
            .expect("report is JSON");
    assert_eq!(
        report["inputs"][0]["packets"], 2_000,
        "{}",
        report["inputs"]
    );
    let flows = fs::read_to_string(dir.join("flows.ndjson")).expect("flows written");
    assert_eq!(flows.lines().count() as u64, w.flows);
    // A tool that is not installed is found missing, not run.
    let absent = Tool {
        name: "absent",
        program: "residency-no-such-tool".into(),
        args: vec![],
        version_args: &[],
    };
    assert_eq!(absent.path(), None);
    assert_eq!(absent.version(), "missing");
    assert!(parse_recipe("long 5_000").is_ok_and(|(k, n)| k == generate::Kind::Long && n == 5_000));
    assert!(parse_recipe("nonsense 5").is_err());
    stats::self_check();
    gate::self_check(&dir);
    fs::remove_dir_all(&dir).expect("remove temp dir");
    println!(
        "compare bench (quick check on a tiny capture): ok; `cargo bench --bench compare` measures"
    );
}
