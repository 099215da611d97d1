//! Captures for the link types other than Ethernet: Linux cooked v1 and v2, BSD loopback in
//! both byte orders, the raw IP types, and PPP.

use super::bytes::{v4, v6};
use super::flow::{Dir, Flow, Pkt, TcpConn};
use super::link::{mac, null_loopback, ppp, sll, sll2};
use super::timestamp::{T0, ms, us};
use super::write::{
    Endian, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_NULL,
    LINKTYPE_PPP, LINKTYPE_RAW, LINKTYPE_RAW_OPENBSD, PcapFormat, Recs,
};
use super::{Capture, dns_lookup};

/// The same DNS exchange and TCP handshake, as seen on a Linux "any" capture.
fn cooked_packets() -> Vec<(u64, Pkt)> {
    let dns = Flow::udp("10.0.2.15:45000", "10.0.2.3:53");
    let tcp = Flow::tcp("10.0.2.15:41000", "93.184.215.14:443");
    let mut c = TcpConn::new(tcp, 0x0102_0304, 0xa0b0_c0d0);
    let [query, answer] = dns_lookup(dns, 0x1d1d, "example.org", v4("93.184.215.14"), 300);
    vec![
        (T0, query),
        (T0 + us(3_250), answer),
        (T0 + ms(5), c.syn()),
        (T0 + us(27_500), c.syn_ack()),
        (T0 + us(27_600), c.ack(Dir::ToServer)),
    ]
}

/// sll2.pcap and sll.pcap: the same five packets with the two Linux cooked headers.
pub fn cooked() -> Vec<Capture> {
    let (client, server) = (mac(0x0315), mac(0x0302));
    let about = "Linux cooked capture of host 10.0.2.15: DNS query for example.org A to \
                 10.0.2.3:53 and its answer (93.184.215.14), then a TCP handshake (SYN, \
                 SYN/ACK, ACK) 10.0.2.15:41000 -> 93.184.215.14:443. Outgoing packets have \
                 packet type 4 (outgoing), incoming ones 0 (to us).";
    let mut v2 = Recs::default();
    let mut v1 = Recs::default();
    for (ts, pkt) in cooked_packets() {
        v2.at(ts, sll2(pkt.clone(), client, server));
        v1.at(ts, sll(pkt, client, server));
    }
    vec![
        Capture::pcap(
            "sll2.pcap",
            PcapFormat::new(LINKTYPE_LINUX_SLL2),
            about,
            &v2.sorted(),
        ),
        Capture::pcap(
            "sll.pcap",
            PcapFormat::new(LINKTYPE_LINUX_SLL),
            about,
            &v1.sorted(),
        ),
    ]
}

/// null-le.pcap and null-be.pcap: BSD loopback (LINKTYPE_NULL) in both byte orders.
pub fn null_loopback_captures() -> Vec<Capture> {
    let mut out = Vec::new();
    for (file, endian) in [
        ("null-le.pcap", Endian::Little),
        ("null-be.pcap", Endian::Big),
    ] {
        let dns4 = Flow::udp("127.0.0.1:50100", "127.0.0.1:53");
        let dns6 = Flow::udp("[::1]:50101", "[::1]:53");
        let [query4, answer4] = dns_lookup(dns4, 0x0100, "localhost", v4("127.0.0.1"), 0);
        let [query6, answer6] = dns_lookup(dns6, 0x0101, "localhost", v6("::1"), 0);
        let mut recs = Recs::default();
        let pkts = [
            (T0, query4),
            (T0 + us(120), answer4),
            (T0 + ms(1), query6),
            (T0 + ms(1) + us(95), answer6),
        ];
        for (ts, pkt) in pkts {
            recs.at(ts, null_loopback(pkt, endian));
        }
        let format = PcapFormat {
            endian,
            ..PcapFormat::new(LINKTYPE_NULL)
        };
        out.push(Capture::pcap(
            file,
            format,
            "Loopback DNS: 127.0.0.1:50100 -> 127.0.0.1:53 (family 2 = AF_INET) and \
             [::1]:50101 -> [::1]:53 (family 30 = AF_INET6 as macOS numbers it), one query and \
             one answer each. The family word is in the file's byte order.",
            &recs.sorted(),
        ));
    }
    out
}

/// raw.pcap: LINKTYPE_RAW with both IP versions.
pub fn raw_ip() -> Capture {
    let dns = Flow::udp("10.8.0.2:50200", "10.8.0.1:53");
    let tcp6 = Flow::tcp("[2001:db8:8::2]:50201", "[2001:db8:8::1]:443");
    let mut c = TcpConn::new(tcp6, 0x0000_1000, 0x0000_2000);
    let mut recs = Recs::default();
    let [query, answer] = dns_lookup(dns, 0x0200, "vpn.example", v4("10.8.0.1"), 60);
    recs.at(T0, query);
    recs.at(T0 + us(900), answer);
    recs.at(T0 + ms(2), c.syn());
    recs.at(T0 + ms(3), c.syn_ack());
    recs.at(T0 + us(3_100), c.ack(Dir::ToServer));
    Capture::pcap(
        "raw.pcap",
        PcapFormat::new(LINKTYPE_RAW),
        "Raw IP (no link header; version from the first nibble): DNS 10.8.0.2:50200 -> \
         10.8.0.1:53 query and answer (IPv4), and a TCP handshake [2001:db8:8::2]:50201 -> \
         [2001:db8:8::1]:443 (IPv6).",
        &recs.sorted(),
    )
}

/// raw-ipv4.pcap: LINKTYPE_IPV4.
pub fn raw_ipv4() -> Capture {
    let tcp = Flow::tcp("10.8.0.2:50300", "93.184.215.14:80");
    let mut c = TcpConn::new(tcp, 0x0000_3000, 0x0000_4000);
    let mut recs = Recs::default();
    recs.at(T0, c.syn());
    recs.at(T0 + us(25_000), c.syn_ack());
    recs.at(T0 + us(25_100), c.ack(Dir::ToServer));
    Capture::pcap(
        "raw-ipv4.pcap",
        PcapFormat::new(LINKTYPE_IPV4),
        "Raw IPv4 link type: a TCP handshake 10.8.0.2:50300 -> 93.184.215.14:80.",
        &recs.sorted(),
    )
}

/// raw-ipv6.pcap: LINKTYPE_IPV6.
pub fn raw_ipv6() -> Capture {
    let dns = Flow::udp("[2001:db8:8::2]:50400", "[2001:4860:4860::8888]:53");
    let mut recs = Recs::default();
    let addr = v6("2600:1406:bc00:53::b81e:94ce");
    let [query, answer] = dns_lookup(dns, 0x0400, "example.net", addr, 300);
    recs.at(T0, query);
    recs.at(T0 + us(14_000), answer);
    Capture::pcap(
        "raw-ipv6.pcap",
        PcapFormat::new(LINKTYPE_IPV6),
        "Raw IPv6 link type: a DNS AAAA query [2001:db8:8::2]:50400 -> \
         [2001:4860:4860::8888]:53 and its answer.",
        &recs.sorted(),
    )
}

/// raw12.pcap: link type 12 (DLT_RAW as OpenBSD numbers it), both IP versions.
pub fn raw12() -> Capture {
    let dns4 = Flow::udp("10.8.0.2:50500", "10.8.0.1:53");
    let dns6 = Flow::udp("[2001:db8:8::2]:50501", "[2001:db8:8::1]:53");
    let mut recs = Recs::default();
    let [query4, answer4] = dns_lookup(dns4, 0x0500, "raw12.example", v4("192.0.2.12"), 60);
    let [query6, answer6] = dns_lookup(dns6, 0x0501, "raw12.example", v6("2001:db8::12"), 60);
    recs.at(T0, query4);
    recs.at(T0 + us(700), answer4);
    recs.at(T0 + ms(1), query6);
    recs.at(T0 + us(1_650), answer6);
    Capture::pcap(
        "raw12.pcap",
        PcapFormat::new(LINKTYPE_RAW_OPENBSD),
        "Link type 12 (raw IP): DNS 10.8.0.2:50500 -> 10.8.0.1:53 over IPv4 and \
         [2001:db8:8::2]:50501 -> [2001:db8:8::1]:53 over IPv6, query and answer each.",
        &recs.sorted(),
    )
}

/// ppp.pcap: PPP in HDLC-like framing, IPv4 and IPv6.
pub fn ppp_capture() -> Capture {
    let tcp = Flow::tcp("10.64.0.2:50600", "93.184.215.14:443");
    let dns6 = Flow::udp("[2001:db8:64::2]:50601", "[2001:4860:4860::8888]:53");
    let mut c = TcpConn::new(tcp, 0x0000_5000, 0x0000_6000);
    let mut recs = Recs::default();
    recs.at(T0, ppp(c.syn()));
    recs.at(T0 + us(40_000), ppp(c.syn_ack()));
    let addr = v6("2600:1406:3a00:21::173e:2e65");
    let [query, answer] = dns_lookup(dns6, 0x0601, "example.com", addr, 300);
    recs.at(T0 + ms(50), ppp(query));
    recs.at(T0 + us(71_000), ppp(answer));
    Capture::pcap(
        "ppp.pcap",
        PcapFormat::new(LINKTYPE_PPP),
        "PPP (address 0xff, control 0x03; protocol 0x0021 IPv4, 0x0057 IPv6): TCP SYN and \
         SYN/ACK 10.64.0.2:50600 -> 93.184.215.14:443, then a DNS AAAA query \
         [2001:db8:64::2]:50601 -> [2001:4860:4860::8888]:53 and its answer.",
        &recs.sorted(),
    )
}
