//! `summary.services` of names.pcap: every remote flow counted once, under its service and
//! category, with the bytes that left (home, EU/EEA) or went to a provider under US law. The
//! volumes are added up here from `captures/expected.json` (the generator's IP lengths), the
//! verdicts from where each destination is (docs/placement.md: DB-IP places 52.114.77.34,
//! 20.190.159.2 and 52.112.1.10 in IE, 52.113.194.132 and 104.18.10.118 in CA, 52.109.8.19 and
//! 93.184.215.14 in the US; documentation addresses have no place and no provider).

use super::{CAPTURE, analyze};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const EU_COLLECTOR: &str = "52.114.77.34:443";
const NEXUS: &str = "52.109.8.19:80";
const LOGIN: &str = "20.190.159.2:443";
const TEAMS: &str = "52.113.194.132:443";
const MS_TURN: &str = "198.51.100.7:443";
const TEAMS_STUN: &str = "52.112.1.10:3478";
const HINT_V4: &str = "192.0.2.80:443";
const HINT_V6: &str = "[2001:db8:80::80]:443";
const ECH: &str = "104.18.10.118:443";
const CERT: &str = "203.0.113.50:443";
const QUIC: &str = "93.184.215.14:443";

/// (bytes to server, bytes to client) per server of names.pcap, from expected.json.
fn generated_bytes() -> BTreeMap<String, (u64, u64)> {
    let text = std::fs::read_to_string("captures/expected.json").expect("expected.json");
    let all: Value = serde_json::from_str(&text).expect("JSON");
    let file = CAPTURE.trim_start_matches("captures/");
    all[file]
        .as_array()
        .expect("names.pcap in expected.json")
        .iter()
        .map(|f| {
            let n = |k: &str| f[k].as_u64().expect("count");
            let server = f["server"].as_str().expect("server").to_string();
            (server, (n("bytes_to_server"), n("bytes_to_client")))
        })
        .collect()
}

/// The volume of the flows to `servers`: {flows, bytes_to, bytes_from}.
fn volume(bytes: &BTreeMap<String, (u64, u64)>, servers: &[&str]) -> Value {
    let (mut to, mut from) = (0, 0);
    for s in servers {
        let (t, f) = bytes[*s];
        to += t;
        from += f;
    }
    json!({"flows": servers.len(), "bytes_to": to, "bytes_from": from})
}

/// A service or category volume: all of `all`, with the parts that left or went to US law.
fn verdicts(all: Value, left_home: Value, left_eu: Value, us: Value) -> Value {
    let mut v = all;
    v["left_home"] = left_home;
    v["left_eu_eea"] = left_eu;
    v["non_eu_control"] = us.clone();
    v["cloud_act"] = us;
    v
}

/// A service volume without its payload and unanswered counts (every flow here is answered).
fn volumes_only(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("payload_to");
        assert_eq!(o.remove("unanswered"), Some(json!(0)));
    }
    v
}

#[test]
fn services_and_categories_add_up_the_flows() {
    let r = analyze(&[]);
    let s = &r["summary"]["services"];
    let b = generated_bytes();
    let v = |servers: &[&str]| volume(&b, servers);
    let zero = v(&[]);

    // Telemetry: the EU collector (IE) stayed in the EU, nexus (US) left; both are Microsoft's.
    let telemetry = verdicts(
        v(&[EU_COLLECTOR, NEXUS]),
        Value::Null,
        v(&[NEXUS]),
        v(&[EU_COLLECTOR, NEXUS]),
    );
    // Media: the MS-TURN relay's documentation address has no provider, so no US-law bytes.
    let media = verdicts(
        v(&[MS_TURN, TEAMS_STUN]),
        Value::Null,
        zero.clone(),
        v(&[TEAMS_STUN]),
    );
    let signalling = verdicts(v(&[TEAMS]), Value::Null, v(&[TEAMS]), v(&[TEAMS]));
    let auth = verdicts(v(&[LOGIN]), Value::Null, zero.clone(), v(&[LOGIN]));
    // The ECH flow's outer name is Cloudflare's ECH public name (Cloudflare, CA).
    let cdn = verdicts(v(&[ECH]), Value::Null, v(&[ECH]), v(&[ECH]));
    let none = verdicts(zero.clone(), Value::Null, zero.clone(), zero.clone());
    let mut want = BTreeMap::from([
        ("auth", auth.clone()),
        ("cdn", cdn),
        ("media", media.clone()),
        ("signalling", signalling.clone()),
        ("telemetry", telemetry),
    ]);
    for empty in ["other", "storage", "web"] {
        want.insert(empty, none.clone());
    }
    // Payload and unanswered counts are checked against the flows below; the volumes here.
    let mut got = s["by_category"].clone();
    for v in got.as_object_mut().unwrap().values_mut() {
        let v = v.as_object_mut().unwrap();
        v.remove("payload_to");
        assert_eq!(v.remove("unanswered"), Some(json!(0)));
    }
    assert_eq!(got, json!(want));
    // Each category's payload is the sum of its flows' payload sent to the remote side.
    let flows = r["flows"].as_array().unwrap();
    for (category, v) in s["by_category"].as_object().unwrap() {
        let sum: u64 = flows
            .iter()
            .filter(|f| f["service"]["category"] == *category && f["remote"].is_string())
            .map(|f| f["answer"]["payload_to_remote"].as_u64().unwrap())
            .sum();
        assert_eq!(v["payload_to"].as_u64(), Some(sum), "{category}");
    }

    // Unclassified: both hinted addresses, the certificate flow, QUIC (US, no provider claimed
    // by the test data's address).
    let unclassified = verdicts(
        v(&[HINT_V4, HINT_V6, CERT, QUIC]),
        Value::Null,
        v(&[QUIC]),
        zero.clone(),
    );
    assert_eq!(volumes_only(&s["unclassified"]), unclassified);

    // Per service, most bytes (both ways) first.
    let total = |servers: &[&str]| -> u64 { servers.iter().map(|x| b[*x].0 + b[*x].1).sum() };
    let mut order = [
        (
            "Microsoft telemetry (EU collector)",
            "telemetry",
            total(&[EU_COLLECTOR]),
        ),
        ("Microsoft Teams", "signalling", total(&[TEAMS])),
        (
            "Microsoft Teams media",
            "media",
            total(&[MS_TURN, TEAMS_STUN]),
        ),
        ("Microsoft telemetry", "telemetry", total(&[NEXUS])),
        ("Microsoft Entra ID", "auth", total(&[LOGIN])),
    ];
    let ech_total = total(&[ECH]);
    order.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
    let got: Vec<(&str, &str, &str)> = s["by_service"]
        .as_array()
        .expect("by_service")
        .iter()
        .map(|x| {
            let field = |k: &str| x[k].as_str().unwrap_or("?");
            (field("name"), field("provider"), field("category"))
        })
        .collect();
    let mut want: Vec<(&str, &str, &str, u64)> =
        order.iter().map(|o| (o.0, "Microsoft", o.1, o.2)).collect();
    want.push((
        "Cloudflare-fronted site (ECH)",
        "Cloudflare",
        "cdn",
        ech_total,
    ));
    want.sort_by(|a, b| b.3.cmp(&a.3).then(a.0.cmp(b.0)));
    let want: Vec<(&str, &str, &str)> = want.iter().map(|w| (w.0, w.1, w.2)).collect();
    assert_eq!(got, want);
    let teams = &s["by_service"]
        .as_array()
        .expect("by_service")
        .iter()
        .find(|x| x["name"] == "Microsoft Teams")
        .expect("Teams");
    let mut signalling_total = signalling;
    signalling_total["name"] = json!("Microsoft Teams");
    signalling_total["provider"] = json!("Microsoft");
    signalling_total["category"] = json!("signalling");
    assert_eq!(volumes_only(teams), signalling_total);

    // 11 remote flows; the three resolver flows are internal.
    assert_eq!(
        s["by_hostname_source"],
        json!({"dns": 4, "http-host": 1, "none": 2, "quic-sni": 1, "tls-cert": 1, "tls-sni": 2})
    );
    assert_eq!(s["by_rule_kind"], json!({"name": 5, "range": 1, "stun": 1}));
    // Inspected: the ten TCP and QUIC flows; DNS and STUN over UDP are read per datagram and
    // keep no inspection state.
    // Bindings (client, address): 52.114.77.34, 192.0.2.80, 2001:db8:80::80, 192.0.2.90,
    // 20.190.159.2, 40.126.31.4, all for 10.1.0.10; responses: two over UDP, two over TCP.
    assert_eq!(
        s["inspection"],
        json!({"flows_inspected": 10, "flows_evicted": 0,
               "dns_responses": 4, "dns_malformed": 0, "dns_bindings": 6,
               "dns_bindings_evicted": 0})
    );
}

#[test]
fn home_country_splits_the_telemetry() {
    // With Ireland as home, the EU collector, Entra ID and the Teams relay stayed home.
    let r = analyze(&["--home", "IE"]);
    let s = &r["summary"]["services"];
    let b = generated_bytes();
    let v = |servers: &[&str]| volume(&b, servers);
    let cat = &s["by_category"];
    assert_eq!(cat["telemetry"]["left_home"], v(&[NEXUS]));
    assert_eq!(cat["telemetry"]["left_eu_eea"], v(&[NEXUS]));
    assert_eq!(cat["auth"]["left_home"], v(&[]));
    assert_eq!(cat["media"]["left_home"], v(&[]));
    assert_eq!(cat["signalling"]["left_home"], v(&[TEAMS]));
    assert_eq!(cat["web"]["left_home"], v(&[]));
    assert_eq!(s["unclassified"]["left_home"], v(&[QUIC]));
    assert_eq!(cat["cdn"]["left_home"], v(&[ECH]));
}
