//! What the benchmark programs `memory` and `compare` share: running one command as the only
//! child of a wrapper process to read its exact peak RSS, and describing the machine.
//!
//! Included by each with `#[path = "../shared/child.rs"] mod child;` (a bench target is one
//! crate; this file is not a target of its own).
//!
//! Peak RSS of a child process is measured exactly by the kernel: the benchmark re-executes
//! itself as a wrapper (`--measure-child`) that spawns the command, waits for it, and reads
//! `getrusage(RUSAGE_CHILDREN).ru_maxrss` (the wrapper's only child, so the figure is that
//! child's high-water mark). The wrapper also enforces a time limit and an address-space limit
//! (`RLIMIT_AS`), so a run that would exhaust the machine fails alone.

use nix::sys::resource::{Resource, UsageWho, getrlimit, getrusage, setrlimit};
use nix::sys::signal::{Signal, kill};
use nix::sys::time::TimeValLike;
use nix::unistd::Pid;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn arg<T: std::str::FromStr>(args: &[String], i: usize, what: &str) -> Result<T, String> {
    args.get(i)
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| format!("argument {i} ({what}) missing or invalid"))
}

/// `--measure-child TIMEOUT_SECS MEM_LIMIT_MIB STDOUT_PATH -- CMD ARGS...`: run CMD with its
/// standard output into STDOUT_PATH (standard error beside it, `.stderr`), under an
/// address-space limit and a time limit, and print one line of `key=value` pairs: its peak RSS
/// (`maxrss_kib`), CPU times (`user_us`, `sys_us`), wall time from spawn to exit (`wall_us`),
/// `outcome` (`exit-N`, `signal-N`, `timeout`) and the first line of its standard error.
pub fn measure_child(args: &[String]) -> ExitCode {
    match measure(args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench wrapper: {e}");
            ExitCode::FAILURE
        }
    }
}

fn measure(args: &[String]) -> Result<String, String> {
    let timeout: f64 = arg(args, 0, "timeout")?;
    let limit_mib: u64 = arg(args, 1, "memory limit")?;
    let stdout_path = PathBuf::from(args.get(2).ok_or("stdout path missing")?);
    let cmd = args
        .get(4..)
        .filter(|c| !c.is_empty())
        .ok_or("no command")?;
    let (_, hard) = getrlimit(Resource::RLIMIT_AS).map_err(|e| e.to_string())?;
    setrlimit(Resource::RLIMIT_AS, (limit_mib << 20).min(hard), hard)
        .map_err(|e| format!("setrlimit: {e}"))?;
    let stdout = fs::File::create(&stdout_path).map_err(|e| e.to_string())?;
    let stderr_path = stdout_path.with_extension("stderr");
    let stderr = fs::File::create(&stderr_path).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let mut child = Command::new(&cmd[0])
        .args(&cmd[1..])
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", cmd[0]))?;
    // A blocking wait, so the wall time is exact (a polling loop would round runs of tens of
    // milliseconds to its period); a watchdog thread kills the child at the time limit. The
    // flag, set under the lock once the child is reaped, keeps the watchdog from signalling a
    // process id that may have been reused.
    let pid = Pid::from_raw(child.id() as i32);
    let done = Arc::new(Mutex::new(false));
    let timed_out = Arc::new(Mutex::new(false));
    {
        let (done, timed_out) = (Arc::clone(&done), Arc::clone(&timed_out));
        std::thread::spawn(move || {
            let deadline = start + Duration::from_secs_f64(timeout);
            loop {
                std::thread::sleep(Duration::from_millis(100));
                let done = done.lock().unwrap_or_else(|e| e.into_inner());
                if *done {
                    return;
                }
                if Instant::now() >= deadline {
                    *timed_out.lock().unwrap_or_else(|e| e.into_inner()) = true;
                    let _ = kill(pid, Signal::SIGKILL);
                    return;
                }
            }
        });
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    let wall = start.elapsed();
    *done.lock().unwrap_or_else(|e| e.into_inner()) = true;
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).map_err(|e| e.to_string())?;
    let outcome = if *timed_out.lock().unwrap_or_else(|e| e.into_inner()) {
        "timeout".to_string()
    } else {
        match status.code() {
            Some(c) => format!("exit-{c}"),
            None => format!("signal-{}", status.signal().unwrap_or(0)),
        }
    };
    // The first line says why it failed ("memory allocation of N bytes failed", ...).
    let stderr = fs::read_to_string(&stderr_path).unwrap_or_default();
    let first_err = stderr.lines().next().unwrap_or("").replace(' ', "_");
    Ok(format!(
        "maxrss_kib={} user_us={} sys_us={} wall_us={} outcome={outcome} stderr={first_err}",
        usage.max_rss(),
        usage.user_time().num_microseconds(),
        usage.system_time().num_microseconds(),
        wall.as_micros()
    ))
}

/// `key=value` pairs of a helper's line.
pub fn parse_line(line: &str) -> BTreeMap<String, String> {
    line.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Run this program again with `args`, returning the fields of its last line.
pub fn run_self(args: &[&str]) -> BTreeMap<String, String> {
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new(exe)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .expect("re-run this benchmark");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "helper {args:?} failed: {stdout}",
        args = args
    );
    parse_line(stdout.lines().last().unwrap_or(""))
}

/// The number at `key`, NaN when absent (so a missing figure shows, and fails comparisons).
pub fn num(fields: &BTreeMap<String, String>, key: &str) -> f64 {
    fields
        .get(key)
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// An environment variable's value (`_` and `,` allowed as digit separators), or `default`.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

/// The short commit of the checkout, with `-dirty` when it has uncommitted changes.
pub fn commit() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let head = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_default();
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    if dirty { format!("{head}-dirty") } else { head }
}

/// The 1-minute load average (`/proc/loadavg`), NaN where unreadable.
pub fn load1() -> f64 {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

pub fn machine() -> Value {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
        .map_or("unknown", |(_, m)| m.trim());
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let now = time::OffsetDateTime::now_utc();
    json!({
        "date": format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            now.year(), u8::from(now.month()), now.day(), now.hour(), now.minute(), now.second()
        ),
        "nproc": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "cpu": cpu,
        "memory_gib": (mem_kib as f64 / 1024.0 / 1024.0 * 10.0).round() / 10.0,
        "kernel": kernel.trim(),
        "commit": commit(),
    })
}
