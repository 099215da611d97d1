use super::tests::{ms_allocate, rfc5769_request};
use super::*;
use proptest::prelude::*;

fn check(packet: &StunPacket) -> Result<(), TestCaseError> {
    if let StunPacket::Message(m) = packet {
        check_message(m)?;
        if let Some(inner) = &m.inner {
            check_message(inner)?;
            prop_assert!(inner.inner.is_none());
        }
    }
    Ok(())
}

fn check_message(m: &StunMessage) -> Result<(), TestCaseError> {
    for text in [&m.software, &m.realm].into_iter().flatten() {
        prop_assert!(text.chars().count() <= MAX_TEXT_CHARS);
    }
    if let Some(ms) = &m.ms_turn {
        prop_assert!(ms.attributes.len() <= MAX_MS_ATTRIBUTES);
    }
    prop_assert!(m.length <= usize::from(u16::MAX));
    Ok(())
}

fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    for (at, value) in edits {
        let i = at % bytes.len();
        bytes[i] = *value;
    }
    bytes.truncate(cut % (bytes.len() + 1));
    bytes
}

fn seeds() -> Vec<Vec<u8>> {
    let mut stream = rfc5769_request();
    stream.extend_from_slice(&[0x40, 0x00, 0x00, 0x03, b'a', b'b', b'c', 0]);
    stream.extend(ms_allocate());
    let mut framed = Vec::new();
    for frame in [rfc5769_request(), ms_allocate()] {
        framed.extend_from_slice(&(frame.len() as u16).to_be_bytes());
        framed.extend(frame);
    }
    vec![rfc5769_request(), ms_allocate(), stream, framed]
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(packet) = parse_datagram(&bytes) {
            check(&packet)?;
        }
        let packets = parse_stream(&bytes);
        prop_assert!(packets.len() <= MAX_STREAM_FRAMES);
        for p in &packets {
            check(p)?;
        }
        let _ = channel_data_payload(&bytes);
    }

    /// Random bytes behind a valid header, so the attribute walk gets exercised.
    #[test]
    fn random_attributes_never_panic(
        body in proptest::collection::vec(any::<u8>(), 0..300),
        kind in prop_oneof![Just(0x0001u16), Just(0x0003), Just(0x0115), Just(0x0101)],
        cookie in any::<bool>(),
    ) {
        let mut bytes = kind.to_be_bytes().to_vec();
        bytes.extend_from_slice(&(body.len() as u16).to_be_bytes());
        bytes.extend_from_slice(&if cookie { 0x2112_a442u32 } else { 7 }.to_be_bytes());
        bytes.extend_from_slice(&[9; 12]);
        bytes.extend(body);
        if let Ok(packet) = parse_datagram(&bytes) {
            check(&packet)?;
        }
    }

    #[test]
    fn mutated_messages_never_panic(
        seed in 0usize..4,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let bytes = mutate(seeds().swap_remove(seed), &edits, cut);
        if let Ok(packet) = parse_datagram(&bytes) {
            check(&packet)?;
        }
        let packets = parse_stream(&bytes);
        prop_assert!(packets.len() <= MAX_STREAM_FRAMES);
        for p in &packets {
            check(p)?;
        }
    }
}

#[test]
fn stream_of_tiny_frames_is_bounded() {
    // A STUN message, then 4-byte ChannelData frames with no data: 1000 of them.
    let mut stream = rfc5769_request();
    stream.extend([0x40, 0x00, 0x00, 0x00].repeat(1000));
    assert_eq!(parse_stream(&stream).len(), MAX_STREAM_FRAMES);
}
