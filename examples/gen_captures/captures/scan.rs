//! scan.pcap: what a headline must not count as data leaving. One inside host sweeps 150
//! addresses of Microsoft's Teams media range with SYNs nobody answers, is refused (RST) by
//! two more, and makes one real TLS connection; a second host sends one request.

use super::Capture;
use super::flow::{Dir, Flow, TcpConn};
use super::link::{Link, mac};
use super::names_payload::{Hello, client_hello, handshake_records};
use super::packet::{ACK, RST};
use super::payload::{tls_app_data, tls_server_flight};
use super::timestamp::{T0, us};
use super::write::{LINKTYPE_ETHERNET, PcapFormat, Recs};

/// SYNs sent into the void.
pub const SCAN_SYNS: u32 = 150;

pub fn scan_capture() -> Capture {
    let link = Link::new(mac(0x0d10), mac(0x0d01));
    let mut recs = Recs::default();
    let mut at = |micros: u64, pkt| recs.at(T0 + us(micros), link.frame(pkt));

    // The sweep: 52.112.0.1 .. 52.112.0.150, port 443, one SYN each, 1 ms apart.
    for i in 0..SCAN_SYNS {
        let server = format!("52.112.0.{}:443", i + 1);
        let client = format!("10.4.0.66:{}", 40_000 + i);
        let mut c = TcpConn::new(Flow::tcp(&client, &server), 0x0d00_0000 + i, 0);
        at(u64::from(i) * 1_000, c.syn());
    }
    // Two refusals: SYN, then RST/ACK from the server.
    for i in 0..2u32 {
        let client = format!("10.4.0.66:{}", 41_000 + i);
        let mut c = TcpConn::new(
            Flow::tcp(&client, "52.113.194.132:8443"),
            0x0e00_0000 + i,
            0,
        );
        at(200_000 + u64::from(i) * 1_000, c.syn());
        at(
            200_500 + u64::from(i) * 1_000,
            c.segment(Dir::ToClient, RST | ACK, &[]),
        );
    }
    // The one real connection: a TLS session to teams.microsoft.com.
    let mut c = TcpConn::new(
        Flow::tcp("10.4.0.66:42000", "52.113.194.132:443"),
        0x0f00_0000,
        0x5f00_0000,
    );
    at(300_000, c.syn());
    at(311_400, c.syn_ack());
    at(311_500, c.ack(Dir::ToServer));
    let hello = Hello::new(Some("teams.microsoft.com"), &["h2"], 1500);
    at(
        311_600,
        c.push(
            Dir::ToServer,
            &handshake_records(&client_hello(&hello), &[]),
        ),
    );
    at(
        323_000,
        c.push(Dir::ToClient, &tls_server_flight(1400, 1500)),
    );
    at(323_200, c.push(Dir::ToServer, &tls_app_data(1000, 1501)));
    at(334_600, c.ack(Dir::ToClient));
    // A second host: one request to the same server, answered.
    let mut d = TcpConn::new(
        Flow::tcp("10.4.0.77:42100", "52.113.194.132:443"),
        0x1000_0000,
        0x6000_0000,
    );
    at(400_000, d.syn());
    at(411_400, d.syn_ack());
    at(411_500, d.push(Dir::ToServer, &tls_app_data(200, 1502)));
    at(422_900, d.segment(Dir::ToClient, ACK, &[]));

    Capture::pcap(
        "scan.pcap",
        PcapFormat::new(LINKTYPE_ETHERNET),
        SCAN_ABOUT,
        &recs.sorted(),
    )
}

const SCAN_ABOUT: &str = "Inside hosts 10.4.0.66 and 10.4.0.77. 10.4.0.66 sends one SYN each \
to 52.112.0.1-150:443 (Microsoft's Teams media range), 1 ms apart, none answered (packets \
1-150); two SYNs to 52.113.194.132:8443 answered by RST/ACK (refused); then one TLS \
connection to 52.113.194.132:443 (SNI teams.microsoft.com): SYN/ACK after 11.4 ms, a \
ClientHello, the server's flight, 1000 bytes of application data. 10.4.0.77 sends 200 bytes \
of application data to the same server after its handshake (no ACK of the SYN/ACK before \
the data). Expected: 150 + 2 flows never answered (no data exchanged), 2 answered.";
