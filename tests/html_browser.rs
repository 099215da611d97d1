//! The HTML report in a real browser: Debian's `chromium`, headless. The page's own self-test
//! (URL fragment `#selftest`) sorts the flow and destination tables, filters one, counts the
//! map's markers and writes the headline figures it shows into `<pre id="selftest">`, which
//! `--dump-dom` prints; this test checks them against the JSON report, and keeps a screenshot
//! under target/ (CARGO_TARGET_TMPDIR/html-report/) as an artifact.
//!
//! Without chromium the test says why it checks nothing and passes, except under `CI=true`,
//! where it fails (tests/run installs chromium).

mod cli;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The browser: `RESIDENCY_CHROMIUM`, else chromium on the PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RESIDENCY_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        })
    })
}

/// Runs chromium headless with `args`, giving up after two minutes.
fn browse(browser: &Path, profile: &Path, args: &[&str]) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--allow-file-access-from-files",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish in 2 minutes: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap()
}

#[test]
fn the_page_works_in_chromium() {
    let Some(browser) = chromium() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("chromium is not installed; CI needs it (tests/run installs it with apt)");
        }
        cli::skip(
            "chromium is not installed (apt-get install chromium); the browser test checks nothing",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let html = dir.path().join("report.html");
    let run = cli::analyze(&[
        "--home",
        "SE",
        "captures/teams-like.pcap",
        "--json",
        json.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let url = format!("file://{}#selftest", html.display());
    let profile = dir.path().join("profile");
    let dom = browse(&browser, &profile, &["--dump-dom", &url]);
    let start = dom
        .find("<pre id=\"selftest\">")
        .unwrap_or_else(|| panic!("no self-test output in the DOM:\n{dom}"));
    let end = start + dom[start..].find("</pre>").unwrap();
    let result = &dom[start + 19..end];
    assert!(result.ends_with("selftest pass"), "{result}");
    assert!(!result.contains("FAIL"), "{result}");
    let line = |prefix: &str| -> String {
        result
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} in {result}"))
            .to_string()
    };
    // The table sorts: descending, then ascending by bytes sent.
    assert_eq!(
        line("ok t-flows sorted descending by bytes sent: "),
        "1228,856,65,48"
    );
    assert_eq!(
        line("ok t-flows sorted ascending by bytes sent: "),
        "48,65,856,1228"
    );
    assert_eq!(
        line("ok t-destinations sorted descending by bytes sent: "),
        "1228,856,48"
    );
    // One marker per placed destination.
    let placed = report["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["geo"]["country"].is_string())
        .map(|a| a["ip"].as_str().unwrap())
        .collect::<BTreeSet<_>>()
        .len();
    assert_eq!(line("markers "), placed.to_string());
    assert_eq!(line("vantages "), "1");
    // The headline figures the browser shows are the JSON report's.
    let answer = &report["summary"]["answer"];
    let mut checked = 0;
    for q in ["left_home", "left_eu_eea"] {
        for side in ["yes", "no", "unknown"] {
            for f in ["flows", "bytes_to_remote"] {
                assert_eq!(
                    line(&format!("figure answer-{q}-{side}-{f} ")),
                    answer[q][side][f].to_string(),
                    "{q} {side} {f}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 12);
    // A screenshot to look at, kept under target/.
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("teams-like.png");
    let _ = std::fs::remove_file(&shot);
    browse(
        &browser,
        &profile,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000",
            &format!("file://{}", html.display()),
        ],
    );
    let png = std::fs::read(&shot).expect("chromium wrote no screenshot");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    assert!(
        png.len() > 10_000,
        "a blank screenshot? {} bytes",
        png.len()
    );
    println!("screenshot: {}", shot.display());
}
