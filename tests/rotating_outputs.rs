//! Rotating outputs end to end: the generated captures copied through the pcapng evidence
//! writer (packet for packet, and `residency analyze` finds the same flows in the copy), and
//! the per-flow NDJSON records written in parts (the same lines as the one-file sink, split
//! by size and by capture-time window, with hashes that match the files).

#[path = "pcapng_copy/mod.rs"]
mod pcapng_copy;

use pcapng_copy::{Frame, generated_captures, read_all, write_copy};
use residency::analyze::collect::Embedded;
use residency::analyze::{Analyzer, Options, Sink};
use residency::digest::sha256_hex;
use residency::output::{PartReport, Rotate, RotatingNdjson};
use residency::report::ecs::NdjsonSink;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_residency");

fn capture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name)
}

/// Every file in `dir`, in name order.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Each part's file matches its hash and size; returns the files' bytes, in order.
fn check_parts(dir: &Path, parts: &[PartReport]) -> Vec<Vec<u8>> {
    parts
        .iter()
        .map(|part| {
            let bytes = fs::read(dir.join(&part.path)).expect("part on disk");
            assert_eq!(sha256_hex(&bytes), part.sha256, "{}", part.path);
            assert_eq!(bytes.len() as u64, part.bytes, "{}", part.path);
            bytes
        })
        .collect()
}

#[test]
fn every_single_link_capture_is_copied_packet_for_packet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut copied = Vec::new();
    for path in generated_captures() {
        let Some((frames, kind)) = read_all(&path) else {
            continue;
        };
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("x");
        let copy = dir.path().join(format!("{name}.pcapng"));
        let parts = write_copy(&frames, kind, &copy, Rotate::Never, &[]);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].records, frames.len() as u64, "{name}");
        check_parts(dir.path(), &parts);
        let (again, kind_again) = read_all(&copy).expect("the copy reads back whole");
        assert_eq!(kind_again, kind, "{name}: link type and clock precision");
        assert_eq!(again, frames, "{name}: times (ns), bytes and wire lengths");
        copied.push((name.to_owned(), frames.len()));
    }
    // Every generated capture but the damaged ones (corrupt, truncated) and the one with
    // several link types (ipv6.pcapng).
    let names: Vec<&str> = copied.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(copied.len(), 24, "{names:?}");
    assert!(names.contains(&"ns") && names.contains(&"sll2") && names.contains(&"null-be"));
    let total: usize = copied.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 577, "{copied:?}");
    // No temporary file left beside the copies.
    assert!(files(dir.path()).iter().all(|f| !f.ends_with(".tmp")));
}

/// The records of `residency analyze CAPTURES… --flows -`, each passed through `strip`.
fn records_of(captures: &[PathBuf], strip: fn(&mut Value)) -> Vec<Value> {
    let out = Command::new(BIN)
        .arg("analyze")
        .args(captures)
        .args(["--flows", "-"])
        .output()
        .expect("run residency");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let mut record: Value = serde_json::from_str(line).expect("a JSON record");
            strip(&mut record);
            record
        })
        .collect()
}

/// The records of `residency analyze CAPTURE --flows -`, with what names the input file
/// removed.
fn flows_of(capture: &Path) -> Vec<Value> {
    records_of(&[capture.to_owned()], |record| {
        if let Some(evidence) = record
            .pointer_mut("/Residency/evidence")
            .and_then(Value::as_object_mut)
        {
            evidence.remove("input_path");
            evidence.remove("input_sha256");
        }
    })
}

#[test]
fn analyze_finds_the_same_flows_in_the_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    // (capture, flows): µs and ns pcap, Ethernet, SLL2, raw IP, tunnels.
    let expected = [
        ("names.pcap", 14),
        ("rtt.pcap", 14),
        ("ns.pcap", 1),
        ("sll2.pcap", 2),
        ("raw-ipv6.pcap", 1),
        ("tunnels.pcap", 8),
    ];
    for (name, flows) in expected {
        let original = capture(name);
        let (frames, kind) = read_all(&original).expect("a whole capture");
        let copy = dir.path().join(format!("{name}ng"));
        write_copy(&frames, kind, &copy, Rotate::Never, &[]);
        let before = flows_of(&original);
        let after = flows_of(&copy);
        assert_eq!(before.len(), flows, "{name}");
        assert_eq!(after.len(), before.len(), "{name}");
        for (a, b) in after.iter().zip(&before) {
            assert_eq!(a, b, "{name}");
        }
    }
}

/// The records of `residency analyze CAPTURES… --flows -` without the references to input
/// files and packet numbers (which differ between one file and its parts).
fn flows_without_refs(captures: &[PathBuf]) -> Vec<Value> {
    records_of(captures, |record| {
        if let Some(custom) = record
            .pointer_mut("/Residency")
            .and_then(Value::as_object_mut)
        {
            custom.remove("evidence");
        }
        if let Some(name) = record
            .pointer_mut("/Residency/hostname")
            .and_then(Value::as_object_mut)
        {
            name.remove("input");
            name.remove("packet");
        }
    })
}

#[test]
fn the_parts_analysed_together_give_the_flows_of_the_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let original = capture("names.pcap");
    let (frames, kind) = read_all(&original).expect("names.pcap");
    let parts = write_copy(
        &frames,
        kind,
        &dir.path().join("names.pcapng"),
        Rotate::Size(4096),
        &[],
    );
    assert_eq!(parts.len(), 5);
    let paths: Vec<PathBuf> = parts.iter().map(|p| dir.path().join(&p.path)).collect();
    let whole = flows_without_refs(&[original]);
    let joined = flows_without_refs(&paths);
    assert_eq!(whole.len(), 14);
    assert_eq!(joined.len(), whole.len());
    for (a, b) in joined.iter().zip(&whole) {
        assert_eq!(a, b);
    }
}

#[test]
fn a_rotated_and_reopened_copy_has_every_packet_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (frames, kind) = read_all(&capture("rtt.pcap")).expect("rtt.pcap");
    assert_eq!(frames.len(), 109);
    let path = dir.path().join("rtt.pcapng");
    // 5-second windows over 14.4 s of capture, and a SIGHUP before packet 50.
    let parts = write_copy(&frames, kind, &path, Rotate::Time(5), &[50]);
    let mut again: Vec<Frame> = Vec::new();
    let mut windows = Vec::new();
    for part in &parts {
        let (packets, part_kind) = read_all(&dir.path().join(&part.path)).expect("a whole part");
        assert_eq!(part_kind, kind);
        assert_eq!(packets.len() as u64, part.records);
        windows.push(packets[0].0.div_euclid(5_000_000_000));
        again.extend(packets);
    }
    assert_eq!(again, frames);
    check_parts(dir.path(), &parts);
    // Windows never go back; the reopen splits one window in two.
    assert!(windows.windows(2).all(|w| w[0] <= w[1]), "{windows:?}");
    // 09:00:00-05 holds packets 1-46; 09:00:05-10 is split by the reopen before packet 51
    // (index 50): 4 + 28; 09:00:10-15 holds the last 31.
    let records: Vec<u64> = parts.iter().map(|p| p.records).collect();
    assert_eq!(records, [46, 4, 28, 31]);
    let first = windows[0];
    assert_eq!(windows, [first, first + 1, first + 1, first + 2]);
    let manifest: Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join("rtt.pcapng.manifest.json")).expect("manifest"),
    )
    .expect("JSON");
    assert_eq!(manifest["complete"], true);
    assert_eq!(manifest["rotate"]["seconds"], 5);
    let listed: Vec<&str> = manifest["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .filter_map(|p| p["path"].as_str())
        .collect();
    let mut expected: Vec<String> = parts.iter().map(|p| p.path.clone()).collect();
    assert_eq!(listed, expected);
    expected.push("rtt.pcapng.manifest.json".into());
    expected.sort();
    assert_eq!(files(dir.path()), expected, "no temporary file left");
}

/// A sink that asks its rotating output to reopen after every `every` flows.
struct Reopening<'a> {
    inner: &'a mut RotatingNdjson,
    every: usize,
    seen: usize,
}

impl Sink for Reopening<'_> {
    fn flow(&mut self, ended: &residency::analyze::Ended<'_>) -> std::io::Result<()> {
        self.inner.flow(ended)?;
        self.seen += 1;
        if self.every > 0 && self.seen.is_multiple_of(self.every) {
            self.inner.reopen().map_err(std::io::Error::other)?;
        }
        Ok(())
    }

    fn address(&mut self, a: &residency::report::AddressReport) -> std::io::Result<()> {
        self.inner.address(a)
    }
}

/// Runs `capture` through the analyzer with a one-file NDJSON sink and a rotating one side by
/// side; returns the one-file bytes and the rotating parts.
fn both_sinks(
    capture: &Path,
    out: &Path,
    rotate: Rotate,
    reopen_every: usize,
) -> (Vec<u8>, Vec<PartReport>) {
    let tables = Embedded::load(Some("SE")).expect("embedded tables");
    let options = Options::default();
    let mut analyzer = Analyzer::new(tables.context(&options), 10);
    let mut one_file = Vec::new();
    let mut rotating = RotatingNdjson::create(out, rotate).expect("create");
    rotating.set_precision(6);
    {
        let mut sinks: Vec<Box<dyn Sink + '_>> = vec![
            Box::new(NdjsonSink::new(&mut one_file)),
            Box::new(Reopening {
                inner: &mut rotating,
                every: reopen_every,
                seen: 0,
            }),
        ];
        let input = residency::source::open(capture).expect("open");
        let sha = input.sha256_upfront().map(str::to_owned);
        analyzer
            .read(capture, sha.as_deref(), input, &mut sinks, &mut |_| None)
            .expect("read");
        analyzer.finish(&mut sinks, None).expect("finish");
    }
    (one_file, rotating.finish().expect("finish the parts"))
}

#[test]
fn rotating_flows_are_the_one_file_lines_in_parts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flows.ndjson");
    let (one_file, parts) = both_sinks(&capture("names.pcap"), &path, Rotate::Size(2500), 0);
    let lines = one_file.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(lines, 14);
    let bytes = check_parts(dir.path(), &parts);
    assert_eq!(
        bytes.concat(),
        one_file,
        "the same bytes, split between lines"
    );
    assert_eq!(parts.iter().map(|p| p.records).sum::<u64>(), 14);
    assert!(parts.len() >= 3, "{} parts", parts.len());
    for (part, bytes) in parts.iter().zip(&bytes) {
        assert!(part.bytes <= 2500 || part.records == 1, "{part:?}");
        assert!(bytes.ends_with(b"\n"));
        assert_eq!(
            bytes.iter().filter(|&&b| b == b'\n').count() as u64,
            part.records
        );
        // first..last is the span of the records' `event.end`.
        let ends: Vec<String> = String::from_utf8_lossy(bytes)
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("record");
                v["event"]["end"].as_str().unwrap_or_default().to_owned()
            })
            .collect();
        assert_eq!(part.first.as_ref(), ends.iter().min(), "{}", part.path);
        assert_eq!(part.last.as_ref(), ends.iter().max(), "{}", part.path);
    }
    let names: Vec<String> = (1..=parts.len())
        .map(|n| format!("flows-{n:06}.ndjson"))
        .collect();
    let listed: Vec<String> = parts.iter().map(|p| p.path.clone()).collect();
    assert_eq!(listed, names);
}

#[test]
fn time_rotated_flows_follow_capture_time_windows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flows.ndjson");
    // names.pcap spans 1.221 s (09:00:00.000 to 09:00:01.221): 1 s windows, and a reopen
    // after every 5 flows.
    let (one_file, parts) = both_sinks(&capture("names.pcap"), &path, Rotate::Time(1), 5);
    let bytes = check_parts(dir.path(), &parts);
    assert_eq!(bytes.concat(), one_file);
    assert_eq!(parts.iter().map(|p| p.records).sum::<u64>(), 14);
    // Reopens after flows 5 and 10 end parts; the records stay in order.
    let mut seen = 0;
    let mut ends_at = Vec::new();
    for part in &parts {
        seen += part.records;
        ends_at.push(seen);
    }
    assert!(ends_at.contains(&5) && ends_at.contains(&10), "{ends_at:?}");
    // Flows 1-5 | reopen | 6-10 | reopen | 11 (ends 09:00:00.970400) | 1 s window | 12-14.
    let records: Vec<u64> = parts.iter().map(|p| p.records).collect();
    assert_eq!(records, [5, 5, 1, 3]);
    assert_eq!(
        parts[2].last.as_deref(),
        Some("2026-03-02T09:00:00.970400Z")
    );
    assert_eq!(
        parts[3].first.as_deref(),
        Some("2026-03-02T09:00:01.085000Z")
    );
    assert_eq!(
        parts[3].last.as_deref(),
        Some("2026-03-02T09:00:01.221000Z")
    );
    let manifest: Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join("flows.ndjson.manifest.json")).expect("manifest"),
    )
    .expect("JSON");
    assert_eq!(manifest["format"], "residency.manifest/1");
    assert_eq!(
        manifest["rotate"],
        serde_json::json!({"policy": "time", "seconds": 1})
    );
    assert_eq!(
        manifest["parts"].as_array().map(Vec::len),
        Some(parts.len())
    );
    for (listed, part) in manifest["parts"]
        .as_array()
        .into_iter()
        .flatten()
        .zip(&parts)
    {
        assert_eq!(listed["sha256"], part.sha256.as_str());
        assert_eq!(listed["records"], part.records);
        assert_eq!(listed["first"], part.first.as_deref().unwrap_or_default());
    }
}
