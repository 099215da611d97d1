//! `captures/capwap.pcap` (made by `examples/gen_captures/captures/wireless.rs`) through the
//! real binary: the flows of the clients inside the CAPWAP data tunnels, with their names, and
//! what stays the tunnel's outer flow. Packet numbers follow the generator's order (listed in
//! `captures/README.md`); bytes are the innermost IP lengths the generator wrote.

mod cli;

use serde_json::{Value, json};

fn report() -> Value {
    let run = cli::analyze(&["--json", "-", "captures/capwap.pcap"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    run.json()
}

fn flow<'a>(r: &'a Value, client: &str, server: &str) -> &'a Value {
    let ends =
        |f: &Value, side: &str| format!("{}:{}", f[side]["ip"].as_str().unwrap(), f[side]["port"]);
    r["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| ends(f, "client") == client && ends(f, "server") == server)
        .unwrap_or_else(|| panic!("no flow {client} -> {server}"))
}

/// (packets c→s, packets s→c, bytes c→s, bytes s→c, first packet, last packet).
fn counts(f: &Value) -> (u64, u64, u64, u64, u64, u64) {
    let n = |v: &Value| v.as_u64().unwrap();
    (
        n(&f["packets"]["to_server"]),
        n(&f["packets"]["to_client"]),
        n(&f["bytes"]["to_server"]),
        n(&f["bytes"]["to_client"]),
        n(&f["first_packet"]["number"]),
        n(&f["last_packet"]["number"]),
    )
}

#[test]
fn the_wireless_station_inside_802_11_frames() {
    let r = report();
    let dns = flow(&r, "192.168.50.23:53530", "192.168.50.1:53");
    assert_eq!(counts(dns), (1, 1, 69, 85, 5, 6));
    assert_eq!(
        dns["names"]["dns_queries"],
        json!(["wifi-portal.example.org"])
    );
    let tls = flow(&r, "192.168.50.23:50443", "198.51.100.44:443");
    assert_eq!(counts(tls), (3, 2, 351, 92, 7, 11));
    assert_eq!(
        tls["hostname"],
        json!({"name": "wifi-portal.example.org", "source": "tls-sni", "packet": 10, "input": 0})
    );
    assert_eq!(tls["names"]["dns"]["name"], "wifi-portal.example.org");
    assert_eq!(tls["names"]["dns"]["packet"]["number"], 6);
}

#[test]
fn the_wired_client_inside_802_3_frames() {
    let r = report();
    let dns = flow(&r, "192.168.60.24:41053", "192.168.60.1:53");
    assert_eq!(counts(dns), (1, 1, 63, 79, 12, 13));
    assert_eq!(dns["names"]["dns_queries"], json!(["files.example.net"]));
    let tls = flow(&r, "192.168.60.24:41443", "203.0.113.90:443");
    assert_eq!(counts(tls), (3, 2, 345, 92, 14, 18));
    assert_eq!(
        tls["hostname"],
        json!({"name": "files.example.net", "source": "tls-sni", "packet": 17, "input": 0})
    );
}

/// Keep-alives, the protected 802.11 frame and both CAPWAP fragments stay in the data
/// channel's own flow (packets 1-2, 19-21, outer IP lengths); the DTLS control channel is an
/// ordinary flow; the fragmented datagram's inner flow does not exist.
#[test]
fn what_is_not_followed_stays_the_outer_flow() {
    let r = report();
    assert_eq!(r["flows"].as_array().unwrap().len(), 6);
    let data = flow(&r, "10.30.0.10:12223", "10.30.0.1:5247");
    assert_eq!(counts(data), (4, 1, 466, 58, 1, 21));
    let control = flow(&r, "10.30.0.10:12222", "10.30.0.1:5246");
    assert_eq!(counts(control), (1, 1, 93, 93, 3, 4));
    assert!(
        r["flows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["server"]["port"] != 4500)
    );
}
