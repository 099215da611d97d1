//! `residency check --policy`: the policy gate on the shipped captures and on their JSON
//! reports (docs/policy.md): exit statuses, the flows and bytes behind each verdict, the JSON
//! output, policy errors, and the example policies of docs/policies/.

mod cli;

use cli::{Run, residency};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn check(args: &[&str]) -> Run {
    residency(&[&["check"], args].concat())
}

/// `check ... --json -`: the run and its JSON.
fn check_json(args: &[&str]) -> (i32, Value) {
    let run = check(&[args, &["--json", "-"]].concat());
    let json: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr));
    (run.code, json)
}

/// A policy file in a temporary folder.
fn policy(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The JSON report of a shipped capture, as `analyze --json` writes it.
fn report_of(dir: &Path, capture: &str, home: Option<&str>) -> PathBuf {
    let out = dir.join(format!("{}.json", capture.replace('/', "_")));
    let mut args = vec!["analyze", capture, "--json", out.to_str().unwrap()];
    if let Some(h) = home {
        args.extend(["--home", h]);
    }
    let run = residency(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    out
}

fn rule<'a>(input: &'a Value, id: &str) -> &'a Value {
    input["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no rule {id}"))
}

fn ids(rule: &Value) -> Vec<(u64, String)> {
    rule["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_u64().unwrap(),
                f["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn volume(v: &Value) -> (u64, u64, u64) {
    (
        v["flows"].as_u64().unwrap(),
        v["bytes_to_remote"].as_u64().unwrap(),
        v["payload_to_remote"].as_u64().unwrap(),
    )
}

const SWEDISH: &str = "docs/policies/swedish-agency.toml";
const EU_OPERATOR: &str = "docs/policies/eu-operator-only.toml";
const NO_TELEMETRY: &str = "docs/policies/no-telemetry-out.toml";

#[test]
fn swedish_agency_on_teams_like_capture_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let report = report_of(dir.path(), "captures/teams-like.pcap", Some("SE"));
    let (code, from_capture) = check_json(&["--policy", SWEDISH, "captures/teams-like.pcap"]);
    assert_eq!(code, 4);
    let (code, from_report) = check_json(&["--policy", SWEDISH, report.to_str().unwrap()]);
    assert_eq!(code, 4);
    let capture = &from_capture["inputs"][0];
    assert_eq!(capture["kind"], "capture");
    assert_eq!(from_report["inputs"][0]["kind"], "report");
    // Both paths judge the same JSON: the same rules, flows and bytes.
    assert_eq!(capture["rules"], from_report["inputs"][0]["rules"]);
    assert_eq!(from_capture["status"], "violated");
    assert_eq!(from_capture["exit"], 4);
    assert_eq!(from_capture["schema"], "residency.check/1");
    let eu = rule(capture, "eu-eea-only");
    assert_eq!(eu["status"], "violated");
    // 52.113.194.132: the databases say CA, the 11.4 ms round trip rules that out: unknown.
    assert_eq!(ids(eu), vec![(2, "unknown".to_string())]);
    assert_eq!(volume(&eu["counted"]), (1, 856, 524));
    assert_eq!(volume(&eu["violations"]), (0, 0, 0));
    let f = &eu["flows"][0];
    assert_eq!(f["community_id"], "1:Ba4G1zFkkvOt4omS3RqJ22PSZ8k=");
    assert_eq!(f["server"]["ip"], "52.113.194.132");
    assert_eq!(f["server"]["port"], 443);
    assert_eq!(f["first_packet"]["number"], 4);
    assert_eq!(f["first_packet_file"], "captures/teams-like.pcap");
    assert_eq!(f["hostname"]["name"], "teams.microsoft.com");
    assert_eq!(f["hostname"]["source"], "tls-sni");
    assert_eq!(f["hostname"]["packet"], 8);
    assert_eq!(f["address"]["ip"], "52.113.194.132");
    assert_eq!(f["address"]["part"], 1);
    assert_eq!(f["answer"]["basis"], "contradicted");
    assert_eq!(f["answer"]["from"], "address");
    assert_eq!(f["zone"], "adequate");
    assert_eq!(f["provider"], "Microsoft");
    assert_eq!(f["jurisdiction"], "US");
    assert_eq!(rule(capture, "no-third-countries")["status"], "holds");
    // The terminal listing names the rule, the flow and its evidence.
    let run = check(&["--policy", SWEDISH, "captures/teams-like.pcap"]);
    assert_eq!(run.code, 4);
    assert!(
        run.stdout.contains("[VIOLATED] eu-eea-only"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("flow 2 (unknown) tcp 192.168.1.6:50001 -> 52.113.194.132:443")
    );
    assert!(
        run.stdout
            .contains("name teams.microsoft.com (tls-sni, packet 8 of captures/teams-like.pcap)")
    );
    assert!(run.stdout.contains("result: violated (exit 4)"));
}

#[test]
fn unknown_pass_holds_where_strict_fails() {
    let dir = tempfile::tempdir().unwrap();
    let lenient = policy(
        dir.path(),
        "lenient.toml",
        "home = \"SE\"\nunknown = \"pass\"\n[[rule]]\nid = \"eu\"\ndescription = \"nothing leaves the EU/EEA\"\nwhere = { left_eu_eea = true }\n",
    );
    let (code, json) = check_json(&[
        "--policy",
        lenient.to_str().unwrap(),
        "captures/teams-like.pcap",
    ]);
    assert_eq!(code, 0);
    let eu = rule(&json["inputs"][0], "eu");
    assert_eq!(eu["status"], "holds");
    assert_eq!(volume(&eu["counted"]), (0, 0, 0));
    // Still listed, as undecided.
    assert_eq!(volume(&eu["undecided"]), (1, 856, 524));
    // The same rule with `unknown = "violation"` on the rule itself.
    let strict = policy(
        dir.path(),
        "strict.toml",
        "unknown = \"pass\"\n[[rule]]\nid = \"eu\"\ndescription = \"d\"\nunknown = \"violation\"\nwhere = { left_eu_eea = true }\n",
    );
    let run = check(&[
        "--policy",
        strict.to_str().unwrap(),
        "--home",
        "SE",
        "captures/teams-like.pcap",
    ]);
    assert_eq!(run.code, 4, "{}", run.stdout);
}

#[test]
fn telemetry_policy_on_names_and_rtt() {
    // names.pcap: nexus.officeapps.live.com (telemetry, US by the databases) left the EU/EEA;
    // the EU collector's address is disputed (unknown), which the strict policy counts.
    let (code, json) = check_json(&["--policy", NO_TELEMETRY, "captures/names.pcap"]);
    assert_eq!(code, 4);
    let names = &json["inputs"][0];
    let t = rule(names, "telemetry-in-eu");
    assert_eq!(t["status"], "violated");
    assert_eq!(
        ids(t),
        vec![(2, "unknown".to_string()), (11, "violation".to_string())]
    );
    assert_eq!(volume(&t["violations"]), (1, 432, 180));
    assert_eq!(volume(&t["counted"]), (2, 1554, 1050));
    assert_eq!(t["flows"][1]["hostname"]["source"], "http-host");
    assert_eq!(
        t["flows"][1]["hostname"]["name"],
        "nexus.officeapps.live.com"
    );
    // US control beyond Teams media: 3,487 bytes, within the 4,096 allowed.
    let us = rule(names, "us-control-teams-media-only");
    assert_eq!(us["status"], "holds");
    assert_eq!(volume(&us["violations"]), (5, 3487, 2187));
    assert_eq!(volume(&us["undecided"]), (1, 1228, 1200));
    // rtt.pcap: 5,323 bytes to US-controlled providers other than Teams media.
    let (code, json) = check_json(&["--policy", NO_TELEMETRY, "captures/rtt.pcap"]);
    assert_eq!(code, 4);
    let us = rule(&json["inputs"][0], "us-control-teams-media-only");
    assert_eq!(us["status"], "violated");
    assert_eq!(volume(&us["counted"]), (6, 5323, 4459));
    assert_eq!(
        ids(us).iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        vec![11, 10, 1, 8, 9, 14]
    );
    assert_eq!(
        rule(&json["inputs"][0], "telemetry-in-eu")["status"],
        "holds"
    );
    // teams-like.pcap has no telemetry and 2,084 bytes of US control outside Teams media.
    let (code, json) = check_json(&["--policy", NO_TELEMETRY, "captures/teams-like.pcap"]);
    assert_eq!(code, 0);
    assert_eq!(json["status"], "holds");
    let us = rule(&json["inputs"][0], "us-control-teams-media-only");
    assert_eq!(volume(&us["counted"]), (2, 2084, 1724));
}

#[test]
fn eu_operator_policy_refuses_microsoft_direct() {
    let (code, json) = check_json(&[
        "--policy",
        EU_OPERATOR,
        "--home",
        "SE",
        "captures/teams-like.pcap",
    ]);
    assert_eq!(code, 4);
    let input = &json["inputs"][0];
    let ms = rule(input, "no-microsoft-direct");
    assert_eq!(volume(&ms["counted"]), (3, 2132, 1744));
    assert_eq!(
        ids(ms),
        vec![
            (3, "violation".to_string()),
            (2, "violation".to_string()),
            (4, "violation".to_string())
        ]
    );
    assert_eq!(rule(input, "no-non-eu-control")["status"], "violated");
}

#[test]
fn several_inputs_exit_with_the_worst() {
    let dir = tempfile::tempdir().unwrap();
    let report = report_of(dir.path(), "captures/rtt.pcap", Some("SE"));
    // teams-like holds, rtt (as a report) is violated: 4.
    let (code, json) = check_json(&[
        "--policy",
        NO_TELEMETRY,
        "captures/teams-like.pcap",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, 4);
    let statuses: Vec<&str> = json["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["holds", "violated"]);
    // A file that is neither a report nor a capture is an error (1), the others still checked.
    let run = check(&[
        "--policy",
        NO_TELEMETRY,
        "captures/teams-like.pcap",
        "captures/not-a-capture.txt",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("not a pcap or pcapng capture"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("captures/teams-like.pcap (capture, home SE): HOLDS")
    );
}

#[test]
fn incomplete_captures_never_pass_silently() {
    let dir = tempfile::tempdir().unwrap();
    let text = "home = \"SE\"\n[[rule]]\nid = \"eu\"\ndescription = \"d\"\nwhere = { left_eu_eea = true }\n";
    let partial = policy(dir.path(), "partial.toml", text);
    let (code, json) = check_json(&[
        "--policy",
        partial.to_str().unwrap(),
        "captures/truncated.pcap",
    ]);
    assert_eq!(code, 3);
    assert_eq!(json["inputs"][0]["status"], "incomplete");
    assert_eq!(json["inputs"][0]["complete"], false);
    assert_eq!(json["inputs"][0]["incomplete"][0], "damaged-input");
    let strict = policy(
        dir.path(),
        "strict.toml",
        &format!("incomplete = \"violation\"\n{text}"),
    );
    assert_eq!(
        check(&[
            "--policy",
            strict.to_str().unwrap(),
            "captures/truncated.pcap"
        ])
        .code,
        4
    );
    let accept = policy(
        dir.path(),
        "accept.toml",
        &format!("incomplete = \"accept\"\n{text}"),
    );
    let run = check(&[
        "--policy",
        accept.to_str().unwrap(),
        "captures/truncated.pcap",
    ]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr.contains("is incomplete (damaged-input)"),
        "{}",
        run.stderr
    );
}

#[test]
fn policy_mistakes_are_errors_that_name_them() {
    let dir = tempfile::tempdir().unwrap();
    let typo = policy(
        dir.path(),
        "typo.toml",
        "[[rule]]\nid = \"t\"\ndescription = \"d\"\nwhere = { catgory = [\"telemetry\"] }\n",
    );
    let run = check(&[
        "--policy",
        typo.to_str().unwrap(),
        "captures/teams-like.pcap",
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("catgory"), "{}", run.stderr);
    assert!(run.stderr.contains("line 4"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let zone = policy(
        dir.path(),
        "zone.toml",
        "[[rule]]\nid = \"z\"\ndescription = \"d\"\nwhere = { zone = [\"thrid\"] }\n",
    );
    let run = check(&[
        "--policy",
        zone.to_str().unwrap(),
        "captures/teams-like.pcap",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("thrid") && run.stderr.contains("us-dpf"),
        "{}",
        run.stderr
    );
    let run = check(&[
        "--policy",
        "no/such/policy.toml",
        "captures/teams-like.pcap",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("cannot read the policy no/such/policy.toml")
    );
    // --home against the policy's home is a usage error.
    let run = check(&[
        "--policy",
        SWEDISH,
        "--home",
        "DE",
        "captures/teams-like.pcap",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--home DE contradicts"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_report_without_home_cannot_answer_home_rules() {
    let dir = tempfile::tempdir().unwrap();
    let report = report_of(dir.path(), "captures/teams-like.pcap", None);
    let run = check(&["--policy", SWEDISH, report.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("the policy is for home SE"),
        "{}",
        run.stderr
    );
    let home_rule = policy(
        dir.path(),
        "h.toml",
        "[[rule]]\nid = \"h\"\ndescription = \"d\"\nwhere = { left_home = true }\n",
    );
    let run = check(&[
        "--policy",
        home_rule.to_str().unwrap(),
        report.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("tests left_home"), "{}", run.stderr);
}

#[test]
fn zones_and_hostnames() {
    let dir = tempfile::tempdir().unwrap();
    let p = policy(
        dir.path(),
        "z.toml",
        r#"
home = "SE"
[[rule]]
id = "no-adequate"
description = "Nothing to a country that is only adequate"
where = { zone = ["adequate", "third"] }
[[rule]]
id = "microsoft-names"
description = "Microsoft names only in the EU zone"
where = { hostname = ["*.microsoft.com"] }
allow = [{ zone = ["eu"] }]
"#,
    );
    let (code, json) = check_json(&["--policy", p.to_str().unwrap(), "captures/teams-like.pcap"]);
    assert_eq!(code, 4);
    let input = &json["inputs"][0];
    let adequate = rule(input, "no-adequate");
    assert_eq!(ids(adequate), vec![(2, "violation".to_string())]);
    assert_eq!(volume(&adequate["counted"]), (1, 856, 524));
    assert_eq!(
        ids(rule(input, "microsoft-names")),
        vec![(2, "violation".to_string())]
    );
}

#[test]
fn json_output_is_a_file_written_whole_and_the_same_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("check.json");
    let run = check(&[
        "--policy",
        SWEDISH,
        "captures/teams-like.pcap",
        "--json",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 4);
    assert!(run.stdout.contains("result: violated (exit 4)"));
    let first = std::fs::read(&out).unwrap();
    let run = check(&[
        "--policy",
        SWEDISH,
        "captures/teams-like.pcap",
        "--json",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 4);
    assert_eq!(first, std::fs::read(&out).unwrap());
    // Only the result in the folder: no temporary files left.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("check.json")]);
    // The policy is never overwritten.
    let copy = dir.path().join("p.toml");
    std::fs::copy(SWEDISH, &copy).unwrap();
    let run = check(&[
        "--policy",
        copy.to_str().unwrap(),
        "captures/teams-like.pcap",
        "--json",
        copy.to_str().unwrap(),
    ]);
    assert_ne!(run.code, 0);
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        std::fs::read(SWEDISH).unwrap()
    );
}

#[test]
fn example_policies_parse_and_give_the_documented_results() {
    // docs/policy.md, "Example policies": exit status per shipped capture with --home SE.
    for (policy, capture, want) in [
        (SWEDISH, "captures/teams-like.pcap", 4),
        (SWEDISH, "captures/names.pcap", 4),
        (EU_OPERATOR, "captures/teams-like.pcap", 4),
        (NO_TELEMETRY, "captures/teams-like.pcap", 0),
        (NO_TELEMETRY, "captures/names.pcap", 4),
    ] {
        let run = check(&["--policy", policy, "--home", "SE", capture]);
        assert_eq!(
            run.code, want,
            "{policy} on {capture}:\n{}{}",
            run.stdout, run.stderr
        );
    }
}
