use super::tests::{cname_chain, https_message};
use super::*;
use proptest::prelude::*;

/// Every name string is bounded by 255 wire bytes, each rendered in at most 4 characters.
const MAX_NAME_TEXT: usize = 4 * 255;

fn check_bounds(m: &DnsMessage) -> Result<(), TestCaseError> {
    prop_assert!(m.bindings.len() <= MAX_BINDINGS_PER_MESSAGE);
    for b in &m.bindings {
        prop_assert!(b.name.len() <= MAX_NAME_TEXT);
        prop_assert!(b.chain.len() <= MAX_CNAME_CHAIN + 1);
    }
    Ok(())
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(m) = parse_message(&bytes) {
            check_bounds(&m)?;
        }
        let messages = tcp_messages(&bytes);
        prop_assert!(messages.len() <= MAX_TCP_MESSAGES);
        prop_assert!(messages.iter().map(|m| m.len() + 2).sum::<usize>() <= bytes.len());
    }

    #[test]
    fn mutated_messages_never_panic(
        https in any::<bool>(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let mut bytes = if https { https_message() } else { cname_chain() };
        for (at, value) in edits {
            let i = at % bytes.len();
            bytes[i] = value;
        }
        let cut = cut % (bytes.len() + 1);
        if let Ok(m) = parse_message(&bytes[..cut]) {
            check_bounds(&m)?;
        }
    }

    /// A well-formed header and question, then random answer records.
    #[test]
    fn random_answer_sections_never_panic(
        ancount in any::<u16>(),
        body in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let mut bytes = vec![0, 1, 0x81, 0x80, 0, 1];
        bytes.extend_from_slice(&ancount.to_be_bytes());
        bytes.extend_from_slice(&[0, 0, 0, 0, 1, b'a', 0, 0, 1, 0, 1]);
        bytes.extend(body);
        let m = parse_message(&bytes);
        prop_assert!(m.is_ok());
        if let Ok(m) = m {
            check_bounds(&m)?;
        }
    }
}
