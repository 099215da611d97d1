//! `analyze --html PATH --baseline OLD.json` and `diff OLD NEW --html PATH`: the section
//! "Changes since the baseline" says what `residency diff --json` says (counts, deltas, new
//! destinations by address), warns when the reports were made differently, is the same bytes
//! run after run, and escapes what packets and file names say (docs/html-report.md).

mod cli;

use serde_json::Value;
use std::path::{Path, PathBuf};

const TEAMS: &str = "captures/teams-like.pcap";
const NAMES: &str = "captures/names.pcap";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `analyze --json` of `args` into `dir/name`.
fn report(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let run = cli::analyze(&[args, &["--json", s(&path)]].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    path
}

/// The page of NAMES + TEAMS (home SE) against `baseline`, with its JSON report beside it.
fn baseline_page(dir: &Path, baseline: &Path, page: &str) -> (PathBuf, String) {
    let json = dir.join("new.json");
    let html = dir.join(page);
    let run = cli::analyze(&[
        "--home",
        "SE",
        NAMES,
        TEAMS,
        "--json",
        s(&json),
        "--html",
        s(&html),
        "--baseline",
        s(baseline),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    (json, std::fs::read_to_string(&html).unwrap())
}

fn diff_json(old: &Path, new: &Path) -> Value {
    let run = cli::residency(&["diff", s(old), s(new), "--json", "-"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

/// The exact value (`data-v`) of the element with `id`.
fn figure(page: &str, id: &str) -> i64 {
    let pattern = format!("id=\"{id}\" data-v=\"");
    let at = page
        .find(&pattern)
        .unwrap_or_else(|| panic!("no figure {id} on the page"));
    let rest = &page[at + pattern.len()..];
    rest[..rest.find('"').unwrap()].parse().unwrap()
}

fn count(v: &Value) -> i64 {
    v.as_i64().unwrap()
}

/// Every count and delta the section shows equals the diff's.
fn assert_figures(page: &str, d: &Value) {
    let len = |v: &Value| v.as_array().unwrap().len() as i64;
    let moved = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] != "same")
            .count() as i64
    };
    let counts = [
        ("destinations-new", len(&d["destinations"]["new"])),
        ("destinations-vanished", len(&d["destinations"]["vanished"])),
        ("hostnames-new", len(&d["hostnames"]["new"])),
        ("hostnames-vanished", len(&d["hostnames"]["vanished"])),
        ("verdicts-addresses", len(&d["verdicts"]["addresses"])),
        ("verdicts-hostnames", len(&d["verdicts"]["hostnames"])),
        ("zones", moved(&d["placement"]["by_zone"])),
        ("jurisdictions", moved(&d["placement"]["by_jurisdiction"])),
        ("providers", moved(&d["placement"]["by_provider"])),
        ("services", moved(&d["services"])),
    ];
    let mut total = 0;
    for (id, n) in counts {
        assert_eq!(figure(page, &format!("changes-{id}")), n, "{id}");
        total += n;
    }
    assert_eq!(figure(page, "changes-count"), total);
    assert_eq!(figure(page, "changes-total"), total);
    for key in [
        "flows",
        "bytes_to_remote",
        "bytes_from_remote",
        "destinations",
    ] {
        for side in ["old", "new", "change"] {
            assert_eq!(
                figure(page, &format!("diff-totals-{key}-{side}")),
                count(&d["totals"][key][side]),
                "totals {key} {side}"
            );
        }
    }
    for q in ["left_home", "left_eu_eea"] {
        for answer in ["yes", "no", "unknown"] {
            for f in ["flows", "bytes_to_remote"] {
                assert_eq!(
                    figure(page, &format!("diff-{q}-{answer}-{f}-change")),
                    count(&d["answer"][q][answer][f]["change"]),
                    "{q} {answer} {f}"
                );
            }
        }
    }
    for (by, key) in [("zone", "by_zone"), ("jurisdiction", "by_jurisdiction")] {
        for row in d["placement"][key].as_array().unwrap() {
            let name = row["name"].as_str().unwrap();
            let id = format!("diff-{by}-{name}-bytes_to-change");
            if row["status"] == "same" {
                assert!(!page.contains(&format!("id=\"{id}\"")), "{id} unchanged");
            } else {
                assert_eq!(figure(page, &id), count(&row["bytes_to"]["change"]), "{id}");
            }
        }
    }
    for key in ["left_eu_eea", "non_eu_control", "cloud_act"] {
        assert_eq!(
            figure(page, &format!("diff-placement-{key}-bytes_to-change")),
            count(&d["placement"][key]["bytes_to"]["change"]),
            "{key}"
        );
    }
    // New and vanished destinations, listed by address.
    for change in ["new", "vanished"] {
        for x in d["destinations"][change].as_array().unwrap() {
            let ip = x["ip"].as_str().unwrap();
            assert!(
                page.contains(&format!("<tr data-ip=\"{ip}\" data-change=\"{change}\">")),
                "{change} destination {ip}"
            );
        }
    }
    assert_eq!(
        page.matches("data-change=\"new\"").count() as i64,
        len(&d["destinations"]["new"]) + len(&d["hostnames"]["new"])
    );
}

#[test]
fn the_baseline_section_says_what_the_diff_says() {
    let dir = tempfile::tempdir().unwrap();
    let old = report(dir.path(), "old.json", &["--home", "SE", TEAMS]);
    let (new, page) = baseline_page(dir.path(), &old, "new.html");
    let d = diff_json(&old, &new);
    assert_figures(&page, &d);
    // The figures themselves (docs/diff.md's one-against-two example).
    assert_eq!(figure(&page, "changes-destinations-new"), 9);
    assert_eq!(figure(&page, "changes-destinations-vanished"), 0);
    assert_eq!(figure(&page, "diff-totals-flows-change"), 14);
    assert_eq!(
        figure(&page, "diff-left_eu_eea-yes-bytes_to_remote-change"),
        1660
    );
    for ip in ["93.184.215.14", "192.0.2.80", "2001:db8:80::80"] {
        assert!(page.contains(&format!("<tr data-ip=\"{ip}\" data-change=\"new\">")));
    }
    // The line on the first screen: the baseline, its SHA-256, the count, a link down.
    let sha = sha256_hex(&std::fs::read(&old).unwrap());
    let header = &page[..page.find("</header>").unwrap()];
    assert!(header.contains(&format!(
        "Compared with baseline <a href=\"#changes\">{}</a> (sha256 <code id=\"baseline-sha256\">{sha}</code>)",
        old.display()
    )));
    assert!(
        header.contains("data-v=\"30\">30 changes</span>"),
        "{header}"
    );
    assert!(page.contains("<section id=\"changes\"><h2>Changes since the baseline</h2>"));
    // Made the same way: no warnings.
    assert!(page.contains("id=\"diff-no-warnings\""));
    assert!(!page.contains("id=\"t-diff-warnings\""));
    // The tables sort and filter as the page's others do.
    for id in [
        "t-diff-totals",
        "t-diff-answer",
        "t-diff-placement",
        "t-diff-destinations",
        "t-diff-hostnames",
        "t-diff-hostverdicts",
    ] {
        assert!(
            page.contains(&format!("<table id=\"{id}\" class=\"sortable\">")),
            "{id}"
        );
        assert!(
            page.contains(&format!("data-table=\"{id}\"")),
            "{id} filter"
        );
    }
    // Without a baseline the page has no such section.
    let plain = dir.path().join("plain.html");
    let r = cli::analyze(&["--home", "SE", TEAMS, "--html", s(&plain)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let plain = std::fs::read_to_string(&plain).unwrap();
    assert!(!plain.contains("id=\"changes\""));
    assert!(!plain.contains("id=\"baseline\""));
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn same_inputs_same_page() {
    let dir = tempfile::tempdir().unwrap();
    let old = report(dir.path(), "old.json", &["--home", "SE", TEAMS]);
    let (_, first) = baseline_page(dir.path(), &old, "a.html");
    let (_, second) = baseline_page(dir.path(), &old, "a.html");
    assert!(first == second, "two runs gave different pages");
    // The page made without --json (from a copy of the report) names this run instead.
    let html = dir.path().join("b.html");
    let r = cli::analyze(&[
        "--home",
        "SE",
        NAMES,
        TEAMS,
        "--html",
        s(&html),
        "--baseline",
        s(&old),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("against <code>(this run)</code> (NEW)"));
    assert_eq!(figure(&page, "changes-count"), 30);
}

#[test]
fn another_home_in_the_baseline_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let old = report(dir.path(), "ie.json", &["--home", "IE", TEAMS]);
    let (new, page) = baseline_page(dir.path(), &old, "new.html");
    let d = diff_json(&old, &new);
    assert_figures(&page, &d);
    assert_eq!(figure(&page, "diff-warnings"), 2);
    assert!(page.contains(
        "<tr data-kind=\"setting\" data-field=\"geo.home\"><td>setting</td><td>geo.home</td><td>IE</td><td>SE</td></tr>"
    ));
    assert!(page.contains("data-field=\"summary.physics.vantages\""));
    let header = &page[..page.find("</header>").unwrap()];
    assert!(
        header.contains("2 warnings (the reports were made differently)"),
        "{header}"
    );
    assert!(page.contains("left the home country (IE → SE)"));
}

#[test]
fn hostile_strings_are_escaped_in_the_diff_section() {
    let dir = tempfile::tempdir().unwrap();
    let old = report(dir.path(), "old.json", &["--home", "SE", TEAMS]);
    // A host name is whatever a packet says, a file name whatever the user chose.
    let hostile = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>&amp;";
    let text = std::fs::read_to_string(&old)
        .unwrap()
        .replace("teams.microsoft.com", &hostile.replace('"', "\\\""));
    let evil = dir.path().join("<i>old<i>&.json");
    std::fs::write(&evil, text).unwrap();
    let (_, page) = baseline_page(dir.path(), &evil, "new.html");
    assert!(!page.contains("<script>alert"), "raw script tag");
    assert!(!page.contains("<img"), "raw img tag");
    assert!(!page.contains("<i>old"), "raw file name");
    assert!(page.contains("&lt;i&gt;old&lt;i&gt;&amp;.json"));
    // The hostile name vanished (this run has teams.microsoft.com): a row of its own, escaped.
    assert!(page.contains(
        "<tr data-hostname=\"&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(2)&gt;&amp;amp;\" data-change=\"vanished\">"
    ));
    assert_eq!(page.matches("<script").count(), 1);
}

#[test]
fn a_bad_baseline_fails_before_the_capture_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("x.html");
    // --baseline needs --html.
    let old = report(dir.path(), "old.json", &["--home", "SE", TEAMS]);
    let r = cli::analyze(&[TEAMS, "--baseline", s(&old)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--html"), "{}", r.stderr);
    // Missing: named, with what to give; the (missing) capture is never reached.
    let missing = dir.path().join("missing.json");
    let r = cli::analyze(&[
        "no-such-capture.pcap",
        "--html",
        s(&html),
        "--baseline",
        s(&missing),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("--baseline {}", missing.display())),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("residency analyze --json"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("no-such-capture"), "{}", r.stderr);
    // An unknown schema.
    let other = dir.path().join("other.json");
    std::fs::write(&other, r#"{"schema":"residency.report/9","flows":[]}"#).unwrap();
    let r = cli::analyze(&[
        "no-such-capture.pcap",
        "--html",
        s(&html),
        "--baseline",
        s(&other),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("residency.report/9"), "{}", r.stderr);
    assert!(!html.exists());
    // The page never overwrites the baseline.
    let before = std::fs::read(&old).unwrap();
    let r = cli::analyze(&[TEAMS, "--html", s(&old), "--baseline", s(&old)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("--html"), "{}", r.stderr);
    assert_eq!(std::fs::read(&old).unwrap(), before);
}

#[test]
fn diff_html_is_the_same_section_on_a_page_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let old = report(dir.path(), "old.json", &["--home", "SE", TEAMS]);
    let new = report(dir.path(), "new.json", &["--home", "SE", NAMES, TEAMS]);
    let html = dir.path().join("diff.html");
    let run = cli::residency(&["diff", s(&old), s(&new), "--html", s(&html)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The terminal diff is still printed.
    assert!(run.stdout.starts_with("residency diff: "), "{}", run.stdout);
    let page = std::fs::read_to_string(&html).unwrap();
    let d = diff_json(&old, &new);
    assert_figures(&page, &d);
    // Both reports' provenance: SHA-256 of each report and of each input, the tool, the
    // databases' builds.
    for (side, path) in [("old", &old), ("new", &new)] {
        let sha = sha256_hex(&std::fs::read(path).unwrap());
        assert!(page.contains(&format!("<code id=\"{side}-sha256\">{sha}</code>")));
    }
    assert!(page.contains("captures/teams-like.pcap (671538724c83f02b421b06ec738f0991e2f7a5ae0212fd07e747e1cd8b741373, 22 packets)"));
    assert!(page.contains(
        "captures/names.pcap (5511308a58da0164f89a46ca142635065b738342eb3d1bff90e52af93ff17cce"
    ));
    assert!(page.contains("<td>residency 0.1.0</td>"));
    assert!(page.contains("<table id=\"t-diff-data\""));
    assert!(page.contains("<td>new</td><td>dbip-country-lite</td>"));
    assert_eq!(page.matches("<script").count(), 1);
    // The same bytes again; with --json too, the same figures.
    let again = dir.path().join("again.html");
    let json = dir.path().join("d.json");
    let run = cli::residency(&[
        "diff",
        s(&old),
        s(&new),
        "--html",
        s(&again),
        "--json",
        s(&json),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(std::fs::read_to_string(&again).unwrap() == page);
    let from_file: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(from_file["totals"], d["totals"]);
    // Never over one of the two reports.
    let before = std::fs::read(&new).unwrap();
    let r = cli::residency(&["diff", s(&old), s(&new), "--html", s(&new)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("--html"), "{}", r.stderr);
    assert_eq!(std::fs::read(&new).unwrap(), before);
}
