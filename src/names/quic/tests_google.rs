//! Google QUIC: CHLO in the clear (Q043 public header, Q046 long header), Q050 and T051
//! protected Initials.

use super::chlo::build;
use super::test_util::{rfc_client_hello, seal_initial};
use super::version::{Q046, Q050, T051};
use super::*;

const CID: [u8; 8] = [0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8];

fn youtube_chlo() -> Vec<u8> {
    build(&[
        (b"PAD\0", &[0x2d; 300]),
        (b"SNI\0", b"www.youtube.com"),
        (b"VER\0", b"Q043"),
        (b"UAID", b"Chrome/50.0.2661.102 Linux x86_64"),
    ])
}

/// A Q043 client packet: flags 0x09 (version, 8-byte CID, 1-byte PN), hash, and one STREAM
/// frame for stream 1 with a 2-byte offset and 2-byte length (big-endian from Q039).
fn q043_packet(pn: u8, offset: u16, data: &[u8]) -> Vec<u8> {
    let mut p = vec![0x09];
    p.extend_from_slice(&CID);
    p.extend_from_slice(b"Q043");
    p.push(pn);
    p.extend_from_slice(&[0xab; 12]);
    p.push(0xa4); // STREAM: length present, 2-byte offset, 1-byte stream ID
    p.push(0x01);
    p.extend_from_slice(&offset.to_be_bytes());
    p.extend_from_slice(&(data.len() as u16).to_be_bytes());
    p.extend_from_slice(data);
    p
}

#[test]
fn q043_chlo_in_clear_across_two_packets() {
    let chlo = youtube_chlo();
    let mut conn = QuicConnection::new();
    // A server packet (no version flag) is not read.
    assert_eq!(
        conn.datagram(&[0x08, 1, 2, 3, 4, 5, 6, 7, 8, 1, 0, 0]),
        QuicEvent::Ignored
    );
    assert_eq!(
        conn.datagram(&q043_packet(2, 200, &chlo[200..])),
        QuicEvent::Partial
    );
    let event = conn.datagram(&q043_packet(1, 0, &chlo[..200]));
    assert_eq!(
        event,
        QuicEvent::GoogleChlo {
            sni: Some("www.youtube.com".into()),
            user_agent: Some("Chrome/50.0.2661.102 Linux x86_64".into()),
        }
    );
    assert_eq!(conn.version().map(version_name).as_deref(), Some("Q043"));
    assert!(conn.is_done());
}

#[test]
fn q046_long_header_chlo() {
    let chlo = build(&[(b"SNI\0", b"www.google.com"), (b"VER\0", b"Q046")]);
    // 0xc3: long header, Initial, 4-byte PN; 0x50: DCID 8 bytes, no SCID.
    let mut p = vec![0xc3];
    p.extend_from_slice(&Q046.to_be_bytes());
    p.push(0x50);
    p.extend_from_slice(&CID);
    p.extend_from_slice(&[0, 0, 0, 1]);
    p.extend_from_slice(&[0xab; 12]);
    p.extend_from_slice(&[0xa0, 0x01]);
    p.extend_from_slice(&(chlo.len() as u16).to_be_bytes());
    p.extend_from_slice(&chlo);
    p.resize(1350, 0);
    let mut conn = QuicConnection::new();
    let event = conn.datagram(&p);
    assert_eq!(
        event,
        QuicEvent::GoogleChlo {
            sni: Some("www.google.com".into()),
            user_agent: None
        }
    );
    assert_eq!(conn.version(), Some(Q046));
}

/// Google's CRYPTO frame (type 0x08) with 2-byte varints.
fn google_crypto(offset: u16, data: &[u8]) -> Vec<u8> {
    let mut f = vec![0x08];
    f.extend_from_slice(&(0x4000 | offset).to_be_bytes());
    f.extend_from_slice(&(0x4000 | data.len() as u16).to_be_bytes());
    f.extend_from_slice(data);
    f
}

#[test]
fn q050_protected_chlo_after_an_ack() {
    let chlo = youtube_chlo();
    // An ACK (0x40: 1-byte largest, 2-byte delay, 1-byte block, no timestamps) precedes it.
    let mut frames = vec![0x40, 0x01, 0x00, 0x00, 0x01, 0x00];
    frames.extend(google_crypto(0, &chlo));
    let datagram = seal_initial(Q050, &CID, &CID, &[], 1, &frames, 1200);
    let mut conn = QuicConnection::new();
    let QuicEvent::GoogleChlo { sni, user_agent } = conn.datagram(&datagram) else {
        panic!("no CHLO")
    };
    assert_eq!(sni.as_deref(), Some("www.youtube.com"));
    assert!(user_agent.is_some_and(|ua| ua.starts_with("Chrome/50")));
    assert_eq!(version_name(Q050), "Q050");
}

#[test]
fn t051_protected_tls_client_hello_in_two_packets() {
    let hello = rfc_client_hello();
    let first = seal_initial(
        T051,
        &CID,
        &CID,
        &[],
        1,
        &google_crypto(0, &hello[..100]),
        1200,
    );
    let second = seal_initial(
        T051,
        &CID,
        &CID,
        &[],
        2,
        &google_crypto(100, &hello[100..]),
        1200,
    );
    let mut conn = QuicConnection::new();
    assert_eq!(conn.datagram(&first), QuicEvent::Partial);
    assert_eq!(conn.datagram(&second), QuicEvent::ClientHello(hello));
    assert_eq!(conn.version(), Some(T051));
}

#[test]
fn server_rej_in_stream_one_is_not_a_chlo() {
    let rej = build(&[(b"STK\0", b"token")]);
    let mut rej = rej;
    rej[..4].copy_from_slice(b"REJ\0");
    let mut conn = QuicConnection::new();
    assert_eq!(
        conn.datagram(&q043_packet(1, 0, &rej)),
        QuicEvent::Failed(QuicError::NotChlo)
    );
    assert!(conn.is_done());
}

/// A CHLO shaped like Chrome's full one (Q039–Q046): PAD first with most of the message, then
/// the other tags in tag order as Chrome writes them, 26 in all.
fn chrome_chlo(sni: &str, version: &[u8; 4]) -> Vec<u8> {
    let fixed: [(&[u8; 4], &[u8]); 25] = [
        (b"SNI\0", sni.as_bytes()),
        (b"STK\0", &[0x5a; 52]),
        (b"SNO\0", &[0x6b; 52]),
        (b"VER\0", version),
        (b"CCS\0", &[0x7c; 16]),
        (b"NONC", &[0x11; 32]),
        (b"AEAD", b"AESG"),
        (b"UAID", b"Chrome/73.0.3683.86 Linux x86_64"),
        (b"SCID", &[0x22; 16]),
        (b"TCID", &[0, 0, 0, 0]),
        (b"PDMD", b"X509"),
        (b"SMHL", &[1, 0, 0, 0]),
        (b"ICSL", &[0x2c, 1, 0, 0]),
        (b"NONP", &[0x33; 32]),
        (b"PUBS", &[0x44; 32]),
        (b"MIDS", &[0x64, 0, 0, 0]),
        (b"SCLS", &[1, 0, 0, 0]),
        (b"KEXS", b"C255"),
        (b"XLCT", &[0x55; 8]),
        (b"CSCT", &[]),
        (b"COPT", b"NSTP"),
        (b"CCRT", &[0x66; 16]),
        (b"IRTT", &[0x10, 0x27, 0, 0]),
        (b"CFCW", &[0, 0, 0xf0, 0]),
        (b"SFCW", &[0, 0, 0x60, 0]),
    ];
    let mut tags = vec![(b"PAD\0", &[0x2d_u8; 512][..])];
    tags.extend(fixed);
    build(&tags)
}

/// Chrome's public flags on a Q039/Q043 CHLO: version, 8-byte connection ID in both the
/// current (0x08) and the pre-Q033 (0x0c) encoding, 1-byte packet number.
fn chrome_public_header(version: &[u8; 4], pn: u8) -> Vec<u8> {
    let mut p = vec![0x0d];
    p.extend_from_slice(&CID);
    p.extend_from_slice(version);
    p.push(pn);
    p.extend_from_slice(&[0xab; 12]);
    p
}

/// STREAM frame for stream 1: length present, 2-byte offset when non-zero.
fn stream_frame(offset: u16, data: &[u8]) -> Vec<u8> {
    let mut f = if offset == 0 {
        vec![0xa0, 0x01]
    } else {
        let mut f = vec![0xa4, 0x01];
        f.extend_from_slice(&offset.to_be_bytes());
        f
    };
    f.extend_from_slice(&(data.len() as u16).to_be_bytes());
    f.extend_from_slice(data);
    f
}

#[test]
fn chrome_q039_flags_0x0d_carry_no_nonce() {
    let chlo = chrome_chlo("s.youtube.com", b"Q039");
    let mut p = chrome_public_header(b"Q039", 1);
    p.extend(stream_frame(0, &chlo));
    p.resize(1350, 0); // PADDING to the end
    let mut conn = QuicConnection::new();
    let QuicEvent::GoogleChlo { sni, user_agent } = conn.datagram(&p) else {
        panic!("no CHLO")
    };
    assert_eq!(sni.as_deref(), Some("s.youtube.com"));
    assert_eq!(
        user_agent.as_deref(),
        Some("Chrome/73.0.3683.86 Linux x86_64")
    );
    assert_eq!(conn.version().map(version_name).as_deref(), Some("Q039"));
}

#[test]
fn chrome_q043_second_chlo_after_ack_and_stop_waiting() {
    // The capture starts after the first CHLO and the server's REJ: the next CHLO is at stream
    // offset 1024, after an ACK of the server's packet 2 and a STOP_WAITING.
    let chlo = chrome_chlo("dns.google.com", b"Q043");
    let mut p = chrome_public_header(b"Q043", 3);
    p.extend_from_slice(&[0x40, 0x02, 0x00, 0x00, 0x02, 0x00]); // ACK, no timestamps
    p.extend_from_slice(&[0x06, 0x01]); // STOP_WAITING, 1-byte delta
    p.extend_from_slice(&[0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0, 0]); // WINDOW_UPDATE
    p.extend(stream_frame(1024, &chlo));
    p.resize(1350, 0);
    let mut conn = QuicConnection::new();
    let QuicEvent::GoogleChlo { sni, .. } = conn.datagram(&p) else {
        panic!("no CHLO")
    };
    assert_eq!(sni.as_deref(), Some("dns.google.com"));
    assert_eq!(conn.version().map(version_name).as_deref(), Some("Q043"));
}

#[test]
fn chrome_q046_padding_run_before_the_stream_frame_and_server_initial_ignored() {
    let chlo = chrome_chlo("play.google.com", b"Q046");
    let long_header = |lengths: u8, cid_first: bool| {
        let mut p = vec![0xc3];
        p.extend_from_slice(&Q046.to_be_bytes());
        p.push(lengths);
        if cid_first {
            p.extend_from_slice(&CID);
        }
        p
    };
    let mut conn = QuicConnection::new();
    // The server's Initial-type packet names only its source ID (0x05): not the client's.
    let mut server = long_header(0x05, true);
    server.extend_from_slice(&[0, 0, 0, 5]);
    server.extend_from_slice(&[0xab; 12]);
    server.extend(stream_frame(0, b"REJ\0\x00\x00\x00\x00"));
    assert_eq!(conn.datagram(&server), QuicEvent::Ignored);
    let mut p = long_header(0x50, true);
    p.extend_from_slice(&[0, 0, 0, 1]);
    p.extend_from_slice(&[0xab; 12]);
    p.extend_from_slice(&[0; 7]); // a PADDING frame of 7 bytes, then the CHLO
    p.extend(stream_frame(0, &chlo));
    p.resize(1350, 0);
    let QuicEvent::GoogleChlo { sni, .. } = conn.datagram(&p) else {
        panic!("no CHLO")
    };
    assert_eq!(sni.as_deref(), Some("play.google.com"));
    assert_eq!(conn.version(), Some(Q046));
}

#[test]
fn padding_before_q038_ends_the_packet() {
    // Q037 and earlier: PADDING runs to the end, so a STREAM-looking byte after it is not read.
    let chlo = chrome_chlo("www.example.com", b"Q037");
    let mut p = chrome_public_header(b"Q037", 1);
    p.extend_from_slice(&[0; 3]);
    p.extend(stream_frame(0, &chlo));
    let mut conn = QuicConnection::new();
    assert_eq!(conn.datagram(&p), QuicEvent::Ignored);
}
