//! gquic.pcap and tls-preamble.pcap: real-traffic shapes that once went unnamed. Chrome's
//! Google QUIC CHLOs (Q039, Q043, Q046), and a TLS ClientHello that follows a few bytes that
//! are not TLS.

use super::Capture;
use super::bytes::filler;
use super::flow::{Dir, Flow, TcpConn, udp};
use super::gquic_payload::{
    CHROME_PACKET_LEN, ack_frame, chrome_chlo, public_header_packet, q046_packet,
    server_public_packet, server_rej, stop_waiting, stream_frame,
};
use super::link::{Link, mac};
use super::names_payload::{Hello, client_hello, handshake_records};
use super::packet::{ACK, PSH};
use super::payload::{tls_app_data, tls_change_cipher_spec, tls_server_flight};
use super::timestamp::{T0, us};
use super::write::{LINKTYPE_ETHERNET, PcapFormat, Recs};

const UA_39: &str = "Chrome/60.0.3112.113 Windows NT 10.0; Win64; x64";
const UA_43: &str = "Chrome/71.0.3578.98 Linux x86_64";
const UA_46: &str = "Chrome/75.0.3770.100 Windows NT 10.0; Win64; x64";

pub fn gquic_capture() -> Capture {
    let link = Link::new(mac(0x0b10), mac(0x0b01));
    let mut recs = Recs::default();
    let mut at = |micros: u64, pkt| recs.at(T0 + us(micros), link.frame(pkt));

    // Q039: the CHLO in the first packet, at stream offset 0; the server's REJ 24 ms later.
    let flow = Flow::udp("10.2.0.10:52001", "142.250.74.110:443");
    let cid = [0x39, 0x71, 0x2a, 0x5c, 0x0e, 0x83, 0x11, 0xd4];
    let chlo = chrome_chlo("www.youtube.com", b"Q039", UA_39, 3900);
    let client = public_header_packet(b"Q039", cid, 1, &stream_frame(0, &chlo));
    at(0, udp(flow, Dir::ToServer, &client));
    let frames = [
        ack_frame(1),
        stop_waiting(1),
        stream_frame(0, &server_rej(3910)),
    ]
    .concat();
    at(
        24_000,
        udp(flow, Dir::ToClient, &server_public_packet(cid, 1, &frames)),
    );

    // Q043: the capture starts after the first CHLO and its REJ. The client's next CHLO is at
    // stream offset 1024, after an ACK of the server's packet 2 and a STOP_WAITING; the
    // server's answer is encrypted (flags 0x0c: connection ID and diversification nonce).
    let flow = Flow::udp("10.2.0.10:52002", "142.250.74.46:443");
    let cid = [0x43, 0x9e, 0x61, 0x07, 0xb2, 0x3c, 0x58, 0xf0];
    let chlo = chrome_chlo("dns.google.com", b"Q043", UA_43, 4300);
    let frames = [ack_frame(2), stop_waiting(1), stream_frame(1024, &chlo)].concat();
    at(
        100_000,
        udp(
            flow,
            Dir::ToServer,
            &public_header_packet(b"Q043", cid, 3, &frames),
        ),
    );
    let mut shlo = vec![0x0c];
    shlo.extend_from_slice(&cid);
    shlo.extend(filler(32, 4310)); // diversification nonce
    shlo.push(3);
    shlo.extend(filler(240, 4311)); // encrypted SHLO
    at(123_000, udp(flow, Dir::ToClient, &shlo));

    // Q046: an IETF-like long header. As for Q043, the capture holds the client's second CHLO
    // (stream offset 1024); then the server's Initial (source connection ID only) with an ACK
    // and the start of its SHLO, and the client's 0-RTT packet, encrypted.
    let flow = Flow::udp("10.2.0.10:52003", "172.217.21.174:443");
    let cid = [0x46, 0x0d, 0x9a, 0x27, 0xe4, 0x15, 0x6b, 0xc2];
    let chlo = chrome_chlo("play.google.com", b"Q046", UA_46, 4600);
    let client = q046_packet(
        0,
        true,
        cid,
        4,
        &stream_frame(1024, &chlo),
        CHROME_PACKET_LEN,
    );
    at(200_000, udp(flow, Dir::ToServer, &client));
    let frames = [ack_frame(4), filler(8, 4610)].concat();
    at(
        221_000,
        udp(
            flow,
            Dir::ToClient,
            &q046_packet(0, false, cid, 5, &frames, 0),
        ),
    );
    let zero_rtt = q046_packet(1, true, cid, 5, &filler(150, 4620), 0);
    at(221_500, udp(flow, Dir::ToServer, &zero_rtt));

    // Q046 with four PADDING bytes before the STREAM frame: from Q038 a PADDING frame is a run
    // of zero bytes that other frames may follow (Chromium's framer reads on; tshark 4.0 takes
    // it to fill the packet, as before Q038, and shows no CHLO).
    let flow = Flow::udp("10.2.0.10:52004", "172.217.21.142:443");
    let cid = [0x46, 0x5e, 0x03, 0x91, 0x7a, 0xc8, 0x24, 0x6f];
    let chlo = chrome_chlo("i.ytimg.com", b"Q046", UA_46, 4700);
    let frames = [vec![0; 4], stream_frame(0, &chlo)].concat();
    at(
        300_000,
        udp(
            flow,
            Dir::ToServer,
            &q046_packet(0, true, cid, 1, &frames, CHROME_PACKET_LEN),
        ),
    );

    Capture::pcap(
        "gquic.pcap",
        PcapFormat::new(LINKTYPE_ETHERNET),
        GQUIC_ABOUT,
        &recs.sorted(),
    )
}

const GQUIC_ABOUT: &str = "Client 10.2.0.10. Google QUIC CHLOs shaped like Chrome's: 1350-byte \
client packets, a 1024-byte CHLO of 26 tags with PAD first (SNI, STK, SNO, VER, CCS, NONC, \
AEAD, UAID, SCID, TCID, PDMD, SMHL, ICSL, NONP, PUBS, MIDS, SCLS, KEXS, XLCT, CSCT, COPT, CCRT, \
IRTT, CFCW, SFCW after it). Expected (quic-sni), checked against tshark's gquic.tag.sni by \
tests/oracle_tshark_names.rs:
- Q039 to 142.250.74.110:443: public flags 0x0d (the 8-byte connection ID flagged both ways, \
as Chrome did: not a diversification nonce), STREAM 0xa0 at offset 0; the server's REJ (flags \
0x08, ACK, STOP_WAITING, STREAM). Expected: www.youtube.com (packet 1).
- Q043 to 142.250.74.46:443: the capture starts after the first CHLO; the client's packet 3 \
carries an ACK, a STOP_WAITING and the next CHLO at stream offset 1024 (STREAM 0xa4); the \
server's encrypted answer (flags 0x0c, nonce). Expected: dns.google.com (packet 3).
- Q046 to 172.217.21.174:443: long header 0xc3, connection-ID lengths 0x50, packet 4, the \
client's second CHLO at stream offset 1024 (STREAM 0xa4); the server's Initial (lengths 0x05: \
no destination ID) with an ACK; the client's 0-RTT packet (0xd3), encrypted. Expected: \
play.google.com (packet 5).
- Q046 to 172.217.21.142:443: four PADDING bytes (a run of zeros, from Q038) before STREAM 0xa0 \
at offset 0. Expected: i.ytimg.com (packet 8); tshark 4.0 takes PADDING to fill the packet and \
shows no CHLO here.";

pub fn tls_preamble_capture() -> Capture {
    let link = Link::new(mac(0x0c10), mac(0x0c01));
    let mut recs = Recs::default();
    let mut at = |micros: u64, pkt| recs.at(T0 + us(micros), link.frame(pkt));

    let flow = Flow::tcp("10.3.0.10:53001", "198.51.100.80:443");
    let mut c = TcpConn::new(flow, 0x0c0c_0000, 0x5c0c_0000);
    at(0, c.syn());
    at(16_000, c.syn_ack());
    // The handshake's ACK carries six bytes that are not a TLS record.
    at(16_100, c.segment(Dir::ToServer, PSH | ACK, &PREAMBLE));
    let hello = Hello::new(Some("portal.example.com"), &["h2", "http/1.1"], 1400);
    let hello = handshake_records(&client_hello(&hello), &[]);
    at(16_200, c.push(Dir::ToServer, &hello));
    at(
        32_000,
        c.push(Dir::ToClient, &tls_server_flight(1400, 1000)),
    );
    let data = [
        tls_change_cipher_spec(),
        tls_app_data(53, 1410),
        tls_app_data(300, 1411),
    ];
    at(32_200, c.push(Dir::ToServer, &data.concat()));
    at(48_000, c.push(Dir::ToClient, &tls_app_data(800, 1412)));
    at(48_100, c.fin(Dir::ToServer));
    at(64_000, c.fin(Dir::ToClient));
    at(64_100, c.ack(Dir::ToServer));

    Capture::pcap(
        "tls-preamble.pcap",
        PcapFormat::new(LINKTYPE_ETHERNET),
        PREAMBLE_ABOUT,
        &recs.sorted(),
    )
}

/// Bytes a client sends before its ClientHello: not a TLS record (0x00 is no content type).
const PREAMBLE: [u8; 6] = [0x00, 0x04, 0x7e, 0x1f, 0x00, 0x00];

const PREAMBLE_ABOUT: &str = "Client 10.3.0.10. TLS 1.3 to 198.51.100.80:443 after a preamble: \
the handshake's ACK (packet 3) carries six bytes that are not TLS (00 04 7e 1f 00 00), the \
ClientHello follows in its own segment (packet 4). Expected: portal.example.com (tls-sni, \
packet 4, preamble_bytes 6).";
