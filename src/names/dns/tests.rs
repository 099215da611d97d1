use super::*;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A name in uncompressed wire form.
fn name(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in text.split('.').filter(|l| !l.is_empty()) {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// A message under construction: header, then sections appended as raw bytes.
struct Msg(Vec<u8>);

impl Msg {
    fn new(id: u16, flags: u16, qd: u16, an: u16) -> Self {
        let mut b = Vec::new();
        for v in [id, flags, qd, an, 0, 0] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        Msg(b)
    }
    fn question(mut self, qname: &str, qtype: u16) -> Self {
        self.0.extend(name(qname));
        self.0.extend_from_slice(&qtype.to_be_bytes());
        self.0.extend_from_slice(&1u16.to_be_bytes());
        self
    }
    /// A record whose owner is given in wire form (so it can be a pointer).
    fn record(mut self, owner: &[u8], rtype: u16, class: u16, ttl: u32, rdata: &[u8]) -> Self {
        self.0.extend_from_slice(owner);
        self.0.extend_from_slice(&rtype.to_be_bytes());
        self.0.extend_from_slice(&class.to_be_bytes());
        self.0.extend_from_slice(&ttl.to_be_bytes());
        self.0
            .extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        self.0.extend_from_slice(rdata);
        self
    }
}

const RESPONSE: u16 = 0x8180;
/// Pointer to the question name (right after the 12-byte header).
const TO_QUESTION: [u8; 2] = [0xc0, 12];

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

/// www.example.com → CNAME a.example.net → CNAME b.cdn.net → A 192.0.2.1, A 192.0.2.2.
pub(super) fn cname_chain() -> Vec<u8> {
    Msg::new(0x1234, RESPONSE, 1, 4)
        .question("www.Example.COM", 1)
        .record(&TO_QUESTION, 5, 1, 300, &name("a.example.net"))
        .record(&name("a.example.net"), 5, 1, 300, &name("b.cdn.net"))
        .record(&name("B.cdn.net"), 1, 1, 20, &[192, 0, 2, 1])
        .record(&name("b.cdn.net"), 1, 1, 20, &[192, 0, 2, 2])
        .0
}

#[test]
fn cname_chain_to_a() {
    let m = parse_message(&cname_chain()).unwrap();
    assert_eq!((m.id, m.response, m.rcode), (0x1234, true, 0));
    assert_eq!(m.question, Some(("www.example.com".to_string(), 1)));
    assert_eq!(m.damage, None);
    assert_eq!(m.bindings.len(), 2);
    let chain = vec!["a.example.net".to_string(), "b.cdn.net".to_string()];
    assert_eq!(
        m.bindings[0],
        Binding {
            name: "www.example.com".into(),
            chain: chain.clone(),
            address: v4(192, 0, 2, 1),
            ttl: 20,
            kind: RecordKind::A,
        }
    );
    assert_eq!(m.bindings[1].address, v4(192, 0, 2, 2));
    assert_eq!(m.bindings[1].chain, chain);
}

#[test]
fn compressed_cname_target_and_partial_chain() {
    // The CNAME target "cdn.example.com" is compressed as "cdn" + pointer to "example.com" in
    // the question (offset 12 + 4 = 16).
    let mut target = vec![3];
    target.extend_from_slice(b"cdn");
    target.extend_from_slice(&[0xc0, 16]);
    let bytes = Msg::new(1, RESPONSE, 1, 2)
        .question("www.example.com", 1)
        .record(&TO_QUESTION, 5, 1, 60, &target)
        .record(&name("cdn.example.com"), 1, 1, 60, &[198, 51, 100, 7])
        .0;
    let m = parse_message(&bytes).unwrap();
    assert_eq!(m.bindings.len(), 1);
    assert_eq!(m.bindings[0].name, "www.example.com");
    assert_eq!(m.bindings[0].chain, vec!["cdn.example.com".to_string()]);
}

#[test]
fn aaaa_and_unrelated_owner() {
    let v6 = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x53);
    let bytes = Msg::new(7, RESPONSE, 1, 2)
        .question("ipv6.example", 28)
        .record(&TO_QUESTION, 28, 1, 3600, &v6.octets())
        .record(&name("elsewhere.example"), 28, 1, 5, &v6.octets())
        .0;
    let m = parse_message(&bytes).unwrap();
    assert_eq!(m.bindings[0].name, "ipv6.example");
    assert_eq!(m.bindings[0].kind, RecordKind::Aaaa);
    assert_eq!(m.bindings[0].address, IpAddr::V6(v6));
    // Not reached from the question: named by its owner, no chain.
    assert_eq!(m.bindings[1].name, "elsewhere.example");
    assert!(m.bindings[1].chain.is_empty());
}

fn svc_params(params: &[(u16, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (key, value) in params {
        out.extend_from_slice(&key.to_be_bytes());
        out.extend_from_slice(&(value.len() as u16).to_be_bytes());
        out.extend_from_slice(value);
    }
    out
}

const HINT_V6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 1);

/// example.com HTTPS (TargetName ".") and SVCB (TargetName svc.example.net) with hints, and an
/// AliasMode HTTPS record.
pub(super) fn https_message() -> Vec<u8> {
    // Priority 1, TargetName ".", alpn=h2, ipv4hint 192.0.2.10 + 192.0.2.11, ipv6hint.
    let mut same = vec![0, 1, 0];
    same.extend(svc_params(&[
        (1, b"\x02h2"),
        (4, &[192, 0, 2, 10, 192, 0, 2, 11]),
        (6, &HINT_V6.octets()),
    ]));
    // An SVCB record for the same owner, with a TargetName: its hint is the target's address.
    let mut other = vec![0, 2];
    other.extend(name("svc.example.net"));
    other.extend(svc_params(&[(4, &[203, 0, 113, 5])]));
    // AliasMode (priority 0) carries no hints.
    let mut alias = vec![0, 0];
    alias.extend(name("alias.example.net"));
    Msg::new(9, RESPONSE, 1, 3)
        .question("example.com", 65)
        .record(&TO_QUESTION, 65, 1, 300, &same)
        .record(&TO_QUESTION, 64, 1, 300, &other)
        .record(&TO_QUESTION, 65, 1, 300, &alias)
        .0
}

#[test]
fn https_hints() {
    let bytes = https_message();
    let m = parse_message(&bytes).unwrap();
    let got: Vec<_> = m
        .bindings
        .iter()
        .map(|b| (b.name.as_str(), b.chain.clone(), b.address, b.kind))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "example.com",
                vec![],
                v4(192, 0, 2, 10),
                RecordKind::HttpsHint
            ),
            (
                "example.com",
                vec![],
                v4(192, 0, 2, 11),
                RecordKind::HttpsHint
            ),
            (
                "example.com",
                vec![],
                IpAddr::V6(HINT_V6),
                RecordKind::HttpsHint
            ),
            (
                "example.com",
                vec!["svc.example.net".to_string()],
                v4(203, 0, 113, 5),
                RecordKind::SvcbHint
            ),
        ]
    );
}

#[test]
fn pointer_loops_and_forward_pointers_rejected() {
    // Question name is a pointer to itself.
    let mut bytes = Msg::new(1, RESPONSE, 1, 0).0;
    bytes.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
    assert_eq!(
        parse_message(&bytes),
        Err(DnsError::ForwardPointer { at: 12, target: 12 })
    );
    // A label, then a pointer back to that label: a loop through the name's own run.
    let mut bytes = Msg::new(1, RESPONSE, 1, 0).0;
    bytes.extend_from_slice(&[1, b'a', 0xc0, 12, 0, 1, 0, 1]);
    assert_eq!(
        parse_message(&bytes),
        Err(DnsError::ForwardPointer { at: 14, target: 12 })
    );
    // A pointer forward into the message.
    let mut bytes = Msg::new(1, RESPONSE, 1, 0).0;
    bytes.extend_from_slice(&[0xc0, 20, 0, 1, 0, 1, 0, 0, 1, b'x', 0]);
    assert!(matches!(
        parse_message(&bytes),
        Err(DnsError::ForwardPointer { target: 20, .. })
    ));
    // An answer whose owner points forward stops the walk; the message is still returned.
    let bytes = Msg::new(1, RESPONSE, 0, 2)
        .record(&[0xc0, 29], 1, 1, 1, &[1, 2, 3, 4])
        .record(&[0xc0, 12], 1, 1, 1, &[1, 2, 3, 4])
        .0;
    let m = parse_message(&bytes).unwrap();
    assert!(m.bindings.is_empty());
    assert!(matches!(m.damage, Some(DnsError::ForwardPointer { .. })));
}

#[test]
fn name_bounds_and_label_types() {
    // 128 one-byte labels: 256 bytes on the wire with the root.
    let long = vec!["a"; 128].join(".");
    let bytes = Msg::new(1, 0, 1, 0).question(&long, 1).0;
    assert_eq!(parse_message(&bytes), Err(DnsError::NameTooLong));
    // 127 labels (254 bytes) is fine.
    let ok = vec!["a"; 127].join(".");
    let bytes = Msg::new(1, 0, 1, 0).question(&ok, 1).0;
    assert_eq!(parse_message(&bytes).unwrap().question.unwrap().0, ok);
    // Extended label type 0b01 (RFC 6891 reserved it).
    let mut bytes = Msg::new(1, 0, 1, 0).0;
    bytes.extend_from_slice(&[0x41, 0, 0, 1, 0, 1]);
    assert_eq!(parse_message(&bytes), Err(DnsError::BadLabelType(1)));
}

#[test]
fn names_render_escaped_and_lowercase() {
    let mut bytes = Msg::new(1, 0, 1, 0).0;
    bytes.extend_from_slice(&[
        5, b'A', b'.', b'b', b'\\', b' ', 2, 0xff, b'Z', 0, 0, 1, 0, 1,
    ]);
    let m = parse_message(&bytes).unwrap();
    assert_eq!(m.question.unwrap().0, "a\\.b\\\\\\032.\\255z");
    // The root name.
    let bytes = Msg::new(1, 0, 1, 0).question(".", 2).0;
    assert_eq!(parse_message(&bytes).unwrap().question.unwrap().0, ".");
}

#[test]
fn queries_have_no_bindings() {
    let mut bytes = cname_chain();
    bytes[2] = 0x01; // QR = 0
    let m = parse_message(&bytes).unwrap();
    assert!(!m.response);
    assert!(m.bindings.is_empty());
}

#[test]
fn classes_lengths_and_ttls() {
    let bytes = Msg::new(1, RESPONSE, 0, 5)
        // mDNS cache-flush bit on class IN: kept.
        .record(&name("printer.local"), 1, 0x8001, 120, &[169, 254, 1, 2])
        // Class CH: not an Internet address.
        .record(&name("chaos.example"), 1, 3, 120, &[10, 0, 0, 1])
        // A with five bytes of data: ignored.
        .record(&name("bad.example"), 1, 1, 120, &[1, 2, 3, 4, 5])
        // TTL with the top bit set counts as 0.
        .record(&name("ttl.example"), 1, 1, 0x8000_0000, &[10, 0, 0, 2])
        // Unknown type: skipped.
        .record(&name("txt.example"), 16, 1, 1, b"\x02hi")
        .0;
    let m = parse_message(&bytes).unwrap();
    assert_eq!(m.question, None);
    let got: Vec<_> = m
        .bindings
        .iter()
        .map(|b| (b.name.as_str(), b.ttl))
        .collect();
    assert_eq!(got, vec![("printer.local", 120), ("ttl.example", 0)]);
}

#[test]
fn truncation_keeps_earlier_answers() {
    let bytes = cname_chain();
    assert_eq!(
        parse_message(&bytes[..11]),
        Err(DnsError::Truncated("header"))
    );
    assert_eq!(
        parse_message(&bytes[..20]),
        Err(DnsError::Truncated("label"))
    );
    // Cut inside the last A record's data: the first A survives.
    let m = parse_message(&bytes[..bytes.len() - 2]).unwrap();
    assert_eq!(m.damage, Some(DnsError::Truncated("record data")));
    assert_eq!(m.bindings.len(), 1);
    assert_eq!(m.bindings[0].address, v4(192, 0, 2, 1));
    for cut in 0..bytes.len() {
        let _ = parse_message(&bytes[..cut]);
    }
}

#[test]
fn answer_records_are_bounded() {
    let mut msg = Msg::new(1, RESPONSE, 1, 300).question("many.example", 1);
    for i in 0..300u16 {
        let [hi, lo] = i.to_be_bytes();
        msg = msg.record(&TO_QUESTION, 1, 1, 1, &[10, 0, hi, lo]);
    }
    let m = parse_message(&msg.0).unwrap();
    assert_eq!(m.bindings.len(), MAX_ANSWER_RECORDS);
    assert_eq!(m.damage, Some(DnsError::TooManyAnswers(300)));
    let bytes = Msg::new(1, 0, 65, 0).0;
    assert_eq!(parse_message(&bytes), Err(DnsError::TooManyQuestions(65)));
}

#[test]
fn tcp_framing() {
    let first = cname_chain();
    let second = Msg::new(2, 0x0100, 1, 0).question("example.org", 28).0;
    let mut stream = Vec::new();
    for m in [&first, &second] {
        stream.extend_from_slice(&(m.len() as u16).to_be_bytes());
        stream.extend_from_slice(m);
    }
    // A third message, announced as 40 bytes, of which 10 arrived.
    stream.extend_from_slice(&[0, 40]);
    stream.extend_from_slice(&[0; 10]);
    let messages = tcp_messages(&stream);
    assert_eq!(messages, vec![&first[..], &second[..]]);
    assert_eq!(
        parse_message(messages[1]).unwrap().question.unwrap().0,
        "example.org"
    );
    assert!(tcp_messages(&[0]).is_empty());
    assert_eq!(tcp_messages(&[0; 200]).len(), MAX_TCP_MESSAGES);
}
