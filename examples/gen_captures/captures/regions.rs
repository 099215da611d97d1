//! regions.pcap: host names that declare a region, judged by physics like any database.

use super::Capture;
use super::flow::{Dir, Flow, TcpConn};
use super::link::{Link, mac};
use super::names_payload::{Hello, client_hello, handshake_records};
use super::payload::tls_app_data;
use super::timestamp::{T0, us};
use super::write::{LINKTYPE_ETHERNET, PcapFormat, Recs};

/// One TLS session: SYN, SYN/ACK after `rtt_us`, ACK, ClientHello for `sni`, 300 bytes of
/// data back and forth, starting at `start_us`.
fn session(
    recs: &mut Recs,
    link: &Link,
    start_us: u64,
    flow: Flow,
    rtt_us: u64,
    sni: &str,
    seed: u32,
) {
    let mut at = |micros: u64, pkt| recs.at(T0 + us(start_us + micros), link.frame(pkt));
    let mut c = TcpConn::new(flow, 0x2000_0000 + seed, 0x7000_0000 + seed);
    at(0, c.syn());
    at(rtt_us, c.syn_ack());
    at(rtt_us + 100, c.ack(Dir::ToServer));
    let hello = Hello::new(Some(sni), &["http/1.1"], 1600 + seed);
    at(
        rtt_us + 200,
        c.push(
            Dir::ToServer,
            &handshake_records(&client_hello(&hello), &[]),
        ),
    );
    at(
        2 * rtt_us + 200,
        c.push(Dir::ToClient, &tls_app_data(300, 1700 + seed)),
    );
    at(
        2 * rtt_us + 300,
        c.push(Dir::ToServer, &tls_app_data(300, 1800 + seed)),
    );
    at(3 * rtt_us + 300, c.ack(Dir::ToClient));
}

pub fn regions_capture() -> Capture {
    let link = Link::new(mac(0x0e10), mac(0x0e01));
    let mut recs = Recs::default();
    // The databases say US; the name declares eu-north-1 (Stockholm); 2 ms from Stockholm.
    session(
        &mut recs,
        &link,
        0,
        Flow::tcp("10.5.0.10:43001", "54.239.0.1:443"),
        2_000,
        "s3.eu-north-1.amazonaws.com",
        1,
    );
    // One address, two names declaring two regions (eu-north-1 and us-east-1), 100 ms away.
    session(
        &mut recs,
        &link,
        1_000_000,
        Flow::tcp("10.5.0.10:43002", "13.48.0.1:443"),
        100_000,
        "s3.eu-north-1.amazonaws.com",
        2,
    );
    session(
        &mut recs,
        &link,
        2_000_000,
        Flow::tcp("10.5.0.10:43003", "13.48.0.1:443"),
        100_000,
        "s3.us-east-1.amazonaws.com",
        3,
    );
    Capture::pcap(
        "regions.pcap",
        PcapFormat::new(LINKTYPE_ETHERNET),
        REGIONS_ABOUT,
        &recs.sorted(),
    )
}

const REGIONS_ABOUT: &str = "Taken in Stockholm: client 10.5.0.10. (1) TLS to 54.239.0.1:443 \
(databases: US) with SNI s3.eu-north-1.amazonaws.com (AWS region eu-north-1, Stockholm): \
SYN/ACK after 2.000 ms, which rules out the US but not Sweden: the declared region stands. \
(2) Two TLS sessions to 13.48.0.1:443 (databases: SE), SYN/ACK after 100.000 ms, one with SNI \
s3.eu-north-1.amazonaws.com, one with s3.us-east-1.amazonaws.com: two declared regions that \
disagree, and a round trip too long to choose.";
