//! Declared regions: what a host name says about where its server is.
//!
//! Cloud providers put the region into many of their host names (`s3.eu-north-1.amazonaws.com`,
//! `x.westeurope.cloudapp.azure.com`, `europe-north1-docker.pkg.dev`), and Microsoft routes
//! diagnostic data of EU Data Boundary tenants to `eu-` collectors. Such a name is a claim
//! about place, like a geolocation database's answer: [`RegionTable::declared`] finds it, with
//! the rule that matched and the sources of the rule and of the region's country, so the
//! physics check can judge it.
//!
//! The table is data, `geo/regions.toml` (embedded), validated on load: every country an
//! ISO 3166-1 code of geo/countries.tsv, every source key defined, no region or pattern twice.
//! Rules and limits: docs/placement.md ("Declared regions").

mod pattern;
#[cfg(test)]
mod tests;

use super::countries::Countries;
pub use pattern::MAX_NAME_LEN;
use pattern::Pattern;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// geo/regions.toml as embedded.
pub const REGIONS_TOML: &str = include_str!("../../../geo/regions.toml");

/// Where the embedded table lives in the repository.
pub const REGIONS_PATH: &str = "geo/regions.toml";

/// Most rules and regions a table may hold (the shipped one has 20 and 137).
pub const MAX_RULES: usize = 256;
pub const MAX_REGIONS: usize = 4096;

/// Who names the region: the provider's naming scheme the rule belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    Aws,
    Azure,
    Gcp,
    /// Names Microsoft documents for EU Data Boundary tenants (and their US counterparts).
    MicrosoftEudb,
    /// `eu-`/`us-` collector names, by analogy with the documented ones.
    Collector,
}

impl Family {
    pub const ALL: [Family; 5] = [
        Family::Aws,
        Family::Azure,
        Family::Gcp,
        Family::MicrosoftEudb,
        Family::Collector,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Family::Aws => "aws",
            Family::Azure => "azure",
            Family::Gcp => "gcp",
            Family::MicrosoftEudb => "microsoft-eudb",
            Family::Collector => "collector",
        }
    }

    fn parse(text: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == text)
    }
}

/// A region a host name declares, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeclaredRegion {
    pub family: Family,
    /// The region code as the name writes it ("eu-north-1", "westeurope", "eu").
    pub region: String,
    /// The countries the region is in: one for a cloud region; every country of the zone for
    /// a zone (the server is somewhere in one of them).
    pub countries: Vec<String>,
    /// The zone the region names as a whole (e.g. `eu-data-boundary`), if it is one.
    pub zone: Option<String>,
    /// The place as the source names it ("Europe (Stockholm)", "Gävle").
    pub location: String,
    /// The rule that matched: "aws: *.{region}.amazonaws.com".
    pub rule: String,
    /// Where the naming rule is documented, with its date.
    pub rule_source: String,
    /// Where the region's place is documented, with its date.
    pub source: String,
}

/// Why a region table was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RegionError {
    #[error("region table: {0}")]
    Toml(String),
    #[error("region table: {0}")]
    Invalid(String),
}

#[derive(Debug)]
struct Region {
    countries: Vec<String>,
    zone: Option<String>,
    location: String,
    source: String,
}

#[derive(Debug)]
struct Rule {
    family: Family,
    pattern: Pattern,
    /// The region a pattern without `{region}` names.
    region: Option<String>,
    label: String,
    source: String,
}

/// The validated table and its matcher.
#[derive(Debug)]
pub struct RegionTable {
    date: String,
    regions: HashMap<Family, HashMap<String, Region>>,
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    date: String,
    sources: BTreeMap<String, SourceEntry>,
    #[serde(default)]
    zones: BTreeMap<String, ZoneEntry>,
    family: BTreeMap<String, FamilyEntry>,
    patterns: Patterns,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceEntry {
    citation: String,
    date: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ZoneEntry {
    countries: Vec<String>,
    location: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FamilyEntry {
    source: String,
    regions: Vec<RegionEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionEntry {
    code: String,
    country: Option<String>,
    zone: Option<String>,
    location: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Patterns {
    rule: Vec<RuleEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    family: String,
    pattern: String,
    region: Option<String>,
    source: String,
}

fn invalid(msg: String) -> RegionError {
    RegionError::Invalid(msg)
}

impl RegionTable {
    /// The table embedded from geo/regions.toml.
    pub fn embedded() -> Result<RegionTable, RegionError> {
        RegionTable::parse(REGIONS_TOML, &Countries::embedded())
    }

    /// Reads and validates a table in the format of geo/regions.toml.
    pub fn parse(text: &str, countries: &Countries) -> Result<RegionTable, RegionError> {
        let file: File = crate::user_file::parse_toml(text).map_err(RegionError::Toml)?;
        check_date("date", &file.date)?;
        let mut sources = BTreeMap::new();
        for (key, s) in &file.sources {
            if s.citation.trim().is_empty() {
                return Err(invalid(format!("source {key:?}: citation is empty")));
            }
            check_date(&format!("source {key:?}"), &s.date)?;
            sources.insert(key.as_str(), format!("{} ({})", s.citation, s.date));
        }
        let source = |what: &str, key: &str| {
            sources
                .get(key)
                .cloned()
                .ok_or_else(|| invalid(format!("{what}: source {key:?} is not in [sources]")))
        };
        let mut zones = BTreeMap::new();
        for (name, z) in &file.zones {
            let what = format!("zone {name:?}");
            if z.countries.is_empty() || z.location.trim().is_empty() {
                return Err(invalid(format!("{what}: no countries, or no location")));
            }
            let mut seen = z.countries.clone();
            seen.sort();
            seen.dedup();
            if seen.len() != z.countries.len() {
                return Err(invalid(format!("{what}: a country is listed twice")));
            }
            for c in &z.countries {
                check_country(&what, c, countries)?;
            }
            zones.insert(name.as_str(), (z, source(&what, &z.source)?));
        }
        let mut regions: HashMap<Family, HashMap<String, Region>> = HashMap::new();
        let mut count = 0;
        for (name, fam) in &file.family {
            let family =
                Family::parse(name).ok_or_else(|| invalid(format!("unknown family {name:?}")))?;
            let fam_source = source(&format!("family {name:?}"), &fam.source)?;
            let table = regions.entry(family).or_default();
            for r in &fam.regions {
                count += 1;
                if count > MAX_REGIONS {
                    return Err(invalid(format!("more than {MAX_REGIONS} regions")));
                }
                let what = format!("family {name:?} region {:?}", r.code);
                check_code(&what, &r.code)?;
                if r.location.trim().is_empty() {
                    return Err(invalid(format!("{what}: location is empty")));
                }
                let region = match (&r.country, &r.zone) {
                    (Some(c), None) => {
                        check_country(&what, c, countries)?;
                        Region {
                            countries: vec![c.clone()],
                            zone: None,
                            location: r.location.clone(),
                            source: fam_source.clone(),
                        }
                    }
                    (None, Some(z)) => {
                        let (zone, zone_source) = zones.get(z.as_str()).ok_or_else(|| {
                            invalid(format!("{what}: zone {z:?} is not in [zones]"))
                        })?;
                        Region {
                            countries: zone.countries.clone(),
                            zone: Some(z.clone()),
                            location: r.location.clone(),
                            source: zone_source.clone(),
                        }
                    }
                    _ => {
                        return Err(invalid(format!(
                            "{what}: give exactly one of country and zone"
                        )));
                    }
                };
                if table.insert(r.code.clone(), region).is_some() {
                    return Err(invalid(format!("{what}: listed twice")));
                }
            }
        }
        if file.patterns.rule.len() > MAX_RULES {
            return Err(invalid(format!("more than {MAX_RULES} rules")));
        }
        let mut rules: Vec<Rule> = Vec::with_capacity(file.patterns.rule.len());
        for r in &file.patterns.rule {
            let what = format!("rule {:?}", r.pattern);
            let family = Family::parse(&r.family)
                .ok_or_else(|| invalid(format!("{what}: unknown family {:?}", r.family)))?;
            let pattern =
                Pattern::parse(&r.pattern).map_err(|e| invalid(format!("{what}: {e}")))?;
            let known = regions.get(&family);
            match (&r.region, pattern.has_region()) {
                (None, true) => {}
                (Some(code), false) => {
                    if !known.is_some_and(|t| t.contains_key(code)) {
                        return Err(invalid(format!(
                            "{what}: region {code:?} is not a region of {:?}",
                            r.family
                        )));
                    }
                }
                _ => {
                    return Err(invalid(format!(
                        "{what}: needs either {{region}} in the pattern or a `region`, not both"
                    )));
                }
            }
            if known.is_none_or(HashMap::is_empty) {
                return Err(invalid(format!(
                    "{what}: family {:?} has no regions",
                    r.family
                )));
            }
            if rules
                .iter()
                .any(|o| o.family == family && o.pattern == pattern)
            {
                return Err(invalid(format!("{what}: listed twice")));
            }
            rules.push(Rule {
                family,
                pattern,
                region: r.region.clone(),
                label: format!("{}: {}", r.family, r.pattern),
                source: source(&what, &r.source)?,
            });
        }
        Ok(RegionTable {
            date: file.date,
            regions,
            rules,
        })
    }

    /// The region a host name declares, by the first rule (in file order) that matches.
    /// Case and one trailing dot are ignored; names longer than [`MAX_NAME_LEN`], with an empty
    /// label or a label longer than 63 bytes, and IP literals declare nothing.
    pub fn declared(&self, name: &str) -> Option<DeclaredRegion> {
        let name = name.strip_suffix('.').unwrap_or(name);
        if name.is_empty() || name.len() > MAX_NAME_LEN || name.parse::<std::net::IpAddr>().is_ok()
        {
            return None;
        }
        let lower = name.to_ascii_lowercase();
        let labels: Vec<&str> = lower.split('.').collect();
        if labels
            .iter()
            .any(|l| l.is_empty() || l.len() > pattern::MAX_LABEL_LEN)
        {
            return None;
        }
        for rule in &self.rules {
            let Some(table) = self.regions.get(&rule.family) else {
                continue;
            };
            let is_region = |text: &str| table.contains_key(text);
            let Some(found) = rule.pattern.matches(&labels, &is_region) else {
                continue;
            };
            let code = rule.region.as_deref().unwrap_or(found);
            let Some(region) = table.get(code) else {
                continue;
            };
            return Some(DeclaredRegion {
                family: rule.family,
                region: code.to_string(),
                countries: region.countries.clone(),
                zone: region.zone.clone(),
                location: region.location.clone(),
                rule: rule.label.clone(),
                rule_source: rule.source.clone(),
                source: region.source.clone(),
            });
        }
        None
    }

    /// The date the table was curated (YYYY-MM-DD).
    pub fn date(&self) -> &str {
        &self.date
    }

    /// Number of regions (all families).
    pub fn regions(&self) -> usize {
        self.regions.values().map(HashMap::len).sum()
    }

    /// Number of name rules.
    pub fn rules(&self) -> usize {
        self.rules.len()
    }
}

fn check_country(what: &str, code: &str, countries: &Countries) -> Result<(), RegionError> {
    if countries.is_code(code) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what}: {code:?} is not an ISO 3166-1 alpha-2 code of geo/countries.tsv"
        )))
    }
}

/// Region codes as names write them: lower-case letters, digits and `-`, at most 63 bytes.
fn check_code(what: &str, code: &str) -> Result<(), RegionError> {
    let ok = !code.is_empty()
        && code.len() <= pattern::MAX_LABEL_LEN
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what}: a code is lower-case letters, digits and `-`"
        )))
    }
}

/// YYYY-MM-DD with a plausible month and day.
fn check_date(what: &str, date: &str) -> Result<(), RegionError> {
    if crate::place::is_date(date) {
        Ok(())
    } else {
        Err(invalid(format!("{what}: date {date:?} is not YYYY-MM-DD")))
    }
}
