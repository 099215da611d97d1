//! The answer (`flows[].answer`, `addresses[].physics[].answer`, `summary.answer`,
//! `summary.hosts`) on the shipped captures and, where present, nDPI's `teams.pcap`.

mod cli;

use cli::{analyze, residency};
use serde_json::{Value, json};

fn report(args: &[&str]) -> Value {
    let run = analyze(&[&["--json", "-"], args].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let raw = run.raw_json();
    cli::schema_check(&raw).unwrap();
    raw
}

fn sent(flows: u64, payload: u64, bytes: u64) -> Value {
    json!({"flows": flows, "payload_to_remote": payload, "bytes_to_remote": bytes})
}

/// Each address's answer from the Stockholm vantage of rtt.pcap (`addresses[].physics[0]`).
fn answers(r: &Value) -> Vec<(String, Value)> {
    r["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["ip"].as_str().unwrap().to_string(),
                a["physics"][0]["answer"].clone(),
            )
        })
        .collect()
}

fn answer(home: &str, eu: &str, basis: &str, basis_home: &str) -> Value {
    json!({"left_home": home, "left_eu_eea": eu, "basis": basis, "basis_home": basis_home})
}

/// Physics over the databases: the anycast root server that answered Stockholm in 1.8 ms is
/// inside the EU/EEA (every country within 270 km is), the "Canadian" front door that
/// answered in 18.75 ms is nowhere the databases say (unknown, not "left"), and the rest
/// follow the databases that physics allows.
#[test]
fn stockholm_round_trips_decide_where_they_can() {
    let r = report(&[
        "--home",
        "SE",
        "--vantage",
        "Stockholm",
        "captures/rtt.pcap",
    ]);
    let got = answers(&r);
    let want = [
        (
            "9.9.9.9",
            answer("unknown", "unknown", "anycast", "anycast"),
        ),
        ("52.112.1.10", answer("yes", "no", "database", "database")),
        (
            "52.113.194.132",
            answer("unknown", "unknown", "contradicted", "contradicted"),
        ),
        ("52.114.76.10", answer("yes", "no", "database", "database")),
        ("52.114.77.33", answer("yes", "no", "database", "database")),
        ("140.82.112.3", answer("yes", "yes", "database", "database")),
        ("141.20.5.188", answer("yes", "no", "database", "database")),
        (
            "192.36.148.17",
            answer("unknown", "no", "anycast", "anycast"),
        ),
    ];
    let want: Vec<(String, Value)> = want
        .into_iter()
        .map(|(ip, a)| (ip.to_string(), a))
        .collect();
    assert_eq!(got, want);
    // 9.9.9.9 answered in 3.9 ms: its reach crosses into Russia (Kaliningrad), so even
    // anycast cannot say; the root server's 1.8 ms reaches only EU countries.
    let quad9 = &r["addresses"][0]["physics"][0];
    assert!(quad9["feasible"].as_array().unwrap().contains(&json!("RU")));

    let a = &r["summary"]["answer"];
    assert_eq!(a["left_eu_eea"]["yes"], sent(2, 331, 691));
    assert_eq!(a["left_eu_eea"]["no"], sent(9, 4311, 6187));
    assert_eq!(a["left_eu_eea"]["unknown"], sent(2, 288, 596));
    assert_eq!(a["left_home"]["yes"], sent(7, 4554, 5782));
    assert_eq!(a["left_home"]["no"], sent(0, 0, 0));
    assert_eq!(a["left_home"]["unknown"], sent(6, 376, 1692));
    // The databases alone would say 4 flows left the EU/EEA (Quad9 and the front door as US
    // and CA) and 9 left Sweden.
    assert_eq!(a["database_only"]["left_eu_eea"], sent(4, 619, 1287));
    assert_eq!(a["database_only"]["left_home"], sent(9, 4842, 6378));
    assert_eq!(
        a["by_basis"]["left_eu_eea"],
        json!({"anycast": sent(5, 161, 1225), "database": sent(7, 4554, 5782),
               "contradicted": sent(1, 215, 467)})
    );
    assert_eq!(a["unanswered"], sent(0, 0, 0));

    // Every remote flow's answer, as written when it ended, adds up to the headline here
    // (each address's fastest answer came before its flows ended).
    let flows = r["flows"].as_array().unwrap();
    for (key, question) in [("left_eu_eea", "left_eu_eea"), ("left_home", "left_home")] {
        for left in ["yes", "no", "unknown"] {
            let (n, payload) = flows
                .iter()
                .filter(|f| f["remote"].is_string() && f["answer"][key] == left)
                .fold((0, 0), |(n, p), f| {
                    (
                        n + 1,
                        p + f["answer"]["payload_to_remote"].as_u64().unwrap(),
                    )
                });
            assert_eq!(a[question][left]["flows"], n, "{question} {left}");
            assert_eq!(
                a[question][left]["payload_to_remote"], payload,
                "{question} {left}"
            );
        }
    }
    // The resolver flow is internal: no, by `internal`, nothing sent out.
    let internal: Vec<&Value> = flows.iter().filter(|f| f["scope"] == "internal").collect();
    assert_eq!(internal.len(), 1);
    assert_eq!(
        internal[0]["answer"],
        json!({"left_home": "no", "left_eu_eea": "no", "basis": "internal",
               "basis_home": "internal", "payload_to_remote": 0, "answered": true})
    );

    // Who sent it: the client, and the SSH server that answered a German client.
    let hosts = &r["summary"]["hosts"]["hosts"];
    assert_eq!(hosts[0]["ip"], "192.168.7.10");
    assert_eq!(hosts[0]["sent"], sent(12, 4909, 7281));
    assert_eq!(hosts[0]["left_eu_eea"]["yes"], sent(2, 331, 691));
    assert_eq!(hosts[1]["ip"], "192.168.7.20");
    assert_eq!(hosts[1]["sent"], sent(1, 21, 193));
    assert_eq!(hosts[1]["to"][0]["provider"], "DFN");
}

/// A sweep of 150 unanswered SYNs and two refused ones: no data left, whatever the
/// destination; the host is marked as scanning; the one real session counts.
#[test]
fn unanswered_flows_are_kept_apart_and_scans_are_marked() {
    let r = report(&["--home", "SE", "captures/scan.pcap"]);
    let a = &r["summary"]["answer"];
    // A SYN with its options is 52 IP bytes and carries no payload.
    assert_eq!(a["unanswered"], sent(152, 0, 152 * 52));
    for q in ["left_home", "left_eu_eea"] {
        let total: u64 = ["yes", "no", "unknown"]
            .iter()
            .map(|l| a[q][l]["flows"].as_u64().unwrap())
            .sum();
        assert_eq!(total, 2, "{q}");
    }
    let flows = r["flows"].as_array().unwrap();
    let unanswered = flows
        .iter()
        .filter(|f| f["answer"]["answered"] == false)
        .count();
    assert_eq!(unanswered, 152);
    let syn = flows
        .iter()
        .find(|f| f["server"]["ip"] == "52.112.0.1")
        .unwrap();
    assert_eq!(syn["payload"], json!({"to_server": 0, "to_client": 0}));
    assert_eq!(syn["answer"]["payload_to_remote"], 0);
    let refused = flows.iter().find(|f| f["server"]["port"] == 8443).unwrap();
    assert_eq!(refused["answer"]["answered"], false);

    let hosts = &r["summary"]["hosts"];
    assert_eq!(hosts["scanning"], 1);
    let scanner = &hosts["hosts"][0];
    assert_eq!(scanner["ip"], "10.4.0.66");
    assert_eq!(scanner["unanswered_flows"], 152);
    assert_eq!(scanner["scanning"], true);
    assert_eq!(scanner["sent"]["flows"], 1);
    assert_eq!(hosts["hosts"][1]["ip"], "10.4.0.77");
    assert_eq!(hosts["hosts"][1]["scanning"], false);
    assert_eq!(hosts["hosts"][1]["sent"]["payload_to_remote"], 205);

    // The services say the same: Teams media has 150 unanswered flows and one answered.
    let media = r["summary"]["services"]["by_service"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Microsoft Teams media")
        .unwrap();
    assert_eq!(media["unanswered"], 150);
    assert_eq!(media["flows"], 1);
    assert_eq!(media["payload_to"], 205);
    let placement = &r["summary"]["placement"];
    assert_eq!(placement["unanswered"]["flows"], 152);
    assert_eq!(placement["left_eu_eea"]["flows"], 2);

    let text = residency(&["analyze", "--home", "SE", "captures/scan.pcap"]).stdout;
    for line in [
        "never answered (no data exchanged, kept out of the above): 152 flows, 7.90 kB on the wire",
        "SCANNING",
        "1 host(s) look like scanners",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

/// Payload is the IP length less the IP and transport headers, per direction.
#[test]
fn payload_is_counted_per_direction() {
    let r = report(&["captures/teams-like.pcap"]);
    let tls = r["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["server"]["ip"] == "52.113.194.132")
        .unwrap();
    // 8 client packets, 856 IP bytes: 8 × (20 IP + 20 TCP, +20 SYN options) headers.
    assert_eq!(tls["bytes"], json!({"to_server": 856, "to_client": 4492}));
    assert_eq!(
        tls["payload"]["to_server"],
        tls["answer"]["payload_to_remote"]
    );
    assert_eq!(tls["payload"], json!({"to_server": 524, "to_client": 4200}));
}

/// nDPI's teams.pcap, captured in Italy: the two front doors the databases put in North
/// America answer the Italian vantage in 11.4 ms and 11.5 ms. The headline counts them as
/// unknown (contradicted), not as gone to Canada or the US.
#[test]
fn teams_from_italy_is_not_counted_as_gone_to_north_america() {
    let Some(path) = cli::shared_capture("teams.pcap") else {
        return;
    };
    let r = report(&["--home", "IT", "--vantage", "IT", path.to_str().unwrap()]);
    let addresses = r["addresses"].as_array().unwrap();
    for ip in ["52.113.194.132", "13.107.18.11"] {
        let a = addresses.iter().find(|a| a["ip"] == ip).unwrap();
        let p = &a["physics"][0];
        assert_eq!(
            p["answer"],
            answer("unknown", "unknown", "contradicted", "contradicted"),
            "{ip}"
        );
        let zone = &a["jurisdiction"]["zone"];
        assert!(zone == "adequate" || zone == "us-dpf", "{ip}: {zone}");
    }
    let s = &r["summary"]["answer"];
    let db = s["database_only"]["left_eu_eea"]["flows"].as_u64().unwrap();
    let yes = s["left_eu_eea"]["yes"]["flows"].as_u64().unwrap();
    assert!(
        yes < db,
        "physics must take flows out of 'left': {yes} vs {db}"
    );
}

/// A host name that declares a region is a claim physics judges: eu-north-1 stands where the
/// databases' US is ruled out; two names declaring two regions for one address are a dispute.
#[test]
fn declared_regions_are_claims_too() {
    let r = report(&[
        "--home",
        "SE",
        "--vantage",
        "Stockholm",
        "captures/regions.pcap",
    ]);
    // The head names the table behind every declared region, with its hash.
    let table = &r["geo"]["regions_table"];
    assert_eq!(table["file"], "geo/regions.toml");
    assert_eq!(table["entries"], 137);
    let shipped = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/geo/regions.toml")).unwrap();
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(&shipped)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(table["sha256"], hex);

    let addresses = r["addresses"].as_array().unwrap();
    let by_ip = |ip: &str| addresses.iter().find(|a| a["ip"] == ip).unwrap();

    let s3 = by_ip("54.239.0.1");
    let declared = &s3["declared_regions"][0];
    assert_eq!(declared["name"], "s3.eu-north-1.amazonaws.com");
    assert_eq!(declared["region"], "eu-north-1");
    assert_eq!(declared["countries"], json!(["SE"]));
    assert_eq!(declared["rule"], "aws: *.{region}.amazonaws.com");
    assert!(
        declared["source"]
            .as_str()
            .unwrap()
            .contains("aws-sdk-js-v3")
    );
    let p = &s3["physics"][0];
    assert_eq!(p["claims"][0]["country"], "US");
    assert_eq!(p["claims"][0]["contradicted"], true);
    assert!(p.get("declared_contradicted").is_none());
    // 2 ms reaches Finland, Estonia, Latvia, Norway and Åland too: physics alone proves the
    // EU/EEA; the name's region decides home.
    assert_eq!(
        p["answer"],
        answer("no", "no", "proven-inside", "declared-region")
    );

    let both = by_ip("13.48.0.1");
    let regions: Vec<&Value> = both["declared_regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["region"])
        .collect();
    assert_eq!(regions, [&json!("eu-north-1"), &json!("us-east-1")]);
    assert_eq!(
        both["physics"][0]["answer"],
        answer("unknown", "unknown", "disputed", "disputed")
    );
    // The first flow ended before the second name was seen: its line keeps the answer of
    // then (the databases' SE); the headline counts the address's final answer.
    let flows = r["flows"].as_array().unwrap();
    assert_eq!(flows[1]["answer"]["basis"], "database");
    assert_eq!(flows[2]["answer"]["basis"], "disputed");
    let a = &r["summary"]["answer"];
    assert_eq!(a["left_eu_eea"]["unknown"]["flows"], 2);
    assert_eq!(a["left_eu_eea"]["no"]["flows"], 1);
}
