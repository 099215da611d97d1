use super::*;
use crate::policy::outcome::Status;
use serde_json::{Value, json};

/// A minimal report: `flows` and `addresses` as given, home SE, one vantage.
fn report(flows: Vec<Value>, addresses: Vec<Value>, complete: bool) -> Report {
    let v = json!({
        "schema": "residency.report/2",
        "geo": {"home": "SE"},
        "flows": flows,
        "addresses": addresses,
        "inputs": [{"path": "x.pcap", "complete": complete}],
        "summary": {"complete": complete, "incomplete": if complete { json!([]) } else { json!(["damaged-input"]) },
                    "physics": {"vantages": [{"vantage": "SE", "inputs": [0]}]}}
    });
    Report::from_reader(v.to_string().as_bytes()).expect("test report")
}

fn flow(id: u64, ip: &str, to_server: u64, service: Option<(&str, &str)>, eu: &str) -> Value {
    let mut f = json!({
        "id": id, "community_id": format!("1:c{id}"), "transport": "tcp",
        "client": {"ip": "10.0.0.1", "port": 40000 + id}, "server": {"ip": ip, "port": 443},
        "remote": "server", "address": ip,
        "bytes": {"to_server": to_server, "to_client": 100},
        "answer": {"left_home": "yes", "left_eu_eea": eu, "basis": "database", "basis_home": "database",
                   "payload_to_remote": to_server / 2, "answered": true},
        "first_packet": {"input": 0, "number": id * 10}
    });
    if let Some((name, category)) = service {
        f["service"] = json!({"name": name, "provider": "Microsoft", "category": category,
                              "rule": "name:x", "id": name.to_lowercase()});
    }
    f
}

fn address(ip: &str, zone: &str, provider: Option<(&str, &str)>, eu: &str) -> Value {
    let mut a = json!({
        "ip": ip, "part": 1, "geo": {"country": "IE"},
        "jurisdiction": {"zone": zone},
        "physics": [{"vantage": "SE", "answer": {"left_home": "yes", "left_eu_eea": eu,
                     "basis": if eu == "unknown" { "contradicted" } else { "database" }, "basis_home": "database"}}]
    });
    if let Some((name, j)) = provider {
        a["provider"] = json!({"name": name, "jurisdiction": j});
        a["jurisdiction"]["foreign_control"] = json!(j != "SE" && j != "DE" && j != "FR");
    }
    if zone == "private" {
        a["geo"] = json!({});
    }
    a
}

fn policy(text: &str) -> Policy {
    Policy::parse(text).expect("test policy")
}

fn check(p: &Policy, r: &Report) -> crate::policy::InputOutcome {
    evaluate(p, r, "x.json", "report").expect("evaluates")
}

#[test]
fn kleene_logic() {
    use Tri::*;
    assert_eq!(Yes.and(Undecided), Undecided);
    assert_eq!(No.and(Undecided), No);
    assert_eq!(Yes.or(Undecided), Yes);
    assert_eq!(No.or(Undecided), Undecided);
    assert_eq!(Undecided.negate(), Undecided);
    assert_eq!(Yes.negate(), No);
}

#[test]
fn hostname_patterns() {
    assert!(hostname_matches("*.microsoft.com", "teams.microsoft.com"));
    assert!(hostname_matches("*.microsoft.com", "a.b.Microsoft.com."));
    assert!(!hostname_matches("*.microsoft.com", "microsoft.com"));
    assert!(!hostname_matches("*.microsoft.com", "evilmicrosoft.com"));
    assert!(hostname_matches("example.com", "EXAMPLE.com"));
}

#[test]
fn unknown_answers_count_when_strict_only() {
    let r = report(
        vec![
            flow(
                1,
                "52.1.1.1",
                800,
                Some(("Microsoft Teams", "signalling")),
                "unknown",
            ),
            flow(2, "52.1.1.2", 300, None, "no"),
        ],
        vec![
            address("52.1.1.1", "adequate", Some(("Microsoft", "US")), "unknown"),
            address("52.1.1.2", "eu", Some(("Microsoft", "US")), "no"),
        ],
        true,
    );
    let strict =
        policy("[[rule]]\nid = \"eu\"\ndescription = \"d\"\nwhere = { left_eu_eea = true }\n");
    let out = check(&strict, &r);
    let rule = &out.rules[0];
    assert_eq!(out.status, Status::Violated);
    assert_eq!(rule.counted.flows, 1);
    assert_eq!(rule.counted.bytes_to_remote, 800);
    assert_eq!(rule.counted.payload_to_remote, 400);
    assert_eq!(rule.violations.flows, 0);
    assert_eq!(rule.undecided.flows, 1);
    assert_eq!(rule.flows[0].id, 1);
    assert_eq!(rule.flows[0].verdict, "unknown");
    assert_eq!(rule.flows[0].answer.basis, "contradicted");
    let lenient = policy(
        "unknown = \"pass\"\n[[rule]]\nid = \"eu\"\ndescription = \"d\"\nwhere = { left_eu_eea = true }\n",
    );
    let out = check(&lenient, &r);
    assert_eq!(out.status, Status::Holds);
    assert_eq!(out.rules[0].counted.flows, 0);
    assert_eq!(out.rules[0].undecided.flows, 1);
}

#[test]
fn allow_list_with_exception() {
    let r = report(
        vec![
            flow(1, "52.1.1.1", 500, Some(("Teams media", "media")), "no"),
            flow(2, "52.1.1.1", 700, Some(("Telemetry", "telemetry")), "no"),
            flow(3, "52.1.1.3", 900, Some(("Teams", "signalling")), "no"),
        ],
        vec![
            address("52.1.1.1", "eu", Some(("Microsoft", "US")), "no"),
            address("52.1.1.3", "eu", Some(("Microsoft", "US")), "no"),
        ],
        true,
    );
    // US-controlled: only Microsoft flows to 52.1.1.1, except telemetry.
    let p = policy(
        r#"
[[rule]]
id = "us"
description = "d"
where = { jurisdiction = ["US"] }
[[rule.allow]]
provider = ["microsoft"]
service = ["Teams media", "Telemetry"]
except = [{ category = ["telemetry"] }]
"#,
    );
    let out = check(&p, &r);
    let ids: Vec<u64> = out.rules[0].flows.iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![3, 2]);
    assert_eq!(out.rules[0].violations.bytes_to_remote, 1600);
}

#[test]
fn limits_and_unanswered() {
    let mut silent = flow(3, "52.1.1.1", 60, None, "yes");
    silent["answer"]["answered"] = json!(false);
    let r = report(
        vec![
            flow(1, "52.1.1.1", 1000, None, "yes"),
            flow(2, "52.1.1.1", 1000, None, "yes"),
            silent,
        ],
        vec![address(
            "52.1.1.1",
            "us-dpf",
            Some(("Microsoft", "US")),
            "yes",
        )],
        true,
    );
    let rule = |extra: &str| {
        policy(&format!(
            "[[rule]]\nid = \"r\"\ndescription = \"d\"\nwhere = {{ zone = [\"us-dpf\"] }}\n{extra}\n"
        ))
    };
    assert_eq!(check(&rule("max_bytes = 2000"), &r).status, Status::Holds);
    assert_eq!(
        check(&rule("max_bytes = 1999"), &r).status,
        Status::Violated
    );
    assert_eq!(check(&rule("max_flows = 2"), &r).status, Status::Holds);
    let counted = check(&rule("max_flows = 2\nunanswered = \"count\""), &r);
    assert_eq!(counted.status, Status::Violated);
    assert_eq!(counted.rules[0].counted.flows, 3);
    assert_eq!(counted.rules[0].counted.bytes_to_remote, 2060);
}

#[test]
fn private_destinations_have_no_provider_to_doubt() {
    let r = report(
        vec![flow(1, "192.0.2.80", 90, None, "no")],
        vec![address("192.0.2.80", "private", None, "no")],
        true,
    );
    let p =
        policy("[[rule]]\nid = \"us\"\ndescription = \"d\"\nwhere = { jurisdiction = [\"US\"] }\n");
    let out = check(&p, &r);
    assert_eq!(out.status, Status::Holds);
    assert!(out.rules[0].flows.is_empty());
    // A routable address without a provider is undecided.
    let r = report(
        vec![flow(1, "93.184.215.14", 90, None, "yes")],
        vec![address("93.184.215.14", "us-dpf", None, "yes")],
        true,
    );
    assert_eq!(check(&p, &r).rules[0].undecided.flows, 1);
}

#[test]
fn service_operator_decides_control() {
    let mut f = flow(
        1,
        "52.1.1.1",
        400,
        Some(("Microsoft 365 (Bleu)", "web")),
        "no",
    );
    f["control"] = json!({"network": {"provider": "Microsoft", "jurisdiction": "US", "foreign_control": true},
                          "service": {"provider": "Bleu", "jurisdiction": "FR", "foreign_control": false},
                          "decided_by": "network"});
    let mut g = flow(
        2,
        "81.1.1.1",
        300,
        Some(("Microsoft Teams", "signalling")),
        "no",
    );
    g["control"] = json!({"network": {"provider": "OVH", "jurisdiction": "FR", "foreign_control": false},
                          "service": {"provider": "Microsoft", "jurisdiction": "US", "foreign_control": true},
                          "decided_by": "service"});
    let r = report(
        vec![f, g],
        vec![
            address("52.1.1.1", "eu", Some(("Microsoft", "US")), "no"),
            address("81.1.1.1", "eu", Some(("OVH", "FR")), "no"),
        ],
        true,
    );
    let p = policy(
        "[[rule]]\nid = \"ms\"\ndescription = \"d\"\nwhere = { provider = [\"Microsoft\"] }\n",
    );
    let out = check(&p, &r);
    let ids: Vec<u64> = out.rules[0].flows.iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![1, 2]);
    assert_eq!(
        out.rules[0].flows[1].control_decided_by.as_deref(),
        Some("service")
    );
}

#[test]
fn incomplete_inputs_never_hold_silently() {
    let r = report(
        vec![flow(1, "52.1.1.2", 300, None, "no")],
        vec![address("52.1.1.2", "eu", Some(("Microsoft", "US")), "no")],
        false,
    );
    let rule = "[[rule]]\nid = \"eu\"\ndescription = \"d\"\nwhere = { left_eu_eea = true }\n";
    assert_eq!(check(&policy(rule), &r).status, Status::Incomplete);
    let strict = policy(&format!("incomplete = \"violation\"\n{rule}"));
    assert_eq!(check(&strict, &r).status, Status::Violated);
    let accept = policy(&format!("incomplete = \"accept\"\n{rule}"));
    let out = check(&accept, &r);
    assert_eq!(out.status, Status::Holds);
    assert_eq!(out.complete, Some(false));
    assert_eq!(out.incomplete, vec!["damaged-input".to_string()]);
}

#[test]
fn home_must_match() {
    let r = report(vec![], vec![], true);
    let p = policy("home = \"de\"\n[[rule]]\nid = \"r\"\ndescription = \"d\"\n");
    assert_eq!(p.home.as_deref(), Some("DE"));
    let e = evaluate(&p, &r, "x", "report").expect_err("another home");
    assert!(e.to_string().contains("--home DE"), "{e}");
}

#[test]
fn several_parts_use_the_flow_answer() {
    let mut a2 = address("52.1.1.1", "eu", Some(("Microsoft", "US")), "yes");
    a2["part"] = json!(2);
    let r = report(
        vec![flow(1, "52.1.1.1", 300, None, "unknown")],
        vec![
            address("52.1.1.1", "eu", Some(("Microsoft", "US")), "yes"),
            a2,
        ],
        true,
    );
    let p = policy("[[rule]]\nid = \"eu\"\ndescription = \"d\"\nwhere = { left_eu_eea = true }\n");
    let out = check(&p, &r);
    let f = &out.rules[0].flows[0];
    assert_eq!(f.verdict, "unknown");
    assert_eq!(f.answer.from, crate::policy::input::AnswerFrom::Flow);
}

#[test]
fn policy_errors_name_the_mistake() {
    let typo = Policy::parse(
        "[[rule]]\nid = \"r\"\ndescription = \"d\"\nwhere = { catgory = [\"telemetry\"] }\n",
    )
    .expect_err("typo");
    let text = typo.to_string();
    assert!(
        text.contains("catgory") && text.contains("line 4"),
        "{text}"
    );
    let zone = Policy::parse(
        "[[rule]]\nid = \"r\"\ndescription = \"d\"\nwhere = { zone = [\"thrid\"] }\n",
    )
    .expect_err("bad zone");
    assert!(
        zone.to_string().contains("thrid") && zone.to_string().contains("third"),
        "{zone}"
    );
    let country = Policy::parse(
        "[[rule]]\nid = \"r\"\ndescription = \"d\"\nwhere = { country = [\"XX\"] }\n",
    )
    .expect_err("bad country");
    assert!(
        country.to_string().contains("rule `r`, where: country"),
        "{country}"
    );
    let twice = Policy::parse(
        "[[rule]]\nid = \"r\"\ndescription = \"d\"\n[[rule]]\nid = \"r\"\ndescription = \"e\"\n",
    )
    .expect_err("duplicate");
    assert!(twice.to_string().contains("`r`"), "{twice}");
    assert!(Policy::parse("name = \"x\"\n").is_err());
    let star = Policy::parse(
        "[[rule]]\nid = \"r\"\ndescription = \"d\"\nwhere = { hostname = [\"a*.b\"] }\n",
    )
    .expect_err("star");
    assert!(star.to_string().contains("first label"), "{star}");
}
