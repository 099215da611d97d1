//! How inputs reach the reader, through the real binary: named pipes and `<(...)` (opened once,
//! read once), standard input, damaged pcapng packet blocks, compressed files and operating-system
//! errors.

mod cli;

use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TEAMS: &str = "captures/teams-like.pcap";

/// A scratch directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("residency-inputs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run a command from the project root, killing it after a minute (a test that would hang
/// fails instead). Returns the exit code (-1 when killed) and the output.
fn run_bounded(mut command: Command) -> cli::Run {
    let mut child = command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code().unwrap_or(-1);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break -1;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    cli::Run {
        code,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn residency() -> Command {
    Command::new(env!("CARGO_BIN_EXE_residency"))
}

/// The report of `residency analyze --json - ARGS...`, with its exit code.
fn report(args: &[&str]) -> (Value, i32) {
    let run = cli::analyze(&[&["--json", "-"], args].concat());
    (run.json(), run.code)
}

fn flow_count(report: &Value) -> usize {
    report["flows"].as_array().map_or(0, Vec::len)
}

#[test]
fn named_pipe_gives_the_same_flows_as_the_file() {
    let (file_report, code) = report(&[TEAMS]);
    assert_eq!(code, 0);
    let flows = flow_count(&file_report);
    assert!(flows > 0);
    let scratch = Scratch::new("fifo");
    let fifo = scratch.0.join("capture.pcap");
    if !Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        eprintln!("no mkfifo: skipped");
        return;
    }
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(TEAMS)).unwrap();
    let writer = {
        let fifo = fifo.clone();
        // Opening a pipe's write end waits for its reader: this finishes once the binary has
        // opened the pipe and read it to the end.
        std::thread::spawn(move || std::fs::write(fifo, bytes))
    };
    let mut command = residency();
    command.args(["analyze", "--json", "-"]).arg(&fifo);
    let run = run_bounded(command);
    if !writer.is_finished() {
        // The binary never opened the pipe: the writer waits for a reader, so this open
        // returns at once and releases it.
        let _ = std::fs::File::open(&fifo);
    }
    assert!(writer.join().unwrap().is_ok(), "the writer could not write");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let pipe_report = run.json();
    assert_eq!(flow_count(&pipe_report), flows);
    assert_eq!(pipe_report["inputs"][0]["complete"], true);
    assert_eq!(
        pipe_report["inputs"][0]["sha256"],
        file_report["inputs"][0]["sha256"]
    );
    assert_eq!(
        pipe_report["inputs"][0]["packets"],
        file_report["inputs"][0]["packets"]
    );
}

#[test]
fn process_substitution_gives_the_same_flows_as_the_file() {
    if !Path::new("/bin/bash").exists() || !Path::new("/dev/fd").exists() {
        eprintln!("no bash or /dev/fd: skipped");
        return;
    }
    let (file_report, code) = report(&[TEAMS]);
    assert_eq!(code, 0);
    // The same file named twice is read once (its SHA-256 is known before reading); the same
    // bytes from two pipes are known to be the same only after both were read: counted twice,
    // with a warning. Read as one stream, the second copy continues the first's flows: 5.
    for (substitutions, expected_flows) in [(1, flow_count(&file_report)), (2, 5)] {
        let mut command = Command::new("/bin/bash");
        command
            .arg("-c")
            .arg(format!(
                "exec \"$0\" analyze --json -{}",
                format!(" <(cat {TEAMS})").repeat(substitutions)
            ))
            .arg(env!("CARGO_BIN_EXE_residency"));
        let run = run_bounded(command);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let r = run.json();
        assert_eq!(flow_count(&r), expected_flows);
        if substitutions == 2 {
            let warnings = r["inputs"][1]["warnings"].to_string();
            assert!(warnings.contains("same SHA-256 as input 0"), "{warnings}");
        }
        for i in 0..substitutions {
            let input = &r["inputs"][i];
            assert!(
                input["path"].as_str().unwrap().starts_with("/dev/fd/"),
                "{input}"
            );
            assert_eq!(input["complete"], true);
            assert_eq!(input["sha256"], file_report["inputs"][0]["sha256"]);
            assert_eq!(input["packets"], file_report["inputs"][0]["packets"]);
        }
    }
}

#[test]
fn standard_input_from_a_file_or_a_pipe() {
    let (file_report, _) = report(&[TEAMS]);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(TEAMS);
    // Redirected from the file.
    let mut command = residency();
    command.args(["analyze", "--json", "-", "-"]);
    let out = command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::fs::File::open(&path).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(flow_count(&r), flow_count(&file_report));
    assert_eq!(r["inputs"][0]["sha256"], file_report["inputs"][0]["sha256"]);
    // Through a pipe.
    let mut child = residency()
        .args(["analyze", "--json", "-", "-"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &bytes));
    let out = child.wait_with_output().unwrap();
    assert!(writer.join().unwrap().is_ok());
    assert_eq!(out.status.code(), Some(0));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(flow_count(&r), flow_count(&file_report));
    assert_eq!(r["inputs"][0]["sha256"], file_report["inputs"][0]["sha256"]);
}

fn block(out: &mut Vec<u8>, block_type: u32, body: &[u8]) {
    let padded = body.len().div_ceil(4) * 4;
    let total = (12 + padded) as u32;
    out.extend_from_slice(&block_type.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.resize(out.len() + padded - body.len(), 0);
    out.extend_from_slice(&total.to_le_bytes());
}

/// A section header and one Ethernet interface.
fn pcapng_start() -> Vec<u8> {
    let mut out = Vec::new();
    let mut shb = 0x1A2B_3C4Du32.to_le_bytes().to_vec();
    shb.extend_from_slice(&[1, 0, 0, 0]);
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    block(&mut out, 0x0A0D_0D0A, &shb);
    let mut idb = 1u16.to_le_bytes().to_vec();
    idb.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    block(&mut out, 1, &idb);
    out
}

/// An Ethernet frame with a UDP datagram from 10.0.0.1:50000 to 192.0.2.7:443.
fn udp_frame() -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
    f.extend_from_slice(&[
        0x45, 0, 0, 36, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 192, 0, 2, 7,
    ]);
    f.extend_from_slice(&[0xc3, 0x50, 0x01, 0xbb, 0, 16, 0, 0]);
    f.extend_from_slice(&[0xab; 8]);
    f
}

/// An enhanced packet block whose captured-length field says `caplen`.
fn epb(out: &mut Vec<u8>, iface: u32, secs: u64, data: &[u8], caplen: u32) {
    let units = secs * 1_000_000;
    let mut body = iface.to_le_bytes().to_vec();
    body.extend_from_slice(&((units >> 32) as u32).to_le_bytes());
    body.extend_from_slice(&(units as u32).to_le_bytes());
    body.extend_from_slice(&caplen.to_le_bytes());
    body.extend_from_slice(&caplen.max(data.len() as u32).to_le_bytes());
    body.extend_from_slice(data);
    block(out, 6, &body);
}

/// A pcapng file whose third packet block is `bad`; returns the file and that block's offset.
fn damaged_pcapng(bad: impl Fn(&mut Vec<u8>)) -> (Vec<u8>, u64) {
    let frame = udp_frame();
    let mut file = pcapng_start();
    epb(&mut file, 0, 1_700_000_000, &frame, frame.len() as u32);
    epb(&mut file, 0, 1_700_000_001, &frame, frame.len() as u32);
    let offset = file.len() as u64;
    bad(&mut file);
    epb(&mut file, 0, 1_700_000_003, &frame, frame.len() as u32);
    (file, offset)
}

fn assert_corrupt_at_packet_3(r: &Value, code: i32, offset: u64, needle: &str) {
    assert_eq!(code, 3, "partial input");
    let input = &r["inputs"][0];
    assert_eq!(input["complete"], false);
    assert_eq!(input["packets"], 2);
    let e = &input["errors"][0];
    assert_eq!(e["kind"], "corrupt");
    assert_eq!(e["packet"], 3);
    assert_eq!(e["offset"], offset);
    let message = e["message"].as_str().unwrap();
    assert!(message.contains(needle), "{message}");
}

#[test]
fn pcapng_packet_on_an_undescribed_interface_is_corrupt() {
    let frame = udp_frame();
    let (file, offset) = damaged_pcapng(|f| epb(f, 5, 1_700_000_002, &frame, frame.len() as u32));
    let scratch = Scratch::new("iface");
    let path = scratch.file("iface.pcapng", &file);
    let (r, code) = report(&[&path]);
    assert_corrupt_at_packet_3(
        &r,
        code,
        offset,
        "names interface 5, but its section describes 1 interface",
    );
}

#[test]
fn pcapng_captured_length_beyond_its_block_is_corrupt() {
    let frame = udp_frame();
    let (file, offset) = damaged_pcapng(|f| epb(f, 0, 1_700_000_002, &frame, 142));
    let scratch = Scratch::new("caplen");
    let path = scratch.file("caplen.pcapng", &file);
    let (r, code) = report(&[&path]);
    assert_corrupt_at_packet_3(
        &r,
        code,
        offset,
        "claims 142 captured bytes but holds at most 52",
    );
}

#[test]
fn compressed_captures_say_how_to_decompress() {
    let scratch = Scratch::new("compressed");
    for (name, bytes, hint) in [
        (
            "x.pcap.xz",
            &[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04][..],
            "an xz file: decompress it first, e.g. `xz -d`",
        ),
        (
            "x.pcap.lz4",
            &[0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7][..],
            "an lz4 file: decompress it first, e.g. `lz4 -d`",
        ),
        (
            "x.pcap.bz2",
            &b"BZh91AY&SY"[..],
            "a bzip2 file: decompress it first, e.g. `bunzip2`",
        ),
    ] {
        let path = scratch.file(name, bytes);
        let run = cli::analyze(&[&path]);
        assert_eq!(run.code, 1, "{name}");
        assert!(run.stderr.contains(hint), "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains("not a pcap or pcapng capture"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn os_errors_are_printed_once_with_advice() {
    let scratch = Scratch::new("dir");
    let dir = scratch.0.to_str().unwrap();
    let run = cli::analyze(&[dir]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr.matches("os error").count(), 1, "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("Is a directory").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "{dir}: cannot read a directory (give the capture files in it)"
        )),
        "{}",
        run.stderr
    );
    let missing = scratch.0.join("missing.pcap");
    let missing = missing.to_str().unwrap();
    let run = cli::analyze(&[missing]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr.matches("No such file or directory").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("{missing}: cannot open (check the path)")),
        "{}",
        run.stderr
    );
}
