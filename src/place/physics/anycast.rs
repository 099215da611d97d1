//! Known anycast ranges (geo/anycast.toml).
//!
//! An anycast address is announced from many sites and each client reaches the nearest one, so
//! a database country for it means little and an RTT bounds only the distance to that nearest
//! site. Reports flag flows to these ranges.

use ipnet::IpNet;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// geo/anycast.toml as embedded (reports name its SHA-256).
pub const ANYCAST_TOML: &str = include_str!("../../../geo/anycast.toml");

/// One known anycast prefix, with where the fact comes from.
#[derive(Clone, Debug, PartialEq)]
pub struct AnycastRange {
    pub prefix: IpNet,
    /// Who announces it ("Cloudflare").
    pub operator: String,
    /// What answers there ("1.1.1.1 public DNS resolver").
    pub service: String,
    /// Where the anycast fact, the address and the prefix are documented (the citations of
    /// the entry's source keys, joined with " + ").
    pub source: String,
    /// YYYY-MM-DD, the date of the facts.
    pub date: String,
}

/// The table of known anycast ranges.
#[derive(Debug)]
pub struct AnycastTable {
    date: String,
    /// Sorted by prefix length, longest first, so the first match is the longest.
    ranges: Vec<AnycastRange>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    date: String,
    sources: BTreeMap<String, String>,
    range: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    prefix: String,
    operator: String,
    service: String,
    source: Keys,
    date: String,
}

/// `source = "key"` or `source = ["key", "other"]`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Keys {
    One(String),
    Many(Vec<String>),
}

impl AnycastTable {
    /// The table embedded from geo/anycast.toml, validated.
    pub fn embedded() -> Result<AnycastTable, String> {
        AnycastTable::parse(ANYCAST_TOML)
    }

    /// Reads and validates a table in the format of geo/anycast.toml: every field non-empty,
    /// dates as YYYY-MM-DD, prefixes without host bits, source keys defined in `[sources]`, no
    /// prefix twice. Two CIDR prefixes either nest or do not overlap at all, so nesting is the
    /// only overlap there can be; a nested entry that repeats its parent's operator and
    /// service adds nothing and is refused.
    pub fn parse(text: &str) -> Result<AnycastTable, String> {
        let file: File =
            crate::user_file::parse_toml(text).map_err(|e| format!("anycast table: {e}"))?;
        check_date("date", &file.date)?;
        for (key, citation) in &file.sources {
            if citation.trim().is_empty() {
                return Err(format!("anycast table: source {key:?} is empty"));
            }
        }
        let mut ranges = Vec::with_capacity(file.range.len());
        for entry in file.range {
            ranges.push(range(entry, &file.sources)?);
        }
        ranges.sort_by(|a, b| {
            (b.prefix.prefix_len(), a.prefix).cmp(&(a.prefix.prefix_len(), b.prefix))
        });
        for (i, inner) in ranges.iter().enumerate() {
            for outer in &ranges[i + 1..] {
                if outer.prefix == inner.prefix {
                    return Err(format!("anycast table: {} is listed twice", inner.prefix));
                }
                if outer.prefix.contains(&inner.prefix)
                    && (outer.operator.as_str(), outer.service.as_str())
                        == (inner.operator.as_str(), inner.service.as_str())
                {
                    return Err(format!(
                        "anycast table: {} repeats {} ({}, {})",
                        inner.prefix, outer.prefix, inner.operator, inner.service
                    ));
                }
            }
        }
        Ok(AnycastTable {
            date: file.date,
            ranges,
        })
    }

    /// The longest known anycast prefix holding `ip` (an IPv4-mapped IPv6 address is looked
    /// up as IPv4).
    pub fn lookup(&self, ip: IpAddr) -> Option<&AnycastRange> {
        let ip = ip.to_canonical();
        self.ranges.iter().find(|r| r.prefix.contains(&ip))
    }

    /// Number of prefixes.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The date the table was curated (YYYY-MM-DD).
    pub fn date(&self) -> &str {
        &self.date
    }

    /// Every range, longest prefix first.
    pub fn iter(&self) -> impl Iterator<Item = &AnycastRange> {
        self.ranges.iter()
    }
}

fn range(entry: Entry, sources: &BTreeMap<String, String>) -> Result<AnycastRange, String> {
    let what = format!("anycast table: range {:?}", entry.prefix);
    let prefix: IpNet = entry
        .prefix
        .parse()
        .map_err(|e| format!("{what}: not a CIDR prefix ({e})"))?;
    if prefix.trunc() != prefix {
        return Err(format!(
            "{what}: host bits set (the prefix is {})",
            prefix.trunc()
        ));
    }
    for (field, value) in [("operator", &entry.operator), ("service", &entry.service)] {
        if value.trim().is_empty() {
            return Err(format!("{what}: {field} is empty"));
        }
    }
    check_date(&what, &entry.date)?;
    let keys = match entry.source {
        Keys::One(key) => vec![key],
        Keys::Many(keys) => keys,
    };
    if keys.is_empty() {
        return Err(format!("{what}: source is empty"));
    }
    let citations = keys
        .iter()
        .map(|k| {
            sources
                .get(k)
                .map(String::as_str)
                .ok_or_else(|| format!("{what}: source {k:?} is not in [sources]"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AnycastRange {
        prefix,
        operator: entry.operator,
        service: entry.service,
        source: citations.join(" + "),
        date: entry.date,
    })
}

/// YYYY-MM-DD with a plausible month and day.
fn check_date(what: &str, date: &str) -> Result<(), String> {
    if crate::place::is_date(date) {
        Ok(())
    } else {
        Err(format!("{what}: date {date:?} is not YYYY-MM-DD"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_embedded_table_loads() {
        let table = AnycastTable::embedded().unwrap();
        assert_eq!(table.len(), 56);
        assert_eq!(table.date(), "2026-11-29");
        let v4 = table.iter().filter(|r| r.prefix.addr().is_ipv4()).count();
        assert_eq!((v4, table.len() - v4), (34, 22));
    }

    #[test]
    fn public_resolvers_match() {
        let table = AnycastTable::embedded().unwrap();
        let one = table.lookup(ip("1.1.1.1")).unwrap();
        assert_eq!(one.prefix.to_string(), "1.1.1.0/24");
        assert_eq!(
            (one.operator.as_str(), one.service.as_str()),
            ("Cloudflare", "1.1.1.1 public DNS resolver")
        );
        assert!(one.source.contains("hickory-resolver 0.26.3"));
        let google = table.lookup(ip("8.8.8.8")).unwrap();
        assert_eq!(
            (google.prefix.to_string(), google.operator.as_str()),
            ("8.8.8.0/24".into(), "Google")
        );
        // Nested in Cloudflare's 2606:4700::/32: the longer prefix wins.
        let v6 = table.lookup(ip("2606:4700:4700::1111")).unwrap();
        assert_eq!(v6.prefix.to_string(), "2606:4700:4700::/48");
        assert_eq!(v6.service, "1.1.1.1 public DNS resolver");
        let edge = table.lookup(ip("2606:4700::6810:84e5")).unwrap();
        assert_eq!(edge.prefix.to_string(), "2606:4700::/32");
        // IPv4-mapped IPv6 is looked up as IPv4.
        let mapped = table.lookup(ip("::ffff:9.9.9.9")).unwrap();
        assert_eq!(mapped.operator, "Quad9");
    }

    #[test]
    fn root_servers_and_misses() {
        let table = AnycastTable::embedded().unwrap();
        let k = table.lookup(ip("193.0.14.129")).unwrap();
        assert_eq!(
            (k.prefix.to_string(), k.operator.as_str()),
            ("193.0.14.0/23".into(), "RIPE NCC")
        );
        assert!(k.source.contains("root.hints"));
        // G-root is left out for want of a source.
        assert!(table.lookup(ip("192.112.36.4")).is_none());
        // Microsoft Teams (teams.pcap): not a known anycast range.
        assert!(table.lookup(ip("52.113.194.132")).is_none());
        assert!(table.lookup(ip("8.8.7.255")).is_none());
        assert!(table.lookup(ip("208.67.222.223")).is_none());
    }

    const HEAD: &str = "date = \"2026-11-29\"\n";
    const TAIL: &str = "[sources]\ns = \"a source\"\n";

    fn parse_ranges(ranges: &str) -> Result<AnycastTable, String> {
        AnycastTable::parse(&format!("{HEAD}range = [\n{ranges}\n]\n{TAIL}"))
    }

    #[test]
    fn validation_refuses_bad_entries() {
        let entry = |prefix: &str, service: &str, source: &str, date: &str| {
            format!(
                "{{ prefix = \"{prefix}\", operator = \"X\", service = \"{service}\", source = {source}, date = \"{date}\" }},"
            )
        };
        let good = entry("10.0.0.0/8", "a", "\"s\"", "2026-01-02");
        assert_eq!(parse_ranges(&good).unwrap().len(), 1);
        let cases = [
            (
                entry("10.0.0.1/8", "a", "\"s\"", "2026-01-02"),
                "host bits set",
            ),
            (
                entry("10.0.0.0/8", "", "\"s\"", "2026-01-02"),
                "service is empty",
            ),
            (
                entry("10.0.0.0/8", "a", "\"t\"", "2026-01-02"),
                "\"t\" is not in [sources]",
            ),
            (
                entry("10.0.0.0/8", "a", "[]", "2026-01-02"),
                "source is empty",
            ),
            (
                entry("10.0.0.0/8", "a", "\"s\"", "2026-13-02"),
                "not YYYY-MM-DD",
            ),
            (
                entry("10.0.0/8", "a", "\"s\"", "2026-01-02"),
                "not a CIDR prefix",
            ),
            (
                format!("{good}{}", entry("10.0.0.0/8", "b", "\"s\"", "2026-01-02")),
                "listed twice",
            ),
            (
                format!("{good}{}", entry("10.1.0.0/16", "a", "\"s\"", "2026-01-02")),
                "repeats 10.0.0.0/8",
            ),
        ];
        for (ranges, message) in cases {
            let err = parse_ranges(&ranges).unwrap_err();
            assert!(err.contains(message), "{err}");
        }
        // A nested prefix of another service is fine and wins.
        let nested = format!(
            "{good}{}",
            entry("10.1.0.0/16", "b", "[\"s\", \"s\"]", "2026-01-02")
        );
        let table = parse_ranges(&nested).unwrap();
        let hit = table.lookup(ip("10.1.2.3")).unwrap();
        assert_eq!(
            (hit.service.as_str(), hit.source.as_str()),
            ("b", "a source + a source")
        );
        assert_eq!(table.lookup(ip("10.2.0.1")).unwrap().service, "a");
    }
}
