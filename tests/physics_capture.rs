//! The physics check on the shipped captures with controlled round trips (`captures/rtt.pcap`
//! from Stockholm, `captures/rtt-sydney.pcap` from Sydney), through the CLI. The round trips
//! the generator wrote are in `captures/expected.json`; the distances are checked against
//! values worked out here from the constants (light in vacuum, 149.896 km per ms).

mod cli;

use cli::analyze;
use serde_json::Value;
use std::path::Path;

const STOCKHOLM: &str = "captures/rtt.pcap";
const SYDNEY: &str = "captures/rtt-sydney.pcap";

fn expected(capture: &str) -> Vec<Value> {
    let text = std::fs::read_to_string("captures/expected.json").unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all[capture].as_array().unwrap().clone()
}

fn endpoint(e: &Value) -> String {
    let ip = e["ip"].as_str().unwrap();
    let port = e["port"].as_u64().unwrap();
    if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

fn flows_by_tuple(report: &Value) -> Vec<(String, String, &Value)> {
    report["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (endpoint(&f["client"]), endpoint(&f["server"]), f))
        .collect()
}

fn same_ms(ours: &Value, theirs: &Value, what: &str) {
    match (ours.as_f64(), theirs.as_f64()) {
        (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{what}: {a} != {b}"),
        (None, None) => {}
        _ => panic!("{what}: ours {ours}, generator {theirs}"),
    }
}

/// Every flow's samples equal what the generator wrote: the handshake, the client's side, and
/// the fastest answer and sample count of each endpoint.
fn check_rtts(capture: &str, vantage: &str) {
    let run = analyze(&["--json", "-", "--vantage", vantage, capture]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let flows = flows_by_tuple(&report);
    let expected = expected(&capture.replace("captures/", ""));
    assert_eq!(flows.len(), expected.len());
    for e in &expected {
        let (client, server) = (e["client"].as_str().unwrap(), e["server"].as_str().unwrap());
        let (_, _, f) = flows
            .iter()
            .find(|(c, s, _)| c == client && s == server)
            .unwrap_or_else(|| panic!("no flow {client} -> {server}"));
        let want = &e["rtt"];
        let what = format!("{capture} {client} -> {server}");
        let Some(rtt) = f.get("rtt").filter(|r| !r.is_null()) else {
            assert!(
                want["server_samples"].as_array().is_none_or(Vec::is_empty)
                    && want["client_samples"].as_array().is_none_or(Vec::is_empty),
                "{what}: no rtt, generator has samples"
            );
            continue;
        };
        same_ms(&rtt["handshake_ms"], &want["handshake_ms"], &what);
        same_ms(&rtt["client_side_ms"], &want["client_side_ms"], &what);
        let (remote, local) = match rtt["answered_by"].as_str().unwrap() {
            "server" => ("server", "client"),
            _ => ("client", "server"),
        };
        let count = |side: &str| {
            want[format!("{side}_samples")]
                .as_array()
                .map_or(0, Vec::len) as u64
        };
        same_ms(&rtt["min_ms"], &want[format!("{remote}_min_ms")], &what);
        assert_eq!(rtt["samples"].as_u64().unwrap(), count(remote), "{what}");
        same_ms(
            &rtt["other_min_ms"],
            &want[format!("{local}_min_ms")],
            &what,
        );
        assert_eq!(
            rtt["other_samples"].as_u64().unwrap_or(0),
            count(local),
            "{what}"
        );
    }
}

#[test]
fn round_trips_equal_the_generated_ones() {
    check_rtts(STOCKHOLM, "Stockholm");
    check_rtts(SYDNEY, "Sydney");
}

fn flows_to<'a>(report: &'a Value, ip: &str) -> Vec<&'a Value> {
    report["flows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["server"]["ip"] == ip || f["client"]["ip"] == ip)
        .collect()
}

/// km at the speed of light in vacuum for a round trip, as a great circle (the chord c·t/2
/// laid on a sphere of radius 6335.439 km), rounded up; the round trip is lengthened by one
/// tick of the captures' microsecond timestamps first.
fn strict_km(ms: f64) -> u64 {
    let r = 6335.439_f64;
    let chord = (ms + 0.001) * 299_792.458 / 2.0 / 1000.0;
    (2.0 * r * (chord / (2.0 * r)).min(1.0).asin()).ceil() as u64
}

#[test]
fn stockholm_contradicts_wrong_databases_and_proves_the_eu() {
    let run = analyze(&["--json", "-", "--vantage", "Stockholm", STOCKHOLM]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = run.json();

    // Teams front door: 18.75 ms cannot reach Canada (the DB-IP claim) or the US.
    let teams = flows_to(&r, "52.113.194.132");
    assert_eq!(teams.len(), 1);
    let p = &teams[0]["physics"];
    assert_eq!(p["vantage"], "Stockholm, SE (59.3294, 18.0687)");
    assert_eq!(p["verdict"], "contradicts-database");
    assert_eq!(p["rtt_ms"], 18.75);
    assert_eq!(p["rtt_source"], "tcp-handshake");
    assert_eq!(p["max_distance_km"], strict_km(18.75));
    assert_eq!(p["max_distance_km"], 2835);
    assert_eq!(p["country"], "CA");
    // Nearest Canada (Ellesmere Island) from Stockholm: about 3,330 km.
    let to_canada = p["claim_distance_km"].as_u64().unwrap();
    assert!((3250..3400).contains(&to_canada), "{to_canada}");
    let claims: Vec<(&str, &str, bool)> = p["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["db"].as_str().unwrap(),
                c["country"].as_str().unwrap(),
                c["contradicted"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        claims,
        [
            ("dbip-country-lite", "CA", true),
            ("geo-whois-asn-country", "US", true)
        ]
    );
    assert_eq!(p["within_eu_eea"], false);
    assert!(p.get("anycast").is_none());

    // I-root: four connections, the fastest (1.8 ms, the third) bounds all of them to 270 km
    // (plus 30 km for the extent of the city and 10 km for the boundary data): Sweden, Finland
    // with Åland, Estonia, Latvia. All EU: proven, whatever a database says.
    let root = flows_to(&r, "192.36.148.17");
    assert_eq!(root.len(), 4);
    for f in &root {
        let p = &f["physics"];
        assert_eq!(p["rtt_ms"], 1.8);
        assert_eq!(p["rtt_flow"], root[2]["id"]);
        assert_eq!(p["max_distance_km"], strict_km(1.8));
        assert_eq!(p["verdict"], "consistent");
        assert_eq!(
            p["feasible"],
            serde_json::json!(["AX", "EE", "FI", "LV", "SE"])
        );
        assert_eq!(p["within_eu_eea"], true);
        assert_eq!(p["anycast"]["reason"], "known-range");
        assert_eq!(p["anycast"]["operator"], "Netnod");
    }
    assert_eq!(root[2]["rtt"]["handshake_ms"], 1.8);

    // Quad9 answers DNS in 3.9 ms: not in the US its database names; anycast by its range.
    let quad9 = &flows_to(&r, "9.9.9.9")[0];
    assert_eq!(quad9["rtt"]["source"], "dns");
    assert_eq!(quad9["rtt"]["samples"], 2);
    let p = &quad9["physics"];
    assert_eq!(p["verdict"], "contradicts-database");
    assert_eq!(p["max_distance_km"], strict_km(3.9));
    assert_eq!(p["anycast"]["prefix"], "9.9.9.0/24");
    let feasible = p["feasible"].as_array().unwrap();
    assert!(feasible.contains(&"RU".into()) && !feasible.contains(&"US".into()));
    assert_eq!(p["within_eu_eea"], false);

    // Inbound: the remote client's side (SYN/ACK -> ACK, 18 ms) places it, not the local
    // server's 0.1 ms.
    let inbound = &flows_to(&r, "141.20.5.188")[0];
    assert_eq!(inbound["remote"], "client");
    assert_eq!(inbound["rtt"]["answered_by"], "client");
    assert_eq!(inbound["rtt"]["min_ms"], 18.0);
    assert_eq!(inbound["rtt"]["other_min_ms"], 0.1);
    assert_eq!(inbound["physics"]["country"], "DE");
    assert_eq!(inbound["physics"]["verdict"], "consistent");

    // STUN: the fastest of four answers from the relay, not the client's 0.3 ms answer.
    let stun = &flows_to(&r, "52.112.1.10")[0];
    assert_eq!(stun["rtt"]["min_ms"], 31.5);
    assert_eq!(stun["rtt"]["samples"], 4);
    assert_eq!(stun["physics"]["rtt_ms"], 31.5);

    // No SYN captured, or joined mid-stream: nothing times the server.
    for f in flows_to(&r, "140.82.112.3") {
        assert_eq!(f["physics"]["verdict"], "no-rtt");
        assert!(f["physics"]["max_distance_km"].is_null());
    }
    // The local resolver is inside: timed, but nothing to place.
    let local = &flows_to(&r, "192.168.7.1")[0];
    assert_eq!(local["rtt"]["min_ms"], 0.8);
    assert!(local["physics"].is_null());

    // The summary: bytes to contradicted addresses, proven volumes, the table.
    let s = &r["summary"]["physics"];
    let sent = |fs: &[&Value]| {
        fs.iter()
            .map(|f| f["bytes"]["to_server"].as_u64().unwrap())
            .sum::<u64>()
    };
    let contradicted = [teams[0], *quad9];
    assert_eq!(s["contradicted"]["flows"], 2);
    assert_eq!(s["contradicted"]["bytes_to"], sent(&contradicted));
    assert_eq!(s["proven_eu_eea"]["flows"], 4);
    assert_eq!(s["proven_eu_eea"]["bytes_to"], sent(&root));
    assert_eq!(s["by_verdict"]["contradicts-database"]["flows"], 2);
    assert_eq!(s["by_verdict"]["no-rtt"]["flows"], 2);
    assert_eq!(s["by_verdict"]["consistent"]["flows"], 4 + 1 + 1 + 2 + 1);
    assert_eq!(s["anycast"]["flows"], 5);
    let rows = s["destinations"].as_array().unwrap();
    let order: Vec<(&str, f64)> = rows
        .iter()
        .map(|d| (d["ip"].as_str().unwrap(), d["rtt_ms"].as_f64().unwrap()))
        .collect();
    assert_eq!(
        order,
        [
            ("192.36.148.17", 1.8),
            ("9.9.9.9", 3.9),
            ("141.20.5.188", 18.0),
            ("52.113.194.132", 18.75),
            ("52.112.1.10", 31.5),
            ("52.114.76.10", 40.5),
            ("52.114.77.33", 1024.0),
        ]
    );
    assert_eq!(rows[0]["samples"], 4);
    assert_eq!(
        rows[0]["feasible"],
        serde_json::json!(["AX", "EE", "FI", "LV", "SE"])
    );
    // 1.8 ms in fibre: 180 km, Åland (and so Finland, which includes it) but not Estonia.
    assert_eq!(rows[0]["likely"], serde_json::json!(["AX", "FI", "SE"]));
    assert_eq!(
        rows[3]["contradicted"],
        serde_json::json!(["dbip-country-lite=CA", "geo-whois-asn-country=US"])
    );
    assert_eq!(s["vantages"][0]["kind"], "city");
    assert_eq!(s["vantages"][0]["inputs"], serde_json::json!([0]));
}

#[test]
fn two_sites_expose_an_anycast_address() {
    let run = analyze(&[
        "--json",
        "-",
        "--vantage",
        "Stockholm",
        "--vantage",
        "Sydney",
        STOCKHOLM,
        SYDNEY,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = run.json();
    let root = flows_to(&r, "192.36.148.17");
    assert_eq!(root.len(), 5);
    for f in &root {
        let a = &f["physics"]["anycast"];
        assert_eq!(a["reason"], "vantages-disagree", "{f}");
        let seen: Vec<(&str, f64, u64)> = a["vantages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["vantage"].as_str().unwrap(),
                    v["rtt_ms"].as_f64().unwrap(),
                    v["max_distance_km"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("Stockholm, SE (59.3294, 18.0687)", 1.8, strict_km(1.8)),
                ("Sydney, AU (-33.8678, 151.2073)", 4.0, strict_km(4.0)),
            ]
        );
        // Stockholm to Sydney is about 15,600 km; the bounds reach 270 + 600.
        let d = a["distance_km"].as_u64().unwrap();
        assert!((15_400..15_800).contains(&d), "{d}");
    }
    // Each flow is judged from its own site.
    assert_eq!(
        root[4]["physics"]["vantage"],
        "Sydney, AU (-33.8678, 151.2073)"
    );
    assert_eq!(root[4]["physics"]["rtt_ms"], 4.0);
    assert_eq!(root[0]["physics"]["rtt_ms"], 1.8);
    let s = &r["summary"]["physics"];
    let sites: Vec<(&str, Value)> = s["vantages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["kind"].as_str().unwrap(), v["inputs"].clone()))
        .collect();
    assert_eq!(
        sites,
        [
            ("city", serde_json::json!([0])),
            ("city", serde_json::json!([1]))
        ]
    );
    let rows: Vec<&Value> = s["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["ip"] == "192.36.148.17")
        .collect();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|d| d["anycast"] == "vantages-disagree"));
}

#[test]
fn home_is_the_vantage_unless_one_is_given() {
    let run = analyze(&["--json", "-", "--home", "SE", STOCKHOLM]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = run.json();
    let v = &r["summary"]["physics"]["vantages"][0];
    assert_eq!(v["vantage"], "SE");
    assert_eq!(v["kind"], "country");
    assert_eq!(v["from_home"], true);
    // From anywhere in Sweden the bound is weaker: Kiruna to Ellesmere Island is about
    // 2,600 km over the pole, within 18.75 ms, so only the US claim is ruled out.
    let p = &flows_to(&r, "52.113.194.132")[0]["physics"];
    assert_eq!(p["verdict"], "consistent");
    let contradicted: Vec<(&Value, &Value)> = p["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (&c["country"], &c["contradicted"]))
        .collect();
    assert_eq!(
        contradicted,
        [(&"CA".into(), &false.into()), (&"US".into(), &true.into())]
    );

    let run = analyze(&["--json", "-", STOCKHOLM]);
    let r = run.json();
    assert_eq!(r["summary"]["physics"]["vantages"], serde_json::json!([]));
    let p = &flows_to(&r, "52.113.194.132")[0]["physics"];
    assert_eq!(p["verdict"], "no-vantage");
    assert_eq!(p["max_distance_km"], strict_km(18.75));
    assert!(p["feasible"].is_null());
    assert_eq!(
        r["summary"]["physics"]["by_verdict"]["no-vantage"]["flows"],
        13
    );
}

#[test]
fn wrong_vantages_are_usage_errors() {
    let run = analyze(&["--vantage", "Stockholn", STOCKHOLM]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("Stockholm, SE"), "{}", run.stderr);
    let run = analyze(&["--vantage", "91,10", STOCKHOLM]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = analyze(&["--vantage", "SE", "--vantage", "IT", STOCKHOLM]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("one per file"), "{}", run.stderr);
    let run = analyze(&["--vantage", "59.3293,18.0686", STOCKHOLM]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn the_terminal_shows_claims_against_physics() {
    let run = analyze(&["--vantage", "Stockholm", STOCKHOLM]);
    assert_eq!(run.code, 0);
    let out = &run.stdout;
    assert!(
        out.contains("What the round trips prove (vantage: Stockholm, SE"),
        "{out}"
    );
    assert!(out.contains(
        "7 addresses timed; database country contradicted for 2; proven within the EU/EEA: 1"
    ));
    let line = out
        .lines()
        .find(|l| l.contains("52.113.194.132") && l.contains("contradicts-database"))
        .unwrap();
    assert!(line.contains("18.750"), "{line}");
    assert!(
        line.contains("[dbip-country-lite=CA, geo-whois-asn-country=US]"),
        "{line}"
    );
}

#[test]
fn reports_are_byte_identical() {
    let args = [
        "--json",
        "-",
        "--vantage",
        "Stockholm",
        "--vantage",
        "Sydney",
        STOCKHOLM,
        SYDNEY,
    ];
    assert_eq!(analyze(&args).stdout, analyze(&args).stdout);
}

#[test]
fn captures_from_different_sites_never_share_a_flow() {
    // The same capture twice: as rotated parts of one site, its flows join up; as two sites,
    // each keeps its own flows (two offices can have the same client address and port). The
    // second copy differs in one header field (its snap length), not in its packets: the very
    // same bytes twice are read once (`duplicate_of`).
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("stockholm-copy.pcap");
    let mut bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(STOCKHOLM)).unwrap();
    let snaplen = u32::from_le_bytes(bytes[16..20].try_into().unwrap());
    bytes[16..20].copy_from_slice(&(snaplen + 1).to_le_bytes());
    std::fs::write(&copy, &bytes).unwrap();
    let copy = copy.to_str().unwrap();
    let same_bytes = analyze(&["--json", "-", STOCKHOLM, STOCKHOLM]).json();
    assert_eq!(same_bytes["inputs"][1]["duplicate_of"], 0);
    assert_eq!(same_bytes["inputs"][1]["packets"], 0);
    assert_eq!(same_bytes["flows"].as_array().unwrap().len(), 14);
    let one_site = analyze(&["--json", "-", "--vantage", "Stockholm", STOCKHOLM, copy]).json();
    let two_sites = analyze(&[
        "--json",
        "-",
        "--vantage",
        "Stockholm",
        "--vantage",
        "Sydney",
        STOCKHOLM,
        copy,
    ])
    .json();
    let stun = |r: &Value| -> Vec<u64> {
        r["flows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["server"]["ip"] == "52.112.1.10")
            .map(|f| f["packets"]["to_server"].as_u64().unwrap())
            .collect()
    };
    // One site: the STUN flow continues in the second file (TCP connections closed by FIN
    // are opened anew by the replayed SYN: 7 more flows).
    assert_eq!(one_site["flows"].as_array().unwrap().len(), 14 + 7);
    let once = stun(&two_sites)[0];
    assert_eq!(stun(&one_site), [2 * once]);
    // Two sites: every flow twice, none shared.
    let flows = two_sites["flows"].as_array().unwrap();
    assert_eq!(flows.len(), 28);
    assert_eq!(stun(&two_sites), [once, once]);
    // Each site's flows are judged from that site.
    let root: Vec<&Value> = flows
        .iter()
        .filter(|f| f["server"]["ip"] == "192.36.148.17")
        .collect();
    assert_eq!(root.len(), 8);
    assert_eq!(
        root[0]["physics"]["vantage"],
        "Stockholm, SE (59.3294, 18.0687)"
    );
    assert_eq!(
        root[7]["physics"]["vantage"],
        "Sydney, AU (-33.8678, 151.2073)"
    );
    assert_eq!(root[7]["first_packet"]["input"], 1);
}
