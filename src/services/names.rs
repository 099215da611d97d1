//! Name rules: exact names and `*.suffix` wildcards, most specific first.
//!
//! Two hash maps keyed by lower-case text: exact names, and wildcard suffixes (the pattern
//! without its `*.`). A query probes the exact map with the whole name, then the wildcard map
//! with each proper suffix from the longest down: the first hit is the most specific rule.

use super::Found;
use std::collections::HashMap;

/// Longest name looked up: 253 characters is the most a DNS name can have in text form
/// (255 octets on the wire, RFC 1035 section 2.3.4, less the length octets of the first label
/// and the root). Longer names from packets cannot be real and match nothing.
pub const MAX_NAME_LEN: usize = 253;

/// Longest label (RFC 1035 section 2.3.4).
pub const MAX_LABEL_LEN: usize = 63;

/// A name pattern checked at load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pattern {
    Exact(String),
    /// The suffix after `*.`.
    Wildcard(String),
}

impl Pattern {
    /// Checks a catalog pattern: lower-case letters, digits, '-' and '_' in non-empty labels of
    /// at most 63 characters, at most 253 characters, at least two labels (after `*.`), a last
    /// label that is not all digits, and `*` only as the whole first label.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let (wildcard, base) = match text.strip_prefix("*.") {
            Some(base) => (true, base),
            None => (false, text),
        };
        if text.len() > MAX_NAME_LEN {
            return Err(format!("{text:?} is longer than {MAX_NAME_LEN} characters"));
        }
        let labels: Vec<&str> = base.split('.').collect();
        if labels.len() < 2 {
            return Err(format!(
                "{text:?} needs at least two labels after any \"*.\""
            ));
        }
        for label in &labels {
            if label.is_empty() || label.len() > MAX_LABEL_LEN {
                return Err(format!("{text:?} has an empty or over-long label"));
            }
            if !label.bytes().all(is_name_byte) {
                return Err(format!(
                    "{text:?}: only lower-case letters, digits, '-' and '_' are allowed, and '*' only as a whole first label"
                ));
            }
        }
        if labels
            .last()
            .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(format!(
                "{text:?} ends in a numeric label (an address, not a name)"
            ));
        }
        Ok(if wildcard {
            Pattern::Wildcard(base.to_owned())
        } else {
            Pattern::Exact(base.to_owned())
        })
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
}

#[derive(Debug)]
struct NameRule {
    service: usize,
    /// "name:" + the pattern as written.
    label: String,
}

/// Every name rule of the catalog.
#[derive(Debug, Default)]
pub struct NameTable {
    rules: Vec<NameRule>,
    exact: HashMap<String, usize>,
    wildcard: HashMap<String, usize>,
}

impl NameTable {
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Adds a rule; on a pattern already present, returns the service index that has it.
    pub fn insert(&mut self, pattern: Pattern, service: usize) -> Result<(), usize> {
        let (map, key, label) = match pattern {
            Pattern::Exact(name) => (&mut self.exact, name.clone(), format!("name:{name}")),
            Pattern::Wildcard(base) => (&mut self.wildcard, base.clone(), format!("name:*.{base}")),
        };
        if let Some(&existing) = map.get(&key) {
            return Err(self.rules.get(existing).map_or(usize::MAX, |r| r.service));
        }
        map.insert(key, self.rules.len());
        self.rules.push(NameRule { service, label });
        Ok(())
    }

    /// The most specific rule matching `name` (any case, one trailing dot ignored).
    pub fn find(&self, name: &str) -> Option<Found<'_>> {
        let mut buf = [0u8; MAX_NAME_LEN];
        let name = normalise(name, &mut buf)?;
        let hit = self.exact.get(name).copied().or_else(|| {
            // Each '.' starts a proper suffix; scanning from the left visits the longest first.
            name.match_indices('.')
                .find_map(|(at, _)| self.wildcard.get(name.get(at + 1..)?).copied())
        })?;
        let rule = self.rules.get(hit)?;
        Some(Found {
            service: rule.service,
            label: &rule.label,
        })
    }
}

/// Lower-cases `name` into `buf` and checks it is a plausible host name: at most
/// [`MAX_NAME_LEN`] characters (after dropping one trailing dot), labels non-empty and at most
/// [`MAX_LABEL_LEN`] long, only letters, digits, '-' and '_', and not an IP literal. Anything
/// else (attacker bytes, wildcards, spaces) matches nothing.
fn normalise<'b>(name: &str, buf: &'b mut [u8; MAX_NAME_LEN]) -> Option<&'b str> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || name.len() > MAX_NAME_LEN || name.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    let out = buf.get_mut(..name.len())?;
    let mut label_len = 0usize;
    for (slot, byte) in out.iter_mut().zip(name.bytes()) {
        let lower = byte.to_ascii_lowercase();
        if lower == b'.' {
            if label_len == 0 {
                return None;
            }
            label_len = 0;
        } else if is_name_byte(lower) {
            label_len += 1;
            if label_len > MAX_LABEL_LEN {
                return None;
            }
        } else {
            return None;
        }
        *slot = lower;
    }
    if label_len == 0 {
        return None;
    }
    std::str::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_lowers_strips_one_dot_and_refuses_junk() {
        let mut buf = [0u8; MAX_NAME_LEN];
        assert_eq!(
            normalise("Teams.Microsoft.COM.", &mut buf),
            Some("teams.microsoft.com")
        );
        for bad in [
            "",
            ".",
            "a..b",
            ".a.b",
            "a.b..",
            "a b.com",
            "*.a.com",
            "52.114.250.152",
            "::1",
            "é.com",
        ] {
            assert_eq!(normalise(bad, &mut buf), None, "{bad:?}");
        }
        let long = format!("{}.com", "a".repeat(64));
        assert_eq!(normalise(&long, &mut buf), None);
        let too_long = ["abcdefghi"; 26].join(".");
        assert_eq!(too_long.len(), 259);
        assert_eq!(normalise(&too_long, &mut buf), None);
    }

    #[test]
    fn patterns_are_checked() {
        assert_eq!(
            Pattern::parse("*.teams.microsoft.com"),
            Ok(Pattern::Wildcard("teams.microsoft.com".into()))
        );
        assert_eq!(
            Pattern::parse("a_b.example"),
            Ok(Pattern::Exact("a_b.example".into()))
        );
        for bad in [
            "com",
            "*.com",
            "*cdn.onenote.net",
            "a.*.com",
            "A.com",
            "a..com",
            "1.2.3.4",
            "x.com.",
        ] {
            assert!(Pattern::parse(bad).is_err(), "{bad:?}");
        }
    }
}
