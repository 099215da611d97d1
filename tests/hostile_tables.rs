//! Hostile `--services` catalogs and `check --policy` files: nesting without end, lines of a
//! megabyte, files past the size bound, a device instead of a file. Each is a short, clear
//! error naming the file (exit 1), never a hang, a crash or a megabyte of terminal output.

#[path = "cli/mod.rs"]
mod cli;

use std::path::PathBuf;

/// Longest error accepted: a few lines.
const MAX_STDERR: usize = 1_000;

fn write(name: &str, text: &[u8]) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile_tables");
    std::fs::create_dir_all(&dir).expect("create the test directory");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write the test file");
    path.display().to_string()
}

/// (file name, contents, what the error must say).
fn hostile(max_bytes: usize) -> Vec<(&'static str, Vec<u8>, &'static str)> {
    vec![
        (
            "arrays.toml",
            format!("x = {}{}\n", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
            "TOML parse error at line 1, column ",
        ),
        (
            "inline-tables.toml",
            format!("x = {}1{}\n", "{a = ".repeat(50_000), "}".repeat(50_000)).into_bytes(),
            "TOML parse error at line 1, column ",
        ),
        (
            "dotted-keys.toml",
            format!("[{}]\n", vec!["a"; 100_000].join(".")).into_bytes(),
            "recursion limit",
        ),
        (
            "long-string.toml",
            format!("catalog_date = \"{}\n", "9".repeat(max_bytes / 2)).into_bytes(),
            "TOML parse error at line 1, column ",
        ),
        (
            "too-big.toml",
            vec![b'#'; max_bytes + 1],
            "bytes, more than the ",
        ),
        (
            "not-utf8.toml",
            vec![b'x', b' ', b'=', 0xff],
            "not UTF-8 text",
        ),
    ]
}

fn assert_clear(what: &str, file: &str, run: &cli::Run, says: &str) {
    assert_eq!(
        run.code,
        1,
        "{what}: {}",
        &run.stderr[..run.stderr.len().min(2000)]
    );
    assert!(
        run.stderr.len() < MAX_STDERR,
        "{what}: {} bytes of errors: {}",
        run.stderr.len(),
        &run.stderr[..2000.min(run.stderr.len())]
    );
    assert!(run.stderr.contains(file), "{what}: {}", run.stderr);
    assert!(run.stderr.contains(says), "{what}: {}", run.stderr);
    assert!(
        run.stdout.is_empty() || !run.stdout.contains("\"flows\""),
        "{what}"
    );
}

#[test]
fn hostile_service_catalogs_are_short_clear_errors() {
    let max = residency::services::MAX_CATALOG_FILE as usize;
    for (name, text, says) in hostile(max) {
        let file = write(&format!("services-{name}"), &text);
        let run = cli::analyze(&["--services", &file, "captures/teams-like.pcap"]);
        assert_clear(name, &file, &run, says);
        println!(
            "--services {name}: {}",
            run.stderr.trim_end().lines().last().unwrap_or("")
        );
    }
    let run = cli::analyze(&["--services", "/dev/zero", "captures/teams-like.pcap"]);
    assert_clear("/dev/zero", "/dev/zero", &run, "not a regular file");
}

#[test]
fn hostile_policies_are_short_clear_errors() {
    for (name, text, says) in hostile(1 << 20) {
        let file = write(&format!("policy-{name}"), &text);
        let run = cli::residency(&["check", "--policy", &file, "captures/teams-like.pcap"]);
        assert_clear(name, &file, &run, says);
        println!(
            "--policy {name}: {}",
            run.stderr.trim_end().lines().last().unwrap_or("")
        );
    }
    let run = cli::residency(&["check", "--policy", "/dev/zero", "captures/teams-like.pcap"]);
    assert_clear("/dev/zero", "/dev/zero", &run, "not a regular file");
}
