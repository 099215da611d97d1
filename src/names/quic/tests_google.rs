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
