//! turn.pcap: TURN allocations whose REALM names the relay, or does not.

use super::Capture;
use super::bytes::{sock, v4};
use super::dns_lookup;
use super::flow::{Dir, Flow, Pkt, udp};
use super::link::{Link, mac};
use super::timestamp::{T0, ms, us};
use super::turn_payload::{allocate, allocate_with_credentials, allocated, unauthorized};
use super::write::{LINKTYPE_ETHERNET, PcapFormat, Recs};

/// A TURN allocation on `flow` with long-term credentials for `realm`: Allocate, 401 (REALM,
/// NONCE), Allocate with credentials, success; `(offset, packet)` from its start.
fn allocation(flow: Flow, id: u8, realm: &str, relayed: &str, mapped: &str) -> Vec<(u64, Pkt)> {
    let first = [0x7e, 0x52, id, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    let second = [0x7e, 0x52, id, 2, 2, 3, 4, 5, 6, 7, 8, 9];
    let nonce = format!("00000000{id:02x}5f3a9c7b");
    let seed = 1600 + u32::from(id) * 10;
    vec![
        (0, udp(flow, Dir::ToServer, &allocate(&first))),
        (
            us(21_300),
            udp(flow, Dir::ToClient, &unauthorized(&first, realm, &nonce)),
        ),
        (
            us(21_500),
            udp(
                flow,
                Dir::ToServer,
                &allocate_with_credentials(&second, "1772442000:station", realm, &nonce, seed),
            ),
        ),
        (
            us(42_900),
            udp(
                flow,
                Dir::ToClient,
                &allocated(&second, sock(relayed), sock(mapped), seed + 1),
            ),
        ),
    ]
}

pub fn turn() -> Capture {
    let link = Link::new(mac(0x4010), mac(0x4001));
    let mut recs = Recs::default();
    let mut add = |start: u64, pkts: Vec<(u64, Pkt)>| {
        for (offset, pkt) in pkts {
            recs.at(T0 + start + offset, link.frame(pkt));
        }
    };
    // 1. A relay reached by address (as WebRTC does): its REALM is the only name.
    let google = Flow::udp("10.4.0.10:50100", "74.125.247.128:3478");
    add(
        0,
        allocation(
            google,
            1,
            "turn.l.google.com",
            "74.125.247.128:40420",
            "203.0.113.40:50100",
        ),
    );
    // 2. A REALM that is not a host name (a single word): no name.
    let plain = Flow::udp("10.4.0.10:50101", "203.0.113.33:3478");
    add(
        ms(100),
        allocation(
            plain,
            2,
            "coturn",
            "203.0.113.33:49999",
            "203.0.113.40:50101",
        ),
    );
    // 3. A relay the client looked up: the DNS name wins over the REALM.
    let dns = Flow::udp("10.4.0.10:50102", "10.4.0.1:53");
    let [query, answer] = dns_lookup(dns, 0x7e03, "relay.example.net", v4("192.0.2.99"), 300);
    add(ms(200), vec![(0, query), (us(3_100), answer)]);
    let named = Flow::udp("10.4.0.10:50103", "192.0.2.99:3478");
    add(
        ms(210),
        allocation(
            named,
            3,
            "turn.example.org",
            "192.0.2.99:61000",
            "203.0.113.40:50103",
        ),
    );
    Capture::pcap(
        "turn.pcap",
        PcapFormat::new(LINKTYPE_ETHERNET),
        "Client 10.4.0.10 (public address 203.0.113.40) allocates UDP relays with TURN \
         long-term credentials (RFC 8656): an Allocate request, the server's 401 Unauthorized \
         with REALM, NONCE and SOFTWARE, the Allocate repeated with USERNAME, REALM, NONCE and \
         MESSAGE-INTEGRITY, and the success response (XOR-RELAYED-ADDRESS, LIFETIME, \
         XOR-MAPPED-ADDRESS). To 74.125.247.128:3478 with REALM turn.l.google.com, no DNS: \
         expected name turn.l.google.com (stun-realm, the 401 in packet 2), service by port \
         (STUN/TURN media relay). To 203.0.113.33:3478 with REALM coturn (not a host name): no \
         name. A DNS lookup of relay.example.net (A 192.0.2.99), then to 192.0.2.99:3478 with \
         REALM turn.example.org: expected name relay.example.net (dns), the REALM kept in \
         names.stun.realm (packet 12).",
        &recs.sorted(),
    )
}
