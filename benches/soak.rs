//! Soak test of `residency live`: traffic replayed for a long time at a high rate into a veth
//! pair in a network namespace of its own, while the release binary captures it with `--flows`
//! rotated; its memory sampled every second from `/proc/PID/status` (VmRSS, VmHWM). Figures and
//! how to read them: docs/performance.md, "Live capture soak".
//!
//! ```text
//! cargo build --release --features live              # the binary measured (or RESIDENCY_BIN)
//! sudo SOAK_SECS=600 cargo bench --features live --bench soak
//! ```
//!
//! Needs root (namespaces, capture) and tcpreplay. If the release binary is missing or was
//! built without live capture, the bench builds it (`cargo build --release --features live`).
//!
//! The traffic: floodgen's `long` capture (examples/floodgen: 2,000 flows open at once, 60 %
//! TCP with a TLS ClientHello, 40 % UDP STUN + media, 10 packets a flow) of `SOAK_PACKETS`
//! packets, replayed by `tcpreplay --loop 0 --unique-ip --preload-pcap`: each loop rewrites the
//! addresses, so flows keep being created and ending, and remote addresses keep being new, for
//! as long as the soak lasts. Flows end by FIN (then the 30 s close window) or by the 120 s UDP
//! idle timeout, by capture time: the open flows settle at about flows/s times 66 s.
//!
//! What residency writes: `--flows` NDJSON rotated at 64 MB, each finished part deleted by the
//! bench as a log shipper would (at 10,000 flows/s the records are ~15 MB/s). No `--json`: its
//! report lists every flow (GBs); the final figures are read from the terminal summary instead,
//! and the per-second status lines (`--status-every 1`) give the running ones. No
//! `--write-pcap` unless `SOAK_WRITE_PCAP=1` (rotated and deleted the same way).
//!
//! Environment: `SOAK_SECS` (default 600), `SOAK_PPS` (packets/s asked of tcpreplay, default
//! 100000; 0 for `--topspeed`), `SOAK_PACKETS` (size of the replayed capture, default 200000),
//! `SOAK_WRITE_PCAP`, `SOAK_ARGS` (more options for `residency live`, split at spaces, e.g.
//! `--max-flows 200000`), `RESIDENCY_BIN` (default `<target>/release/residency`).
//!
//! Without `--bench` (`cargo test --benches`) it checks its own parts on tiny inputs and says
//! that the soak itself was not run.

#[allow(dead_code)]
#[path = "../examples/floodgen/generate.rs"]
mod generate;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    if std::env::args().any(|a| a == "--bench") {
        match soak() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("soak bench: {e}");
                ExitCode::FAILURE
            }
        }
    } else {
        quick();
        ExitCode::SUCCESS
    }
}

fn env_or(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

// ---------------------------------------------------------------------------------------------
// Figures read from /proc and from residency's own lines.

/// A `kB` field of /proc/PID/status, in KiB.
fn status_kib(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The whole number written just before `label` in `line`.
fn number_before(line: &str, label: &str) -> Option<u64> {
    let at = line.find(label)?;
    line[..at].split_whitespace().last()?.parse().ok()
}

/// What a status line (`--status-every`) says so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Progress {
    packets: u64,
    flows: u64,
    received: u64,
    dropped: u64,
}

/// `residency: IF: ... flows open; P packets, F flows; libpcap: R received, D dropped, ...`.
fn parse_status(line: &str) -> Option<Progress> {
    let (counts, pcap) = line.split_once("libpcap: ")?;
    Some(Progress {
        packets: number_before(counts, " packets, ")?,
        flows: number_before(counts, " flows;")?,
        received: number_before(pcap, " received")?,
        dropped: number_before(pcap, " dropped")?,
    })
}

/// The terminal summary's totals: `residency V: 1 input(s), P packets, F flows, ...` and
/// `libpcap: R received, D dropped by the kernel buffer, I by the interface`.
fn parse_summary(text: &str) -> Option<Progress> {
    let head = text.lines().find(|l| l.contains(" input(s), "))?;
    let pcap = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("libpcap: "))?;
    Some(Progress {
        packets: number_before(head, " packets")?,
        flows: number_before(head, " flows")?,
        received: number_before(pcap, " received")?,
        dropped: number_before(pcap, " dropped")?,
    })
}

/// Finished parts of a rotating output in `dir` (`STEM-NNNNNN.EXT`; a part being written is a
/// hidden temporary file).
fn finished_parts(dir: &Path, stem: &str, ext: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.strip_prefix(stem)
                    .and_then(|r| r.strip_prefix('-'))
                    .and_then(|r| r.strip_suffix(ext))
                    .is_some_and(|d| d.len() >= 6 && d.bytes().all(|b| b.is_ascii_digit()))
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// `cargo test --benches`: the parts, on tiny inputs.

fn quick() {
    let own = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    assert!(status_kib(&own, "VmRSS:").is_some_and(|k| k > 0));
    assert!(status_kib(&own, "VmHWM:").is_some_and(|k| k > 0));
    let line = "residency: cap0: 98213 packets/s, 9800 flows/s ended, 412000 flows open; 5892780 packets, 589000 flows; libpcap: 5900000 received, 7220 dropped, 0 dropped by the interface";
    assert_eq!(
        parse_status(line),
        Some(Progress {
            packets: 5_892_780,
            flows: 589_000,
            received: 5_900_000,
            dropped: 7_220
        })
    );
    let summary = "residency 0.1.0: 1 input(s), 91 packets, 14 flows, 23.1 kB\n\nInputs\n  [0] live:cap0\n      libpcap: 91 received, 0 dropped by the kernel buffer, 0 by the interface\n";
    assert_eq!(
        parse_summary(summary),
        Some(Progress {
            packets: 91,
            flows: 14,
            received: 91,
            dropped: 0
        })
    );
    let dir = tempfile::tempdir().expect("temporary folder");
    let w = generate::write(generate::Kind::Long, 1_000, &dir.path().join("long.pcap"))
        .expect("generate");
    assert_eq!(w.packets, 1_000);
    assert!(w.flows > 0);
    for name in [
        "flows-000001.ndjson",
        "flows-1000000.ndjson",
        ".flows-000002.ndjson.residency-1-1.tmp",
        "flows.ndjson",
        "flows-01.ndjson",
    ] {
        std::fs::write(dir.path().join(name), b"").unwrap();
    }
    let mut parts = finished_parts(dir.path(), "flows", ".ndjson");
    parts.sort();
    assert_eq!(
        parts,
        vec![
            dir.path().join("flows-000001.ndjson"),
            dir.path().join("flows-1000000.ndjson")
        ]
    );
    println!(
        "soak bench (quick check of its parts): ok; the soak itself needs root, tcpreplay and a release build with live capture, and runs SOAK_SECS (600): `sudo cargo bench --features live --bench soak`"
    );
}

// ---------------------------------------------------------------------------------------------
// The soak.

/// A network namespace with the veth pair cap0/rep0, deleted on drop.
struct Netns(String);

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl Netns {
    fn create() -> Result<Netns, String> {
        let ns = Netns(format!("rsoak{}", std::process::id()));
        run(Command::new("ip").args(["netns", "add", &ns.0]))?;
        for key in ["all", "default"] {
            run(ns
                .exec("sysctl")
                .args(["-qw", &format!("net.ipv6.conf.{key}.disable_ipv6=1")]))?;
        }
        let ip = |args: &[&str]| run(Command::new("ip").args(["-n", &ns.0]).args(args));
        ip(&[
            "link", "add", "cap0", "type", "veth", "peer", "name", "rep0",
        ])?;
        ip(&["link", "set", "cap0", "mtu", "9000", "up"])?;
        ip(&["link", "set", "rep0", "mtu", "9000", "up"])?;
        Ok(ns)
    }

    fn exec(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.0]).arg(program);
        c
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).output();
    }
}

/// A child killed on drop.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The release binary, built with live capture (built here if it is not).
fn binary() -> Result<PathBuf, String> {
    let bin = std::env::var_os("RESIDENCY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("release/residency"));
    let has_live = |bin: &Path| {
        Command::new(bin)
            .arg("interfaces")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if has_live(&bin) {
        return Ok(bin);
    }
    if std::env::var_os("RESIDENCY_BIN").is_some() {
        return Err(format!(
            "{} is not a build with live capture",
            bin.display()
        ));
    }
    eprintln!("soak bench: building {} with live capture", bin.display());
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    run(Command::new(cargo)
        .args([
            "build",
            "--release",
            "--features",
            "live",
            "--bin",
            "residency",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR")))?;
    if has_live(&bin) {
        Ok(bin)
    } else {
        Err(format!("{} still has no live capture", bin.display()))
    }
}

/// The replayed capture, generated once (cached by generator version and size).
fn traffic(packets: u64) -> Result<(PathBuf, generate::Written), String> {
    let dir = target_dir().join("bench-captures");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join(format!("soak-long-v{}-{packets}.pcap", generate::VERSION));
    // Regenerated each time (seconds): the counts printed are then those of this file.
    let w = generate::write(generate::Kind::Long, packets, &path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((path, w))
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "?".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| status_kib(&m, "MemTotal:"))
        .unwrap_or(0);
    format!(
        "{cpu}, {cores} cores, {:.1} GiB, Linux {}",
        mem as f64 / 1048576.0,
        kernel.trim()
    )
}

fn soak() -> Result<(), String> {
    if !nix::unistd::Uid::effective().is_root() {
        return Err("needs root (network namespaces, capture)".into());
    }
    if Command::new("tcpreplay").arg("--version").output().is_err() {
        return Err("tcpreplay is not installed (Debian: apt-get install tcpreplay)".into());
    }
    let secs = env_or("SOAK_SECS", 600).max(5);
    let pps = env_or("SOAK_PPS", 100_000);
    let size = env_or("SOAK_PACKETS", 200_000);
    let write_pcap = std::env::var("SOAK_WRITE_PCAP").is_ok_and(|v| v == "1");
    let bin = binary()?;
    let (capture, written) = traffic(size)?;
    let ns = Netns::create()?;
    let out = tempfile::Builder::new()
        .prefix("residency-soak-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let arg = |name: &str| out.path().join(name).display().to_string();

    let mut live_cmd = ns.exec(&bin);
    live_cmd.args(["live", "-i", "cap0", "--status-every", "1", "--home", "SE"]);
    live_cmd.args(["--flows", &arg("flows.ndjson"), "--rotate", "64MB"]);
    if write_pcap {
        live_cmd.args(["--write-pcap", &arg("raw.pcapng")]);
    }
    // More options for residency, split at spaces (e.g. "--max-flows 200000").
    let extra = std::env::var("SOAK_ARGS").unwrap_or_default();
    live_cmd.args(extra.split_whitespace());
    let terminal = out.path().join("terminal.txt");
    let mut live = Guard(
        live_cmd
            .stdout(std::fs::File::create(&terminal).map_err(|e| e.to_string())?)
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("start residency live: {e}"))?,
    );
    let pid = live.0.id();
    let stderr = live.0.stderr.take().ok_or("no stderr")?;
    let latest = Arc::new(Mutex::new((
        false,
        Progress::default(),
        Vec::<String>::new(),
    )));
    let shared = Arc::clone(&latest);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut s = shared.lock().unwrap();
            s.0 |= line.starts_with("residency: capturing on ");
            match parse_status(&line) {
                Some(p) => s.1 = p,
                None => s.2.push(line),
            }
        }
    });
    let begun = Instant::now();
    while !latest.lock().unwrap().0 {
        if begun.elapsed() > Duration::from_secs(30) || !matches!(live.0.try_wait(), Ok(None)) {
            return Err(format!(
                "residency live did not start: {:?}",
                latest.lock().unwrap().2
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }

    let mut replay_cmd = ns.exec("tcpreplay");
    replay_cmd.args(["-i", "rep0", "--loop", "0", "--unique-ip", "--preload-pcap"]);
    if pps == 0 {
        replay_cmd.arg("--topspeed");
    } else {
        replay_cmd.args(["--pps", &pps.to_string()]);
    }
    let replay = Guard(
        replay_cmd
            .arg(&capture)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("start tcpreplay: {e}"))?,
    );
    println!(
        "soak: {secs} s of {} ({} packets, {} flows a loop) at {} into {}",
        capture.display(),
        written.packets,
        written.flows,
        if pps == 0 {
            "top speed".to_string()
        } else {
            format!("{pps} packets/s")
        },
        bin.display()
    );
    if !extra.trim().is_empty() {
        println!("options: {}", extra.trim());
    }
    println!("machine: {}", machine());
    println!(
        "{:>6} {:>10} {:>10} {:>14} {:>12} {:>14} {:>12}",
        "minute", "RSS MiB", "peak MiB", "packets", "flows", "received", "dropped"
    );
    let mib = |kib: u64| kib as f64 / 1024.0;
    let started = Instant::now();
    let mut rss_at_1min = None;
    let (mut rss, mut hwm) = (0u64, 0u64);
    let mut second = 0u64;
    while second < secs {
        second += 1;
        let wake = started + Duration::from_secs(second);
        std::thread::sleep(wake.saturating_duration_since(Instant::now()));
        if !matches!(live.0.try_wait(), Ok(None)) {
            return Err(format!(
                "residency live ended early: {:?}",
                latest.lock().unwrap().2
            ));
        }
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        rss = status_kib(&status, "VmRSS:").unwrap_or(rss);
        hwm = status_kib(&status, "VmHWM:").unwrap_or(hwm);
        for stem in [("flows", ".ndjson"), ("raw", ".pcapng")] {
            for part in finished_parts(out.path(), stem.0, stem.1) {
                let _ = std::fs::remove_file(part);
            }
        }
        if second == 60 {
            rss_at_1min = Some(rss);
        }
        if second.is_multiple_of(60) || second == secs {
            let p = latest.lock().unwrap().1;
            println!(
                "{:>6.1} {:>10.1} {:>10.1} {:>14} {:>12} {:>14} {:>12}",
                second as f64 / 60.0,
                mib(rss),
                mib(hwm),
                p.packets,
                p.flows,
                p.received,
                p.dropped
            );
        }
    }
    drop(replay);
    let stopping = Instant::now();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(pid).map_err(|e| e.to_string())?),
        nix::sys::signal::Signal::SIGINT,
    )
    .map_err(|e| e.to_string())?;
    let status = loop {
        if let Ok(Some(s)) = live.0.try_wait() {
            break s;
        }
        if stopping.elapsed() > Duration::from_secs(300) {
            return Err("residency live did not end within 300 s of SIGINT".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let summary = std::fs::read_to_string(&terminal).map_err(|e| e.to_string())?;
    let end = parse_summary(&summary)
        .ok_or_else(|| format!("no totals in the terminal summary ({}):\n{summary}", status))?;
    let loss = if end.received > 0 {
        100.0 * end.dropped as f64 / end.received as f64
    } else {
        0.0
    };
    let run = secs as f64;
    println!(
        "end ({status}, {:.1} s to finish after SIGINT): {} packets ({:.0}/s), {} flows ({:.0}/s); libpcap {} received, {} dropped ({loss:.3} %)",
        stopping.elapsed().as_secs_f64(),
        end.packets,
        end.packets as f64 / run,
        end.flows,
        end.flows as f64 / run,
        end.received,
        end.dropped,
    );
    println!(
        "memory: peak (VmHWM) {:.1} MiB; RSS after 1 min {}, at the end {:.1} MiB",
        mib(hwm),
        rss_at_1min.map_or("-".to_string(), |r| format!("{:.1} MiB", mib(r))),
        mib(rss)
    );
    let results = target_dir().join("bench-results");
    let _ = std::fs::create_dir_all(&results);
    let json = serde_json::json!({
        "seconds": secs, "pps_asked": pps, "capture_packets": written.packets,
        "packets": end.packets, "flows": end.flows, "received": end.received,
        "dropped": end.dropped, "peak_rss_kib": hwm, "rss_1min_kib": rss_at_1min,
        "rss_end_kib": rss, "machine": machine(),
    });
    let _ = std::fs::write(results.join("soak.json"), format!("{json:#}\n"));
    Ok(())
}
