//! The provider table (geo/providers.toml): ASNs and organisation names → provider, the parent
//! that controls it, and the legal seat of that parent.

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
}

impl MatchedBy {
    pub fn name(self) -> &'static str {
        match self {
            MatchedBy::Asn => "asn",
            MatchedBy::OrgPattern => "org-pattern",
        }
    }
}

#[derive(Debug)]
pub struct ProviderTable {
    pub providers: Vec<Provider>,
    by_asn: HashMap<u32, usize>,
    /// Lower-cased patterns, in file order.
    patterns: Vec<(String, usize)>,
}

impl ProviderTable {
    pub fn embedded() -> Result<ProviderTable, String> {
        ProviderTable::parse(PROVIDERS_TOML)
    }

    pub fn parse(text: &str) -> Result<ProviderTable, String> {
        let file: ProvidersFile =
            toml::from_str(text).map_err(|e| format!("geo/providers.toml: {e}"))?;
        let mut by_asn = HashMap::new();
        let mut patterns = Vec::new();
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
                patterns.push((pattern.to_lowercase(), i));
            }
        }
        Ok(ProviderTable {
            providers: file.provider,
            by_asn,
            patterns,
        })
    }

    /// The provider of an ASN: listed ASNs first, then organisation-name patterns.
    pub fn find(&self, asn: u32, org: Option<&str>) -> Option<(&Provider, MatchedBy)> {
        if let Some(&i) = self.by_asn.get(&asn) {
            return Some((&self.providers[i], MatchedBy::Asn));
        }
        let org = org?.to_lowercase();
        self.patterns
            .iter()
            .find(|(pattern, _)| matches_at_word_start(&org, pattern))
            .map(|&(_, i)| (&self.providers[i], MatchedBy::OrgPattern))
    }
}

/// Whether `pattern` occurs in `text` starting at a word boundary ("Orange S.A." in
/// "orange s.a. backbone", not "orange" inside "blorange").
pub fn matches_at_word_start(text: &str, pattern: &str) -> bool {
    if pattern.is_empty() {
        return false;
    }
    text.match_indices(pattern).any(|(at, _)| {
        text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric())
    })
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
