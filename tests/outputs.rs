//! Outputs that never lose or corrupt anything, tried as a user would: an output that names an
//! input, a missing folder, a full disk, a closed pipe, Ctrl-C in the middle of a pipeline.

mod cli;

use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_residency");
const CAPTURE: &str = "captures/teams-like.pcap";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

fn copy_capture(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::copy(root().join(CAPTURE), &path).expect("copy the capture");
    path
}

fn sha(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read")
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn an_output_that_names_an_input_is_refused_under_any_spelling() {
    let dir = temp();
    let a = copy_capture(dir.path(), "a.pcap");
    let b = copy_capture(dir.path(), "b.pcap");
    let before = sha(&a);
    let link = dir.path().join("link.pcap");
    std::os::unix::fs::symlink(&a, &link).expect("symlink");
    let dotted = dir.path().join("sub/../a.pcap");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    for (flag, target) in [
        ("--json", a.clone()),
        ("--json", link.clone()),
        ("--json", dotted.clone()),
        ("--flows", a.clone()),
    ] {
        let cli::Run { code, stderr, .. } = cli::residency(&[
            "analyze",
            flag,
            target.to_str().unwrap(),
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ]);
        assert_eq!(code, 1, "{flag} {}: {stderr}", target.display());
        assert!(stderr.contains("would overwrite the input"), "{stderr}");
        assert!(
            stderr.contains(&format!("give {flag} a new path")),
            "{stderr}"
        );
        assert_eq!(sha(&a), before, "the input was changed");
    }
    // Nothing was left beside the inputs.
    assert_eq!(
        entries(dir.path()),
        vec!["a.pcap", "b.pcap", "link.pcap", "sub"]
    );
}

#[test]
fn a_missing_folder_fails_before_reading() {
    // Standard input is never written to: a run that read it before opening its outputs would
    // hang here, not fail.
    let mut child = Command::new(BIN)
        .args(["analyze", "--json", "/nonexistent-folder/r.json", "-"])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "residency waited for input before checking its output path"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("/nonexistent-folder"), "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
}

#[test]
fn a_full_disk_is_an_error_naming_the_path() {
    let cli::Run { code, stderr, .. } =
        cli::residency(&["analyze", "--json", "/dev/full", CAPTURE]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("/dev/full"), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    // Said once, not twice.
    assert_eq!(
        stderr.matches("No space left on device").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn a_failed_run_leaves_the_previous_report_and_no_half_file() {
    let dir = temp();
    let report = dir.path().join("r.json");
    std::fs::write(&report, b"previous report\n").expect("write");
    // An input that is not a capture fails after the outputs were opened.
    let cli::Run { code, stderr, .. } = cli::residency(&[
        "analyze",
        "--json",
        report.to_str().unwrap(),
        "captures/not-a-capture.txt",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(std::fs::read(&report).expect("read"), b"previous report\n");
    assert_eq!(entries(dir.path()), vec!["r.json"]);
}

#[test]
fn a_report_is_written_whole_and_valid() {
    let dir = temp();
    let report = dir.path().join("r.json");
    let flows = dir.path().join("f.ndjson");
    let cli::Run {
        code,
        stdout,
        stderr,
    } = cli::residency(&[
        "analyze",
        "--home",
        "SE",
        "--json",
        report.to_str().unwrap(),
        "--flows",
        flows.to_str().unwrap(),
        CAPTURE,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("Where the data went"),
        "the terminal summary is printed"
    );
    let json: Value = serde_json::from_slice(&std::fs::read(&report).expect("read")).expect("JSON");
    cli::schema::validate_report(&json).expect("the report matches its schema");
    assert_eq!(json["flows"].as_array().map(Vec::len), Some(4));
    let records = std::fs::read_to_string(&flows).expect("read");
    assert_eq!(records.lines().count(), 4);
    assert_eq!(entries(dir.path()), vec!["f.ndjson", "r.json"]);
}

#[test]
fn a_closed_pipe_ends_quietly_and_keeps_the_inputs_status() {
    for (capture, status) in [(CAPTURE, 0), ("captures/truncated.pcap", 3)] {
        let mut child = Command::new(BIN)
            .args(["analyze", "--json", "-", capture])
            .current_dir(root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        // Read a little, then close the pipe, as `| head -c 100` does.
        let mut stdout = child.stdout.take().expect("stdout");
        let mut head = [0u8; 100];
        stdout.read_exact(&mut head).expect("read the start");
        drop(stdout);
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(status), "{capture}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{stderr}");
    }
}

#[test]
fn a_closed_pipe_does_not_drop_the_other_outputs() {
    let dir = temp();
    let report = dir.path().join("r.json");
    let mut child = Command::new(BIN)
        .args([
            "analyze",
            "--json",
            report.to_str().unwrap(),
            "--flows",
            "-",
            CAPTURE,
        ])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 10];
    stdout.read_exact(&mut first).expect("read");
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    let json: Value =
        serde_json::from_slice(&std::fs::read(&report).expect("the report")).expect("JSON");
    assert_eq!(json["summary"]["flows"]["total"], 4);
}

/// The pcap header and the first packet of the shipped capture.
fn first_packet() -> Vec<u8> {
    let bytes = std::fs::read(root().join(CAPTURE)).expect("read");
    // Global header (24 bytes) and the first packet record (16 bytes and its data).
    let first_len = u32::from_le_bytes(bytes[32..36].try_into().unwrap()) as usize;
    bytes[..24 + 16 + first_len].to_vec()
}

#[test]
fn ctrl_c_in_a_pipeline_finishes_the_outputs_for_what_was_read() {
    let dir = temp();
    let report = dir.path().join("r.json");
    let mut child = Command::new(BIN)
        .args(["analyze", "--json", report.to_str().unwrap(), "-"])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let head = first_packet();
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(&head).expect("write");
    stdin.flush().expect("flush");
    // Let it read the first packet, then press Ctrl-C; the writer (tcpdump) then stops too.
    std::thread::sleep(Duration::from_millis(500));
    let pid = child.id().to_string();
    let kill = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(kill.success());
    std::thread::sleep(Duration::from_millis(200));
    drop(stdin);
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("interrupted by SIGINT"), "{stderr}");
    let json: Value =
        serde_json::from_slice(&std::fs::read(&report).expect("the report")).expect("JSON");
    cli::schema::validate_report(&json).expect("the report matches its schema");
    assert_eq!(json["summary"]["complete"], false);
    assert_eq!(json["summary"]["incomplete"][0], "interrupted");
    assert_eq!(json["summary"]["interrupted_by"], "SIGINT");
    assert_eq!(json["summary"]["packets"]["read"], 1);
    // The terminal summary was printed for what was read.
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 input(s), 1 packets"));
}

#[test]
fn counts_and_timeouts_of_zero_are_usage_errors() {
    for args in [
        ["--max-flows", "0"],
        ["--max-addresses", "0"],
        ["--tcp-idle-timeout", "0"],
        ["--udp-idle-timeout", "0"],
        ["--tcp-close-timeout", "0"],
        ["--other-idle-timeout", "0"],
    ] {
        let cli::Run { code, stderr, .. } = cli::residency(&["analyze", args[0], args[1], CAPTURE]);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("at least 1"), "{stderr}");
    }
}

#[test]
fn rotated_parts_out_of_order_are_warned_about() {
    let dir = temp();
    let cli::Run { code, stderr, .. } = cli::residency(&[
        "analyze",
        "--json",
        dir.path().join("r.json").to_str().unwrap(),
        "captures/rtt.pcap",
        CAPTURE,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("rotated parts given out of order"),
        "{stderr}"
    );
    let json: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).expect("read"))
            .expect("JSON");
    let warnings = json["inputs"][1]["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1);
}

#[test]
fn the_same_input_gives_the_same_bytes_whatever_the_tables_held() {
    let dir = temp();
    let mut inputs = vec!["captures/rtt.pcap".to_string(), CAPTURE.to_string()];
    match cli::shared_capture("teams.pcap") {
        Some(shared) => inputs.push(shared.display().to_string()),
        None => println!("checked on the shipped captures only"),
    }
    for limits in [&[][..], &["--max-flows", "3", "--max-addresses", "2"][..]] {
        let mut outputs = Vec::new();
        for run_no in 0..2 {
            let report = dir.path().join(format!("r{run_no}.json"));
            let flows = dir.path().join(format!("f{run_no}.ndjson"));
            let mut args = vec![
                "analyze".to_string(),
                "--home".into(),
                "SE".into(),
                "--json".into(),
                report.display().to_string(),
                "--flows".into(),
                flows.display().to_string(),
            ];
            args.extend(limits.iter().map(|s| s.to_string()));
            args.extend(inputs.iter().cloned());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let cli::Run {
                code,
                stdout,
                stderr,
            } = cli::residency(&args);
            assert!(code == 0 || code == 3, "{stderr}");
            outputs.push((
                std::fs::read(&report).expect("report"),
                std::fs::read(&flows).expect("records"),
                stdout,
            ));
        }
        assert!(outputs[0] == outputs[1], "two runs differ with {limits:?}");
        let json: Value = serde_json::from_slice(&outputs[0].0).expect("JSON");
        cli::schema::validate_report(&json).expect("schema");
        // Every flow refers to an address entry; the totals add up over parts.
        let addresses = json["addresses"].as_array().expect("addresses");
        for f in json["flows"].as_array().expect("flows") {
            if let Some(a) = f["address"].as_str() {
                assert!(addresses.iter().any(|e| e["ip"] == a), "no entry for {a}");
            }
        }
        let flows_to_addresses: u64 = addresses.iter().map(|a| a["flows"].as_u64().unwrap()).sum();
        let remote_flows = json["flows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["address"].is_string())
            .count() as u64;
        assert_eq!(flows_to_addresses, remote_flows, "{limits:?}");
        if !limits.is_empty() {
            assert!(
                json["summary"]["address_table"]["evicted"]
                    .as_u64()
                    .unwrap()
                    > 0
            );
            assert!(json["summary"]["flow_table"]["evicted"].as_u64().unwrap() > 0);
        }
    }
}

#[cfg(not(feature = "parquet"))]
#[test]
fn parquet_without_the_feature_is_a_usage_error_that_says_how_to_build_it() {
    let dir = temp();
    let cli::Run { code, stderr, .. } = cli::residency(&[
        "analyze",
        "--parquet",
        dir.path().join("f.parquet").to_str().unwrap(),
        CAPTURE,
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--features parquet"), "{stderr}");
    assert_eq!(
        entries(dir.path()),
        Vec::<String>::new(),
        "nothing was written"
    );
}
