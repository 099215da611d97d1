//! IETF QUIC: RFC 9001/9369 vectors, reassembly across packets and datagrams, failures.

use super::keys::{KeyMaterial, PacketKeys};
use super::packet::LongPacket;
use super::test_util::{crypto, rfc_client_hello, seal_initial, sni};
use super::vectors::*;
use super::version::{V1, V2, lookup};
use super::*;

const DCID_A: &[u8] = &[0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8];
const SCID: &[u8] = &[0x5c, 0x1d];

#[test]
fn rfc_9001_a1_client_keys() {
    let info = lookup(V1).unwrap();
    let material = KeyMaterial::client_initial(&info.salts[0], &hex(DCID), info.labels).unwrap();
    assert_eq!(material.key.to_vec(), hex(V1_CLIENT_KEY));
    assert_eq!(material.iv.to_vec(), hex(V1_CLIENT_IV));
    assert_eq!(material.hp.to_vec(), hex(V1_CLIENT_HP));
}

#[test]
fn rfc_9001_a2_client_initial_decrypts_to_the_crypto_frame() {
    let datagram = hex(V1_CLIENT_INITIAL);
    assert_eq!(datagram.len(), 1200);
    let packet = LongPacket::parse(&datagram, false).unwrap();
    let info = lookup(V1).unwrap();
    let material = KeyMaterial::client_initial(&info.salts[0], packet.dcid, info.labels).unwrap();
    let (pn, plain) = packet.open(&PacketKeys::new(&material), None).unwrap();
    assert_eq!(pn, 2);
    assert_eq!(plain.len(), 1162);
    let frame = hex(CLIENT_CRYPTO_FRAME);
    assert_eq!(&plain[..frame.len()], frame.as_slice());
    assert!(plain[frame.len()..].iter().all(|&b| b == 0), "PADDING");

    let mut conn = QuicConnection::new();
    let QuicEvent::ClientHello(hello) = conn.datagram(&datagram) else {
        panic!("no hello")
    };
    assert_eq!(hello, rfc_client_hello());
    assert_eq!(hello.len(), 241);
    assert_eq!(sni(&hello).as_deref(), Some("example.com"));
    assert_eq!(conn.version(), Some(V1));
    assert!(conn.is_done());
    assert_eq!(conn.datagram(&datagram), QuicEvent::Ignored);
}

#[test]
fn rfc_9001_a3_server_initial_is_ignored() {
    let server = hex(V1_SERVER_INITIAL);
    let mut conn = QuicConnection::new();
    assert_eq!(conn.datagram(&server), QuicEvent::Ignored);
    assert_eq!(conn.version(), None);
    // After half a hello from the client (empty SCID, as in the RFC), the server's Initial,
    // addressed to that empty connection ID, is still ignored.
    let hello = rfc_client_hello();
    let dcid = hex(DCID);
    let first = seal_initial(V1, &dcid, &dcid, &[], 0, &crypto(0, &hello[..100]), 1162);
    assert_eq!(conn.datagram(&first), QuicEvent::Partial);
    assert_eq!(conn.datagram(&server), QuicEvent::Ignored);
    assert!(!conn.is_done());
}

#[test]
fn rfc_9369_v2_initials() {
    let mut conn = QuicConnection::new();
    assert_eq!(conn.datagram(&hex(V2_SERVER_INITIAL)), QuicEvent::Ignored);
    let event = conn.datagram(&hex(V2_CLIENT_INITIAL));
    assert_eq!(event, QuicEvent::ClientHello(rfc_client_hello()));
    assert_eq!(conn.version(), Some(V2));
    assert_eq!(version_name(V2), "v2");
}

#[test]
fn hello_split_across_two_initials_fed_out_of_order() {
    let hello = rfc_client_hello();
    let first = seal_initial(V1, DCID_A, DCID_A, SCID, 0, &crypto(0, &hello[..150]), 1162);
    let second = seal_initial(
        V1,
        DCID_A,
        DCID_A,
        SCID,
        1,
        &crypto(150, &hello[150..]),
        1162,
    );
    let mut conn = QuicConnection::new();
    assert_eq!(conn.datagram(&second), QuicEvent::Partial);
    assert_eq!(conn.version(), Some(V1));
    assert_eq!(conn.datagram(&first), QuicEvent::ClientHello(hello));
}

#[test]
fn later_initial_with_server_chosen_dcid_uses_the_first_keys() {
    let hello = rfc_client_hello();
    let server_cid = [0x77; 5];
    let first = seal_initial(V1, DCID_A, DCID_A, SCID, 0, &crypto(0, &hello[..60]), 1162);
    let second = seal_initial(
        V1,
        DCID_A,
        &server_cid,
        SCID,
        1,
        &crypto(60, &hello[60..]),
        1162,
    );
    let mut conn = QuicConnection::new();
    assert_eq!(conn.datagram(&first), QuicEvent::Partial);
    assert_eq!(conn.datagram(&second), QuicEvent::ClientHello(hello));
}

#[test]
fn coalesced_initials_and_a_handshake_packet_in_one_datagram() {
    let hello = rfc_client_hello();
    let mut datagram = seal_initial(V1, DCID_A, DCID_A, SCID, 1, &crypto(90, &hello[90..]), 0);
    datagram.extend(seal_initial(
        V1,
        DCID_A,
        DCID_A,
        SCID,
        0,
        &crypto(0, &hello[..90]),
        0,
    ));
    // A Handshake packet (type 2) of 20 opaque bytes, then zero padding.
    datagram.extend_from_slice(&[0xe0, 0, 0, 0, 1, 8]);
    datagram.extend_from_slice(DCID_A);
    datagram.extend_from_slice(&[2, 0x5c, 0x1d, 20]);
    datagram.extend_from_slice(&[0xee; 20]);
    datagram.resize(1200, 0);
    let mut conn = QuicConnection::new();
    assert_eq!(conn.datagram(&datagram), QuicEvent::ClientHello(hello));
}

#[test]
fn retransmitted_duplicate_crypto_range() {
    let hello = rfc_client_hello();
    let part = seal_initial(V1, DCID_A, DCID_A, SCID, 0, &crypto(0, &hello[..120]), 1162);
    let again = seal_initial(V1, DCID_A, DCID_A, SCID, 1, &crypto(0, &hello[..120]), 1162);
    let rest = seal_initial(
        V1,
        DCID_A,
        DCID_A,
        SCID,
        2,
        &crypto(100, &hello[100..]),
        1162,
    );
    let mut conn = QuicConnection::new();
    assert_eq!(conn.datagram(&part), QuicEvent::Partial);
    assert_eq!(
        conn.datagram(&part),
        QuicEvent::Partial,
        "the same datagram twice"
    );
    assert_eq!(conn.datagram(&again), QuicEvent::Partial);
    assert_eq!(conn.datagram(&rest), QuicEvent::ClientHello(hello));
}

#[test]
fn drafts_and_mvfst_versions() {
    let hello = rfc_client_hello();
    let cases = [
        (0xff00_001d, "draft-29"),
        (0xff00_001b, "draft-27"),
        (0xff00_001c, "draft-28"),
        (0xff00_0020, "draft-32"),
        (0xff00_0022, "draft-34"),
        (0xface_b001, "mvfst-draft-22"),
        (0xface_b002, "mvfst-draft-27"),
        (0xface_b00e, "mvfst-experimental"),
    ];
    for (version, name) in cases {
        assert_eq!(version_name(version), name);
        assert!(is_supported(version), "{name}");
        let datagram = seal_initial(version, DCID_A, DCID_A, SCID, 0, &crypto(0, &hello), 1162);
        let mut conn = QuicConnection::new();
        assert_eq!(
            conn.datagram(&datagram),
            QuicEvent::ClientHello(hello.clone()),
            "{name}"
        );
        assert_eq!(conn.version(), Some(version));
        // The v1 keys do not open another version's packet: the salts differ.
        let v1 = lookup(V1).unwrap();
        let packet = LongPacket::parse(&datagram, false).unwrap();
        let material = KeyMaterial::client_initial(&v1.salts[0], DCID_A, v1.labels).unwrap();
        let opened = packet.open(&PacketKeys::new(&material), None);
        assert_eq!(
            opened.is_ok(),
            (0xff00_0021..=0xff00_0022).contains(&version),
            "{name}"
        );
    }
}

#[test]
fn version_table() {
    assert_eq!(version_name(1), "v1");
    assert_eq!(version_name(0x5130_3436), "Q046");
    assert_eq!(version_name(0x5430_3531), "T051");
    assert_eq!(version_name(0x1a2a_3a4a), "0x1a2a3a4a");
    assert!(
        !is_supported(0x1a2a_3a4a),
        "a greased version has no known salt"
    );
    assert!(
        !is_supported(0xff00_0015),
        "draft-21 has another long header"
    );
    assert!(
        is_supported(0x5130_3234) && is_supported(0x5130_3433),
        "Q024, Q043"
    );
    assert!(!is_supported(0x5130_3434), "Q044 is not read");
}

#[test]
fn damaged_initial_fails_without_giving_up() {
    let hello = rfc_client_hello();
    let mut datagram = seal_initial(V1, DCID_A, DCID_A, SCID, 0, &crypto(0, &hello), 1162);
    let last = datagram.len() - 1;
    datagram[last] ^= 1;
    let mut conn = QuicConnection::new();
    assert_eq!(
        conn.datagram(&datagram),
        QuicEvent::Failed(QuicError::Decryption)
    );
    assert!(!conn.is_done());
    datagram[last] ^= 1;
    assert_eq!(conn.datagram(&datagram), QuicEvent::ClientHello(hello));
}

#[test]
fn malformed_decrypted_initials_end_the_work() {
    let cases: [(Vec<u8>, QuicError); 3] = [
        (
            vec![0x08, 0x00, 0x01, 0x02],
            QuicError::FrameNotAllowed(0x08),
        ),
        (
            crypto(0, &[0x02, 0x00, 0x00, 0x10]),
            QuicError::NotClientHello(2),
        ),
        (
            crypto(0, &[0x01, 0xff, 0xff, 0xff]),
            QuicError::HelloTooLarge(0x0100_0003),
        ),
    ];
    for (frames, error) in cases {
        let datagram = seal_initial(V1, DCID_A, DCID_A, SCID, 0, &frames, 1162);
        let mut conn = QuicConnection::new();
        assert_eq!(conn.datagram(&datagram), QuicEvent::Failed(error));
        assert!(conn.is_done());
    }
}

#[test]
fn gives_up_after_max_initial_datagrams() {
    let junk = seal_initial(V1, &[9; 8], DCID_A, SCID, 0, &[0x01], 1162);
    let mut conn = QuicConnection::new();
    for _ in 0..MAX_INITIAL_DATAGRAMS {
        assert_eq!(
            conn.datagram(&junk),
            QuicEvent::Failed(QuicError::Decryption)
        );
    }
    assert_eq!(
        conn.datagram(&junk),
        QuicEvent::Failed(QuicError::TooManyDatagrams)
    );
    assert!(conn.is_done());
    assert_eq!(conn.datagram(&hex(V1_CLIENT_INITIAL)), QuicEvent::Ignored);
}

#[test]
fn non_quic_payloads_are_ignored() {
    let mut conn = QuicConnection::new();
    for payload in [
        &b""[..],
        b"\x00\x01",
        b"GET / HTTP/1.1\r\n",
        &[0x40; 1200],
        &[0xc0; 3],
    ] {
        assert_eq!(conn.datagram(payload), QuicEvent::Ignored);
    }
    assert!(!conn.is_done());
}

#[test]
fn held_bytes_count_the_client_keys() {
    // Half a hello: the connection keeps its keys and the CRYPTO bytes, and says so, so that
    // name inspection's MAX_HELD_BYTES covers both.
    let hello = rfc_client_hello();
    let mut conn = QuicConnection::new();
    assert_eq!(conn.held_bytes(), 0);
    let first = seal_initial(V1, DCID_A, DCID_A, SCID, 0, &crypto(0, &hello[..100]), 1162);
    assert_eq!(conn.datagram(&first), QuicEvent::Partial);
    let keys = QuicConnection::client_bytes() + DCID_A.len() + SCID.len();
    assert!(
        QuicConnection::client_bytes() >= 300,
        "the keys are most of it"
    );
    assert!(
        conn.held_bytes() >= keys + 100,
        "{} held",
        conn.held_bytes()
    );
}
