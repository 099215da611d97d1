//! Rotating outputs on real files: parts, hashes, windows, reopen, the manifest, earlier runs.

use super::*;
use crate::digest::sha256_hex;
use std::fs;

const SECOND: i64 = 1_000_000_000;
/// 2020-04-16T12:00:00Z.
const NOON: i64 = 1_587_038_400 * SECOND;

fn ts(nanos: i64) -> Timestamp {
    Timestamp::from_nanos(nanos)
}

/// Every file in the folder, in name order.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn manifest_json(path: &Path) -> serde_json::Value {
    let text = fs::read_to_string(manifest_path(path)).expect("the manifest");
    serde_json::from_str(&text).expect("manifest JSON")
}

/// The hash, size and record count of each part match its file.
fn check_on_disk(dir: &Path, parts: &[PartReport], record_len: u64, header_len: u64) {
    for part in parts {
        let bytes = fs::read(dir.join(&part.path)).expect("part on disk");
        assert_eq!(sha256_hex(&bytes), part.sha256, "{}", part.path);
        assert_eq!(bytes.len() as u64, part.bytes, "{}", part.path);
        assert_eq!(part.bytes, header_len + part.records * record_len);
    }
}

#[test]
fn never_writes_one_file_at_the_path_with_a_manifest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flows.ndjson");
    let mut out = Rotating::create(&path, Rotate::Never, Vec::new()).expect("create");
    assert!(!path.exists(), "nothing at the final name while writing");
    out.write_record(ts(NOON + 5 * SECOND), b"{\"a\":1}\n")
        .expect("write");
    out.write_record(ts(NOON + 2 * SECOND), b"{\"b\":2}\n")
        .expect("write");
    let parts = out.finish().expect("finish");
    assert_eq!(
        files(dir.path()),
        ["flows.ndjson", "flows.ndjson.manifest.json"]
    );
    assert_eq!(
        fs::read_to_string(&path).expect("read"),
        "{\"a\":1}\n{\"b\":2}\n"
    );
    assert_eq!(parts.len(), 1);
    let part = &parts[0];
    assert_eq!(part.path, "flows.ndjson");
    assert_eq!(part.sequence, 1);
    assert_eq!(part.records, 2);
    assert_eq!(part.bytes, 16);
    assert_eq!(part.sha256, sha256_hex(b"{\"a\":1}\n{\"b\":2}\n"));
    // Earliest and latest, whatever the order the records came in.
    assert_eq!(
        part.first.as_deref(),
        Some("2020-04-16T12:00:02.000000000Z")
    );
    assert_eq!(part.last.as_deref(), Some("2020-04-16T12:00:05.000000000Z"));

    let manifest = manifest_json(&path);
    assert_eq!(
        manifest,
        serde_json::json!({
            "format": "residency.manifest/1",
            "target": path.display().to_string(),
            "rotate": {"policy": "never"},
            "complete": true,
            "parts": [{
                "sequence": 1,
                "path": "flows.ndjson",
                "sha256": sha256_hex(b"{\"a\":1}\n{\"b\":2}\n"),
                "bytes": 16,
                "records": 2,
                "first": "2020-04-16T12:00:02.000000000Z",
                "last": "2020-04-16T12:00:05.000000000Z",
            }],
        })
    );
}

#[test]
fn an_empty_run_still_gives_the_file_with_its_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("evidence.pcapng");
    let out = Rotating::create(&path, Rotate::Never, b"HEADER".to_vec()).expect("create");
    let parts = out.finish().expect("finish");
    assert_eq!(fs::read(&path).expect("read"), b"HEADER");
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].records, 0);
    assert_eq!(parts[0].bytes, 6);
    assert_eq!(parts[0].first, None);
    let manifest = manifest_json(&path);
    assert_eq!(manifest["parts"][0]["records"], 0);
    assert!(manifest["parts"][0].get("first").is_none());
}

#[test]
fn size_rotation_splits_before_the_record_that_would_overflow() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flows.ndjson");
    // Header 4 bytes, records 10 bytes, limit 35: 4 + 3 × 10 = 34 fits, a fourth would not.
    let mut out = Rotating::create(&path, Rotate::Size(35), b"HDR\n".to_vec()).expect("create");
    let record = b"record 01\n";
    for i in 0..10 {
        out.write_record(ts(NOON + i * SECOND), record)
            .expect("write");
    }
    let parts = out.finish().expect("finish");
    assert_eq!(
        files(dir.path()),
        [
            "flows-000001.ndjson",
            "flows-000002.ndjson",
            "flows-000003.ndjson",
            "flows-000004.ndjson",
            "flows.ndjson.manifest.json"
        ]
    );
    let counts: Vec<u64> = parts.iter().map(|p| p.records).collect();
    assert_eq!(counts, [3, 3, 3, 1]);
    assert_eq!(counts.iter().sum::<u64>(), 10);
    let sizes: Vec<u64> = parts.iter().map(|p| p.bytes).collect();
    assert_eq!(sizes, [34, 34, 34, 14]);
    let sequences: Vec<u64> = parts.iter().map(|p| p.sequence).collect();
    assert_eq!(sequences, [1, 2, 3, 4]);
    check_on_disk(dir.path(), &parts, 10, 4);
    assert_eq!(
        parts[1].first.as_deref(),
        Some("2020-04-16T12:00:03.000000000Z")
    );
    assert_eq!(
        parts[1].last.as_deref(),
        Some("2020-04-16T12:00:05.000000000Z")
    );
    let manifest = manifest_json(&path);
    assert_eq!(
        manifest["rotate"],
        serde_json::json!({"policy": "size", "bytes": 35})
    );
    assert_eq!(manifest["parts"].as_array().map(Vec::len), Some(4));
    assert_eq!(manifest["parts"][3]["sha256"], parts[3].sha256.as_str());
}

#[test]
fn a_record_larger_than_the_limit_gets_a_part_of_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.bin");
    let mut out = Rotating::create(&path, Rotate::Size(8), Vec::new()).expect("create");
    out.write_record(ts(1), b"0123456789ABCDEF").expect("write");
    out.write_record(ts(2), b"xy").expect("write");
    out.write_record(ts(3), b"0123456789ABCDEF").expect("write");
    let parts = out.finish().expect("finish");
    let sizes: Vec<u64> = parts.iter().map(|p| p.bytes).collect();
    assert_eq!(sizes, [16, 2, 16]);
}

#[test]
fn time_rotation_follows_aligned_windows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("capture.pcapng");
    let mut out = Rotating::create(&path, Rotate::Time(3600), Vec::new()).expect("create");
    let minute = 60 * SECOND;
    // 12:59, 13:00 (new hour), 13:30, 12:58 (late: stays in the 13:00 part), 15:10 (a gap:
    // the next part is 15:00, no empty 14:00 part).
    for t in [
        NOON + 59 * minute,
        NOON + 60 * minute,
        NOON + 90 * minute,
        NOON + 58 * minute,
        NOON + 190 * minute,
    ] {
        out.write_record(ts(t), b"r\n").expect("write");
    }
    let parts = out.finish().expect("finish");
    let got: Vec<(u64, Option<&str>, Option<&str>)> = parts
        .iter()
        .map(|p| (p.records, p.first.as_deref(), p.last.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (
                1,
                Some("2020-04-16T12:59:00.000000000Z"),
                Some("2020-04-16T12:59:00.000000000Z")
            ),
            (
                3,
                Some("2020-04-16T12:58:00.000000000Z"),
                Some("2020-04-16T13:30:00.000000000Z")
            ),
            (
                1,
                Some("2020-04-16T15:10:00.000000000Z"),
                Some("2020-04-16T15:10:00.000000000Z")
            ),
        ]
    );
    check_on_disk(dir.path(), &parts, 2, 0);
    assert_eq!(parts[2].path, "capture-000003.pcapng");
}

#[test]
fn reopen_ends_the_part_and_numbers_the_next_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flows.ndjson");
    let mut out = Rotating::create(&path, Rotate::Never, Vec::new()).expect("create");
    out.write_record(ts(NOON), b"one\n").expect("write");
    out.reopen().expect("reopen");
    // The finished part is in place at once, and listed.
    assert_eq!(fs::read_to_string(&path).expect("read"), "one\n");
    assert_eq!(out.parts().len(), 1);
    assert_eq!(manifest_json(&path)["complete"], false);
    // A second reopen with nothing written makes no empty file.
    out.reopen().expect("reopen");
    out.write_record(ts(NOON + SECOND), b"two\n")
        .expect("write");
    out.write_record(ts(NOON + 2 * SECOND), b"three\n")
        .expect("write");
    out.reopen().expect("reopen");
    out.write_record(ts(NOON + 3 * SECOND), b"four\n")
        .expect("write");
    let parts = out.finish().expect("finish");
    assert_eq!(
        files(dir.path()),
        [
            "flows-000002.ndjson",
            "flows-000003.ndjson",
            "flows.ndjson",
            "flows.ndjson.manifest.json"
        ]
    );
    assert_eq!(fs::read_to_string(&path).expect("read"), "one\n");
    assert_eq!(
        fs::read_to_string(dir.path().join("flows-000002.ndjson")).expect("read"),
        "two\nthree\n"
    );
    let listed: Vec<(u64, &str, u64)> = parts
        .iter()
        .map(|p| (p.sequence, p.path.as_str(), p.records))
        .collect();
    assert_eq!(
        listed,
        [
            (1, "flows.ndjson", 1),
            (2, "flows-000002.ndjson", 2),
            (3, "flows-000003.ndjson", 1)
        ]
    );
    assert_eq!(manifest_json(&path)["complete"], true);
}

#[test]
fn reopen_of_a_size_rotation_starts_the_next_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flows.ndjson");
    let mut out = Rotating::create(&path, Rotate::Size(1000), Vec::new()).expect("create");
    out.write_record(ts(1), b"a\n").expect("write");
    out.reopen().expect("reopen");
    out.write_record(ts(2), b"b\n").expect("write");
    let parts = out.finish().expect("finish");
    let names: Vec<&str> = parts.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(names, ["flows-000001.ndjson", "flows-000002.ndjson"]);
}

#[test]
fn an_earlier_runs_files_are_refused_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flows.ndjson");
    let mut first = Rotating::create(&path, Rotate::Size(4), Vec::new()).expect("create");
    for i in 0..3 {
        first.write_record(ts(i), b"abc\n").expect("write");
    }
    first.finish().expect("finish");
    let before = files(dir.path());
    assert_eq!(before.len(), 4, "{before:?}");

    for policy in [Rotate::Size(4), Rotate::Never, Rotate::Time(60)] {
        let err = Rotating::create(&path, policy, Vec::new()).expect_err("earlier parts");
        let message = err.to_string();
        assert!(matches!(err, OutputError::PartsExist { ref found, .. } if found.len() == 4));
        assert!(message.contains("flows-000001.ndjson"), "{message}");
        assert!(message.contains("and 1 more"), "{message}");
        assert!(
            message.contains("move them elsewhere or give another path"),
            "{message}"
        );
    }
    // Nothing was touched, no temp file left.
    assert_eq!(files(dir.path()), before);

    // A file at the path itself is refused too: a run never replaces evidence.
    let other = dir.path().join("single.pcapng");
    fs::write(&other, "old").expect("seed");
    let err = Rotating::create(&other, Rotate::Never, Vec::new()).expect_err("exists");
    assert!(err.to_string().contains("single.pcapng"), "{err}");
    assert_eq!(fs::read_to_string(&other).expect("read"), "old");
}

#[test]
fn a_part_whose_name_is_taken_meanwhile_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flows.ndjson");
    let mut out = Rotating::create(&path, Rotate::Size(4), Vec::new()).expect("create");
    out.write_record(ts(1), b"abc\n").expect("write");
    let squatter = dir.path().join("flows-000001.ndjson");
    fs::write(&squatter, "someone else's").expect("seed");
    let err = out.write_record(ts(2), b"def\n").expect_err("taken");
    assert!(matches!(err, OutputError::Exists { .. }), "{err:?}");
    assert!(err.to_string().contains("flows-000001.ndjson"), "{err}");
    assert_eq!(
        fs::read_to_string(&squatter).expect("read"),
        "someone else's"
    );
}

#[test]
fn streams_cannot_rotate_but_can_be_written_whole() {
    for rotate in [Rotate::Size(100), Rotate::Time(60)] {
        for path in ["-", "/dev/null"] {
            let err = Rotating::create(Path::new(path), rotate, Vec::new()).expect_err(path);
            assert!(matches!(err, OutputError::CannotRotate { .. }), "{err:?}");
            assert!(err.to_string().contains("leave out --rotate"), "{err}");
        }
    }
    let mut out =
        Rotating::create(Path::new("/dev/null"), Rotate::Never, b"H".to_vec()).expect("create");
    assert_eq!(out.manifest(), None);
    out.write_record(ts(1), b"abc").expect("write");
    out.reopen().expect("a reopen flushes");
    out.write_record(ts(2), b"def").expect("write");
    let parts = out.finish().expect("finish");
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].path, "/dev/null");
    assert_eq!(parts[0].records, 2);
    assert_eq!(parts[0].sha256, sha256_hex(b"Habcdef"));
}

#[test]
fn a_fifo_cannot_rotate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("skipped: no mkfifo");
        return;
    }
    let err = Rotating::create(&fifo, Rotate::Size(10), Vec::new()).expect_err("a FIFO");
    assert!(matches!(err, OutputError::CannotRotate { .. }), "{err:?}");
}

#[test]
fn a_dropped_output_leaves_its_finished_parts_and_no_temp() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flows.ndjson");
    {
        let mut out = Rotating::create(&path, Rotate::Size(4), Vec::new()).expect("create");
        out.write_record(ts(1), b"abc\n").expect("write");
        out.write_record(ts(2), b"def\n").expect("write");
        // An error elsewhere: dropped without finish.
    }
    assert_eq!(
        files(dir.path()),
        ["flows-000001.ndjson", "flows.ndjson.manifest.json"]
    );
    let manifest = manifest_json(&path);
    assert_eq!(manifest["complete"], false);
    assert_eq!(manifest["parts"].as_array().map(Vec::len), Some(1));
}

#[test]
fn a_missing_folder_fails_at_create() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("missing").join("flows.ndjson");
    let err = Rotating::create(&path, Rotate::Size(10), Vec::new()).expect_err("missing");
    assert!(matches!(err, OutputError::MissingFolder { .. }), "{err:?}");
    assert!(err.to_string().contains("flows-000001.ndjson"), "{err}");
}

#[test]
fn precision_sets_the_manifest_digits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("f.ndjson");
    let mut out = Rotating::create(&path, Rotate::Never, Vec::new()).expect("create");
    out.set_precision(6);
    out.write_record(ts(NOON + 419_153_000), b"x\n")
        .expect("write");
    let parts = out.finish().expect("finish");
    assert_eq!(
        parts[0].first.as_deref(),
        Some("2020-04-16T12:00:00.419153Z")
    );
    assert_eq!(parts[0].first_time, Some(ts(NOON + 419_153_000)));
}
