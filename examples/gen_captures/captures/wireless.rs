//! capwap.pcap: a wireless controller's view of one access point's CAPWAP tunnels.

use super::Capture;
use super::bytes::filler;
use super::capwap::{
    AC_CONTROL, Header, WTP_CONTROL, Wireless, data_channel, data_packet, keep_alive, wired_frame,
};
use super::dns_lookup;
use super::flow::{Dir, Flow, Pkt, TcpConn, udp};
use super::link::{Link, mac};
use super::payload::tls_client_hello;
use super::timestamp::{T0, ms, us};
use super::write::{LINKTYPE_ETHERNET, PcapFormat, Recs};

/// The station's DNS lookup and TLS ClientHello, as `(offset, packet)` from the flow's start.
fn lookup_and_hello(
    dns: Flow,
    tcp: Flow,
    id: u16,
    name: &str,
    server: &str,
    seed: u32,
) -> Vec<(u64, Pkt)> {
    let addr: std::net::IpAddr = server.parse().expect("valid IP literal");
    let [query, answer] = dns_lookup(dns, id, name, addr, 300);
    let mut c = TcpConn::new(tcp, 0x5700_0000 + seed, 0x5800_0000 + seed);
    vec![
        (0, query),
        (us(4_200), answer),
        (ms(10), c.syn()),
        (ms(10) + us(18_500), c.syn_ack()),
        (ms(10) + us(18_600), c.ack(Dir::ToServer)),
        (
            ms(10) + us(18_800),
            c.push(Dir::ToServer, &tls_client_hello(name, seed)),
        ),
        (ms(10) + us(37_000), c.ack(Dir::ToClient)),
    ]
}

pub fn capwap() -> Capture {
    let outer = Link::new(mac(0x3010), mac(0x3001));
    let mut recs = Recs::default();
    let tunnel = data_channel();
    let wlan = Wireless {
        station: mac(0x3123),
        bssid: mac(0x30b0),
        router: mac(0x3101),
    };
    let upstream = Header {
        native: true,
        radio_mac: Some(wlan.bssid),
        frame_info: Some((-60, 30, 1300)),
        ..Header::default()
    };
    let downstream = Header {
        native: true,
        ..Header::default()
    };
    let wired = Header::default();

    // Data channel keep-alives, both ways: the outer flow.
    let session = [0x5e; 16];
    for (i, dir) in [Dir::ToServer, Dir::ToClient].into_iter().enumerate() {
        let at = T0 + ms(u64::try_from(i).expect("small"));
        recs.at(at, outer.frame(udp(tunnel, dir, &keep_alive(session))));
    }
    // The control channel: DTLS after the CAPWAP preamble (type 1), an ordinary flow.
    let control = Flow::udp(WTP_CONTROL, AC_CONTROL);
    for (i, dir) in [Dir::ToServer, Dir::ToClient].into_iter().enumerate() {
        let mut dtls = vec![0x01, 0, 0, 0];
        dtls.extend_from_slice(&[23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 7, 0, 48]);
        dtls.extend_from_slice(&filler(48, 1200 + u32::try_from(i).expect("small")));
        let at = T0 + ms(10 + 2 * u64::try_from(i).expect("small"));
        recs.at(at, outer.frame(udp(control, dir, &dtls)));
    }

    // A wireless station: native 802.11 frames (T = 1).
    let dns = Flow::udp("192.168.50.23:53530", "192.168.50.1:53");
    let tcp = Flow::tcp("192.168.50.23:50443", "198.51.100.44:443");
    let station = lookup_and_hello(
        dns,
        tcp,
        0x7a01,
        "wifi-portal.example.org",
        "198.51.100.44",
        1300,
    );
    for (seq, (offset, pkt)) in station.into_iter().enumerate() {
        let dir = pkt.dir();
        let seq = u16::try_from(100 + seq).expect("small");
        let header = if dir == Dir::ToServer {
            upstream
        } else {
            downstream
        };
        let pkt = pkt.wrap(|ip| {
            let mut p = header.bytes();
            p.extend_from_slice(&wlan.frame(dir, seq, ip));
            data_packet(dir, &p)
        });
        recs.at(T0 + ms(100) + offset, outer.frame(pkt));
    }

    // A wired client behind the access point: 802.3 frames (T = 0).
    let (client, router) = (mac(0x3124), mac(0x3101));
    let dns = Flow::udp("192.168.60.24:41053", "192.168.60.1:53");
    let tcp = Flow::tcp("192.168.60.24:41443", "203.0.113.90:443");
    let wired_client =
        lookup_and_hello(dns, tcp, 0x7a02, "files.example.net", "203.0.113.90", 1400);
    for (offset, pkt) in wired_client {
        let dir = pkt.dir();
        let pkt = pkt.wrap(|ip| {
            let mut p = wired.bytes();
            p.extend_from_slice(&wired_frame(dir, client, router, ip));
            data_packet(dir, &p)
        });
        recs.at(T0 + ms(200) + offset, outer.frame(pkt));
    }

    // Not followed, so the outer flow: a protected 802.11 frame, and an 802.3 frame in two
    // CAPWAP fragments.
    let mut p = downstream.bytes();
    p.extend_from_slice(&wlan.protected_frame(200, &filler(64, 1500)));
    recs.at(T0 + ms(300), outer.frame(udp(tunnel, Dir::ToServer, &p)));
    let hidden = Flow::udp("192.168.60.24:41500", "203.0.113.90:4500");
    let hidden = udp(hidden, Dir::ToServer, &filler(160, 1501)).data;
    let frame = wired_frame(Dir::ToServer, client, router, &hidden);
    let (first, rest) = frame.split_at(112);
    for (i, (piece, offset, last)) in [(first, 0, false), (rest, 14, true)]
        .into_iter()
        .enumerate()
    {
        let mut p = Header {
            fragment: Some((0x0042, offset, last)),
            ..wired
        }
        .bytes();
        p.extend_from_slice(piece);
        let at = T0 + ms(310) + us(10 * u64::try_from(i).expect("small"));
        recs.at(at, outer.frame(udp(tunnel, Dir::ToServer, &p)));
    }

    Capture::pcap(
        "capwap.pcap",
        PcapFormat::new(LINKTYPE_ETHERNET),
        "A wireless controller's capture of one access point (WTP 10.30.0.10) and its \
         controller (AC 10.30.0.1), outer Ethernet 02:00:5e:10:30:10 / 02:00:5e:10:30:01. \
         CAPWAP data channel 10.30.0.10:12223 <-> 10.30.0.1:5247: a keep-alive each way \
         (K flag, Session ID), then tunnelled traffic, whose innermost IP/UDP/TCP headers \
         define flows and bytes. A wireless station 192.168.50.23 in native IEEE 802.11 \
         frames (T = 1, WBID 1, RID 1): upstream QoS data frames To DS with the radio MAC \
         (M) and IEEE 802.11 Frame Info (W: RSSI -60, SNR 30, rate 1300) in the CAPWAP \
         header, downstream QoS data frames From DS with an HT Control field; LLC/SNAP before \
         the packet. It looks up wifi-portal.example.org (A 198.51.100.44, from \
         192.168.50.1:53) and connects to 198.51.100.44:443: SYN, SYN/ACK, ACK, a TLS \
         ClientHello (SNI wifi-portal.example.org), server ACK. A wired client 192.168.60.24 \
         behind the access point in IEEE 802.3 frames (T = 0): the same for files.example.net \
         (A 203.0.113.90, from 192.168.60.1:53, then 203.0.113.90:443). Not followed, so \
         counted in the data channel's outer flow: a protected (CCMP) 802.11 frame, and an \
         802.3 frame in two CAPWAP fragments (F flag, fragment ID 0x42; reassembled, a UDP \
         datagram 192.168.60.24:41500 -> 203.0.113.90:4500). The control channel \
         10.30.0.10:12222 <-> 10.30.0.1:5246 (one DTLS record each way, CAPWAP preamble type \
         1) is an ordinary flow.",
        &recs.sorted(),
    )
}
