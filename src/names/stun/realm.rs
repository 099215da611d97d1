//! A STUN/TURN REALM (RFC 8489 §14.9) as a name for the relay: TURN servers commonly use their
//! own domain (`turn.l.google.com`), but the attribute is free text (Teams' MS-TURN relays send
//! `"rtcmedia"`, quotes included), so only a value that is a host name is taken.
//!
//! Accepted: ASCII, at most `MAX_REALM_NAME` characters, at least two dot-separated labels,
//! each 1–63 letters, digits, `-` or `_`, not starting or ending with `-`, the last label not
//! all digits (an address is not a name); reported lowercased. Anything else (spaces, quotes,
//! binary, a single word, an IP literal, an empty label or a trailing dot) is not a name.

use super::MAX_TEXT_CHARS;

/// The parser keeps `MAX_TEXT_CHARS` characters of a REALM; a value that long may have been
/// cut, so a name must be shorter.
pub const MAX_REALM_NAME: usize = MAX_TEXT_CHARS - 1;
const MAX_LABEL: usize = 63;

/// The host name a REALM value is, lowercased; None if it is not one.
pub fn realm_name(realm: &str) -> Option<String> {
    if realm.is_empty() || realm.len() > MAX_REALM_NAME || !realm.is_ascii() {
        return None;
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= MAX_LABEL
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let mut count = 0usize;
    let mut last = "";
    for label in realm.split('.') {
        if !label_ok(label) {
            return None;
        }
        count += 1;
        last = label;
    }
    let numeric_tld = last.bytes().all(|b| b.is_ascii_digit());
    (count >= 2 && !numeric_tld).then(|| realm.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_are_names() {
        for (realm, name) in [
            ("turn.l.google.com", "turn.l.google.com"),
            ("turner.facebook", "turner.facebook"),
            ("apps-host.com", "apps-host.com"),
            ("Relay.Example.ORG", "relay.example.org"),
            ("_turn.example.net", "_turn.example.net"),
        ] {
            assert_eq!(realm_name(realm).as_deref(), Some(name), "{realm:?}");
        }
    }

    #[test]
    fn other_text_is_not() {
        // Labels of 63 and 60 characters: too long only as a whole.
        let long = format!("{}.{}.com", "a".repeat(63), "b".repeat(60));
        assert_eq!(long.len(), MAX_REALM_NAME + 1);
        let label64 = format!("{}.com", "a".repeat(64));
        for realm in [
            "",
            "coturn",
            "default realm",
            "\"example.com\"",
            "\"rtcmedia\"",
            "example.com.",
            ".example.com",
            "a..b",
            "-x.example.com",
            "x-.example.com",
            "192.0.2.1",
            "2001:db8::1",
            "relay.exa\u{e9}mple.com",
            "N\u{fffd}\u{fffd}z`\u{fffd}S",
            long.as_str(),
            label64.as_str(),
        ] {
            assert_eq!(realm_name(realm), None, "{realm:?}");
        }
        let fits = format!("{}.{}.com", "a".repeat(63), "b".repeat(59));
        assert_eq!(fits.len(), MAX_REALM_NAME);
        assert!(realm_name(&fits).is_some());
    }

    proptest::proptest! {
        /// Whatever the text, a name is lowercase ASCII with a dot, within the bound.
        #[test]
        fn names_are_bounded_lowercase_host_names(text in "([a-zA-Z0-9_-]{1,70}\\.){0,3}[a-zA-Z0-9_-]{0,70}|\\PC{0,40}") {
            if let Some(name) = realm_name(&text) {
                proptest::prop_assert!(name.len() <= MAX_REALM_NAME && name.contains('.'));
                proptest::prop_assert!(!name.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()));
            }
        }
    }
}
