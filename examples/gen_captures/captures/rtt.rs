//! rtt.pcap (taken in Stockholm) and rtt-sydney.pcap: exchanges whose round trips are set to
//! the microsecond, for the physics check (RTT → distance bound → database contradicted, and
//! anycast when two vantages disagree). `expected_rtt` derives the values an analyser must
//! report from the records written here.
//!
//! Where the embedded databases place each remote address (`residency lookup`, 2026-11-29):
//! 52.113.194.132 CA (dbip-country-lite) / US (geo-whois-asn-country), AS8068 Microsoft;
//! 192.36.148.17 SE / SE, AS29216 Netnod; 52.114.77.33 and 52.114.76.10 IE / IE, AS8075
//! Microsoft; 141.20.5.188 DE / DE, AS680 DFN; 140.82.112.3 US / US, AS36459 GitHub;
//! 52.112.1.10 IE / IE, AS8075 Microsoft; 9.9.9.9 US / US, AS19281 Quad9.

use super::Capture;
use super::bytes::{hex, sock};
use super::flow::{Dir, Flow, Pkt, Role, TcpConn, udp};
use super::link::{Link, mac};
use super::names_payload::dns_tcp;
use super::payload::{
    DNS_A, Dns, RFC9001_A2_CLIENT_INITIAL, RFC9001_A3_SERVER_INITIAL, Rdata, dns_answer, dns_query,
    quic_short_header, stun_binding_request, stun_binding_success, tls_app_data, tls_client_hello,
    tls_server_flight,
};
use super::timestamp::{T0, us};
use super::write::{LINKTYPE_ETHERNET, PcapFormat, Recs};

/// I.ROOT-SERVERS.NET, operated by Netnod and anycast: the IANA root hints (Debian package
/// dns-root-data 2024071801~deb12u1, root.hints "last update: April 18, 2024", .deb SHA-256
/// 663f47552c4c3e146a9361e67d9289d6306e151c7e903df30d66b26b3e299b55; read 2026-11-29).
const SE_ANYCAST: &str = "192.36.148.17:53";

/// Round trips in µs. 18.750 ms from Stockholm bounds the server within 2,811 km (light in
/// vacuum): Canada's nearest land (Ellesmere Island: Alert, 82.5° N 62.3° W, is 3,363 km away
/// on the great circle) and the US (Utqiagvik, Alaska, 5,485 km) are both out of reach. (31.25 ms, 4,684 km, would still reach Ellesmere and Newfoundland.)
const MS_CA_US: u64 = 18_750;
/// The four handshakes with the Swedish address; the third (1.800 ms) is the minimum.
const SE_HANDSHAKES: [u64; 4] = [2_000, 2_600, 1_800, 3_100];
/// The same address seen from Sydney.
const SE_FROM_SYDNEY: u64 = 4_000;
/// IE: the SYN retransmitted after 1 s, answered 24 ms after the second copy.
const SYN_RETRY_GAP: u64 = 1_000_000;
const IE_AFTER_RETRY: u64 = 24_000;
/// DE: the local SSH server answers the SYN in 0.1 ms; the remote client's ACK takes 18 ms.
const LOCAL_SYN_ACK: u64 = 100;
const DE_CLIENT_SIDE: u64 = 18_000;
/// The client's ACK after a SYN/ACK, and after data, on the LAN.
const CLIENT_ACK: u64 = 40;
/// The ACK that follows a SYN/ACK whose SYN was not captured.
const CLIENT_ACK_UNSEEN_SYN: u64 = 60;
/// US flows without a captured handshake: the data round trip (no sample).
const US_DATA: u64 = 110_000;
/// QUIC: first server packet after the client Initial; then a retransmitted Initial.
const QUIC_IE: u64 = 40_500;
const QUIC_RETRY_GAP: u64 = 300_000;
const QUIC_AFTER_RETRY: u64 = 25_000;
/// STUN answers, the retransmitted request (second copy after 200 ms, answered 32 ms after
/// it), and the client's answer to the server's request.
const STUN_ANSWERS: [u64; 3] = [33_000, 31_500, 35_000];
const STUN_RETRY_GAP: u64 = 200_000;
const STUN_AFTER_RETRY: u64 = 32_000;
const STUN_CLIENT_ANSWER: u64 = 300;
/// DNS: the LAN resolver, and 9.9.9.9's two answers.
const DNS_LOCAL: u64 = 800;
const DNS_QUAD9: [u64; 2] = [4_200, 3_900];
/// Items start this far apart (µs), so each one is over before the next.
const ITEM_GAP: u64 = 2_000_000;

/// Every QUIC flow carries one Initial exchange: the request and answer share this id.
const QUIC_INITIAL: u128 = 0;
/// The server's Source Connection ID in RFC 9001 A.3, which the client's 1-RTT packets carry.
const QUIC_SERVER_CID: &str = "f067a5502a4262b5";

const DNS_NS: u16 = 2;

/// A capture being written: packets framed on the client's Ethernet segment.
struct Site {
    link: Link,
    recs: Recs,
}

impl Site {
    /// `pkt` at `micros` after T0, framed with the site's link.
    fn at(&mut self, micros: u64, pkt: Pkt) {
        self.recs.at(T0 + us(micros), self.link.frame(pkt));
    }

    /// `pkt` at `micros` after T0 framed with `link` (another host on the segment).
    fn at_on(&mut self, link: &Link, micros: u64, pkt: Pkt) {
        self.recs.at(T0 + us(micros), link.frame(pkt));
    }

    /// SYN at `t`, SYN/ACK one `rtt` later, ACK [`CLIENT_ACK`] after it; returns the ACK time.
    fn handshake(&mut self, c: &mut TcpConn, t: u64, rtt: u64) -> u64 {
        self.at(t, c.syn());
        self.at(t + rtt, c.syn_ack());
        self.at(t + rtt + CLIENT_ACK, c.ack(Dir::ToServer));
        t + rtt + CLIENT_ACK
    }

    /// From `t`: the client's data, the server's reply one `rtt` later, the client's ACK, then
    /// FIN both ways and the last ACK.
    fn talk_and_close(&mut self, c: &mut TcpConn, t: u64, rtt: u64, ask: &[u8], reply: &[u8]) {
        self.at(t, c.push(Dir::ToServer, ask));
        self.at(t + rtt, c.push(Dir::ToClient, reply));
        self.at(t + rtt + CLIENT_ACK, c.ack(Dir::ToServer));
        let fin = t + rtt + 1_000;
        self.at(fin, c.fin(Dir::ToServer));
        self.at(fin + rtt, c.fin(Dir::ToClient));
        self.at(fin + rtt + CLIENT_ACK, c.ack(Dir::ToServer));
    }

    /// A connection to the root server at `t`: handshake in `rtt`, one DNS query over TCP.
    fn root_query(&mut self, client: &str, t: u64, rtt: u64, id: u16) {
        let mut c = TcpConn::new(
            Flow::tcp(client, SE_ANYCAST),
            0x5e00_0000 + u32::from(id),
            0,
        );
        let after = self.handshake(&mut c, t, rtt);
        let query = Dns::new(id, 0, [1, 0, 0, 0]).question("se", DNS_NS).bytes();
        let referral = Dns::new(id, 0x8000, [1, 0, 1, 0])
            .question("se", DNS_NS)
            .record("se", DNS_NS, 172_800, Rdata::Name("a.ns.se"))
            .bytes();
        let (ask, reply) = (dns_tcp(&[query]), dns_tcp(&[referral]));
        self.talk_and_close(&mut c, after + 100, rtt, &ask, &reply);
    }
}

/// A STUN transaction ID: "rtt.pcap" and a counter.
fn txid(n: u8) -> [u8; 12] {
    let mut id = *b"rtt.pcap\0\0\0\0";
    id[11] = n;
    id
}

fn txid_role(id: &[u8; 12]) -> u128 {
    id.iter().fold(0, |acc, &b| (acc << 8) | u128::from(b))
}

/// rtt.pcap: every kind of RTT sample, and the cases that must give none.
pub fn rtt_stockholm() -> Capture {
    let gateway = mac(0x0701);
    let mut s = Site {
        link: Link::new(mac(0x0710), gateway),
        recs: Recs::default(),
    };
    let item = |n: u64| (n - 1) * ITEM_GAP;

    // 1. TLS to 52.113.194.132:443.
    let mut c = TcpConn::new(
        Flow::tcp("192.168.7.10:50100", "52.113.194.132:443"),
        0x1000_0000,
        0x9000_0000,
    );
    let after = s.handshake(&mut c, item(1), MS_CA_US);
    let hello = tls_client_hello("teams.microsoft.com", 700);
    let flight = tls_server_flight(700, 1_200);
    s.talk_and_close(&mut c, after + 160, MS_CA_US, &hello, &flight);

    // 2. Four connections to the Swedish root server.
    for (i, rtt) in (0u16..).zip(SE_HANDSHAKES) {
        let t = item(2) + 200_000 * u64::from(i);
        s.root_query(&format!("192.168.7.10:{}", 50200 + i), t, rtt, 0x5e01 + i);
    }

    // 3. A retransmitted SYN to 52.114.77.33:443.
    let mut c = TcpConn::new(
        Flow::tcp("192.168.7.10:50300", "52.114.77.33:443"),
        0x3000_0000,
        0xa000_0000,
    );
    let t = item(3);
    let syn = c.syn();
    s.at(t, syn.clone());
    s.at(t + SYN_RETRY_GAP, syn);
    let answered = t + SYN_RETRY_GAP + IE_AFTER_RETRY;
    s.at(answered, c.syn_ack());
    s.at(answered + CLIENT_ACK, c.ack(Dir::ToServer));
    let (hello, flight) = (
        tls_client_hello("eu.example.net", 710),
        tls_app_data(800, 711),
    );
    s.talk_and_close(&mut c, answered + 200, IE_AFTER_RETRY, &hello, &flight);

    // 4. Inbound SSH from 141.20.5.188 to the LAN host 192.168.7.20.
    let inbound = Link::new(gateway, mac(0x0720));
    let mut c = TcpConn::new(
        Flow::tcp("141.20.5.188:51515", "192.168.7.20:22"),
        0x4000_0000,
        0xb000_0000,
    );
    let t = item(4);
    let banner = b"SSH-2.0-OpenSSH_9.6\r\n";
    s.at_on(&inbound, t, c.syn());
    s.at_on(&inbound, t + LOCAL_SYN_ACK, c.syn_ack());
    let acked = t + LOCAL_SYN_ACK + DE_CLIENT_SIDE;
    s.at_on(&inbound, acked, c.ack(Dir::ToServer));
    s.at_on(&inbound, acked + 200, c.push(Dir::ToClient, banner));
    s.at_on(
        &inbound,
        acked + 200 + DE_CLIENT_SIDE,
        c.push(Dir::ToServer, banner),
    );
    s.at_on(&inbound, acked + 300 + DE_CLIENT_SIDE, c.ack(Dir::ToClient));
    let fin = acked + 100_000;
    s.at_on(&inbound, fin, c.fin(Dir::ToServer));
    s.at_on(&inbound, fin + LOCAL_SYN_ACK, c.fin(Dir::ToClient));
    s.at_on(
        &inbound,
        fin + LOCAL_SYN_ACK + DE_CLIENT_SIDE,
        c.ack(Dir::ToServer),
    );

    // 5. Two connections to 140.82.112.3:443 whose SYN was not captured.
    let mut c = TcpConn::new(
        Flow::tcp("192.168.7.10:50500", "140.82.112.3:443"),
        0x5000_0000,
        0xc000_0000,
    );
    let t = item(5);
    let _not_captured = c.syn();
    s.at(t, c.syn_ack());
    s.at(t + CLIENT_ACK_UNSEEN_SYN, c.ack(Dir::ToServer));
    let (hello, flight) = (tls_client_hello("github.com", 720), tls_app_data(900, 721));
    s.talk_and_close(&mut c, t + 200, US_DATA, &hello, &flight);

    let mut c = TcpConn::new(
        Flow::tcp("192.168.7.10:50501", "140.82.112.3:443"),
        0x5100_0000,
        0xc100_0000,
    );
    let _not_captured = [c.syn(), c.syn_ack(), c.ack(Dir::ToServer)];
    let (ask, reply) = (tls_app_data(120, 722), tls_app_data(400, 723));
    s.talk_and_close(&mut c, t + 500_000, US_DATA, &ask, &reply);

    // 6. QUIC to 52.114.76.10:443, then a flow whose Initial is retransmitted.
    let t = item(6);
    quic(&mut s, "192.168.7.10:50600", &[t], t + QUIC_IE);
    let t = t + 1_000_000;
    let copies = [t, t + QUIC_RETRY_GAP];
    quic(
        &mut s,
        "192.168.7.10:50601",
        &copies,
        copies[1] + QUIC_AFTER_RETRY,
    );

    // 7. STUN with 52.112.1.10:3478.
    stun(&mut s, item(7));

    // 8. DNS over UDP: the LAN resolver and 9.9.9.9.
    let t = item(8);
    let local = Flow::udp("192.168.7.10:50800", "192.168.7.1:53");
    dns(
        &mut s,
        local,
        t,
        DNS_LOCAL,
        0x7001,
        "teams.microsoft.com",
        "52.113.194.132",
    );
    let quad9 = Flow::udp("192.168.7.10:50801", "9.9.9.9:53");
    let lookups = [
        ("i.root-servers.net", "192.36.148.17"),
        ("teams.microsoft.com", "52.113.194.132"),
    ];
    for ((i, (name, addr)), rtt) in (0u16..).zip(lookups).zip(DNS_QUAD9) {
        let at = t + 100_000 * (1 + u64::from(i));
        dns(&mut s, quad9, at, rtt, 0x7002 + i, name, addr);
    }
    let stale = dns_answer(
        0x7009,
        "example.com",
        "192.0.2.1".parse().expect("literal"),
        60,
    );
    s.at(
        t + 400_000,
        udp(quad9, Dir::ToClient, &stale).with_role(Role::Answer(0x7009)),
    );

    let recs = s.recs.sorted();
    Capture::pcap(
        "rtt.pcap",
        PcapFormat::new(LINKTYPE_ETHERNET),
        ABOUT_STOCKHOLM,
        &recs,
    )
    .with_rtt(&recs)
}

/// A QUIC flow to 52.114.76.10:443: RFC 9001's client Initial at each time of `initial` (the
/// same bytes), RFC 9001's server Initial at `answer`, then 1-RTT packets both ways.
fn quic(s: &mut Site, client: &str, initial: &[u64], answer: u64) {
    let flow = Flow::udp(client, "52.114.76.10:443");
    let hello = hex(RFC9001_A2_CLIENT_INITIAL);
    for &t in initial {
        s.at(
            t,
            udp(flow, Dir::ToServer, &hello).with_role(Role::Request(QUIC_INITIAL)),
        );
    }
    let server =
        |payload: &[u8]| udp(flow, Dir::ToClient, payload).with_role(Role::Answer(QUIC_INITIAL));
    s.at(answer, server(&hex(RFC9001_A3_SERVER_INITIAL)));
    let cid = hex(QUIC_SERVER_CID);
    s.at(
        answer + 300,
        udp(flow, Dir::ToServer, &quic_short_header(&cid, 80, 730)),
    );
    s.at(answer + 20_000, server(&quic_short_header(&[], 600, 731)));
    s.at(
        answer + 20_100,
        udp(flow, Dir::ToServer, &quic_short_header(&cid, 40, 732)),
    );
}

/// STUN between 192.168.7.10:50700 and 52.112.1.10:3478, from `t`.
fn stun(s: &mut Site, t: u64) {
    let flow = Flow::udp("192.168.7.10:50700", "52.112.1.10:3478");
    let public = sock("198.51.100.7:50700");
    let ask = |dir: Dir, id: &[u8; 12]| {
        udp(flow, dir, &stun_binding_request(id)).with_role(Role::Request(txid_role(id)))
    };
    let answer = |dir: Dir, id: &[u8; 12], mapped| {
        udp(flow, dir, &stun_binding_success(id, mapped)).with_role(Role::Answer(txid_role(id)))
    };
    // Three requests answered by the server.
    for ((n, rtt), start) in (1u8..).zip(STUN_ANSWERS).zip([0, 100_000, 200_000]) {
        let id = txid(n);
        s.at(t + start, ask(Dir::ToServer, &id));
        s.at(t + start + rtt, answer(Dir::ToClient, &id, public));
    }
    // A request sent twice, answered after the second copy.
    let id = txid(4);
    s.at(t + 300_000, ask(Dir::ToServer, &id));
    s.at(t + 300_000 + STUN_RETRY_GAP, ask(Dir::ToServer, &id));
    let answered = t + 300_000 + STUN_RETRY_GAP + STUN_AFTER_RETRY;
    s.at(answered, answer(Dir::ToClient, &id, public));
    // A request never answered, and a response to no request.
    s.at(t + 600_000, ask(Dir::ToServer, &txid(5)));
    s.at(t + 700_000, answer(Dir::ToClient, &txid(6), public));
    // The server checks the client, which answers at once.
    let id = txid(7);
    s.at(t + 800_000, ask(Dir::ToClient, &id));
    let remote = flow.server;
    s.at(
        t + 800_000 + STUN_CLIENT_ANSWER,
        answer(Dir::ToServer, &id, remote),
    );
}

/// A DNS query for `name` on `flow` at `t` and its answer (`addr`) one `rtt` later.
fn dns(s: &mut Site, flow: Flow, t: u64, rtt: u64, id: u16, name: &str, addr: &str) {
    let query = dns_query(id, name, DNS_A);
    let answer = dns_answer(id, name, addr.parse().expect("address literal"), 300);
    let role = u128::from(id);
    s.at(
        t,
        udp(flow, Dir::ToServer, &query).with_role(Role::Request(role)),
    );
    s.at(
        t + rtt,
        udp(flow, Dir::ToClient, &answer).with_role(Role::Answer(role)),
    );
}

/// rtt-sydney.pcap: the Swedish root server's address, 4 ms from Sydney.
pub fn rtt_sydney() -> Capture {
    let mut s = Site {
        link: Link::new(mac(0x6110), mac(0x6101)),
        recs: Recs::default(),
    };
    s.root_query("10.61.0.10:50900", 0, SE_FROM_SYDNEY, 0x5e09);
    let recs = s.recs.sorted();
    Capture::pcap(
        "rtt-sydney.pcap",
        PcapFormat::new(LINKTYPE_ETHERNET),
        ABOUT_SYDNEY,
        &recs,
    )
    .with_rtt(&recs)
}

const ABOUT_STOCKHOLM: &str = "Taken in Stockholm: client 192.168.7.10 on 192.168.7.0/24, \
resolver 192.168.7.1; items start 2 s apart. Database placements are those of the embedded \
databases (`residency lookup`, 2026-11-29). \
(1) TCP 192.168.7.10:50100 -> 52.113.194.132:443 (dbip: CA, geo-whois: US): SYN, SYN/ACK \
exactly 18.750 ms later, ACK 0.040 ms later, a TLS ClientHello (SNI teams.microsoft.com), a \
1200-byte server flight, FIN both ways. 18.750 ms bounds the server within 2,811 km of \
Stockholm: Canada (Ellesmere Island: Alert is 3,363 km away) and the US are contradicted. \
(2) Four TCP connections from ports 50200-50203 to 192.36.148.17:53 (I.ROOT-SERVERS.NET, \
Netnod, anycast; placed in SE), each one DNS query over TCP (se NS); SYN/ACK after 2.000, \
2.600, 1.800 and 3.100 ms: the address's minimum is 1.800 ms (<= 270 km). \
(3) TCP 192.168.7.10:50300 -> 52.114.77.33:443 (IE): the SYN at 09:00:04, the same SYN again \
1000 ms later, the SYN/ACK 24.000 ms after the second copy; the handshake is timed from the \
first copy: 1024.000 ms. \
(4) Inbound SSH: 141.20.5.188:51515 (DE) -> 192.168.7.20:22: the local SYN/ACK 0.100 ms after \
the SYN, the remote ACK 18.000 ms after the SYN/ACK (the remote client's round trip). \
(5) Two TCP flows to 140.82.112.3:443 (US): port 50500 starts with the SYN/ACK (SYN not \
captured; the client's ACK follows 0.060 ms later), port 50501 starts mid-stream (no SYN, no \
SYN/ACK): no handshake time for either. \
(6) QUIC to 52.114.76.10:443 (IE): the RFC 9001 A.2 client Initial, the RFC 9001 A.3 server \
Initial 40.500 ms later, then 1-RTT packets; port 50601: the same Initial twice, 300 ms \
apart, the server Initial 25.000 ms after the second copy (325.000 ms from the first). \
(7) STUN 192.168.7.10:50700 <-> 52.112.1.10:3478 (IE): Binding requests answered after \
33.000, 31.500 and 35.000 ms; one sent twice 200 ms apart and answered 32 ms after the \
second copy (232.000 ms); one never answered; one success response whose transaction ID \
matches no request; and a Binding request from 52.112.1.10 that the client answers after \
0.300 ms (a client-side sample). \
(8) DNS over UDP: 192.168.7.1 answers after 0.800 ms; 9.9.9.9 (Quad9, anycast; placed in US) \
answers two queries (IDs 0x7002, 0x7003) after 4.200 and 3.900 ms, and sends a response \
with ID 0x7009 that matches no query.";

const ABOUT_SYDNEY: &str = "Taken in Sydney: client 10.61.0.10 on 10.61.0.0/24. One TCP \
connection to 192.36.148.17:53 (the Swedish-placed, anycast root server of rtt.pcap), SYN/ACK \
after exactly 4.000 ms, one DNS query over TCP. Stockholm's 1.800 ms (<= 270 km) and \
Sydney's 4.000 ms (<= 600 km) cannot both hold for one server: anycast by inconsistency.";
