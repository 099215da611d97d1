use super::*;

fn hex(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

/// RFC 5769 §2.1 sample request.
pub(super) fn rfc5769_request() -> Vec<u8> {
    hex("00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
         80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
         00 24 00 04 6e 00 01 ff 80 29 00 08 93 2f f9 b1 51 26 3b 36
         00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
         00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
         80 28 00 04 e5 7a 3b cf")
}

const RFC5769_ID: [u8; 12] = [
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
];

fn message(bytes: &[u8]) -> StunMessage {
    match parse_datagram(bytes) {
        Ok(StunPacket::Message(m)) => m,
        other => panic!("{other:?}"),
    }
}

#[test]
fn rfc5769_sample_request() {
    let m = message(&rfc5769_request());
    assert_eq!((m.class, m.method, m.length), (StunClass::Request, 1, 88));
    assert_eq!(m.transaction_id, TransactionId::Rfc5389(RFC5769_ID));
    assert!(m.magic_cookie);
    assert_eq!(m.software.as_deref(), Some("STUN test client"));
    assert_eq!((m.realm, m.ms_turn, m.inner), (None, None, None));
    assert_eq!(method_name(m.method), "binding");
}

#[test]
fn rfc5769_ipv4_and_ipv6_responses() {
    let v4 = hex("01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
                  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
                  00 20 00 08 00 01 a1 47 e1 12 a6 43
                  00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
                  80 28 00 04 c0 7d 4c 96");
    let v6 = hex("01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
                  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
                  00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
                  00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
                  80 28 00 04 c8 fb 0b 4c");
    for (bytes, length) in [(v4, 60), (v6, 72)] {
        let m = message(&bytes);
        assert_eq!(m.class, StunClass::SuccessResponse);
        assert_eq!((m.method, m.length), (1, length));
        assert_eq!(m.transaction_id, TransactionId::Rfc5389(RFC5769_ID));
        assert_eq!(m.software.as_deref(), Some("test vector"));
    }
}

#[test]
fn rfc5769_long_term_request_realm() {
    let bytes = hex("00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
                     00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
                     00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46
                     53 54 76 79 36 34 73 41
                     00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
                     00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66");
    let m = message(&bytes);
    assert_eq!(m.length, 96);
    assert_eq!(m.realm.as_deref(), Some("example.org"));
    assert_eq!(
        m.transaction_id.as_bytes(),
        &hex("78 ad 34 33 c6 ad 72 c0 29 da 41 2e")[..]
    );
}

/// A message: type, 16 header bytes after the length, attributes as (type, value), padded or
/// not.
pub(super) fn build(kind: u16, id16: [u8; 16], attrs: &[(u16, &[u8])], pad: bool) -> Vec<u8> {
    let mut body = Vec::new();
    for (t, v) in attrs {
        body.extend_from_slice(&t.to_be_bytes());
        body.extend_from_slice(&(v.len() as u16).to_be_bytes());
        body.extend_from_slice(v);
        while pad && body.len() % 4 != 0 {
            body.push(0);
        }
    }
    let mut out = kind.to_be_bytes().to_vec();
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(&id16);
    out.extend(body);
    out
}

fn cookie_id(id: [u8; 12]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..4].copy_from_slice(&0x2112_a442u32.to_be_bytes());
    out[4..].copy_from_slice(&id);
    out
}

const MS_COOKIE_ATTR: (u16, &[u8]) = (0x000f, &[0x72, 0xc6, 0x4b, 0xc6]);
const SESSION: [u8; 8] = [0x7f, 0x20, 0xc4, 0xdd, 0x4f, 0x84, 0x8d, 0xfa];

/// Shaped like a Teams Allocate request: MS-TURN dialect with the RFC 5389 cookie, unpadded
/// attributes, NONCE as 0x0014 and REALM as 0x0015.
pub(super) fn ms_allocate() -> Vec<u8> {
    build(
        0x0003,
        cookie_id([7; 12]),
        &[
            MS_COOKIE_ATTR,
            (0x8037, &[0, 0, 0, 2]),
            (0x8008, &[0, 0, 0, 6]),
            (0x0010, &[0, 0, 0x2e, 0xe0]),
            (0x8055, &[0, 2, 0, 2]),
            (0x8095, &SESSION),
            (0x0014, &[0xab; 20]),
            (0x0015, b"\"rtcmedia\""),
            (0x0006, &[0x55; 9]),
        ],
        false,
    )
}

#[test]
fn ms_turn_allocate() {
    let bytes = ms_allocate();
    let m = message(&bytes);
    assert_eq!((m.class, m.method), (StunClass::Request, METHOD_ALLOCATE));
    assert_eq!(m.length, bytes.len() - 20);
    assert_eq!(m.length % 4, 3);
    assert_eq!(m.realm.as_deref(), Some("\"rtcmedia\""));
    assert_eq!(m.transaction_id, TransactionId::Rfc5389([7; 12]));
    let ms = m.ms_turn.unwrap();
    assert!(ms.dialect);
    assert_eq!(ms.version, Some(6));
    assert_eq!(ms.session_id, Some(SESSION));
    assert_eq!(
        ms.attributes,
        vec![0x000f, 0x8037, 0x8008, 0x0010, 0x8055, 0x8095]
    );
    assert_eq!(
        ms_attribute_name(0x8095),
        Some("multiplexed-turn-session-id")
    );
}

#[test]
fn ms_turn_data_indication_and_send() {
    let inner = rfc5769_request();
    let id: [u8; 16] = core::array::from_fn(|i| i as u8 + 0xc0);
    let data = build(
        0x0115,
        id,
        &[
            MS_COOKIE_ATTR,
            (0x0012, &[0, 1, 0x3f, 0xcc, 93, 71, 110, 205]),
            (0x0013, &inner),
        ],
        false,
    );
    let m = message(&data);
    assert_eq!((m.class, m.method), (StunClass::Indication, MS_TURN_DATA));
    assert_eq!(m.transaction_id, TransactionId::Rfc3489(id));
    assert!(!m.magic_cookie);
    let relayed = m.inner.unwrap();
    assert_eq!(relayed.transaction_id, TransactionId::Rfc5389(RFC5769_ID));
    assert_eq!(method_name(MS_TURN_DATA), "ms-data");
    // 0x0004 is MS-TURN's Send request in its dialect, RFC 5766's Refresh otherwise.
    let send = build(
        0x0004,
        cookie_id([1; 12]),
        &[MS_COOKIE_ATTR, (0x0013, &[1, 2])],
        false,
    );
    assert_eq!(message(&send).method, MS_TURN_SEND);
    let refresh = build(
        0x0004,
        cookie_id([1; 12]),
        &[(0x000d, &[0, 0, 2, 0x58])],
        true,
    );
    assert_eq!(method_name(message(&refresh).method), "refresh");
}

#[test]
fn ms_attributes_on_rfc_binding() {
    // Teams ICE checks: RFC 5389 binding with MS-ICE2 attributes.
    let bytes = build(
        0x0001,
        cookie_id([3; 12]),
        &[
            (0x8070, &[0, 0, 0, 7]),
            (0x8037, &[0, 0, 0, 2]),
            (0x0024, &[0x6e, 0xff, 0xf8, 0xff]),
        ],
        true,
    );
    let ms = message(&bytes).ms_turn.unwrap();
    assert!(!ms.dialect);
    assert_eq!(ms.attributes, vec![0x8070, 0x8037]);
    assert_eq!(ms.version, None);
}

#[test]
fn classic_stun_strictness() {
    let id: [u8; 16] = [0x11; 16];
    let change_request: (u16, &[u8]) = (0x0003, &[0, 0, 0, 6]);
    let m = message(&build(0x0001, id, &[change_request], true));
    assert_eq!(m.transaction_id, TransactionId::Rfc3489(id));
    assert_eq!(
        (m.class, m.method, m.magic_cookie),
        (StunClass::Request, 1, false)
    );
    let response = build(0x0101, id, &[(0x0001, &[0, 1, 0, 80, 192, 0, 2, 1])], true);
    assert_eq!(message(&response).class, StunClass::SuccessResponse);
    // Not an RFC 3489 type without the cookie (Allocate).
    let allocate = build(0x0003, id, &[change_request], true);
    assert_eq!(parse_datagram(&allocate), Err(StunError::NotStun));
    // Attributes that overrun the message.
    let mut bad = build(0x0001, id, &[change_request], true);
    bad[23] = 8;
    assert_eq!(parse_datagram(&bad), Err(StunError::BadAttributes));
    // Length not a multiple of 4.
    let odd = build(0x0001, id, &[(0x0006, b"abc")], false);
    assert_eq!(parse_datagram(&odd), Err(StunError::Unaligned(7)));
    // Length field and datagram disagree.
    let mut long = rfc5769_request();
    long.push(0);
    assert_eq!(
        parse_datagram(&long),
        Err(StunError::LengthMismatch {
            header: 88,
            actual: 89
        })
    );
    assert_eq!(parse_datagram(&[0, 1, 0]), Err(StunError::Short));
    // Reserved method range (RFC 7983).
    let reserved = build(0x3e01, cookie_id([0; 12]), &[], true);
    assert_eq!(parse_datagram(&reserved), Err(StunError::NotStun));
}

#[test]
fn channel_data() {
    let padded = [0x40, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0];
    for bytes in [&padded[..], &padded[..9]] {
        assert_eq!(
            parse_datagram(bytes),
            Ok(StunPacket::ChannelData {
                channel: 0x4001,
                length: 5
            })
        );
    }
    assert_eq!(channel_data_payload(&padded), Some(&[1, 2, 3, 4, 5][..]));
    assert!(matches!(
        parse_datagram(&padded[..7]),
        Err(StunError::LengthMismatch { .. })
    ));
    // 0x8000-0xBFFF is RTP/RTCP territory (RFC 7983).
    assert_eq!(parse_datagram(&[0x80, 0, 0, 0]), Err(StunError::NotStun));
    // MS-TURN multiplexed channel: session ID, then the relayed ICE check.
    let inner = rfc5769_request();
    let mut frame = vec![0xff, 0x10];
    frame.extend_from_slice(&((inner.len() + 8) as u16).to_be_bytes());
    frame.extend_from_slice(&SESSION);
    frame.extend_from_slice(&inner);
    let length = (inner.len() + 8) as u16;
    assert_eq!(
        parse_datagram(&frame),
        Ok(StunPacket::ChannelData {
            channel: MS_MULTIPLEX_CHANNEL,
            length
        })
    );
    let relayed = channel_data_payload(&frame).unwrap();
    assert_eq!(
        message(relayed).transaction_id,
        TransactionId::Rfc5389(RFC5769_ID)
    );
    assert_eq!(
        parse_datagram(&[0xff, 0x10, 0, 4, 1, 2, 3, 4]),
        Err(StunError::NotStun)
    );
}

#[test]
fn turn_tcp_framing() {
    let mut stream = rfc5769_request();
    stream.extend_from_slice(&[0x40, 0x00, 0x00, 0x03, b'a', b'b', b'c', 0]);
    stream.extend(ms_allocate());
    let partial = rfc5769_request();
    stream.extend_from_slice(&partial[..30]);
    let packets = parse_stream(&stream);
    assert_eq!(packets.len(), 3);
    assert_eq!(
        packets[1],
        StunPacket::ChannelData {
            channel: 0x4000,
            length: 3
        }
    );
    assert!(matches!(&packets[2], StunPacket::Message(m) if m.method == METHOD_ALLOCATE));
    // TLS is not TURN: nothing.
    assert!(parse_stream(&hex("16 03 01 02 00 01 00 01 fc 03 03")).is_empty());
    // A stream may not open with ChannelData (this one is the middle of a TLS record).
    assert!(parse_stream(&[0x49, 0xd1, 0x00, 0x04, 1, 2, 3, 4]).is_empty());
}

#[test]
fn rfc4571_framing() {
    let mut stream = Vec::new();
    let rtp = hex("80 60 12 34 00 00 00 01 de ad be ef");
    for frame in [rfc5769_request(), rtp, rfc5769_request()] {
        stream.extend_from_slice(&(frame.len() as u16).to_be_bytes());
        stream.extend(frame);
    }
    stream.extend_from_slice(&[0, 200, 1, 2]);
    let packets = parse_stream(&stream);
    assert_eq!(packets.len(), 2);
    assert!(
        packets
            .iter()
            .all(|p| matches!(p, StunPacket::Message(m) if m.length == 88))
    );
}

#[test]
fn names() {
    let expected = [
        (1, "binding"),
        (3, "allocate"),
        (4, "refresh"),
        (6, "send"),
        (7, "data"),
        (8, "create-permission"),
        (9, "channel-bind"),
        (MS_TURN_SET_ACTIVE_DESTINATION, "ms-set-active-destination"),
        (0x0ff, "unknown"),
    ];
    for (method, name) in expected {
        assert_eq!(method_name(method), name);
    }
    assert_eq!(StunClass::ErrorResponse.name(), "error-response");
}
