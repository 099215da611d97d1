//! Memory of the whole program on captures that stress it: peak RSS of `residency analyze` on
//! a flood of distinct TCP flows and on long captures with few concurrent flows, and the bytes
//! an open flow costs in the flow table. Figures and how to read them: `docs/performance.md`.
//!
//! ```text
//! cargo build --release                    # the binary measured (or set RESIDENCY_BIN)
//! cargo bench --bench memory               # every scenario (captures are cached)
//! cargo bench --bench memory -- flood      # only scenarios whose name contains "flood"
//! ```
//!
//! Without `--bench` (`cargo test --benches`) it runs a quick self-check on tiny captures and
//! needs no release binary.
//!
//! Peak RSS of a child process is measured exactly by the kernel: this benchmark re-executes
//! itself as a wrapper (`--measure-child`) that spawns `residency`, waits for it, and reads
//! `getrusage(RUSAGE_CHILDREN).ru_maxrss` (the wrapper's only child, so the figure is that
//! child's high-water mark, including the pages of the embedded geo data it touched). The
//! wrapper also enforces a time limit and an address-space limit (`RLIMIT_AS`), so a scenario
//! that would exhaust the machine fails alone. The in-process figures (bytes per flow, per-
//! packet latency) also run in a fresh copy of this program each, so no earlier allocation
//! skews them; they read `VmRSS` from `/proc/self/status`.
//!
//! Environment:
//! * `RESIDENCY_BIN`: the binary to measure (default `<target>/release/residency`).
//! * `RESIDENCY_BENCH_FLOOD_FLOWS`: flows of the floods (default 2,000,000).
//! * `RESIDENCY_BENCH_LONG_PACKETS`: lengths of the long captures (default
//!   `1000000,2000000,4000000`).
//! * `RESIDENCY_BENCH_FRAGMENTS`, `RESIDENCY_BENCH_DNS_NAMES`, `RESIDENCY_BENCH_CLIENTHELLOS`,
//!   `RESIDENCY_BENCH_QUIC_CIDS`: N of the hostile floods (`hostile.rs`; defaults 2,000,000,
//!   2,000,000, 1,000,000, 2,000,000). Their scenarios (names starting `hostile`) write the JSON
//!   report, check its eviction counters and the peak RSS against a ceiling derived from the
//!   named caps, and make the benchmark fail (exit 1) when either is off.
//! * `RESIDENCY_BENCH_TIMEOUT`: seconds a scenario may run (default 600).
//! * `RESIDENCY_BENCH_MEM_LIMIT_MIB`: address-space limit of a scenario (default 12288).
//!
//! Captures go to `<target>/bench-captures/` (reused while the generator version, kind and
//! size match); results to `<target>/bench-results/memory.json` and one terminal summary per
//! scenario beside it.

// The bench uses the generator's library part, not its command-line names.
#[allow(dead_code)]
#[path = "../shared/capture.rs"]
mod capture;
#[allow(dead_code)]
#[path = "../shared/child.rs"]
mod child;
#[allow(dead_code)]
#[path = "../../examples/floodgen/generate.rs"]
mod generate;
mod hostile;

use capture::capture;
use child::{arg, env_or, machine, num, run_self, target_dir};
use generate::Kind;
use hdrhistogram::Histogram;
use residency::analyze::{self, Analyzer, Options, Stages};
use residency::decode::{self, TcpFlags};
use residency::flow::{Endpoint, FlowTable, PacketMeta, PacketRef, Timeouts};
use residency::timestamp::Timestamp;
use serde_json::{Value, json};
use std::fs;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Instant, SystemTime};

const MIB: f64 = 1024.0 * 1024.0;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("--measure-child") => return child::measure_child(rest),
        Some("--table-bytes") => return helper(|| table_bytes(rest)),
        Some("--pipeline-bytes") => return helper(|| pipeline_bytes(rest)),
        Some("--latency") => return helper(|| latency(rest)),
        _ => {}
    }
    let filters: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect();
    if args.iter().any(|a| a == "--bench") {
        full(&filters)
    } else {
        quick();
        ExitCode::SUCCESS
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers run as child processes of this benchmark. Each prints one line of `key=value` pairs.

fn helper(f: impl FnOnce() -> Result<String, String>) -> ExitCode {
    match f() {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("memory bench helper: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `VmRSS` or `VmHWM` of this process, in bytes.
fn proc_status_bytes(field: &str) -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

fn rss() -> u64 {
    proc_status_bytes("VmRSS")
}

/// The SYN of the `i`-th distinct flow: inside client to a distinct public server.
fn syn(i: u64) -> PacketMeta {
    let j = u32::try_from(i).expect("fewer than 2^32 flows");
    PacketMeta {
        ts: Timestamp::from_nanos(1_772_442_000_000_000_000 + i as i64 * 10_000),
        protocol: 6,
        src: Endpoint {
            ip: IpAddr::V4(Ipv4Addr::from(0x0a00_0000 | (j & 0x00ff_ffff))),
            port: 1024 + (j >> 24) as u16,
        },
        dst: Endpoint {
            ip: IpAddr::V4(Ipv4Addr::from(0x3400_0000u32.wrapping_add(j))),
            port: 443,
        },
        has_ports: true,
        ip_len: 60,
        payload_len: 0,
        tcp_flags: Some(TcpFlags(TcpFlags::SYN)),
        seq: j,
        ack: 0,
        fragment: false,
        at: PacketRef {
            input: 0,
            number: i + 1,
        },
    }
}

/// `--table-bytes K`: RSS growth of a `FlowTable` holding K open flows, per flow.
fn table_bytes(args: &[String]) -> Result<String, String> {
    let k: u64 = arg(args, 0, "flows")?;
    let packets: Vec<PacketMeta> = (0..k).map(syn).collect();
    let before = rss();
    let mut table = FlowTable::new(k as usize, Timeouts::default());
    for p in &packets {
        table.add(p);
    }
    let after = rss();
    if table.active_len() as u64 != k {
        return Err(format!("{} flows open, {k} expected", table.active_len()));
    }
    drop(table);
    Ok(format!(
        "flows={k} rss_growth={} bytes_per_flow={:.1} slab_entry={} index_entry={}",
        after.saturating_sub(before),
        after.saturating_sub(before) as f64 / k as f64,
        FlowTable::SLAB_ENTRY_BYTES,
        FlowTable::INDEX_ENTRY_BYTES
    ))
}

/// `--pipeline-bytes CAPTURE FLOWS`: RSS growth of the whole per-packet pipeline (flow table,
/// fragments, names, round trips) after reading a flood of FLOWS distinct flows, none closed,
/// per flow.
fn pipeline_bytes(args: &[String]) -> Result<String, String> {
    let path = PathBuf::from(args.first().ok_or("capture missing")?);
    let k: u64 = arg(args, 1, "flows")?;
    let options = Options {
        max_flows: k as usize,
        ..Options::default()
    };
    let capture = residency::source::open(&path).map_err(|e| e.to_string())?;
    let tables = residency::analyze::collect::Embedded::load(Some("SE"))?;
    let ctx = tables.context(&options);
    let before = rss();
    let mut analyzer = Analyzer::new(ctx, 10);
    let mut sink = residency::analyze::collect::Collect::default();
    analyzer
        .read(&path, None, capture, &mut sink, &mut |_| None)
        .map_err(|e| e.to_string())?;
    let after = rss();
    std::hint::black_box(&analyzer);
    Ok(format!(
        "flows={k} rss_growth={} bytes_per_flow={:.1}",
        after.saturating_sub(before),
        after.saturating_sub(before) as f64 / k as f64
    ))
}

/// `--latency CAPTURE MAX_FLOWS`: decode + count time of each packet, as a distribution.
fn latency(args: &[String]) -> Result<String, String> {
    let path = PathBuf::from(args.first().ok_or("capture missing")?);
    let max_flows: usize = arg(args, 1, "max flows")?;
    let options = Options {
        max_flows,
        ..Options::default()
    };
    let mut stages = Stages::new(&options);
    let mut capture = residency::source::open(&path).map_err(|e| e.to_string())?;
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap();
    let (mut packets, mut decoded) = (0u64, 0u64);
    let start = Instant::now();
    while let Some(p) = capture.next_packet() {
        let t = Instant::now();
        packets += 1;
        let missing = p.wire_len.saturating_sub(p.data.len() as u32);
        if let Ok(d) = decode::decode(p.link_type, p.data, missing) {
            decoded += 1;
            let at = PacketRef {
                input: 0,
                number: p.number,
            };
            analyze::count(&d, p.ts, at, &mut stages);
        }
        hist.saturating_record((t.elapsed().as_nanos() as u64).max(1));
    }
    let total = start.elapsed();
    Ok(format!(
        "packets={packets} decoded={decoded} open={} total_us={} p50_ns={} p99_ns={} p999_ns={} p9999_ns={} max_ns={} rss_end={}",
        stages.table.active_len(),
        total.as_micros(),
        hist.value_at_quantile(0.5),
        hist.value_at_quantile(0.99),
        hist.value_at_quantile(0.999),
        hist.value_at_quantile(0.9999),
        hist.max(),
        rss()
    ))
}

// ---------------------------------------------------------------------------------------------
// The driver.

/// The newest modification time of any file under `dir`.
fn newest(dir: &Path) -> Option<SystemTime> {
    let mut best = None;
    for entry in fs::read_dir(dir).ok()?.flatten() {
        let t = if entry.file_type().ok()?.is_dir() {
            newest(&entry.path())
        } else {
            entry.metadata().ok()?.modified().ok()
        };
        best = best.max(t);
    }
    best
}

/// One run of the binary.
struct Scenario {
    name: String,
    capture: PathBuf,
    written: generate::Written,
    args: Vec<String>,
    /// A hostile flood and its N: the report is written and checked (`hostile.rs`).
    flood: Option<(Kind, u64)>,
}

fn full(filters: &[&str]) -> ExitCode {
    let target = target_dir();
    let bin = std::env::var_os("RESIDENCY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| target.join("release/residency"));
    if !bin.exists() {
        eprintln!(
            "memory bench: {} not found: run `cargo build --release` first (or set RESIDENCY_BIN)",
            bin.display()
        );
        return ExitCode::FAILURE;
    }
    let built = fs::metadata(&bin).and_then(|m| m.modified()).ok();
    if built < newest(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")) {
        eprintln!(
            "memory bench: warning: {} is older than src/: run `cargo build --release` first",
            bin.display()
        );
    }
    let captures = target.join("bench-captures");
    let results = target.join("bench-results");
    fs::create_dir_all(&captures).expect("create bench-captures");
    fs::create_dir_all(&results).expect("create bench-results");
    let flood_flows: u64 = env_or("RESIDENCY_BENCH_FLOOD_FLOWS", 2_000_000);
    let long_packets: Vec<u64> = std::env::var("RESIDENCY_BENCH_LONG_PACKETS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000_000, 2_000_000, 4_000_000]);
    let timeout: u64 = env_or("RESIDENCY_BENCH_TIMEOUT", 600);
    let mem_limit: u64 = env_or("RESIDENCY_BENCH_MEM_LIMIT_MIB", 12_288);
    let wanted = |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f));

    let mut scenarios = Vec::new();
    let home = ["--home".to_string(), "SE".to_string()];
    let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/teams-like.pcap");
    if wanted("baseline") && tiny.exists() {
        scenarios.push(Scenario {
            name: "baseline (teams-like.pcap, 22 packets)".into(),
            capture: tiny,
            written: generate::Written {
                packets: 22,
                flows: 4,
                bytes: 0,
                span_us: 0,
            },
            args: home.to_vec(),
            flood: None,
        });
    }
    for (kind, label) in [
        (Kind::Flood, "flood"),
        (Kind::FloodFewRemotes, "flood-few-remotes"),
    ] {
        for max in [Some(100_000), None] {
            let name = match max {
                Some(m) => format!("{label} {flood_flows} --max-flows {m}"),
                None => format!("{label} {flood_flows}"),
            };
            if !wanted(&name) {
                continue;
            }
            let (capture, written) = capture(&captures, kind, flood_flows);
            let mut args = home.to_vec();
            if let Some(m) = max {
                args.extend(["--max-flows".to_string(), m.to_string()]);
            }
            scenarios.push(Scenario {
                name,
                capture,
                written,
                args,
                flood: None,
            });
        }
    }
    for &n in &long_packets {
        let name = format!("long {n} packets");
        if wanted(&name) {
            let (capture, written) = capture(&captures, Kind::Long, n);
            scenarios.push(Scenario {
                name,
                capture,
                written,
                args: home.to_vec(),
                flood: None,
            });
        }
    }
    for flood in &hostile::FLOODS {
        let n: u64 = env_or(flood.env, flood.default);
        let name = format!("hostile {} {n}", flood.kind.name());
        if wanted(&name) {
            let (capture, written) = capture(&captures, flood.kind, n);
            scenarios.push(Scenario {
                name,
                capture,
                written,
                args: home.to_vec(),
                flood: Some((flood.kind, n)),
            });
        }
    }

    println!(
        "\nresidency memory benchmark: {} (limits: {timeout} s, {mem_limit} MiB address space)",
        bin.display()
    );
    println!(
        "{:<44} {:>9} {:>9} {:>11} {:>9} {:>8} {:>8}  outcome",
        "scenario", "packets", "flows", "capture MB", "peak MiB", "wall s", "cpu s"
    );
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for s in &scenarios {
        let slug: String = s
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let summary = results.join(format!("{slug}.txt"));
        // A flood's report is read for its counters, then removed (millions of flow lines).
        let json_path = results.join(format!("{slug}.json"));
        let json_arg = match s.flood {
            Some(_) => json_path.display().to_string(),
            None => "/dev/null".into(),
        };
        let mut cmd: Vec<String> = vec![
            "--measure-child".into(),
            timeout.to_string(),
            mem_limit.to_string(),
            summary.display().to_string(),
            "--".into(),
            bin.display().to_string(),
            "analyze".into(),
            "--json".into(),
            json_arg,
        ];
        cmd.extend(s.args.iter().cloned());
        cmd.push(s.capture.display().to_string());
        let refs: Vec<&str> = cmd.iter().map(String::as_str).collect();
        let f = run_self(&refs);
        let peak = num(&f, "maxrss_kib") * 1024.0;
        let wall = num(&f, "wall_us") / 1e6;
        let cpu = (num(&f, "user_us") + num(&f, "sys_us")) / 1e6;
        let outcome = f.get("outcome").cloned().unwrap_or_default();
        let headline = fs::read_to_string(&summary)
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        println!(
            "{:<44} {:>9} {:>9} {:>11.0} {:>9.1} {:>8.1} {:>8.1}  {outcome}{}",
            s.name,
            s.written.packets,
            s.written.flows,
            s.written.bytes as f64 / 1e6,
            peak / MIB,
            wall,
            cpu,
            match f.get("stderr").map(String::as_str) {
                Some("") | None => String::new(),
                Some(e) => format!(" ({})", e.replace('_', " ")),
            }
        );
        let mut hostile = Value::Null;
        if let Some((kind, n)) = s.flood {
            let terms = hostile::ceiling(kind, n);
            let ceiling = hostile::ceiling_bytes(&terms);
            let mut fails = Vec::new();
            let mut counters = Value::Null;
            if outcome != "exit-0" {
                fails.push(format!("the run ended {outcome}"));
            }
            match hostile::summary_of(&json_path) {
                Ok(summary) => {
                    fails.extend(hostile::check(kind, n, &summary));
                    counters = hostile::counters(kind, &summary);
                }
                Err(e) => fails.push(e),
            }
            let _ = fs::remove_file(&json_path);
            // A NaN peak (the figure missing) fails too.
            if peak.is_nan() || peak > ceiling {
                fails.push(format!(
                    "peak RSS {:.1} MiB above the ceiling {:.1} MiB",
                    peak / MIB,
                    ceiling / MIB
                ));
            }
            println!("    counters: {counters}");
            println!("    ceiling {:.1} MiB =", ceiling / MIB);
            for (what, bytes) in &terms {
                println!("      {:>8.1} MiB  {what}", bytes / MIB);
            }
            if fails.is_empty() {
                println!("    met: yes");
            } else {
                for f in &fails {
                    println!("    FAILED: {f}");
                }
                failed.push(s.name.clone());
            }
            hostile = json!({
                "n": n,
                "counters": counters,
                "ceiling_mib": (ceiling / MIB * 10.0).round() / 10.0,
                "ceiling_terms": terms.iter().map(|(w, b)| json!({"term": w, "mib": (b / MIB * 10.0).round() / 10.0})).collect::<Vec<_>>(),
                "met": fails.is_empty(),
                "failures": fails,
            });
        }
        rows.push(json!({
            "scenario": s.name,
            "capture": s.capture.file_name().map(|n| n.to_string_lossy().into_owned()),
            "packets": s.written.packets,
            "flows": s.written.flows,
            "capture_bytes": s.written.bytes,
            "capture_span_s": s.written.span_us as f64 / 1e6,
            "args": s.args,
            "peak_rss_bytes": peak,
            "peak_rss_mib": (peak / MIB * 10.0).round() / 10.0,
            "wall_s": wall,
            "cpu_s": cpu,
            "outcome": outcome,
            "summary_headline": headline,
            "hostile": hostile,
        }));
    }

    let mut table = Vec::new();
    if wanted("table") {
        println!("\nflow table, in process (RSS growth / open flows):");
        for k in [100_000u64, 1_000_000] {
            let f = run_self(&["--table-bytes", &k.to_string()]);
            println!(
                "  {k:>9} open flows: {:>6.1} B/flow  (stored: slab entry {} B + index entry {} B)",
                num(&f, "bytes_per_flow"),
                num(&f, "slab_entry"),
                num(&f, "index_entry")
            );
            table.push(json!({
                "open_flows": k,
                "rss_growth_bytes": num(&f, "rss_growth"),
                "bytes_per_flow": num(&f, "bytes_per_flow"),
                "slab_entry_bytes": num(&f, "slab_entry"),
                "index_entry_bytes": num(&f, "index_entry"),
            }));
        }
    }
    let mut pipeline = Value::Null;
    if wanted("pipeline") {
        let (path, w) = capture(&captures, Kind::Flood, flood_flows);
        let f = run_self(&[
            "--pipeline-bytes",
            &path.display().to_string(),
            &w.flows.to_string(),
        ]);
        println!(
            "  whole per-packet pipeline, {} open SYN-only flows: {:.1} B/flow",
            w.flows,
            num(&f, "bytes_per_flow")
        );
        pipeline = json!({
            "open_flows": w.flows,
            "rss_growth_bytes": num(&f, "rss_growth"),
            "bytes_per_flow": num(&f, "bytes_per_flow"),
        });
    }
    let mut latencies = Vec::new();
    if wanted("latency") {
        println!("\nper-packet decode + count, in process (HdrHistogram; includes ~20 ns timer):");
        let long_first = long_packets.first().copied();
        let mut runs = vec![(Kind::Flood, flood_flows, 100_000usize)];
        if let Some(n) = long_first {
            runs.push((Kind::Long, n, analyze::DEFAULT_MAX_FLOWS));
        }
        for (kind, size, max) in runs {
            let (path, _) = capture(&captures, kind, size);
            let f = run_self(&["--latency", &path.display().to_string(), &max.to_string()]);
            let name = format!("{} {size} --max-flows {max}", kind.name());
            println!(
                "  {name:<40} p50 {:>6} ns  p99 {:>7} ns  p99.9 {:>8} ns  p99.99 {:>9} ns  max {:>11} ns  ({:.2} Mpackets/s)",
                num(&f, "p50_ns"),
                num(&f, "p99_ns"),
                num(&f, "p999_ns"),
                num(&f, "p9999_ns"),
                num(&f, "max_ns"),
                num(&f, "packets") / num(&f, "total_us"),
            );
            latencies.push(json!({
                "run": name,
                "packets": num(&f, "packets"),
                "p50_ns": num(&f, "p50_ns"),
                "p99_ns": num(&f, "p99_ns"),
                "p99_9_ns": num(&f, "p999_ns"),
                "p99_99_ns": num(&f, "p9999_ns"),
                "max_ns": num(&f, "max_ns"),
                "total_s": num(&f, "total_us") / 1e6,
            }));
        }
    }

    let report = json!({
        "machine": machine(),
        "binary": bin.display().to_string(),
        "limits": {"timeout_s": timeout, "address_space_mib": mem_limit},
        "scenarios": rows,
        "flow_table": table,
        "pipeline_open_flows": pipeline,
        "latency": latencies,
    });
    let out = results.join("memory.json");
    fs::write(&out, serde_json::to_string_pretty(&report).unwrap() + "\n")
        .expect("write memory.json");
    println!("\nresults: {}", out.display());
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("memory bench: failed: {}", failed.join(", "));
        ExitCode::FAILURE
    }
}

/// Each hostile flood at a tiny size through the binary of this build: the report's counters
/// as `hostile::check` wants them (evictions where the tiny size reaches a cap).
fn quick_floods(dir: &Path) {
    let bin = env!("CARGO_BIN_EXE_residency");
    for flood in &hostile::FLOODS {
        let (kind, n) = (flood.kind, flood.quick);
        let path = dir.join(format!("{}.pcap", kind.name()));
        let w = generate::write(kind, n, &path).expect("write capture");
        assert_eq!(w.flows, n);
        let json_path = dir.join(format!("{}.json", kind.name()));
        let out = Command::new(bin)
            .args(["analyze", "-q", "--home", "SE", "--json"])
            .arg(&json_path)
            .arg(&path)
            .stdout(Stdio::null())
            .output()
            .expect("run residency");
        assert!(
            out.status.success(),
            "{kind:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let summary = hostile::summary_of(&json_path).expect("report summary");
        // The tail read agrees with the whole report.
        let whole: Value =
            serde_json::from_slice(&fs::read(&json_path).unwrap()).expect("report is JSON");
        assert_eq!(whole["summary"], summary);
        let fails = hostile::check(kind, n, &summary);
        assert!(fails.is_empty(), "{kind:?} {n}: {fails:?}");
        let counters = hostile::counters(kind, &summary);
        match kind {
            Kind::Fragments => assert_eq!(counters["fragments.tracker_evicted"], 3_616),
            Kind::DnsNames => {
                assert_eq!(counters["services.inspection.dns_bindings_evicted"], 4_464)
            }
            _ => assert_eq!(counters["services.inspection.flows_inspected"], n),
        }
        assert!(hostile::ceiling_bytes(&hostile::ceiling(kind, n)) > 64.0 * MIB);
    }
}

/// `cargo test --benches`: tiny captures through every helper, checking what they report.
fn quick() {
    let dir = std::env::temp_dir().join(format!("residency-memory-bench-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    for (kind, size) in [
        (Kind::Flood, 3_000),
        (Kind::FloodFewRemotes, 3_000),
        (Kind::Long, 50_000),
    ] {
        let path = dir.join(format!("{}.pcap", kind.name()));
        let w = generate::write(kind, size, &path).expect("write capture");
        assert_eq!(w.bytes, fs::metadata(&path).unwrap().len());
        match kind {
            Kind::Long => {
                assert_eq!(w.packets, size);
                // Every slot has opened flows; each flow has at most 10 packets.
                assert!(w.flows >= size / 10 && w.flows <= size / 10 + 2_000);
                assert_eq!(w.span_us, (size - 1) * generate::LONG_GAP_US);
            }
            _ => assert_eq!((w.packets, w.flows), (size, size)),
        }
        // Every packet decodes and the flows come out as generated: with room for all, a flood
        // keeps every flow open.
        let max = if kind == Kind::Long { 1_000 } else { 10_000 };
        let f = run_self(&["--latency", &path.display().to_string(), &max.to_string()]);
        assert_eq!(num(&f, "decoded"), w.packets as f64, "{kind:?}: {f:?}");
        if kind != Kind::Long {
            assert_eq!(num(&f, "open"), w.flows as f64, "{kind:?}: {f:?}");
        }
        if kind == Kind::Flood {
            let f = run_self(&[
                "--pipeline-bytes",
                &path.display().to_string(),
                &size.to_string(),
            ]);
            assert!(f.contains_key("bytes_per_flow"), "{f:?}");
        }
    }
    quick_floods(&dir);
    let f = run_self(&["--table-bytes", "20000"]);
    assert!(f.contains_key("bytes_per_flow"), "{f:?}");
    assert_eq!(
        (num(&f, "slab_entry"), num(&f, "index_entry")),
        (
            FlowTable::SLAB_ENTRY_BYTES as f64,
            FlowTable::INDEX_ENTRY_BYTES as f64
        ),
        "{f:?}"
    );
    // The peak-RSS wrapper, on a command every machine has.
    let out = dir.join("stdout.txt");
    let f = run_self(&[
        "--measure-child",
        "30",
        "1024",
        &out.display().to_string(),
        "--",
        "/bin/sh",
        "-c",
        "echo hello",
    ]);
    assert_eq!(
        f.get("outcome").map(String::as_str),
        Some("exit-0"),
        "{f:?}"
    );
    assert!(num(&f, "maxrss_kib") > 0.0, "{f:?}");
    assert_eq!(fs::read_to_string(&out).unwrap(), "hello\n");
    fs::remove_dir_all(&dir).expect("remove temp dir");
    println!(
        "memory bench (quick check on tiny captures): ok; `cargo bench --bench memory` measures"
    );
}
