//! TLS after a preamble: a ClientHello whose record opens a later segment, after bytes of the
//! stream that are not TLS, within `MAX_SEGMENT_START`.

use super::tests::{client_hello, leak, tcp};
use super::*;
use crate::decode::TcpFlags;
use crate::names::stream::MAX_SEGMENT_START;

const ACK: u8 = TcpFlags::ACK;
const PSH_ACK: u8 = TcpFlags::ACK | TcpFlags::PSH;

/// SYN (seq 1), then `segments` from the client in order: (payload, flags), sequence numbers
/// following on from 2.
fn client_stream(segments: &[(&'static [u8], u8)]) -> Namer {
    let mut namer = Namer::new();
    tcp(1, 40000, 1, TcpFlags::SYN, &[])
        .opened()
        .feed(&mut namer);
    let mut seq = 2u32;
    for (i, (payload, flags)) in segments.iter().enumerate() {
        tcp(1, 40000, seq, *flags, payload)
            .at(1 + i as i64)
            .feed(&mut namer);
        seq += payload.len() as u32;
    }
    namer
}

fn hello_of(namer: &Namer) -> Option<(Option<String>, Option<usize>)> {
    let hello = namer.facts.get(&FlowId(1))?.tls.as_ref()?;
    Some((hello.sni.clone(), hello.preamble))
}

#[test]
fn hello_in_the_segment_after_a_few_non_tls_bytes() {
    // Six bytes with the handshake's ACK, then the ClientHello in the next segment.
    let hello = leak(client_hello("www.example.org"));
    let preamble: &'static [u8] = &[0x00, 0x01, 0x17, 0x2a, 0x00, 0x00];
    let namer = client_stream(&[(preamble, ACK), (hello, PSH_ACK)]);
    assert_eq!(
        hello_of(&namer),
        Some((Some("www.example.org".into()), Some(6)))
    );
}

#[test]
fn hello_record_split_over_two_segments_after_the_preamble() {
    let hello = client_hello("split.example.org");
    let (first, second) = hello.split_at(20);
    let preamble: &'static [u8] = b"\x05\x01\x00";
    let mut namer = client_stream(&[(preamble, ACK), (leak(first.to_vec()), ACK)]);
    assert_eq!(hello_of(&namer), None, "not complete yet");
    assert_eq!(namer.inspecting.len(), 1, "still waiting for the rest");
    tcp(1, 40000, 2 + 3 + 20, PSH_ACK, leak(second.to_vec()))
        .at(10)
        .feed(&mut namer);
    assert_eq!(
        hello_of(&namer),
        Some((Some("split.example.org".into()), Some(3)))
    );
}

#[test]
fn other_protocols_are_not_read_as_tls() {
    // An SSH client: banner, then a binary packet (length, padding, KEXINIT) in the next one.
    let banner: &'static [u8] = b"SSH-2.0-OpenSSH_9.6\r\n";
    let mut kexinit = vec![0x00, 0x00, 0x05, 0xdc, 0x07, 0x14];
    kexinit.resize(1500, 0x61);
    let namer = client_stream(&[(banner, PSH_ACK), (leak(kexinit), PSH_ACK)]);
    assert_eq!(hello_of(&namer), None);
    let side = &namer.inspecting[&FlowId(1)].sides[0];
    assert!(side.done && side.prefix.is_none(), "done past the budget");

    // A segment that starts like a handshake record but holds no ClientHello.
    let fake: &'static [u8] = &[0x16, 0x03, 0x01, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00];
    let namer = client_stream(&[(b"\x01\x02", ACK), (fake, PSH_ACK)]);
    assert_eq!(hello_of(&namer), None);
    // Not a ClientHello, so not read; the side goes on within the budget (11 of 256 bytes).
    assert_eq!(namer.inspecting.len(), 1, "still inspecting");
    let side = &namer.inspecting[&FlowId(1)].sides[0];
    assert!(
        !side.done && side.prefix.is_some(),
        "not done within the budget"
    );
}

#[test]
fn a_hello_beyond_the_preamble_budget_is_not_read() {
    let preamble = leak(vec![0x42; MAX_SEGMENT_START + 1]);
    let hello = leak(client_hello("far.example.org"));
    let namer = client_stream(&[(preamble, ACK), (hello, PSH_ACK)]);
    assert_eq!(hello_of(&namer), None);
    // Exactly at the budget it is.
    let preamble = leak(vec![0x42; MAX_SEGMENT_START]);
    let namer = client_stream(&[(preamble, ACK), (hello, PSH_ACK)]);
    assert_eq!(
        hello_of(&namer),
        Some((Some("far.example.org".into()), Some(MAX_SEGMENT_START)))
    );
}

#[test]
fn a_hello_that_opens_the_stream_has_no_preamble() {
    let hello = leak(client_hello("plain.example.org"));
    let namer = client_stream(&[(hello, PSH_ACK)]);
    assert_eq!(
        hello_of(&namer),
        Some((Some("plain.example.org".into()), None))
    );
}
