//! `captures/names.pcap` (made by `examples/gen_captures/captures/names.rs`) through the real
//! binary: every flow's hostname (name, source, packet), service (name, provider, category,
//! rule) and the evidence behind them, exactly.
//!
//! Expected values come from how the capture was built, not from residency: packet numbers
//! from the generator's packet order (listed per flow in `captures/README.md`), byte counts from
//! `captures/expected.json` (the IP lengths the generator wrote), names and services from
//! docs/names.md and geo/services.toml. This file: names and services per flow, and their
//! evidence. `names_capture/summary.rs`: `summary.services`.

mod cli;
#[path = "names_capture/summary.rs"]
mod summary;

use serde_json::{Value, json};

pub const CAPTURE: &str = "captures/names.pcap";

/// Packet numbers in names.pcap, from the generator's order (see captures/README.md).
mod packet {
    /// The DNS answer for eu-mobile.events.data.microsoft.com (packet 1 is the query).
    pub const DNS_EU_MOBILE: u64 = 2;
    /// The ClientHello without server_name to 52.114.77.34 (3-5 are the handshake).
    pub const HELLO_NO_SNI: u64 = 6;
    /// The DNS-over-TCP segment with both responses (16 carries both queries).
    pub const DNS_TCP_ANSWERS: u64 = 17;
    /// The DNS answer for login.microsoftonline.com, after the SYN (31) of its flow.
    pub const DNS_LOGIN: u64 = 33;
    /// 39-41 handshake; 42 stream bytes 0-90, 43 190-end, 44 40-130 (retransmission), 45
    /// 130-190: the ClientHello is complete with packet 45.
    pub const TEAMS_HELLO_DONE: u64 = 45;
    pub const ECH_HELLO: u64 = 56;
    /// 65 the TLS 1.2 ClientHello; 66 ServerHello and the Certificate's start, 67 its end.
    pub const TLS12_HELLO: u64 = 65;
    pub const CERTIFICATE_DONE: u64 = 67;
    pub const HTTP_GET: u64 = 78;
    pub const QUIC_V2_INITIAL: u64 = 84;
    pub const MS_TURN_ALLOCATE: u64 = 86;
    pub const STUN_BINDING: u64 = 90;
}

pub fn analyze(extra: &[&str]) -> Value {
    let run = cli::analyze(&[&["--json", "-"], extra, &[CAPTURE]].concat());
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(run.raw_json().is_object(), "the report is JSON");
    run.json()
}

fn endpoint(v: &Value) -> String {
    let ip = v["ip"].as_str().expect("ip");
    match ip.contains(':') {
        true => format!("[{ip}]:{}", v["port"]),
        false => format!("{ip}:{}", v["port"]),
    }
}

/// The flow from `client` to `server` (as `ip:port`, IPv6 bracketed).
pub fn flow<'a>(r: &'a Value, client: &str, server: &str) -> &'a Value {
    let flows = r["flows"].as_array().expect("flows");
    let found: Vec<&Value> = flows
        .iter()
        .filter(|f| endpoint(&f["client"]) == client && endpoint(&f["server"]) == server)
        .collect();
    assert_eq!(found.len(), 1, "flows {client} -> {server}");
    found[0]
}

fn hostname(name: &str, source: &str, packet: u64) -> Value {
    json!({"name": name, "source": source, "packet": packet, "input": 0})
}

fn service(id: &str, name: &str, category: &str, rule: &str) -> Value {
    json!({"name": name, "provider": "Microsoft", "category": category, "rule": rule, "id": id})
}

fn at(number: u64) -> Value {
    json!({"input": 0, "number": number})
}

/// A `names` object with only the given fields set.
/// A flow's `names` as report/2 writes it: only the facts that were read (absent values, and
/// empty lists of queries, are left out).
fn names(set: Value) -> Value {
    let mut names = cli::compact(&set);
    if let Some(map) = names.as_object_mut() {
        map.retain(|k, v| {
            !(matches!(k.as_str(), "dns_queries" | "dns_query_services")
                && v.as_array().is_some_and(Vec::is_empty))
        });
    }
    names
}

#[test]
fn every_flow_has_its_name_and_service() {
    use packet::*;
    let r = analyze(&[]);
    assert_eq!(r["flows"].as_array().map(Vec::len), Some(14));
    let none = Value::Null;
    let teams_media = "Microsoft Teams media";
    let cases = [
        ("10.1.0.10:51001", "10.1.0.1:53", none.clone(), none.clone()),
        (
            "10.1.0.10:51002",
            "52.114.77.34:443",
            hostname("eu-mobile.events.data.microsoft.com", "dns", DNS_EU_MOBILE),
            service(
                "ms-telemetry-eu",
                "Microsoft telemetry (EU collector)",
                "telemetry",
                "name:eu-mobile.events.data.microsoft.com",
            ),
        ),
        ("10.1.0.10:51003", "10.1.0.1:53", none.clone(), none.clone()),
        (
            "[fd00:1::10]:51005",
            "[2001:db8:80::80]:443",
            hostname("www.example.net", "dns", DNS_TCP_ANSWERS),
            none.clone(),
        ),
        (
            "10.1.0.10:51004",
            "192.0.2.80:443",
            hostname("www.example.net", "dns", DNS_TCP_ANSWERS),
            none.clone(),
        ),
        (
            "10.1.0.10:51006",
            "20.190.159.2:443",
            hostname("login.microsoftonline.com", "dns", DNS_LOGIN),
            service(
                "entra",
                "Microsoft Entra ID",
                "auth",
                "name:login.microsoftonline.com",
            ),
        ),
        ("10.1.0.10:51007", "10.1.0.1:53", none.clone(), none.clone()),
        (
            "10.1.0.10:51008",
            "52.113.194.132:443",
            hostname("teams.microsoft.com", "tls-sni", TEAMS_HELLO_DONE),
            service(
                "teams",
                "Microsoft Teams",
                "signalling",
                "name:teams.microsoft.com",
            ),
        ),
        (
            "10.1.0.10:51009",
            "104.18.10.118:443",
            hostname("cloudflare-ech.com", "tls-sni", ECH_HELLO),
            json!({"name": "Cloudflare-fronted site (ECH)", "provider": "Cloudflare",
                "category": "cdn", "rule": "name:cloudflare-ech.com", "id": "cloudflare-ech"}),
        ),
        (
            "10.1.0.10:51010",
            "203.0.113.50:443",
            hostname("shop.example.com", "tls-cert", CERTIFICATE_DONE),
            none.clone(),
        ),
        (
            "10.1.0.10:51011",
            "52.109.8.19:80",
            hostname("nexus.officeapps.live.com", "http-host", HTTP_GET),
            service(
                "ms-telemetry",
                "Microsoft telemetry",
                "telemetry",
                "name:nexus.officeapps.live.com",
            ),
        ),
        (
            "10.1.0.10:51012",
            "93.184.215.14:443",
            hostname("example.com", "quic-sni", QUIC_V2_INITIAL),
            none.clone(),
        ),
        (
            "10.1.0.10:51013",
            "198.51.100.7:443",
            none.clone(),
            service("teams-media", teams_media, "media", "stun:ms-turn"),
        ),
        (
            "10.1.0.10:51014",
            "52.112.1.10:3478",
            none.clone(),
            service(
                "teams-media",
                teams_media,
                "media",
                "range:52.112.0.0/14 udp/3478-3481",
            ),
        ),
    ];
    for (client, server, want_host, want_service) in cases {
        let f = flow(&r, client, server);
        assert_eq!(f["hostname"], want_host, "{client} -> {server}: hostname");
        assert_eq!(f["service"], want_service, "{client} -> {server}: service");
    }
}

#[test]
fn dns_answers_name_the_flows_they_resolved() {
    use packet::*;
    let r = analyze(&[]);
    let dns = |name: &str, chain: Value, ttl: u32, record: &str, packet: u64| {
        json!({"name": name, "chain": chain, "ttl": ttl, "record": record, "packet": at(packet),
               "same_client": true, "after_start": false, "other_names": []})
    };

    // A CNAME chain of two, TLS without a server name: DNS names the flow.
    let f = flow(&r, "10.1.0.10:51002", "52.114.77.34:443");
    let chain = json!([
        "eu-mobile.events.data.trafficmanager.net",
        "onedscolprdneu02.northeurope.cloudapp.azure.com"
    ]);
    let eu = "eu-mobile.events.data.microsoft.com";
    let hello =
        json!({"sni": null, "ech": false, "alpn": ["http/1.1"], "packet": at(HELLO_NO_SNI)});
    assert_eq!(
        f["names"],
        names(json!({"tls": hello, "dns": dns(eu, chain, 60, "a", DNS_EU_MOBILE)}))
    );

    // HTTPS-record hints over DNS over TCP; the IPv6 flow comes from an address the answer was
    // not sent to (rule 3 of docs/names.md).
    let hint = dns(
        "www.example.net",
        json!([]),
        300,
        "https-hint",
        DNS_TCP_ANSWERS,
    );
    let f = flow(&r, "10.1.0.10:51004", "192.0.2.80:443");
    assert_eq!(f["names"], names(json!({ "dns": hint })));
    let mut other_client = hint.clone();
    other_client["same_client"] = json!(false);
    let f = flow(&r, "[fd00:1::10]:51005", "[2001:db8:80::80]:443");
    assert_eq!(f["names"], names(json!({ "dns": other_client })));

    // The answer came 1.5 ms after the SYN; the address is the first of two A records.
    let f = flow(&r, "10.1.0.10:51006", "20.190.159.2:443");
    let chain = json!(["login.mso.msidentity.com", "www.tm.ak.prd.aadg.akadns.net"]);
    let mut late = dns("login.microsoftonline.com", chain, 5, "a", DNS_LOGIN);
    late["after_start"] = json!(true);
    assert_eq!(f["names"], names(json!({ "dns": late })));

    // The resolver flows list what they were asked, and whose names those are.
    let resolver = [
        (
            "10.1.0.10:51001",
            json!([eu]),
            json!(["Microsoft telemetry (EU collector)"]),
        ),
        (
            "10.1.0.10:51003",
            json!(["www.example.net", "static.example.net"]),
            json!([]),
        ),
        (
            "10.1.0.10:51007",
            json!(["login.microsoftonline.com"]),
            json!(["Microsoft Entra ID"]),
        ),
    ];
    for (client, queries, services) in resolver {
        let f = flow(&r, client, "10.1.0.1:53");
        assert_eq!(f["scope"], "internal");
        let want = names(json!({"dns_queries": queries, "dns_query_services": services}));
        assert_eq!(f["names"], want, "{client}");
    }
}

#[test]
fn handshakes_give_their_names() {
    use packet::*;
    let r = analyze(&[]);
    let hello = |sni: &str, ech: bool, alpn: Value, packet: u64| json!({"sni": sni, "ech": ech, "alpn": alpn, "packet": at(packet)});

    // Reassembled from out-of-order, overlapping segments: named by the packet completing it.
    let f = flow(&r, "10.1.0.10:51008", "52.113.194.132:443");
    let teams = hello(
        "teams.microsoft.com",
        false,
        json!(["h2", "http/1.1"]),
        TEAMS_HELLO_DONE,
    );
    assert_eq!(f["names"], names(json!({ "tls": teams })));

    // Encrypted Client Hello: the outer name, flagged.
    let f = flow(&r, "10.1.0.10:51009", "104.18.10.118:443");
    let outer = hello(
        "cloudflare-ech.com",
        true,
        json!(["h2", "http/1.1"]),
        ECH_HELLO,
    );
    assert_eq!(f["names"], names(json!({ "tls": outer })));

    // TLS 1.2: the leaf certificate's names (CN lowercased; the non-wildcard name chosen).
    let f = flow(&r, "10.1.0.10:51010", "203.0.113.50:443");
    let client = json!({"sni": null, "ech": false, "alpn": [], "packet": at(TLS12_HELLO)});
    let cert = json!({"subject_cn": "shop.example.com",
        "san_dns": ["shop.example.com", "*.cdn.example.net"], "san_dropped": 0,
        "packet": at(CERTIFICATE_DONE)});
    assert_eq!(f["names"], names(json!({"tls": client, "tls_cert": cert})));

    // HTTP Host, lowercased, without its port.
    let f = flow(&r, "10.1.0.10:51011", "52.109.8.19:80");
    let host = json!({"name": "nexus.officeapps.live.com", "packet": at(HTTP_GET)});
    assert_eq!(f["names"], names(json!({ "http_host": host })));

    // QUIC v2 (RFC 9369 A.2): the ClientHello of RFC 9001, which offers ALPN "alpn".
    let f = flow(&r, "10.1.0.10:51012", "93.184.215.14:443");
    let quic = json!({"version": "v2", "error": null,
        "hello": hello("example.com", false, json!(["alpn"]), QUIC_V2_INITIAL)});
    assert_eq!(f["names"], names(json!({ "quic": quic })));
}

#[test]
fn stun_and_ms_turn_are_counted() {
    use packet::*;
    let r = analyze(&[]);
    let stun = |ms_turn: bool, version: Value, software: Value, method: &str, channel: u64| {
        json!({"requests": 1, "indications": 0, "success_responses": 1, "error_responses": 0,
               "channel_data": channel, "ms_turn": ms_turn, "ms_version": version,
               "software": software, "methods": [method]})
    };

    // MS-TURN Allocate and its success, then two multiplexed ChannelData (0xFF10).
    let f = flow(&r, "10.1.0.10:51013", "198.51.100.7:443");
    let mut want = stun(true, json!(6), Value::Null, "allocate", 2);
    want["first_packet"] = at(MS_TURN_ALLOCATE);
    assert_eq!(f["names"], names(json!({ "stun": want })));

    // RFC 5769's request and response: SOFTWARE is the request's (seen first).
    let f = flow(&r, "10.1.0.10:51014", "52.112.1.10:3478");
    let software = json!("STUN test client");
    let mut want = stun(false, Value::Null, software, "binding", 0);
    want["first_packet"] = at(STUN_BINDING);
    assert_eq!(f["names"], names(json!({ "stun": want })));
}
