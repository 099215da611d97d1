//! Property tests: random and mutated input never panics and stays within the bounds.

use proptest::prelude::*;

use super::crypto_stream::CryptoStream;
use super::gquic::{ClearPacket, walk_crypto_frames, walk_stream_frames};
use super::test_util::{crypto, rfc_client_hello, seal_initial};
use super::vectors::{V1_CLIENT_INITIAL, V2_CLIENT_INITIAL, hex};
use super::version::{Q050, V1};
use super::*;

/// Output of any event is bounded by the reassembly bound.
fn event_size(event: &QuicEvent) -> usize {
    match event {
        QuicEvent::ClientHello(hello) => hello.len(),
        QuicEvent::GoogleChlo { sni, user_agent } => {
            sni.as_ref().map_or(0, String::len) + user_agent.as_ref().map_or(0, String::len)
        }
        _ => 0,
    }
}

/// Applies (position, xor) flips to a copy of `base`.
fn mutate(base: &[u8], flips: &[(usize, u8)]) -> Vec<u8> {
    let mut out = base.to_vec();
    for &(pos, xor) in flips {
        let len = out.len();
        if let Some(b) = out.get_mut(pos % len.max(1)) {
            *b ^= xor;
        }
    }
    out
}

proptest! {
    #[test]
    fn random_datagrams_never_panic(
        datagrams in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..1500), 1..40)
    ) {
        let mut conn = QuicConnection::new();
        for d in &datagrams {
            let event = conn.datagram(d);
            prop_assert!(event_size(&event) <= MAX_CRYPTO_BYTES);
        }
    }

    #[test]
    fn random_long_headers_of_known_versions_never_panic(
        version in prop_oneof![Just(1u32), Just(0x6b33_43cf), Just(0xff00_001d), Just(0x5130_3436),
                               Just(0x5130_3530), Just(0x5430_3531)],
        first in 0x80u8..,
        body in proptest::collection::vec(any::<u8>(), 0..1400),
    ) {
        let mut d = vec![first];
        d.extend_from_slice(&version.to_be_bytes());
        d.extend_from_slice(&body);
        let mut conn = QuicConnection::new();
        let event = conn.datagram(&d);
        prop_assert!(event_size(&event) <= MAX_CRYPTO_BYTES);
    }

    #[test]
    fn mutated_rfc_initials_never_panic(
        flips in proptest::collection::vec((any::<usize>(), 1u8..), 1..6),
        cut in 0usize..1300,
        v2 in any::<bool>(),
    ) {
        let base = hex(if v2 { V2_CLIENT_INITIAL } else { V1_CLIENT_INITIAL });
        let mut d = mutate(&base, &flips);
        d.truncate(cut.max(1));
        let mut conn = QuicConnection::new();
        let event = conn.datagram(&d);
        // A flipped bit in an authenticated packet is never accepted as a different hello.
        if let QuicEvent::ClientHello(hello) = event {
            prop_assert_eq!(hello, rfc_client_hello());
        }
    }

    #[test]
    fn sealed_initials_with_random_frames_never_panic(
        frames in proptest::collection::vec(any::<u8>(), 0..1200),
        q050 in any::<bool>(),
    ) {
        let dcid = [7u8; 8];
        let version = if q050 { Q050 } else { V1 };
        let d = seal_initial(version, &dcid, &dcid, &[], 0, &frames, 20);
        let mut conn = QuicConnection::new();
        let event = conn.datagram(&d);
        prop_assert!(event_size(&event) <= MAX_CRYPTO_BYTES);
    }

    #[test]
    fn crypto_frames_at_random_offsets_stay_bounded(
        pieces in proptest::collection::vec((0usize..100_000, 0usize..2000), 1..30),
    ) {
        let mut conn = QuicConnection::new();
        for (i, &(offset, len)) in pieces.iter().enumerate() {
            let data = vec![0x01; len];
            let d = seal_initial(V1, &[3; 8], &[3; 8], &[], i as u32, &crypto(offset, &data), 0);
            let event = conn.datagram(&d);
            prop_assert!(event_size(&event) <= MAX_CRYPTO_BYTES);
        }
    }

    #[test]
    fn stream_reassembly_random_pieces(
        pieces in proptest::collection::vec((any::<u64>(), proptest::collection::vec(any::<u8>(), 0..300)), 0..200),
    ) {
        let mut s = CryptoStream::default();
        for (offset, data) in &pieces {
            let _ = s.insert(offset % 80_000, data);
            prop_assert!(s.buffered() <= MAX_CRYPTO_BYTES);
            prop_assert!(s.contiguous().len() <= s.buffered());
        }
    }

    #[test]
    fn google_walkers_and_chlo_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        version in prop_oneof![Just(*b"Q025"), Just(*b"Q043"), Just(*b"Q046")],
    ) {
        let packet = ClearPacket { version: u32::from_be_bytes(version), pn_len: 1, frames: &bytes };
        let _ = walk_stream_frames(&packet, |_, _| Ok(()));
        let _ = walk_crypto_frames(&bytes, |_, _| Ok(()));
        let _ = super::chlo::message_len(&bytes);
        let _ = super::chlo::parse(&bytes);
        let mut chlo = b"CHLO".to_vec();
        chlo.extend_from_slice(&bytes);
        if let Ok(parsed) = super::chlo::parse(&chlo) {
            prop_assert!(parsed.sni.map_or(0, |s| s.len()) <= 255);
        }
    }
}
