//! The progress display of `analyze`: on a terminal's standard error only, off with `--quiet`,
//! and never in an output. A terminal is made with util-linux's `script` (Debian's
//! `bsdutils`, an essential package).

mod cli;

use std::process::Command;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_residency")
}

/// `residency ARGS` on a pseudo-terminal 120 columns wide: what the terminal showed.
fn on_terminal(args: &str) -> Option<String> {
    let probe = Command::new("script").arg("--version").output();
    if probe.is_err() {
        cli::skip("progress on a terminal: `script` (util-linux) is not installed");
        return None;
    }
    let out = Command::new("script")
        .args(["-qec"])
        .arg(format!("stty cols 120 rows 40; {} {args}", bin()))
        .arg("/dev/null")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run script");
    assert!(out.status.success(), "{out:?}");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn a_terminal_shows_progress_and_it_is_erased() {
    let Some(shown) = on_terminal("analyze captures/names.pcap captures/rtt.pcap --top 1") else {
        return;
    };
    // Each input by number and name, and the figures after its first packet.
    assert!(shown.contains("[1/2] names.pcap"), "{shown}");
    assert!(shown.contains("[2/2] rtt.pcap"), "{shown}");
    assert!(shown.contains("1 packets, "), "{shown}");
    // Erased (carriage return, clear line) before the summary, which follows whole.
    let summary = shown.find("residency ").expect("the summary's first line");
    assert!(shown[..summary].ends_with("\r\u{1b}[2K"), "{shown:?}");
    assert!(!shown[summary..].contains('\u{1b}'), "{shown}");
    assert!(!shown[summary..].contains("/s, "), "{shown}");
}

#[test]
fn quiet_shows_none() {
    let Some(shown) = on_terminal("analyze -q captures/names.pcap --top 1") else {
        return;
    };
    assert!(!shown.contains("[1/1]"), "{shown}");
    assert!(shown.starts_with("residency "), "{shown}");
}

#[test]
fn not_a_terminal_shows_none() {
    let run = cli::analyze(&["captures/names.pcap", "--top", "1"]);
    assert!(!run.stderr.contains("[1/1]"), "{}", run.stderr);
    assert!(!run.stderr.contains('\r'), "{}", run.stderr);
    assert!(!run.stdout.contains("[1/1]"));
}
