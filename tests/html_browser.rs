//! The HTML report in a real browser: Debian's `chromium`, headless. The page's own self-test
//! (URL fragment `#selftest`) sorts the flow and destination tables, filters one, counts the
//! map's markers and writes the headline figures it shows into `<pre id="selftest">`, which
//! `--dump-dom` prints; this test checks them against the JSON report, and keeps a screenshot
//! under target/ (CARGO_TARGET_TMPDIR/html-report/) as an artifact. The second test does the
//! same for a page with a baseline and for the page of `residency diff --html`.
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

/// The `#selftest` output of the page at `html`.
fn selftest(browser: &Path, profile: &Path, html: &Path) -> String {
    let url = format!("file://{}#selftest", html.display());
    let dom = browse(browser, profile, &["--dump-dom", &url]);
    let start = dom
        .find("<pre id=\"selftest\">")
        .unwrap_or_else(|| panic!("no self-test output in the DOM:\n{dom}"));
    let end = start + dom[start..].find("</pre>").unwrap();
    let result = dom[start + 19..end].to_string();
    assert!(result.ends_with("selftest pass"), "{result}");
    assert!(!result.contains("FAIL"), "{result}");
    result
}

/// The page of `analyze --html --baseline` and the page of `diff --html`: the diff's tables
/// are there and sort (descending, then ascending) and filter in the browser, and the counts
/// it shows are `residency diff --json`'s.
#[test]
fn the_baseline_page_works_in_chromium() {
    let Some(browser) = chromium() else {
        cli::skip(
            "chromium is not installed (apt-get install chromium); the browser test checks nothing",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let s = |p: &PathBuf| p.to_str().unwrap().to_string();
    let (old, new, html, alone) = (
        path("old.json"),
        path("new.json"),
        path("new.html"),
        path("diff.html"),
    );
    let run = cli::analyze(&[
        "--home",
        "SE",
        "captures/teams-like.pcap",
        "--json",
        &s(&old),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = cli::analyze(&[
        "--home",
        "SE",
        "captures/names.pcap",
        "captures/teams-like.pcap",
        "--json",
        &s(&new),
        "--html",
        &s(&html),
        "--baseline",
        &s(&old),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = cli::residency(&["diff", &s(&old), &s(&new), "--html", &s(&alone)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = cli::residency(&["diff", &s(&old), &s(&new), "--json", "-"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let d: Value = serde_json::from_str(&run.stdout).unwrap();
    // The new destinations' bytes sent, as the diff lists them (most first).
    let sent: Vec<u64> = d["destinations"]["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["bytes_to"].as_u64().unwrap())
        .collect();
    let mut ascending = sent.clone();
    ascending.sort_unstable();
    let join = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
    let profile = path("profile");
    for page in [&html, &alone] {
        let result = selftest(&browser, &profile, page);
        let line = |prefix: &str| -> String {
            result
                .lines()
                .find_map(|l| l.strip_prefix(prefix))
                .unwrap_or_else(|| panic!("no {prefix:?} in {result}"))
                .to_string()
        };
        assert_eq!(
            line("ok t-diff-destinations sorted descending by bytes sent: "),
            join(&sent),
            "{}",
            page.display()
        );
        assert_eq!(
            line("ok t-diff-destinations sorted ascending by bytes sent: "),
            join(&ascending)
        );
        assert_eq!(line("rows t-diff-destinations "), "9");
        assert!(result.contains("ok t-diff-placement sorted descending by bytes sent: change: "));
        assert!(result.contains("ok t-diff-totals sorted ascending by bytes sent: change: "));
        assert!(result.contains("ok diff filter keeps matching rows: 1 rows for "));
        // The counts and totals the browser shows are the diff's.
        assert_eq!(line("figure changes-count "), "30");
        assert_eq!(
            line("figure changes-destinations-new "),
            d["destinations"]["new"]
                .as_array()
                .unwrap()
                .len()
                .to_string()
        );
        assert_eq!(
            line("figure changes-hostnames-new "),
            d["hostnames"]["new"].as_array().unwrap().len().to_string()
        );
        for key in ["flows", "bytes_to_remote", "bytes_from_remote"] {
            assert_eq!(
                line(&format!("figure diff-totals-{key}-change ")),
                d["totals"][key]["change"].to_string(),
                "{key}"
            );
        }
        // The evidence tables are on the analyze page, not on the diff's.
        assert_eq!(
            result.contains("ok t-flows sorted descending"),
            page == &html,
            "{result}"
        );
    }
    // A screenshot of the diff's own page, kept under target/.
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("diff.png");
    let _ = std::fs::remove_file(&shot);
    browse(
        &browser,
        &profile,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000",
            &format!("file://{}", alone.display()),
        ],
    );
    let png = std::fs::read(&shot).expect("chromium wrote no screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
    println!("screenshot: {}", shot.display());
}
