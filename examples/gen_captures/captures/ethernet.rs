//! Ethernet captures: a Teams-like session, VLAN tags, IP fragments and tunnels.

use super::Capture;
use super::bytes::{hex, sock, v4};
use super::flow::{Dir, Flow, Pkt, TcpConn, ip_fragments, udp};
use super::link::{ETH_8021AD, ETH_8021Q, ETH_IPV4, Link, arp_request, ethernet, mac};
use super::packet::{ACK, PSH};
use super::payload::{
    DNS_A, DNS_CNAME, Dns, HTTP_REQUEST, RFC9001_A2_CLIENT_INITIAL, RFC9001_A3_SERVER_INITIAL,
    Rdata, dns_query, esp, http_response, stun_binding_request, stun_binding_success, tls_app_data,
    tls_change_cipher_spec, tls_client_hello, tls_server_flight,
};
use super::timestamp::{T0, ms, us};
use super::tunnel::Tunnel;
use super::write::{LINKTYPE_ETHERNET, PcapFormat, Recs};

/// teams-like.pcap: DNS, TLS over TCP, QUIC and STUN from one client, plus one ARP request.
pub fn teams_like() -> Capture {
    let client_mac = mac(0x0106);
    let link = Link::new(client_mac, mac(0x0101));
    let mut recs = Recs::default();

    recs.at(
        T0,
        Pkt::unattributed(arp_request(
            client_mac,
            v4("192.168.1.6"),
            v4("192.168.1.1"),
        )),
    );

    // DNS: teams.microsoft.com -> teams.office.com -> s-0005.s-msedge.net -> 52.113.194.132.
    let dns = Flow::udp("192.168.1.6:53001", "192.168.1.1:53");
    let t = T0 + ms(1);
    let query = dns_query(0x5a1e, "teams.microsoft.com", DNS_A);
    let response = Dns::new(0x5a1e, 0x8180, [1, 3, 0, 0])
        .question("teams.microsoft.com", DNS_A)
        .record(
            "teams.microsoft.com",
            DNS_CNAME,
            2845,
            Rdata::Name("teams.office.com"),
        )
        .record(
            "teams.office.com",
            DNS_CNAME,
            126,
            Rdata::Name("s-0005.s-msedge.net"),
        )
        .record(
            "s-0005.s-msedge.net",
            DNS_A,
            60,
            Rdata::A(v4("52.113.194.132")),
        )
        .bytes();
    recs.at(t, link.frame(udp(dns, Dir::ToServer, &query)));
    recs.at(
        t + us(8_200),
        link.frame(udp(dns, Dir::ToClient, &response)),
    );

    // TLS 1.3 over TCP to 52.113.194.132:443.
    let tcp = Flow::tcp("192.168.1.6:50001", "52.113.194.132:443");
    let mut c = TcpConn::new(tcp, 0x1a2b_3c4d, 0x9e8d_7c6b);
    let t = T0 + ms(10);
    let hello = tls_client_hello("teams.microsoft.com", 100);
    let (hello_a, hello_b) = hello.split_at(100);
    recs.at(t, link.frame(c.syn()));
    recs.at(t + us(11_400), link.frame(c.syn_ack()));
    recs.at(t + us(11_500), link.frame(c.ack(Dir::ToServer)));
    recs.at(
        t + us(11_700),
        link.frame(c.segment(Dir::ToServer, ACK, hello_a)),
    );
    recs.at(t + us(11_710), link.frame(c.push(Dir::ToServer, hello_b)));
    recs.at(t + us(23_000), link.frame(c.ack(Dir::ToClient)));
    let flight = tls_server_flight(100, 3 * 1400);
    for (i, chunk) in flight.chunks(1400).enumerate() {
        let flags = if i == 2 { PSH | ACK } else { ACK };
        let at = t + us(23_100 + 10 * u64::try_from(i).expect("small"));
        recs.at(at, link.frame(c.segment(Dir::ToClient, flags, chunk)));
    }
    recs.at(t + us(23_300), link.frame(c.ack(Dir::ToServer)));
    let client_data = [
        tls_change_cipher_spec(),
        tls_app_data(53, 120),
        tls_app_data(240, 121),
    ]
    .concat();
    recs.at(
        t + us(30_000),
        link.frame(c.push(Dir::ToServer, &client_data)),
    );
    recs.at(t + us(41_000), link.frame(c.ack(Dir::ToClient)));
    recs.at(t + us(50_000), link.frame(c.fin(Dir::ToServer)));
    recs.at(t + us(61_000), link.frame(c.fin(Dir::ToClient)));
    recs.at(t + us(61_100), link.frame(c.ack(Dir::ToServer)));

    // QUIC v1: RFC 9001's client Initial, answered 43 ms later by RFC 9001's server Initial.
    let quic = Flow::udp("192.168.1.6:50002", "52.114.77.33:443");
    let t = T0 + ms(25);
    let initial = hex(RFC9001_A2_CLIENT_INITIAL);
    assert_eq!(initial.len(), 1200);
    recs.at(t, link.frame(udp(quic, Dir::ToServer, &initial)));
    recs.at(
        t + ms(43),
        link.frame(udp(quic, Dir::ToClient, &hex(RFC9001_A3_SERVER_INITIAL))),
    );

    // STUN Binding to 52.112.1.10:3478; the client's public address is 203.0.113.7:50010.
    let stun = Flow::udp("192.168.1.6:50010", "52.112.1.10:3478");
    let txid = *b"\x5e\x51\xde\x0c\xa1\x10\x7e\xa5\x00\x01\x02\x03";
    let t = T0 + ms(80);
    recs.at(
        t,
        link.frame(udp(stun, Dir::ToServer, &stun_binding_request(&txid))),
    );
    recs.at(
        t + ms(20),
        link.frame(udp(
            stun,
            Dir::ToClient,
            &stun_binding_success(&txid, sock("203.0.113.7:50010")),
        )),
    );

    Capture::pcap(
        "teams-like.pcap",
        PcapFormat::new(LINKTYPE_ETHERNET),
        "Client 192.168.1.6 behind gateway 192.168.1.1. Packet 1 is an ARP request (not IP: \
         skipped, no flow). DNS query for teams.microsoft.com A and its answer 8.2 ms later \
         (CNAME teams.office.com -> CNAME s-0005.s-msedge.net -> A 52.113.194.132, TTL 60, \
         compressed names). A TCP connection to 52.113.194.132:443: SYN, SYN/ACK exactly \
         11.400 ms later, ACK, a TLS 1.3 ClientHello (SNI teams.microsoft.com, ALPN h2, \
         supported_versions) split over two segments, server ACK, three 1400-byte server \
         segments (ServerHello, ChangeCipherSpec, application data records), client data, and \
         FIN/ACK both ways. The RFC 9001 A.2 QUIC v1 client Initial (1200 bytes) to \
         52.114.77.33:443 and 43 ms later the RFC 9001 A.3 server Initial. A STUN Binding \
         Request to 52.112.1.10:3478 and 20 ms later the success response with \
         XOR-MAPPED-ADDRESS 203.0.113.7:50010.",
        &recs.sorted(),
    )
}

/// vlan.pcap: a TCP flow whose client frames carry one 802.1Q tag and whose server frames
/// carry a QinQ stack, plus one UDP packet with three tags.
pub fn vlan() -> Capture {
    let link = Link {
        client_tags: vec![(ETH_8021Q, 100)],
        server_tags: vec![(ETH_8021AD, 200), (ETH_8021Q, 100)],
        ..Link::new(mac(0x0202), mac(0x0280))
    };
    let mut recs = Recs::default();
    let flow = Flow::tcp("10.1.1.2:40000", "93.184.215.14:80");
    let mut c = TcpConn::new(flow, 0x0bad_f00d, 0x5eed_1234);
    let t = T0;
    recs.at(t, link.frame(c.syn()));
    recs.at(t + us(24_000), link.frame(c.syn_ack()));
    recs.at(t + us(24_100), link.frame(c.ack(Dir::ToServer)));
    recs.at(
        t + us(24_300),
        link.frame(c.push(Dir::ToServer, HTTP_REQUEST.as_bytes())),
    );
    recs.at(
        t + us(49_000),
        link.frame(c.push(Dir::ToClient, &http_response())),
    );
    recs.at(t + us(49_100), link.frame(c.ack(Dir::ToServer)));
    recs.at(t + us(50_000), link.frame(c.fin(Dir::ToServer)));
    recs.at(t + us(74_000), link.frame(c.fin(Dir::ToClient)));
    recs.at(t + us(74_100), link.frame(c.ack(Dir::ToServer)));

    let dns = Flow::udp("10.1.1.2:40001", "10.1.1.53:53");
    let triple = [(ETH_8021AD, 300), (ETH_8021Q, 200), (ETH_8021Q, 100)];
    let query = udp(dns, Dir::ToServer, &dns_query(0x0042, "example.com", DNS_A));
    recs.at(
        t + ms(100),
        query.wrap(|ip| ethernet(mac(0x0253), mac(0x0202), &triple, ETH_IPV4, ip)),
    );

    Capture::pcap(
        "vlan.pcap",
        PcapFormat::new(LINKTYPE_ETHERNET),
        "HTTP over TCP 10.1.1.2:40000 -> 93.184.215.14:80: SYN, SYN/ACK, ACK, GET / with \
         Host: example.com, 200 response, ACK, FIN/ACK both ways, final ACK. Client frames \
         carry one 802.1Q tag (0x8100, VID 100); server frames carry QinQ (0x88A8 VID 200 \
         outer, 0x8100 VID 100 inner). Packet 10 is a DNS query 10.1.1.2:40001 -> \
         10.1.1.53:53 with three tags (0x88A8 VID 300, 0x8100 VID 200, 0x8100 VID 100).",
        &recs.sorted(),
    )
}

/// fragments.pcap: an IPv4 UDP datagram in three fragments, the second written first, a reply,
/// and an IPv6 UDP datagram in two fragments.
pub fn fragments() -> Capture {
    let link = Link::new(mac(0x0505), mac(0x0520));
    let mut recs = Recs::default();
    let flow = Flow::udp("10.0.0.5:40001", "198.51.100.20:4500");
    let datagram = esp(0x0102_0304, 1, 3000, 501);
    let frags = ip_fragments(flow, Dir::ToServer, &datagram, 0x1234, 1480);
    assert_eq!(frags.len(), 3);
    for (i, k) in [1, 0, 2].into_iter().enumerate() {
        let at = T0 + us(10 * u64::try_from(i).expect("small"));
        recs.at(at, link.frame(frags[k].clone()));
    }
    recs.at(
        T0 + ms(30),
        link.frame(udp(flow, Dir::ToClient, &esp(0x0a0b_0c0d, 1, 100, 502))),
    );

    let flow6 = Flow::udp("[2001:db8:10::5]:40002", "[2001:db8:20::20]:4500");
    let datagram6 = esp(0x0506_0708, 1, 2000, 503);
    let frags6 = ip_fragments(flow6, Dir::ToServer, &datagram6, 0x00ab_cdef, 1448);
    assert_eq!(frags6.len(), 2);
    for (i, frag) in frags6.into_iter().enumerate() {
        let at = T0 + ms(50) + us(10 * u64::try_from(i).expect("small"));
        recs.at(at, link.frame(frag));
    }

    Capture::pcap(
        "fragments.pcap",
        PcapFormat::new(LINKTYPE_ETHERNET),
        "A 3000-byte UDP payload (ESP-in-UDP look) 10.0.0.5:40001 -> 198.51.100.20:4500 in three \
         IPv4 fragments, IP id 0x1234: offset 1480 (written first, packet 1), offset 0 with \
         the UDP header (packet 2), offset 2960, last (packet 3); IP lengths 1500, 1500, 68. \
         Then an unfragmented 100-byte reply 198.51.100.20:4500 -> 10.0.0.5:40001. Then a \
         2000-byte UDP payload [2001:db8:10::5]:40002 -> [2001:db8:20::20]:4500 in two IPv6 \
         fragments (Fragment header, id 0x00abcdef), in order. Every fragment counts towards \
         its flow's packets and bytes; the flow's first packet is packet 1 (the non-first \
         fragment that arrived before the fragment with the ports).",
        &recs.sorted(),
    )
}

/// tunnels.pcap: a TCP SYN and SYN/ACK inside each of eight encapsulations.
pub fn tunnels() -> Capture {
    let outer = Link::new(mac(0x0901), mac(0x0902));
    let mut recs = Recs::default();
    for (i, tunnel) in Tunnel::ALL.into_iter().enumerate() {
        let i = u64::try_from(i).expect("small");
        let port = 33330 + i;
        let flow = if tunnel.inner_is_v6() {
            Flow::tcp(
                &format!("[2001:db8:172:16::5]:{port}"),
                "[2001:db8:203:113::80]:443",
            )
        } else {
            Flow::tcp(&format!("172.16.5.5:{port}"), "203.0.113.80:443")
        };
        let isn = 0x3333_0000 + u32::try_from(port).expect("port fits");
        let mut c = TcpConn::new(flow, isn, 0x4444_0000);
        let t = T0 + ms(100 * i);
        let seq = 1 + 2 * u32::try_from(i).expect("small");
        for (at, inner, seq) in [(t, c.syn(), seq), (t + ms(3), c.syn_ack(), seq + 1)] {
            let dir = inner.dir();
            let pkt = inner.wrap(|ip| tunnel.encapsulate(ip, dir, seq));
            recs.at(at, outer.frame(pkt));
        }
    }
    let mut about = String::from(
        "Each tunnel carries a TCP SYN (client -> server) and SYN/ACK of its own inner flow; \
         only the innermost IP/TCP headers define flows and bytes, the outer headers make no \
         flow. Inner IPv4 flows are 172.16.5.5:PORT -> 203.0.113.80:443, inner IPv6 flows \
         [2001:db8:172:16::5]:PORT -> [2001:db8:203:113::80]:443. Outer Ethernet \
         02:00:5e:10:09:01 / 02:00:5e:10:09:02.",
    );
    for (i, tunnel) in Tunnel::ALL.into_iter().enumerate() {
        about.push_str(&format!(
            "\n- inner client port {}: {}",
            33330 + i,
            tunnel.describe()
        ));
    }
    Capture::pcap(
        "tunnels.pcap",
        PcapFormat::new(LINKTYPE_ETHERNET),
        &about,
        &recs.sorted(),
    )
}
