//! names.pcap: one client whose flows exercise every name source of residency (DNS over UDP
//! and TCP with CNAME chains and HTTPS hints, TLS SNI reassembled from out-of-order segments,
//! ECH, TLS 1.2 certificates, HTTP Host, QUIC v2) and STUN/MS-TURN.

use super::Capture;
use super::bytes::{hex, sock, v4, v6};
use super::flow::{Dir, Flow, Pkt, TcpConn, udp};
use super::link::{Link, mac};
use super::names_payload::{
    HTTP_NEXUS, HTTP_NEXUS_RESPONSE, Hello, client_hello, dns_tcp, handshake_records, https_rdata,
    ms_channel_data, ms_turn_allocate, ms_turn_allocate_ok, tls12_client_finish,
    tls12_server_finish, tls12_server_flight,
};
use super::names_vectors::{
    RFC5769_IPV4_RESPONSE, RFC5769_REQUEST, RFC9369_A2_CLIENT_INITIAL, RFC9369_A3_SERVER_INITIAL,
};
use super::packet::{ACK, PSH, RST};
use super::payload::{
    DNS_A, DNS_CNAME, Dns, Rdata, dns_query, tls_app_data, tls_change_cipher_spec,
    tls_server_flight,
};
use super::timestamp::{T0, us};
use super::write::{LINKTYPE_ETHERNET, PcapFormat, Recs};

const DNS_HTTPS: u16 = 65;

/// Collects the capture's packets, each framed on the client's Ethernet segment.
struct Names {
    link: Link,
    recs: Recs,
}

impl Names {
    /// `pkt` at `micros` after T0.
    fn at(&mut self, micros: u64, pkt: Pkt) {
        self.recs.at(T0 + us(micros), self.link.frame(pkt));
    }

    /// SYN at `start`, SYN/ACK one `rtt` later, ACK 100 µs after that.
    fn handshake(&mut self, c: &mut TcpConn, start: u64, rtt: u64) -> u64 {
        self.at(start, c.syn());
        self.at(start + rtt, c.syn_ack());
        self.at(start + rtt + 100, c.ack(Dir::ToServer));
        start + rtt + 100
    }

    /// FIN from the client at `start`, the server's FIN one `rtt` later, the last ACK.
    fn close(&mut self, c: &mut TcpConn, start: u64, rtt: u64) {
        self.at(start, c.fin(Dir::ToServer));
        self.at(start + rtt, c.fin(Dir::ToClient));
        self.at(start + rtt + 100, c.ack(Dir::ToServer));
    }

    fn resolver(&mut self, flow: Flow, times: [u64; 2], query: &[u8], response: &[u8]) {
        self.at(times[0], udp(flow, Dir::ToServer, query));
        self.at(times[1], udp(flow, Dir::ToClient, response));
    }
}

pub fn names_capture() -> Capture {
    let mut n = Names {
        link: Link::new(mac(0x0a10), mac(0x0a01)),
        recs: Recs::default(),
    };

    // 1. DNS over UDP: a CNAME chain to 52.114.77.34, then TLS there without SNI.
    let q = "eu-mobile.events.data.microsoft.com";
    let tm = "eu-mobile.events.data.trafficmanager.net";
    let az = "onedscolprdneu02.northeurope.cloudapp.azure.com";
    let answer = Dns::new(0x1d51, 0x8180, [1, 3, 0, 0])
        .question(q, DNS_A)
        .record(q, DNS_CNAME, 3600, Rdata::Name(tm))
        .record(tm, DNS_CNAME, 300, Rdata::Name(az))
        .record(az, DNS_A, 60, Rdata::A(v4("52.114.77.34")))
        .bytes();
    let dns = Flow::udp("10.1.0.10:51001", "10.1.0.1:53");
    n.resolver(dns, [0, 12_000], &dns_query(0x1d51, q, DNS_A), &answer);

    let flow = Flow::tcp("10.1.0.10:51002", "52.114.77.34:443");
    let mut c = TcpConn::new(flow, 0x0101_0000, 0x5101_0000);
    let t = n.handshake(&mut c, 20_000, 14_000);
    let hello = Hello::new(None, &["http/1.1"], 1000);
    n.at(
        t + 200,
        c.push(
            Dir::ToServer,
            &handshake_records(&client_hello(&hello), &[]),
        ),
    );
    n.at(
        t + 14_000,
        c.push(Dir::ToClient, &tls_server_flight(1000, 900)),
    );
    let upload = [
        tls_change_cipher_spec(),
        tls_app_data(53, 1010),
        tls_app_data(600, 1011),
    ];
    n.at(t + 14_200, c.push(Dir::ToServer, &upload.concat()));
    n.at(t + 28_000, c.push(Dir::ToClient, &tls_app_data(120, 1012)));
    n.close(&mut c, t + 28_100, 14_000);

    // 2. DNS over TCP: two queries in one segment, two responses in one segment; the HTTPS
    //    record's hints are the only source of www.example.net's addresses.
    let flow = Flow::tcp("10.1.0.10:51003", "10.1.0.1:53");
    let mut c = TcpConn::new(flow, 0x0202_0000, 0x5202_0000);
    let t = n.handshake(&mut c, 100_000, 300);
    let queries = [
        dns_query(0x4e01, "www.example.net", DNS_HTTPS),
        dns_query(0x4e02, "static.example.net", DNS_A),
    ];
    let hints = https_rdata(&["h2", "h3"], v4("192.0.2.80"), v6("2001:db8:80::80"));
    let responses = [
        Dns::new(0x4e01, 0x8180, [1, 1, 0, 0])
            .question("www.example.net", DNS_HTTPS)
            .record("www.example.net", DNS_HTTPS, 300, Rdata::Raw(&hints))
            .bytes(),
        Dns::new(0x4e02, 0x8180, [1, 1, 0, 0])
            .question("static.example.net", DNS_A)
            .record("static.example.net", DNS_A, 120, Rdata::A(v4("192.0.2.90")))
            .bytes(),
    ];
    n.at(t + 100, c.push(Dir::ToServer, &dns_tcp(&queries)));
    n.at(t + 14_600, c.push(Dir::ToClient, &dns_tcp(&responses)));
    n.at(t + 14_700, c.ack(Dir::ToServer));
    n.close(&mut c, t + 14_800, 200);

    // Happy Eyeballs to the hinted addresses: IPv4 from the same client (closed with RST when
    // IPv6 wins), IPv6 from the host's ULA, which the DNS answer was not sent to.
    let flow = Flow::tcp("10.1.0.10:51004", "192.0.2.80:443");
    let mut c4 = TcpConn::new(flow, 0x0404_0000, 0x5404_0000);
    let flow = Flow::tcp("[fd00:1::10]:51005", "[2001:db8:80::80]:443");
    let mut c6 = TcpConn::new(flow, 0x0606_0000, 0x5606_0000);
    n.at(130_000, c6.syn());
    n.at(130_050, c4.syn());
    n.at(148_000, c6.syn_ack());
    n.at(148_100, c6.ack(Dir::ToServer));
    n.at(155_000, c4.syn_ack());
    n.at(155_100, c4.segment(Dir::ToServer, RST | ACK, &[]));
    n.close(&mut c6, 160_000, 18_000);

    // 3. A connection to a cached address, whose DNS answer (a refresh) arrives after its SYN.
    let flow = Flow::tcp("10.1.0.10:51006", "20.190.159.2:443");
    let mut c = TcpConn::new(flow, 0x0707_0000, 0x5707_0000);
    n.at(200_000, c.syn());
    let q = "login.microsoftonline.com";
    let (c1, c2) = ("login.mso.msidentity.com", "www.tm.ak.prd.aadg.akadns.net");
    let answer = Dns::new(0x10c1, 0x8180, [1, 4, 0, 0])
        .question(q, DNS_A)
        .record(q, DNS_CNAME, 1800, Rdata::Name(c1))
        .record(c1, DNS_CNAME, 300, Rdata::Name(c2))
        .record(c2, DNS_A, 5, Rdata::A(v4("20.190.159.2")))
        .record(c2, DNS_A, 5, Rdata::A(v4("40.126.31.4")))
        .bytes();
    let dns = Flow::udp("10.1.0.10:51007", "10.1.0.1:53");
    n.resolver(
        dns,
        [200_500, 201_500],
        &dns_query(0x10c1, q, DNS_A),
        &answer,
    );
    n.at(214_000, c.syn_ack());
    n.at(214_100, c.ack(Dir::ToServer));
    n.close(&mut c, 214_300, 14_000);

    // 4. TLS over TCP: the ClientHello in two records (cut after 120 bytes of the message) and
    //    four segments: bytes 0..90, then 190..end (out of order), then 40..130 (a
    //    retransmission overlapping the first), then 130..190, which completes it.
    let flow = Flow::tcp("10.1.0.10:51008", "52.113.194.132:443");
    let mut c = TcpConn::new(flow, 0x0808_0000, 0x5808_0000);
    let t = n.handshake(&mut c, 300_000, 12_000);
    let hello = Hello::new(Some("teams.microsoft.com"), &["h2", "http/1.1"], 1100);
    let stream = handshake_records(&client_hello(&hello), &[120]);
    assert!(
        stream.len() > 200,
        "the cuts below fall inside the ClientHello"
    );
    let pieces = [
        (0, 90, ACK),
        (190, stream.len(), PSH | ACK),
        (40, 130, ACK),
        (130, 190, ACK),
    ];
    for (i, (from, to, flags)) in pieces.into_iter().enumerate() {
        let at = t + 200 + 10 * u64::try_from(i).expect("small");
        n.at(
            at,
            c.segment_at(Dir::ToServer, from, flags, &stream[from..to]),
        );
    }
    c.advance(Dir::ToServer, stream.len());
    n.at(t + 12_000, c.ack(Dir::ToClient));
    n.at(
        t + 12_100,
        c.push(Dir::ToClient, &tls_server_flight(1100, 1000)),
    );
    let data = [
        tls_change_cipher_spec(),
        tls_app_data(53, 1110),
        tls_app_data(200, 1111),
    ];
    n.at(t + 12_300, c.push(Dir::ToServer, &data.concat()));
    n.at(t + 24_000, c.ack(Dir::ToClient));
    n.close(&mut c, t + 30_000, 12_000);

    // 5. TLS with Encrypted Client Hello: the outer (public) name is Cloudflare's.
    let flow = Flow::tcp("10.1.0.10:51009", "104.18.10.118:443");
    let mut c = TcpConn::new(flow, 0x0909_0000, 0x5909_0000);
    let t = n.handshake(&mut c, 400_000, 11_000);
    let hello = Hello {
        ech_payload: Some(240),
        ..Hello::new(Some("cloudflare-ech.com"), &["h2", "http/1.1"], 1200)
    };
    n.at(
        t + 200,
        c.push(
            Dir::ToServer,
            &handshake_records(&client_hello(&hello), &[]),
        ),
    );
    n.at(
        t + 11_000,
        c.push(Dir::ToClient, &tls_server_flight(1200, 1000)),
    );
    let data = [tls_change_cipher_spec(), tls_app_data(53, 1210)];
    n.at(t + 11_200, c.push(Dir::ToServer, &data.concat()));
    n.close(&mut c, t + 20_000, 11_000);

    // 6. TLS 1.2 without SNI and without a DNS answer: the certificate names the server. The
    //    server flight is cut after 400 bytes, inside the Certificate.
    let flow = Flow::tcp("10.1.0.10:51010", "203.0.113.50:443");
    let mut c = TcpConn::new(flow, 0x0a0a_0000, 0x5a0a_0000);
    let t = n.handshake(&mut c, 500_000, 30_000);
    let hello = Hello {
        tls13: false,
        ..Hello::new(None, &[], 1300)
    };
    n.at(
        t + 200,
        c.push(
            Dir::ToServer,
            &handshake_records(&client_hello(&hello), &[]),
        ),
    );
    let flight = tls12_server_flight(1300);
    let (first, second) = flight.split_at(400);
    n.at(t + 30_000, c.segment(Dir::ToClient, ACK, first));
    n.at(t + 30_010, c.push(Dir::ToClient, second));
    n.at(
        t + 30_200,
        c.push(Dir::ToServer, &tls12_client_finish(1310)),
    );
    n.at(
        t + 60_000,
        c.push(Dir::ToClient, &tls12_server_finish(1320)),
    );
    n.at(t + 60_200, c.push(Dir::ToServer, &tls_app_data(200, 1330)));
    n.at(t + 90_000, c.push(Dir::ToClient, &tls_app_data(400, 1331)));
    n.close(&mut c, t + 90_100, 30_000);

    // 7. HTTP/1.1 with a mixed-case Host carrying a port.
    let flow = Flow::tcp("10.1.0.10:51011", "52.109.8.19:80");
    let mut c = TcpConn::new(flow, 0x0b0b_0000, 0x5b0b_0000);
    let t = n.handshake(&mut c, 700_000, 90_000);
    n.at(t + 100, c.push(Dir::ToServer, HTTP_NEXUS.as_bytes()));
    n.at(
        t + 90_000,
        c.push(Dir::ToClient, HTTP_NEXUS_RESPONSE.as_bytes()),
    );
    n.at(t + 90_100, c.ack(Dir::ToServer));
    n.close(&mut c, t + 90_200, 90_000);

    // 8. QUIC v2: RFC 9369's client Initial, and 85 ms later its server Initial.
    let flow = Flow::udp("10.1.0.10:51012", "93.184.215.14:443");
    let initial = hex(RFC9369_A2_CLIENT_INITIAL);
    assert_eq!(initial.len(), 1200);
    n.at(1_000_000, udp(flow, Dir::ToServer, &initial));
    let server = hex(RFC9369_A3_SERVER_INITIAL);
    n.at(1_085_000, udp(flow, Dir::ToClient, &server));

    // 9. MS-TURN to a relay outside Microsoft's published ranges, on UDP 443; then RFC 5389
    //    Binding (RFC 5769's sample request and response) to a Teams media relay.
    let flow = Flow::udp("10.1.0.10:51013", "198.51.100.7:443");
    let txid = *b"\x4d\x53\x54\x55\x52\x4e\x00\x06\x11\x22\x33\x44\x55\x66\x77\x88";
    let session = *b"\x0c\x0f\xfe\xe0\x00\x00\x00\x01";
    let relayed = sock("198.51.100.7:52000");
    let reflexive = sock("203.0.113.7:51013");
    n.at(
        1_100_000,
        udp(flow, Dir::ToServer, &ms_turn_allocate(&txid)),
    );
    let ok = ms_turn_allocate_ok(&txid, relayed, reflexive, session);
    n.at(1_125_000, udp(flow, Dir::ToClient, &ok));
    let media = ms_channel_data(session, 172, 1400);
    n.at(1_140_000, udp(flow, Dir::ToServer, &media));
    n.at(
        1_160_000,
        udp(flow, Dir::ToClient, &ms_channel_data(session, 172, 1401)),
    );

    let flow = Flow::udp("10.1.0.10:51014", "52.112.1.10:3478");
    n.at(1_200_000, udp(flow, Dir::ToServer, &hex(RFC5769_REQUEST)));
    n.at(
        1_221_000,
        udp(flow, Dir::ToClient, &hex(RFC5769_IPV4_RESPONSE)),
    );

    Capture::pcap(
        "names.pcap",
        PcapFormat::new(LINKTYPE_ETHERNET),
        ABOUT,
        &n.recs.sorted(),
    )
}

const ABOUT: &str = "Client 10.1.0.10 (and fd00:1::10, the same host's IPv6 ULA), resolver \
10.1.0.1. Every name source residency reads; after each flow, the hostname (source) and \
service docs/names.md and geo/services.toml give it (tests/names_capture.rs checks them):
- DNS over UDP: eu-mobile.events.data.microsoft.com A -> CNAME \
eu-mobile.events.data.trafficmanager.net -> CNAME \
onedscolprdneu02.northeurope.cloudapp.azure.com -> A 52.114.77.34 (TTL 60); then TLS 1.3 to \
52.114.77.34:443 whose ClientHello has no server_name. Expected: \
eu-mobile.events.data.microsoft.com (dns, packet 2), Microsoft telemetry (EU collector).
- DNS over TCP: one segment with two length-prefixed queries (HTTPS www.example.net, A \
static.example.net), one segment with both responses; the HTTPS record (priority 1, target \
\".\", alpn h2,h3) carries ipv4hint 192.0.2.80 and ipv6hint 2001:db8:80::80. Then Happy \
Eyeballs: a TCP handshake from 10.1.0.10 to 192.0.2.80:443, reset by the client, and one from \
fd00:1::10 to [2001:db8:80::80]:443. Expected: www.example.net (dns, record https-hint; for \
the IPv6 flow same_client false, since the answer went to 10.1.0.10), no service.
- A TCP connection to 20.190.159.2:443 whose SYN precedes the DNS answer for \
login.microsoftonline.com (CNAME login.mso.msidentity.com -> CNAME \
www.tm.ak.prd.aadg.akadns.net -> A 20.190.159.2, A 40.126.31.4, TTL 5) by 1.5 ms. Expected: \
login.microsoftonline.com (dns, after_start true), Microsoft Entra ID.
- TLS 1.3 to 52.113.194.132:443: the ClientHello is in two TLS records, sent in four segments \
(stream bytes 0-90, 190-end out of order, 40-130 a retransmission overlapping the first, \
130-190 completing it). Expected: teams.microsoft.com (tls-sni, the packet with bytes \
130-190), Microsoft Teams.
- TLS 1.3 with encrypted_client_hello (0xfe0d), outer SNI cloudflare-ech.com, to \
104.18.10.118:443. Expected: cloudflare-ech.com (tls-sni, ech true), no service.
- TLS 1.2 to 203.0.113.50:443, no SNI, no DNS answer: the server's flight (ServerHello, \
Certificate with src/names/tls/testdata/leaf.der: CN Shop.Example.com, SAN shop.example.com, \
*.cdn.example.net; ServerKeyExchange, ServerHelloDone) in two segments, the Certificate \
completed by the second. Expected: shop.example.com (tls-cert, that second segment), no \
service.
- HTTP/1.1 GET to 52.109.8.19:80 with Host: Nexus.OfficeApps.Live.com:80. Expected: \
nexus.officeapps.live.com (http-host), Microsoft telemetry.
- QUIC v2: the RFC 9369 A.2 client Initial to 93.184.215.14:443, and the A.3 server Initial \
85 ms later. Expected: example.com (quic-sni, version v2), no service.
- MS-TURN to 198.51.100.7:443/UDP: Allocate request (16-byte transaction ID, MAGIC-COOKIE \
0x72C64BC6 first, MS-VERSION 6), success response (MAPPED-ADDRESS, XOR-MAPPED-ADDRESS 0x8020, \
LIFETIME, MULTIPLEXED-TURN-SESSION-ID), then one multiplexed ChannelData (channel 0xFF10) each \
way. Expected: no name, Microsoft Teams media by rule stun:ms-turn.
- STUN Binding to 52.112.1.10:3478: the RFC 5769 sample request and sample IPv4 response. \
Expected: no name, Microsoft Teams media by range:52.112.0.0/14 udp/3478-3481.";
