//! Property tests: random and mutated bytes never panic and give bounded output; every prefix
//! of a valid stream gives either nothing yet or the full answer.

use super::tests::{LEAF_DER, alpn_ext, client_hello, ext, record, server_flight, sni_ext};
use super::*;
use proptest::prelude::*;

fn check_bounds(scan: &TlsScan) -> Result<(), TestCaseError> {
    if let Some(hello) = &scan.client_hello {
        prop_assert!(hello.alpn.len() <= MAX_ALPN);
        prop_assert!(hello.supported_versions.len() <= MAX_VERSIONS);
        prop_assert!(hello.sni.as_ref().is_none_or(|s| s.len() <= MAX_NAME_LEN));
    }
    if let Some(names) = &scan.certificate {
        prop_assert!(names.san_dns.len() <= MAX_SAN_NAMES);
    }
    if scan.not_tls {
        prop_assert!(scan.finished && scan.client_hello.is_none() && scan.certificate.is_none());
    }
    Ok(())
}

fn client_stream() -> Vec<u8> {
    let msg = client_hello(&[
        sni_ext(b"mutant.example"),
        alpn_ext(&["h2", "http/1.1"]),
        ext(43, &[4, 3, 4, 3, 3]),
    ]);
    let (a, b) = msg.split_at(60);
    [record(22, a), record(22, b)].concat()
}

fn mutate(mut bytes: Vec<u8>, flips: &[(usize, u8)], cut: usize) -> Vec<u8> {
    let len = bytes.len();
    for &(at, value) in flips {
        if let Some(b) = bytes.get_mut(at % len.max(1)) {
            *b = value;
        }
    }
    bytes.truncate(cut);
    bytes
}

proptest! {
    #[test]
    fn random_bytes_scan(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        check_bounds(&scan(&bytes))?;
    }

    #[test]
    fn random_records_scan(
        parts in proptest::collection::vec(
            (20u8..24, proptest::collection::vec(any::<u8>(), 0..120)), 0..8),
    ) {
        let stream: Vec<u8> = parts.iter().flat_map(|(t, p)| record(*t, p)).collect();
        check_bounds(&scan(&stream))?;
    }

    #[test]
    fn random_client_hello_bodies(body in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut msg = vec![1, 0, 0, 0];
        msg[1..4].copy_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes()[1..]);
        msg.extend_from_slice(&body);
        if let Ok(hello) = parse_client_hello(&msg) {
            prop_assert!(hello.alpn.len() <= MAX_ALPN);
        }
        let _ = parse_client_hello(&body);
    }

    #[test]
    fn mutated_client_streams(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8),
        cut in 0usize..400,
    ) {
        let stream = mutate(client_stream(), &flips, cut);
        check_bounds(&scan(&stream))?;
        let msg = mutate(client_hello(&[sni_ext(b"m.example")]), &flips, cut);
        let _ = parse_client_hello(&msg);
    }

    #[test]
    fn mutated_server_flights(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8),
        cut in 0usize..2200,
    ) {
        check_bounds(&scan(&mutate(server_flight(), &flips, cut)))?;
        let _ = certificate::names(&mutate(LEAF_DER.to_vec(), &flips, cut));
    }

    /// A prefix of a valid client stream shows nothing and is not finished, until it is whole.
    #[test]
    fn client_prefixes_are_all_or_nothing(cut in 0usize..400) {
        let stream = client_stream();
        let cut = cut.min(stream.len());
        let s = scan(&stream[..cut]);
        if cut == stream.len() {
            prop_assert!(s.finished);
            let sni = s.client_hello.and_then(|h| h.sni);
            prop_assert_eq!(sni.as_deref(), Some("mutant.example"));
        } else {
            prop_assert_eq!(s, TlsScan::default());
        }
    }
}
