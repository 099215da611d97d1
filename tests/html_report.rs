//! `residency analyze --html PATH`: the page's figures are the JSON report's, the page is the
//! same bytes run after run, strings from packets are escaped, and the map has one marker per
//! placed destination (docs/html-report.md).

mod cli;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// Runs analyze with `--json` and `--html` into `dir`; returns (JSON report, page).
fn run(dir: &Path, args: &[&str]) -> (Value, String) {
    let json = dir.join("report.json");
    let html = dir.join("report.html");
    let mut all: Vec<&str> = args.to_vec();
    let (j, h) = (json.to_str().unwrap(), html.to_str().unwrap());
    all.extend(["--json", j, "--html", h]);
    let run = cli::analyze(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    (report, std::fs::read_to_string(&html).unwrap())
}

/// The exact value (`data-v`) of the element with `id` on the page.
fn figure(page: &str, id: &str) -> u64 {
    let pattern = format!("id=\"{id}\" data-v=\"");
    let at = page
        .find(&pattern)
        .unwrap_or_else(|| panic!("no figure {id} on the page"));
    let rest = &page[at + pattern.len()..];
    rest[..rest.find('"').unwrap()].parse().unwrap()
}

/// Every headline figure on the page equals the JSON report's.
fn assert_headline(report: &Value, page: &str) {
    let s = &report["summary"];
    let mut questions = vec!["left_eu_eea"];
    if !s["answer"]["left_home"].is_null() {
        questions.push("left_home");
    }
    for q in questions {
        for side in ["yes", "no", "unknown"] {
            for f in ["flows", "bytes_to_remote"] {
                assert_eq!(
                    figure(page, &format!("answer-{q}-{side}-{f}")),
                    s["answer"][q][side][f].as_u64().unwrap(),
                    "{q} {side} {f}"
                );
            }
        }
        assert_eq!(
            figure(page, &format!("answer-{q}-database_only-bytes_to_remote")),
            s["answer"]["database_only"][q]["bytes_to_remote"]
                .as_u64()
                .unwrap()
        );
    }
    for key in ["non_eu_control", "cloud_act"] {
        for f in ["flows", "bytes_to", "bytes_from"] {
            assert_eq!(
                figure(page, &format!("placement-{key}-{f}")),
                s["placement"][key][f].as_u64().unwrap(),
                "{key} {f}"
            );
        }
    }
    let t = &s["services"]["by_category"]["telemetry"];
    assert_eq!(
        figure(page, "telemetry-left_eu_eea-bytes_to"),
        t["left_eu_eea"]["bytes_to"].as_u64().unwrap()
    );
    for (cat, c) in s["services"]["by_category"].as_object().unwrap() {
        assert_eq!(
            figure(page, &format!("cat-{cat}-bytes_to")),
            c["bytes_to"].as_u64().unwrap()
        );
    }
}

/// Distinct addresses the databases give a country: one marker each.
fn placed(report: &Value) -> usize {
    report["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["geo"]["country"].is_string())
        .map(|a| a["ip"].as_str().unwrap())
        .collect::<BTreeSet<_>>()
        .len()
}

#[test]
fn teams_like_page_says_what_the_json_report_says() {
    let dir = tempfile::tempdir().unwrap();
    let (report, page) = run(dir.path(), &["--home", "SE", "captures/teams-like.pcap"]);
    assert_headline(&report, &page);
    // The figures themselves, as the terminal summary of README shows them.
    assert_eq!(figure(&page, "answer-left_home-yes-bytes_to_remote"), 1276);
    assert_eq!(
        figure(&page, "answer-left_eu_eea-unknown-bytes_to_remote"),
        856
    );
    assert!(page.contains("id=\"answer-left_eu_eea\" data-answer=\"unknown\""));
    assert!(page.contains("id=\"answer-left_home\" data-answer=\"yes\""));
    assert!(page.contains("id=\"answer-cloud_act\" data-answer=\"yes\""));
    // The basis: one destination's database countries (CA, US) are ruled out by its round trip.
    assert!(page.contains("data-basis=\"contradicted\">contradicted: 1 flow, 856 B"));
    // One marker per placed destination, the contradicted one drawn as such.
    assert_eq!(placed(&report), 3);
    assert_eq!(page.matches("class=\"marker dest ").count(), 3);
    assert_eq!(
        page.matches(
            "class=\"marker dest contradicted\" data-ip=\"52.113.194.132\" data-country=\"CA\""
        )
        .count(),
        1
    );
    assert_eq!(page.matches("class=\"marker vantage\"").count(), 1);
    // Reach circles for the three timed addresses; CA shaded by the bytes sent to it.
    assert_eq!(page.matches("<path class=\"reach").count(), 3);
    assert!(page.contains("data-country=\"CA\" data-bytes-to=\"856\""));
    assert!(page.contains("data-country=\"IE\" data-bytes-to=\"1276\""));
    // Provenance: the JSON report it was made from, the input's SHA-256, the databases.
    let json = std::fs::read(dir.path().join("report.json")).unwrap();
    let sha = sha256_hex(&json);
    assert!(page.contains(&format!("<code id=\"json-sha256\">{sha}</code>")));
    assert!(page.contains("671538724c83f02b421b06ec738f0991e2f7a5ae0212fd07e747e1cd8b741373"));
    assert!(page.contains("4e7f53dd9c6ebe0e7244d5dd4cc03639bc9dbe0a5a83eca90db50eeaeea72024"));
    assert!(page.contains("<td>legal</td><td>geo/legal.toml</td>"));
    // Self-contained: nothing fetched.
    for fetch in ["src=\"http", "href=\"http", "url(http", "@import", "<link"] {
        assert!(!page.contains(fetch), "{fetch}");
    }
    // Flows with the packets that prove their names and round trips.
    assert!(page.contains("<td>teams.microsoft.com (tls-sni, #8)</td>"));
    assert!(page.contains("<td>11.4 ms tcp-handshake (#4 → #5)</td>"));
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn rtt_capture_page_says_what_the_json_report_says() {
    let dir = tempfile::tempdir().unwrap();
    let (report, page) = run(
        dir.path(),
        &[
            "--vantage",
            "Stockholm",
            "--home",
            "SE",
            "captures/rtt.pcap",
        ],
    );
    assert_headline(&report, &page);
    let markers = page.matches("class=\"marker dest ").count();
    assert_eq!(markers, placed(&report));
    assert!(markers > 0);
    assert!(page.contains(
        "class=\"marker vantage\" data-vantage=\"Stockholm, SE (59.3294, 18.0687)\" data-position=\"coordinates\""
    ));
}

#[test]
fn same_capture_same_page() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let args = ["--home", "SE", "captures/teams-like.pcap"];
    let (_, first) = run(a.path(), &args);
    let (_, second) = run(b.path(), &args);
    assert!(first == second, "two runs gave different pages");
    // Without --json the page is the same: it is rendered from the same report.
    let html = a.path().join("only.html");
    let r = cli::analyze(&[&args[..], &["--html", html.to_str().unwrap()]].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(std::fs::read_to_string(&html).unwrap() == first);
    // The terminal summary is still printed.
    assert!(r.stdout.contains("Did data leave?"), "{}", r.stdout);
    // With the JSON report on standard output, the page is made from a copy of it.
    let html = b.path().join("piped.html");
    let r = cli::analyze(
        &[
            &args[..],
            &["--json", "-", "--html", html.to_str().unwrap()],
        ]
        .concat(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        std::fs::read_to_string(b.path().join("report.json")).unwrap()
    );
    assert!(std::fs::read_to_string(&html).unwrap() == first);
}

#[test]
fn strings_from_packets_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = run(dir.path(), &["--home", "SE", "captures/teams-like.pcap"]);
    // A host name is whatever a packet says: make it hostile in the report and render it.
    let hostile = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>&amp;";
    let text = serde_json::to_string(&report)
        .unwrap()
        .replace("teams.microsoft.com", hostile.replace('"', "\\\"").as_str());
    let mut page = Vec::new();
    let rendered = residency::report::html::render(text.as_bytes(), &mut page).unwrap();
    let page = String::from_utf8(page).unwrap();
    assert_eq!(rendered.bytes, page.len());
    assert!(
        !page.contains("<script>alert"),
        "raw script tag in the page"
    );
    assert!(!page.contains("<img"), "raw img tag in the page");
    assert!(!page.contains("onerror=alert(2)>"));
    assert!(page.contains(
        "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(2)&gt;&amp;amp;"
    ));
    // One script element: the page's own.
    assert_eq!(page.matches("<script").count(), 1);
}

#[test]
fn html_output_never_overwrites_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.pcap");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/teams-like.pcap"),
        &copy,
    )
    .unwrap();
    let before = std::fs::read(&copy).unwrap();
    let c = copy.to_str().unwrap();
    let r = cli::analyze(&[c, "--html", c]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("--html"), "{}", r.stderr);
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    // Nor the --json output.
    let j = dir.path().join("r.json");
    let j = j.to_str().unwrap();
    let r = cli::analyze(&[c, "--json", j, "--html", j]);
    assert_ne!(r.code, 0, "{}", r.stderr);
}

#[test]
fn a_report_that_is_not_residency_report_2_is_refused() {
    let mut out = Vec::new();
    let err = residency::report::html::render(
        &br#"{"schema":"other/1","flows":[],"addresses":[]}"#[..],
        &mut out,
    )
    .unwrap_err();
    assert!(err.to_string().contains("residency.report/2"), "{err}");
}
