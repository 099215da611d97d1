//! The pcapng capture: two sections, interfaces with different link types and resolutions.

use super::Capture;
use super::bytes::v6;
use super::flow::{Dir, Flow, TcpConn, udp};
use super::link::{Link, mac};
use super::payload::{
    DNS_AAAA, DNS_PTR, Dns, Rdata, dns_query, ntp, tls_client_hello, tls_server_flight,
};
use super::timestamp::{NS_PER_S, Precision, T0, us};
use super::write::{NgIface, Recs, pcapng_file};

/// ipv6.pcapng: two interfaces with different link types and resolutions, a snap length that
/// truncates one packet, and a second section.
pub fn ipv6_pcapng() -> Capture {
    let mut recs = Recs::default();

    // First section (index 0), interface 0: Ethernet, ns timestamps, IPv6 TCP.
    let link = Link::new(mac(0x0610), mac(0x0601));
    let tcp = Flow::tcp("[2001:db8:1::10]:51000", "[2603:1063:2::5]:443");
    let mut c = TcpConn::new(tcp, 0x6666_0001, 0x7777_0001);
    let t = T0 + NS_PER_S + 123;
    let hello = tls_client_hello("outlook.office365.com", 200);
    let flight = tls_server_flight(200, 900);
    let packets = [
        (0, c.syn()),
        (21_345_678, c.syn_ack()),
        (21_401_001, c.ack(Dir::ToServer)),
        (21_402_002, c.push(Dir::ToServer, &hello)),
        (43_210_987, c.push(Dir::ToClient, &flight)),
        (43_300_004, c.ack(Dir::ToServer)),
        (50_000_005, c.fin(Dir::ToServer)),
        (71_000_006, c.fin(Dir::ToClient)),
        (71_100_007, c.ack(Dir::ToServer)),
    ];
    for (offset_ns, pkt) in packets {
        recs.on(0, 0, t + offset_ns, link.frame(pkt));
    }

    // First section, interface 1: raw IP, µs timestamps, snap length 128.
    let mdns = Flow::udp("10.0.0.5:5353", "10.0.0.255:5353");
    let mdns_query = Dns::new(0, 0, [1, 0, 0, 0])
        .question("_services._dns-sd._udp.local", DNS_PTR)
        .bytes();
    recs.on(
        0,
        1,
        T0 + NS_PER_S + us(500_000),
        udp(mdns, Dir::ToServer, &mdns_query),
    );
    let dns = Flow::udp("[fd00::1]:40000", "[2001:4860:4860::8888]:53");
    let t = T0 + 2 * NS_PER_S;
    recs.on(
        0,
        1,
        t,
        udp(
            dns,
            Dir::ToServer,
            &dns_query(0x6e6e, "www.google.com", DNS_AAAA),
        ),
    );
    let mut answer = Dns::new(0x6e6e, 0x8180, [1, 3, 0, 0]);
    answer.question("www.google.com", DNS_AAAA);
    for addr in [
        "2a00:1450:4001:80b::2004",
        "2a00:1450:4001:80e::2004",
        "2a00:1450:4001:827::2004",
    ] {
        answer.record("www.google.com", DNS_AAAA, 300, Rdata::Aaaa(v6(addr)));
    }
    let response = udp(dns, Dir::ToClient, &answer.bytes());
    assert!(response.data.len() > 128, "the response must be truncated");
    recs.on(0, 1, t + us(12_345), response);

    // Second section (index 1), interface 0: Ethernet, µs timestamps, one NTP request.
    let ntp_flow = Flow::udp("10.0.0.5:40123", "10.0.0.1:123");
    let ntp_link = Link::new(mac(0x0005), mac(0x0001));
    let t = T0 + 5 * NS_PER_S;
    recs.on(
        1,
        0,
        t,
        ntp_link.frame(udp(ntp_flow, Dir::ToServer, &ntp(3, t / NS_PER_S))),
    );

    let sections = vec![
        vec![
            NgIface {
                link: 1,
                snaplen: 0,
                precision: Precision::Nano,
                name: "eth0",
            },
            NgIface {
                link: 101,
                snaplen: 128,
                precision: Precision::Micro,
                name: "tun0",
            },
        ],
        vec![NgIface {
            link: 1,
            snaplen: 0,
            precision: Precision::Micro,
            name: "eth1",
        }],
    ];
    let recs = recs.sorted();
    Capture::new(
        "ipv6.pcapng",
        "pcapng, little-endian, two sections. Section 1: interface 0 Ethernet (link type 1, \
         if_tsresol 9 = ns, no snap length), interface 1 raw IP (link type 101, default µs, \
         snap length 128). Section 2: interface 0 Ethernet (µs). Timestamps below are given \
         with 9 digits (the file's finest resolution)"
            .to_string(),
        "Section 1, interface 0: IPv6 TCP \
         [2001:db8:1::10]:51000 -> [2603:1063:2::5]:443 with handshake, a TLS ClientHello, a \
         900-byte server flight, ACK and FIN/ACK both ways, timestamps with non-zero ns digits. \
         Interface 1: an mDNS query 10.0.0.5:5353 -> 10.0.0.255:5353 (one packet, one \
         direction), and a DNS AAAA query [fd00::1]:40000 -> [2001:4860:4860::8888]:53 whose \
         164-byte answer is stored truncated (captured 128 bytes, original 164; the IPv6 \
         payload length field still says 124). Section 2 (new SHB and IDB): one NTP request \
         10.0.0.5:40123 -> 10.0.0.1:123.",
        pcapng_file(&sections, &recs),
        &recs,
        Precision::Nano,
    )
}
