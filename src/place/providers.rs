//! The provider table (geo/providers.toml): ASNs and organisation names → provider, the parent
//! that controls it, and the legal seat of that parent.

use aho_corasick::AhoCorasick;
use serde::Deserialize;
use std::collections::HashMap;

pub const PROVIDERS_TOML: &str = include_str!("../../geo/providers.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub name: String,
    pub parent: String,
    pub seat: String,
    /// ISO 3166-1 alpha-2 of the parent's legal seat: the law that controls the provider.
    pub jurisdiction: String,
    #[serde(default)]
    pub asns: Vec<u32>,
    #[serde(default)]
    pub org_patterns: Vec<String>,
    pub category: String,
    pub source: String,
    pub date: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvidersFile {
    provider: Vec<Provider>,
}

/// How a provider was found for an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchedBy {
    /// The ASN is listed for the provider.
    Asn,
    /// The ASN's organisation name matched one of the provider's patterns.
    OrgPattern,
    /// The ASN is in no entry: its registration country stands in for the jurisdiction.
    RegistrationFallback,
    /// Not the address's: the operator of the flow's service decided control
    /// (`place::control`).
    Service,
}

impl MatchedBy {
    pub fn name(self) -> &'static str {
        match self {
            MatchedBy::Asn => "asn",
            MatchedBy::OrgPattern => "org-pattern",
            MatchedBy::RegistrationFallback => "registration-fallback",
            MatchedBy::Service => "service",
        }
    }
}

#[derive(Debug)]
pub struct ProviderTable {
    pub providers: Vec<Provider>,
    by_asn: HashMap<u32, usize>,
    by_name: HashMap<String, usize>,
    /// Provider index of each organisation-name pattern, in file order.
    pattern_provider: Vec<usize>,
    /// All patterns in one automaton: one pass over a name finds every pattern in it (a search
    /// per pattern costs ~60 µs per address with the table's ~600 patterns).
    patterns: AhoCorasick,
}

impl ProviderTable {
    pub fn embedded() -> Result<ProviderTable, String> {
        ProviderTable::parse(PROVIDERS_TOML)
    }

    pub fn parse(text: &str) -> Result<ProviderTable, String> {
        let file: ProvidersFile =
            crate::user_file::parse_toml(text).map_err(|e| format!("geo/providers.toml: {e}"))?;
        let mut by_asn = HashMap::new();
        let mut patterns = Vec::new();
        let mut pattern_provider = Vec::new();
        let mut names = std::collections::HashSet::new();
        for (i, p) in file.provider.iter().enumerate() {
            if !names.insert(p.name.as_str()) {
                return Err(format!("geo/providers.toml: {:?} is listed twice", p.name));
            }
            for &asn in &p.asns {
                if let Some(other) = by_asn.insert(asn, i) {
                    return Err(format!(
                        "geo/providers.toml: AS{asn} belongs to both {:?} and {:?}",
                        file.provider[other].name, p.name
                    ));
                }
            }
            for pattern in &p.org_patterns {
                if pattern.trim().is_empty() {
                    return Err(format!(
                        "geo/providers.toml: {:?} has an empty pattern",
                        p.name
                    ));
                }
                patterns.push(pattern.to_lowercase());
                pattern_provider.push(i);
            }
        }
        let patterns = AhoCorasick::new(&patterns)
            .map_err(|e| format!("geo/providers.toml: org_patterns: {e}"))?;
        let by_name = file
            .provider
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect();
        Ok(ProviderTable {
            providers: file.provider,
            by_asn,
            by_name,
            pattern_provider,
            patterns,
        })
    }

    /// The provider of that name.
    pub fn by_name(&self, name: &str) -> Option<&Provider> {
        self.providers.get(*self.by_name.get(name)?)
    }

    /// The provider of an ASN: listed ASNs first, then organisation-name patterns.
    pub fn find(&self, asn: u32, org: Option<&str>) -> Option<(&Provider, MatchedBy)> {
        if let Some(&i) = self.by_asn.get(&asn) {
            return Some((&self.providers[i], MatchedBy::Asn));
        }
        let org = org?.to_lowercase();
        // The earliest pattern in file order that matches at a word start wins.
        self.patterns
            .find_overlapping_iter(&org)
            .filter(|m| at_word_start(&org, m.start()))
            .map(|m| m.pattern().as_usize())
            .min()
            .map(|p| {
                (
                    &self.providers[self.pattern_provider[p]],
                    MatchedBy::OrgPattern,
                )
            })
    }
}

/// Whether `pattern` occurs in `text` starting at a word boundary ("Orange S.A." in
/// "orange s.a. backbone", not "orange" inside "blorange").
pub fn matches_at_word_start(text: &str, pattern: &str) -> bool {
    !pattern.is_empty()
        && text
            .match_indices(pattern)
            .any(|(at, _)| at_word_start(text, at))
}

/// Whether byte offset `at` of `text` starts a word.
fn at_word_start(text: &str, at: usize) -> bool {
    text.get(..at)
        .and_then(|before| before.chars().next_back())
        .is_none_or(|c| !c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_starts() {
        assert!(matches_at_word_start("akamai international b.v.", "akamai"));
        assert!(matches_at_word_start("the akamai", "akamai"));
        assert!(!matches_at_word_start("xakamai", "akamai"));
        assert!(!matches_at_word_start("anything", ""));
    }

    fn table(entries: &[(&str, &[u32], &[&str])]) -> Result<ProviderTable, String> {
        let mut text = String::new();
        for (name, asns, patterns) in entries {
            text += &format!(
                "[[provider]]\nname = {name:?}\nparent = \"P\"\nseat = \"S\"\njurisdiction = \"US\"\n\
                 asns = {asns:?}\norg_patterns = {patterns:?}\ncategory = \"cloud\"\n\
                 source = \"s\"\ndate = \"2026-01-01\"\n"
            );
        }
        ProviderTable::parse(&text)
    }

    #[test]
    fn asn_first_then_the_earliest_pattern_at_a_word_start() {
        let t = table(&[
            ("Akamai", &[20940], &["Akamai International"]),
            ("Generic", &[], &["International", "Net"]),
        ])
        .unwrap();
        let name = |asn, org| t.find(asn, Some(org)).map(|(p, by)| (p.name.as_str(), by));
        assert_eq!(name(20940, "Whatever"), Some(("Akamai", MatchedBy::Asn)));
        assert_eq!(
            name(1, "AKAMAI INTERNATIONAL B.V."),
            Some(("Akamai", MatchedBy::OrgPattern))
        );
        assert_eq!(
            name(1, "Foo International"),
            Some(("Generic", MatchedBy::OrgPattern))
        );
        assert_eq!(name(1, "Subnet Ltd"), None); // "net" inside a word
        assert_eq!(
            name(1, "Some Net"),
            Some(("Generic", MatchedBy::OrgPattern))
        );
        assert!(
            table(&[("Empty", &[], &[" "])])
                .unwrap_err()
                .contains("empty pattern")
        );
    }

    #[test]
    fn rejects_duplicates() {
        let one = r#"name = "A"
parent = "A Inc"
seat = "x"
jurisdiction = "US"
category = "cloud"
source = "s"
date = "2026-01-01""#;
        let two = format!(
            "[[provider]]\n{one}\nasns = [1]\n[[provider]]\n{}\nasns = [1]\n",
            one.replace("\"A\"", "\"B\"")
        );
        assert!(ProviderTable::parse(&two).unwrap_err().contains("AS1"));
        let same = format!("[[provider]]\n{one}\n[[provider]]\n{one}\n");
        assert!(ProviderTable::parse(&same).unwrap_err().contains("twice"));
    }
}
