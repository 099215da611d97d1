//! `captures/turn.pcap` (made by `examples/gen_captures/captures/turn.rs`) through the real
//! binary: a TURN relay's REALM as the flow's name when nothing better names it, and the
//! REALMs residency read checked against tshark's `stun.att.realm`. Packet numbers follow
//! the generator's order (listed in `captures/README.md`).

mod cli;

use residency::names::stun::realm_name;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::process::Command;

const CAPTURE: &str = "captures/turn.pcap";

fn report() -> Value {
    let run = cli::analyze(&["--json", "-", CAPTURE]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    run.json()
}

fn flow_to<'a>(r: &'a Value, server: &str) -> &'a Value {
    r["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            format!(
                "{}:{}",
                f["server"]["ip"].as_str().unwrap(),
                f["server"]["port"]
            ) == server
        })
        .unwrap_or_else(|| panic!("no flow to {server}"))
}

#[test]
fn a_relay_reached_by_address_is_named_by_its_realm() {
    let r = report();
    let f = flow_to(&r, "74.125.247.128:3478");
    assert_eq!(
        f["hostname"],
        json!({"name": "turn.l.google.com", "source": "stun-realm", "packet": 2, "input": 0})
    );
    assert_eq!(
        f["names"]["stun"]["realm"],
        json!({"name": "turn.l.google.com", "packet": {"input": 0, "number": 2}})
    );
    assert_eq!(f["names"]["stun"]["requests"], 2);
    assert_eq!(f["names"]["stun"]["error_responses"], 1);
    assert_eq!(f["names"]["stun"]["success_responses"], 1);
    // The realm matches the catalog's `*.google.com` (web), not a media service: the relay is
    // classified as if it had no name, by its port.
    assert_eq!(f["service"]["id"], "stun-turn");
    assert_eq!(f["service"]["category"], "media");
    assert_eq!(f["service"]["rule"], "port:udp/3478,5349");
    assert_eq!(
        (
            f["bytes"]["to_server"].as_u64(),
            f["bytes"]["to_client"].as_u64()
        ),
        (Some(208), Some(256))
    );
}

#[test]
fn a_realm_that_is_not_a_host_name_names_nothing() {
    let r = report();
    let f = flow_to(&r, "203.0.113.33:3478");
    assert_eq!(f["hostname"], Value::Null);
    assert_eq!(f["names"]["stun"]["realm"], Value::Null);
    assert_eq!(f["names"]["stun"]["requests"], 2);
}

#[test]
fn a_dns_name_beats_the_realm() {
    let r = report();
    let f = flow_to(&r, "192.0.2.99:3478");
    assert_eq!(
        f["hostname"],
        json!({"name": "relay.example.net", "source": "dns", "packet": 10, "input": 0})
    );
    assert_eq!(
        f["names"]["stun"]["realm"],
        json!({"name": "turn.example.org", "packet": {"input": 0, "number": 12}})
    );
    assert_eq!(
        r["summary"]["services"]["by_hostname_source"],
        json!({"dns": 1, "none": 1, "stun-realm": 1})
    );
}

/// tshark's first REALM per flow (keyed by the client's UDP port), and its frame.
fn tshark_realms() -> Option<BTreeMap<u64, (u64, String)>> {
    let out = Command::new("tshark")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["-n", "-r", CAPTURE, "-Y", "stun.att.realm", "-T", "fields"])
        .args([
            "-e",
            "frame.number",
            "-e",
            "udp.srcport",
            "-e",
            "udp.dstport",
        ])
        .args(["-e", "stun.att.realm"])
        .output();
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            cli::skip(&format!(
                "tshark failed ({}); the REALM oracle compares nothing",
                o.status
            ));
            return None;
        }
        Err(e) => {
            cli::skip(&format!(
                "tshark is not runnable ({e}); the REALM oracle compares nothing"
            ));
            return None;
        }
    };
    let mut first = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let [frame, sport, dport, realm] = cols[..] else {
            panic!("unexpected tshark line {line:?}");
        };
        let client = sport.parse::<u64>().unwrap().max(dport.parse().unwrap());
        first
            .entry(client)
            .or_insert((frame.parse().unwrap(), realm.to_string()));
    }
    Some(first)
}

/// Every flow's first REALM as tshark reads it, against `names.stun.realm`: the same packet
/// and name where the REALM is a host name, absent where it is not.
#[test]
fn realms_agree_with_tshark() {
    let Some(theirs) = tshark_realms() else {
        return;
    };
    assert_eq!(theirs.len(), 3, "{theirs:?}");
    let r = report();
    for f in r["flows"].as_array().unwrap() {
        let Some(stun) = f["names"].get("stun") else {
            continue;
        };
        let port = f["client"]["port"].as_u64().unwrap();
        let (frame, realm) = &theirs[&port];
        let expected = realm_name(realm)
            .map(|name| json!({"name": name, "packet": {"input": 0, "number": frame}}));
        assert_eq!(
            stun.get("realm").cloned(),
            expected,
            "client port {port}: tshark {realm:?} in frame {frame}"
        );
    }
}
