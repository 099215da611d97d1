//! Unit tests: RFC 8448 messages, built ClientHellos and TLS 1.2 server flights.

use super::*;
use crate::names::stream::StreamPrefix;

/// RFC 8448 §3 (simple 1-RTT handshake): the client's ClientHello, SNI "server".
pub const RFC8448_CLIENT_HELLO: &str = "\
    010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302\
    010000910000000b0009000006736572766572ff01000100000a00140012001d001700180019010001010102010301\
    0400230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c\
    002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d0002\
    0101001c00024001";

/// RFC 8448 §3: the server's ServerHello (TLS 1.3 via supported_versions).
const RFC8448_SERVER_HELLO: &str = "\
    020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e003300\
    24001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304";

pub const LEAF_DER: &[u8] = include_bytes!("testdata/leaf.der");
const MANY_NAMES_DER: &[u8] = include_bytes!("testdata/many_names.der");

pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

fn be16(n: usize) -> [u8; 2] {
    u16::try_from(n).unwrap().to_be_bytes()
}

fn be24(n: usize) -> [u8; 3] {
    let [_, a, b, c] = u32::try_from(n).unwrap().to_be_bytes();
    [a, b, c]
}

pub fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
    [&[kind][..], &be24(body.len()), body].concat()
}

pub fn ext(kind: u16, data: &[u8]) -> Vec<u8> {
    [&kind.to_be_bytes()[..], &be16(data.len()), data].concat()
}

pub fn sni_ext(name: &[u8]) -> Vec<u8> {
    let entry = [&[0u8][..], &be16(name.len()), name].concat();
    ext(0, &[&be16(entry.len())[..], &entry].concat())
}

pub fn alpn_ext(protocols: &[&str]) -> Vec<u8> {
    let list: Vec<u8> = protocols
        .iter()
        .flat_map(|p| [&[p.len() as u8][..], p.as_bytes()].concat())
        .collect();
    ext(16, &[&be16(list.len())[..], &list].concat())
}

fn versions_ext(versions: &[u16]) -> Vec<u8> {
    let list: Vec<u8> = versions.iter().flat_map(|v| v.to_be_bytes()).collect();
    ext(43, &[&[list.len() as u8][..], &list].concat())
}

/// The outer encrypted_client_hello: type outer(0), HPKE suite, config id, enc, payload.
fn ech_ext() -> Vec<u8> {
    let data = [
        &[0u8, 0, 1, 0, 1, 0x42][..],
        &be16(32),
        &[0x5a; 32],
        &be16(176),
        &[0xc3; 176],
    ];
    ext(0xfe0d, &data.concat())
}

/// A complete ClientHello message (handshake header included) with these extensions.
pub fn client_hello(extensions: &[Vec<u8>]) -> Vec<u8> {
    let block = extensions.concat();
    let body = [
        &[3u8, 3][..],
        &[0x11; 32],
        &[32],
        &[0x22; 32],
        &be16(6),
        &[0x13, 1, 0x13, 2, 0xc0, 0x2f],
        &[1, 0],
        &be16(block.len()),
        &block,
    ];
    handshake(1, &body.concat())
}

pub fn record(content_type: u8, payload: &[u8]) -> Vec<u8> {
    [&[content_type, 3, 3][..], &be16(payload.len()), payload].concat()
}

/// A TLS 1.2 server flight: ServerHello, Certificate (leaf + one more), ServerHelloDone, with
/// the Certificate split over two records.
pub fn server_flight() -> Vec<u8> {
    let extensions = [ext(0xff01, &[0]), ext(11, &[1, 0]), alpn_ext(&["h2"])].concat();
    let hello = [
        &[3u8, 3][..],
        &[0x33; 32],
        &[0],
        &[0xc0, 0x2f, 0],
        &be16(extensions.len()),
    ];
    let hello = handshake(2, &[&hello.concat()[..], &extensions].concat());
    let chain = [
        &be24(LEAF_DER.len())[..],
        LEAF_DER,
        &be24(MANY_NAMES_DER.len()),
        MANY_NAMES_DER,
    ];
    let chain = chain.concat();
    let cert = handshake(11, &[&be24(chain.len())[..], &chain].concat());
    let (a, b) = cert.split_at(300);
    let done = handshake(14, &[]);
    [
        record(22, &hello),
        record(22, a),
        record(22, &[b, &done].concat()),
    ]
    .concat()
}

#[test]
fn rfc8448_client_hello() {
    assert_eq!(hex(RFC8448_CLIENT_HELLO).len(), 196);
    assert_eq!(hex(RFC8448_SERVER_HELLO).len(), 90);
    let hello = parse_client_hello(&hex(RFC8448_CLIENT_HELLO)).unwrap();
    assert_eq!(hello.sni.as_deref(), Some("server"));
    assert!(!hello.ech);
    assert!(hello.alpn.is_empty());
    assert_eq!(hello.supported_versions, vec![0x0304]);
    let scan = scan(&record(22, &hex(RFC8448_CLIENT_HELLO)));
    assert_eq!(scan.client_hello, Some(hello));
    assert!(scan.finished && !scan.not_tls);
}

#[test]
fn tls13_server_hello_ends_the_scan() {
    let scan = scan(&record(22, &hex(RFC8448_SERVER_HELLO)));
    assert!(scan.finished && !scan.not_tls);
    assert_eq!(scan.certificate, None);
}

#[test]
fn alpn_versions_and_grease() {
    let msg = client_hello(&[
        ext(0x2a2a, &[]),
        sni_ext(b"WWW.Example.ORG"),
        ext(10, &[0, 3, 0, 0x1d, 0]), // supported_groups with an odd length: skipped, not fatal
        alpn_ext(&["h2", "http/1.1"]),
        versions_ext(&[0x7a7a, 0x0304, 0x0303]),
    ]);
    let hello = parse_client_hello(&msg).unwrap();
    assert_eq!(hello.sni.as_deref(), Some("www.example.org"));
    assert_eq!(hello.alpn, ["h2", "http/1.1"]);
    assert_eq!(hello.supported_versions, vec![0x0304, 0x0303]);
    let many: Vec<String> = (0..12).map(|i| format!("p{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let hello = parse_client_hello(&client_hello(&[alpn_ext(&many)])).unwrap();
    assert_eq!(hello.alpn.len(), MAX_ALPN);
    assert_eq!(hello.sni, None);
}

#[test]
fn server_names_that_are_not_hosts_are_dropped() {
    for name in [&b"caf\xc3\xa9.example"[..], b"a b", b"tab\t", &[b'a'; 254]] {
        let hello = parse_client_hello(&client_hello(&[sni_ext(name)])).unwrap();
        assert_eq!(hello.sni, None, "{name:?}");
    }
    let hello = parse_client_hello(&client_hello(&[sni_ext(&[b'a'; 253])])).unwrap();
    assert_eq!(hello.sni.map(|s| s.len()), Some(253));
}

#[test]
fn ech_reports_the_outer_name() {
    let msg = client_hello(&[sni_ext(b"cloudflare-ech.com"), ech_ext(), alpn_ext(&["h2"])]);
    let hello = scan(&record(22, &msg)).client_hello.unwrap();
    assert!(hello.ech);
    assert_eq!(hello.sni.as_deref(), Some("cloudflare-ech.com"));
}

#[test]
fn client_hello_errors() {
    let err = |e| Err::<ClientHello, TlsError>(e);
    assert_eq!(
        parse_client_hello(&[]),
        err(TlsError::Truncated {
            needed: 4,
            available: 0
        })
    );
    let sh = hex(RFC8448_SERVER_HELLO);
    assert_eq!(parse_client_hello(&sh), err(TlsError::NotClientHello(2)));
    let ch = hex(RFC8448_CLIENT_HELLO);
    let cut = TlsError::Truncated {
        needed: 196,
        available: 100,
    };
    assert_eq!(parse_client_hello(&ch[..100]), err(cut));
    let bad = parse_client_hello(&handshake(1, &[3, 3, 0]));
    assert_eq!(bad, err(TlsError::Malformed("ClientHello fields")));
}

#[test]
fn split_client_hello_out_of_order_segments() {
    // One ClientHello spread over two records, the stream cut into three segments.
    let msg = client_hello(&[
        sni_ext(b"i.instagram.com"),
        alpn_ext(&["h2", "h2-fb"]),
        ext(21, &[0; 200]), // padding, as browsers add
    ]);
    let (a, b) = msg.split_at(100);
    let stream = [record(22, a), record(22, b)].concat();
    let (s1, s2, s3) = (&stream[..50], &stream[50..180], &stream[180..]);
    let mut prefix = StreamPrefix::new(crate::names::stream::CLIENT_PREFIX_LIMIT);
    prefix.segment(7_000, true, &[]);
    assert!(!prefix.segment(7_181, false, s3));
    assert!(prefix.segment(7_001, false, s1));
    let partial = scan(prefix.contiguous());
    assert!(!partial.finished && partial.client_hello.is_none() && !partial.not_tls);
    // A retransmission overlapping the first segment, then the second one.
    assert!(prefix.segment(7_041, false, &stream[40..120]));
    assert!(prefix.segment(7_051, false, s2));
    assert_eq!(prefix.contiguous(), &stream[..]);
    let done = scan(prefix.contiguous());
    assert!(done.finished);
    let hello = done.client_hello.unwrap();
    assert_eq!(hello.sni.as_deref(), Some("i.instagram.com"));
    assert_eq!(hello.alpn, ["h2", "h2-fb"]);
}

#[test]
fn tls12_certificate_names() {
    let names = certificate::names(LEAF_DER).unwrap();
    assert_eq!(names.subject_cn.as_deref(), Some("shop.example.com"));
    assert_eq!(names.san_dns, ["shop.example.com", "*.cdn.example.net"]);
    assert_eq!(names.san_dropped, 0);
    let many = certificate::names(MANY_NAMES_DER).unwrap();
    assert_eq!(many.subject_cn.as_deref(), Some("last.example"));
    assert_eq!(many.san_dns.len(), MAX_SAN_NAMES);
    assert_eq!(many.san_dns[0], "n00.example.org");
    assert_eq!(many.san_dns[31], "n31.example.org");
    assert_eq!(many.san_dropped, 8);
    assert_eq!(certificate::names(&LEAF_DER[..300]), None);
}

#[test]
fn tls12_server_flight_in_one_segment_and_cut_short() {
    let flight = server_flight();
    let full = scan(&flight);
    assert!(full.finished && full.client_hello.is_none());
    let want = certificate::names(LEAF_DER);
    assert_eq!(full.certificate, want);
    // The leaf is complete at ServerHello + 5 + 4 + 3 + 3 + leaf + the second record's header.
    let hello_len = flight[3..5].iter().fold(0, |n, &b| n << 8 | usize::from(b)) + 5;
    let leaf_end = hello_len + 5 + 10 + LEAF_DER.len() + 5;
    let cut = scan(&flight[..leaf_end]);
    assert_eq!((cut.finished, &cut.certificate), (true, &want));
    let short = scan(&flight[..leaf_end - 1]);
    assert!(!short.finished && short.certificate.is_none());
    // A warning alert (unrecognized_name) before the ServerHello does not end the handshake.
    let warned = scan(&[record(21, &[1, 112]), flight.clone()].concat());
    assert_eq!(warned.certificate, want);
    // Before the ServerHello is whole, nothing is decided.
    assert!(!scan(&flight[..hello_len - 1]).finished);
}

#[test]
fn record_layer_outcomes() {
    let http = scan(b"GET / HTTP/1.1\r\n");
    assert!(http.not_tls && http.finished);
    assert!(scan(&[0x80, 0x2e, 0x01, 0x03, 0x01]).not_tls); // SSL 2.0 hello
    assert!(scan(&[0x16, 0x02]).not_tls);
    assert_eq!(scan(&[]), TlsScan::default());
    assert_eq!(scan(&[0x16, 0x03]), TlsScan::default());
    for first in [
        record(20, &[1]),
        record(23, &[0xaa; 40]),
        record(21, &[2, 40]),
    ] {
        let s = scan(&first);
        assert!(s.finished && !s.not_tls, "{first:?}");
    }
    // A handshake record followed by a header that cannot be TLS.
    let msg = client_hello(&[sni_ext(b"x.example")]);
    let bad = [record(22, &msg[..20]), vec![0xff; 5]].concat();
    let s = scan(&bad);
    assert!(s.finished && s.client_hello.is_none() && !s.not_tls);
    // A ClientHello declaring more bytes than will ever be gathered.
    let huge = scan(&record(22, &[1, 0xff, 0xff, 0xff, 3, 3]));
    assert!(huge.finished && huge.client_hello.is_none());
    // A handshake type that does not travel in plaintext.
    assert!(scan(&record(22, &handshake(99, &[0; 8]))).finished);
}

#[test]
fn certificate_message_framing() {
    use certificate::{Leaf, leaf};
    let chain = [&be24(LEAF_DER.len())[..], LEAF_DER].concat();
    let msg = handshake(11, &[&be24(chain.len())[..], &chain].concat());
    let peek = |bytes| record::Message::peek(bytes).unwrap();
    assert_eq!(leaf(&peek(&msg)), Leaf::Der(LEAF_DER));
    assert_eq!(leaf(&peek(&msg[..50])), Leaf::NeedMore);
    let empty = handshake(11, &[0, 0, 0]);
    assert_eq!(leaf(&peek(&empty)), Leaf::Absent);
    let lying = handshake(11, &[0, 0, 9, 0, 0, 9, 1, 2, 3]);
    assert_eq!(leaf(&peek(&lying)), Leaf::Absent);
}
