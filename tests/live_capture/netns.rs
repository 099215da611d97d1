//! A network namespace with a veth pair to capture on: `residency live -i cap0` inside it sees
//! exactly the frames `tcpreplay -i rep0` sends, and nothing else (IPv6 is off before the links
//! come up, so the kernel sends no router solicitations or MLD reports; the links have no IPv4
//! address, so nothing answers the replayed traffic). Each namespace has a name unique to this
//! process and test, and is deleted on drop (a panicking test included); the links go with it.
//!
//! Needs root (or CAP_NET_ADMIN + CAP_NET_RAW), `ip netns` and tcpreplay. Without them a test
//! is skipped with the reason printed, except under `CI=true`, where it fails: CI runs as root
//! and `tests/run` installs tcpreplay, so a skip there would hide a broken setup.

use crate::cli::skip;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The capture side of the veth pair and the side tcpreplay sends on.
pub const CAPTURE_IF: &str = "cap0";
pub const REPLAY_IF: &str = "rep0";

/// How long `residency live` may take to say it is capturing, and to end after being asked.
const START_TIMEOUT: Duration = Duration::from_secs(30);
const END_TIMEOUT: Duration = Duration::from_secs(60);

/// Under `CI=true` a missing prerequisite fails the test (CI runs as root; tests/run installs
/// tcpreplay); elsewhere it is skipped, saying why ([`skip`]).
fn unavailable(reason: &str) -> Option<Netns> {
    skip(&format!("live capture test: {reason}"));
    None
}

/// A new namespace with the veth pair up, or `None` after saying why not (see the module doc).
pub fn netns() -> Option<Netns> {
    if !nix::unistd::Uid::effective().is_root() {
        return unavailable("not running as root (network namespaces and capture need it)");
    }
    match Command::new("tcpreplay").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => return unavailable("tcpreplay is not installed (Debian: apt-get install tcpreplay)"),
    }
    match Netns::create() {
        Ok(ns) => Some(ns),
        Err(e) => unavailable(&format!("cannot set up a network namespace: {e}")),
    }
}

pub struct Netns {
    pub name: String,
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?}: {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl Netns {
    fn create() -> Result<Netns, String> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let ns = Netns {
            name: format!("rlt{}-{n}", std::process::id()),
        };
        run(Command::new("ip").args(["netns", "add", &ns.name]))?;
        // From here on, drop deletes it.
        for key in ["all", "default"] {
            run(ns
                .exec("sysctl")
                .args(["-qw", &format!("net.ipv6.conf.{key}.disable_ipv6=1")]))?;
        }
        run(ns.ip().args([
            "link", "add", CAPTURE_IF, "type", "veth", "peer", "name", REPLAY_IF,
        ]))?;
        for dev in [CAPTURE_IF, REPLAY_IF] {
            run(ns.ip().args(["link", "set", dev, "mtu", "9000", "up"]))?;
        }
        Ok(ns)
    }

    /// `ip -n NS ...`.
    pub fn ip(&self) -> Command {
        let mut c = Command::new("ip");
        c.args(["-n", &self.name]);
        c
    }

    /// `program` run inside the namespace (`ip netns exec` execs it: the child's pid is its).
    pub fn exec(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name]).arg(program);
        c
    }

    /// `tcpreplay -i rep0 ARGS CAPTURE` started; see [`Replay::finish`].
    pub fn start_replay(&self, capture: &Path, args: &[&str]) -> Replay {
        let child = self
            .exec("tcpreplay")
            .args(["-i", REPLAY_IF])
            .args(args)
            .arg(capture)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tcpreplay");
        Replay { child: Some(child) }
    }

    /// Replay `capture` to the end: the packets tcpreplay sent.
    pub fn replay(&self, capture: &Path, args: &[&str]) -> u64 {
        self.start_replay(capture, args).finish()
    }

    /// Delete a link of the namespace (its veth peer goes with it).
    pub fn delete_link(&self, dev: &str) {
        run(self.ip().args(["link", "del", dev])).expect("delete the link");
    }

    /// `residency live -i cap0 --status-every 0 ARGS`, once it says it is capturing.
    pub fn live<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Live {
        Live::start(
            self.exec(env!("CARGO_BIN_EXE_residency"))
                .args(["live", "-i", CAPTURE_IF, "--status-every", "0"])
                .args(args),
        )
    }

    /// `residency live -i cap0 ARGS` run to its end (for runs that fail at once).
    pub fn live_to_end(&self, args: &[&str]) -> Finished {
        let out = self
            .exec(env!("CARGO_BIN_EXE_residency"))
            .args(["live", "-i", CAPTURE_IF, "--status-every", "0"])
            .args(args)
            .stdout(Stdio::null())
            .output()
            .expect("run residency live");
        Finished {
            status: out.status,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

/// A running tcpreplay.
pub struct Replay {
    child: Option<Child>,
}

impl Replay {
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Wait for the end: the packets it sent ("Successful packets"), after checking that it
    /// succeeded and that none failed.
    pub fn finish(mut self) -> u64 {
        let child = self.child.take().expect("started");
        let out = child.wait_with_output().expect("wait for tcpreplay");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "tcpreplay failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let count = |label: &str| -> u64 {
            stdout
                .lines()
                .find_map(|l| l.trim().strip_prefix(label))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("tcpreplay said no {label:?}:\n{stdout}"))
        };
        assert_eq!(count("Failed packets:"), 0, "{stdout}");
        count("Successful packets:")
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Standard error of a running `residency live`, and whether it said it is capturing.
#[derive(Default)]
struct Said {
    text: String,
    capturing: bool,
    closed: bool,
}

/// A running `residency live`; killed on drop if still running.
pub struct Live {
    child: Option<Child>,
    said: Arc<(Mutex<Said>, Condvar)>,
}

/// How a run ended.
pub struct Finished {
    pub status: ExitStatus,
    pub stderr: String,
}

impl Finished {
    pub fn code(&self) -> i32 {
        self.status.code().unwrap_or(-1)
    }
}

impl Live {
    fn start(cmd: &mut Command) -> Live {
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start residency live");
        let stderr = child.stderr.take().expect("stderr piped");
        let said = Arc::new((Mutex::new(Said::default()), Condvar::new()));
        let shared = Arc::clone(&said);
        std::thread::spawn(move || {
            let (lock, wake) = &*shared;
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut s = lock.lock().unwrap();
                s.capturing |= line.starts_with("residency: capturing on ");
                s.text.push_str(&line);
                s.text.push('\n');
                wake.notify_all();
            }
            lock.lock().unwrap().closed = true;
            wake.notify_all();
        });
        let live = Live {
            child: Some(child),
            said,
        };
        let (lock, wake) = &*live.said;
        let (s, timeout) = wake
            .wait_timeout_while(lock.lock().unwrap(), START_TIMEOUT, |s| {
                !s.capturing && !s.closed
            })
            .unwrap();
        assert!(
            s.capturing && !timeout.timed_out(),
            "residency live did not start capturing:\n{}",
            s.text
        );
        drop(s);
        live
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.pid()).unwrap());
        nix::sys::signal::kill(pid, signal).expect("signal residency live");
    }

    /// Standard error so far.
    pub fn stderr(&self) -> String {
        self.said.0.lock().unwrap().text.clone()
    }

    /// Wait until standard error has a line containing `text` (panics after `within`).
    pub fn wait_for_line(&self, text: &str, within: Duration) {
        let (lock, wake) = &*self.said;
        let (s, timeout) = wake
            .wait_timeout_while(lock.lock().unwrap(), within, |s| {
                !s.text.contains(text) && !s.closed
            })
            .unwrap();
        assert!(
            s.text.contains(text) && !timeout.timed_out(),
            "residency live never said {text:?}:\n{}",
            s.text
        );
    }

    /// Wait for the run to end by itself.
    pub fn wait(mut self) -> Finished {
        let mut child = self.child.take().expect("running");
        let begun = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for residency live") {
                break status;
            }
            if begun.elapsed() > END_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                panic!("residency live did not end:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // Standard error is read to its end (the reader sees the pipe close).
        let (lock, wake) = &*self.said;
        let s = wake
            .wait_timeout_while(lock.lock().unwrap(), END_TIMEOUT, |s| !s.closed)
            .unwrap()
            .0;
        Finished {
            status,
            stderr: s.text.clone(),
        }
    }

    /// SIGINT, then wait for the end.
    pub fn stop(self) -> Finished {
        self.signal(nix::sys::signal::Signal::SIGINT);
        self.wait()
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A temporary folder for a run's outputs.
pub struct Outdir {
    pub dir: tempfile::TempDir,
}

impl Outdir {
    pub fn new() -> Outdir {
        Outdir {
            dir: tempfile::Builder::new()
                .prefix("residency-live-")
                .tempdir()
                .expect("temporary folder"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `path(name)` as a string, for arguments.
    pub fn arg(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    /// Every output in this folder (`--json live.json`, `--flows flows.ndjson`, `--write-pcap
    /// raw.pcapng`), `--home SE`, then `extra`.
    pub fn all_outputs(&self, extra: &[&str]) -> Vec<String> {
        let mut args = vec![
            "--json".to_string(),
            self.arg("live.json"),
            "--flows".to_string(),
            self.arg("flows.ndjson"),
            "--write-pcap".to_string(),
            self.arg("raw.pcapng"),
            "--home".to_string(),
            "SE".to_string(),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        args
    }
}
