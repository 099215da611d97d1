//! The legal table (geo/legal.toml): the zone of each country for transfers from the EU.

use serde::Deserialize;
use std::collections::BTreeMap;

pub const LEGAL_TOML: &str = include_str!("../../geo/legal.toml");

/// Where a destination stands for a transfer of personal data from the EU.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Zone {
    /// The country given with `--home`.
    Home,
    /// An EU member state.
    Eu,
    /// Iceland, Liechtenstein, Norway.
    Eea,
    /// A country with an adequacy decision.
    Adequate,
    /// The United States: adequate only for organisations certified under the EU-US DPF.
    UsDpf,
    /// Any other country.
    Third,
    /// Not routable (private, link-local, multicast, ...).
    Private,
    /// No database gave a country.
    Unknown,
}

impl Zone {
    pub const ALL: [Zone; 8] = [
        Zone::Home,
        Zone::Eu,
        Zone::Eea,
        Zone::Adequate,
        Zone::UsDpf,
        Zone::Third,
        Zone::Private,
        Zone::Unknown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Zone::Home => "home",
            Zone::Eu => "eu",
            Zone::Eea => "eea",
            Zone::Adequate => "adequate",
            Zone::UsDpf => "us-dpf",
            Zone::Third => "third",
            Zone::Private => "private",
            Zone::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LegalFile {
    date: String,
    eu: Group,
    /// Parts of member states with their own ISO 3166-1 code, where the Treaties apply.
    eu_territories: Group,
    eea: Group,
    adequacy: Vec<Decision>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Group {
    countries: Vec<String>,
    source: String,
}

/// An adequacy decision (or the DPF), as the table states it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub country: String,
    #[serde(default)]
    zone: Option<String>,
    pub act: String,
    pub adopted: String,
    #[serde(default)]
    pub scope: Option<String>,
    pub source: String,
}

/// The zone of a country, and the legal fact behind it.
#[derive(Clone, Debug)]
pub struct Standing {
    pub zone: Zone,
    /// The act or treaty that puts the country in its zone.
    pub basis: String,
    pub scope: Option<String>,
}

#[derive(Debug)]
pub struct LegalTable {
    pub date: String,
    by_country: BTreeMap<String, Standing>,
}

impl LegalTable {
    pub fn embedded() -> Result<LegalTable, String> {
        LegalTable::parse(LEGAL_TOML)
    }

    pub fn parse(text: &str) -> Result<LegalTable, String> {
        let file: LegalFile =
            crate::user_file::parse_toml(text).map_err(|e| format!("geo/legal.toml: {e}"))?;
        let mut by_country = BTreeMap::new();
        let mut put = |country: &str, standing: Standing| {
            if by_country.insert(country.to_string(), standing).is_some() {
                return Err(format!("geo/legal.toml: {country} is listed twice"));
            }
            Ok(())
        };
        for (group, zone) in [
            (&file.eu, Zone::Eu),
            (&file.eu_territories, Zone::Eu),
            (&file.eea, Zone::Eea),
        ] {
            for c in &group.countries {
                put(
                    c,
                    Standing {
                        zone,
                        basis: group.source.clone(),
                        scope: None,
                    },
                )?;
            }
        }
        for d in &file.adequacy {
            let zone = match d.zone.as_deref() {
                None | Some("adequate") => Zone::Adequate,
                Some("us-dpf") => Zone::UsDpf,
                Some(other) => {
                    return Err(format!(
                        "geo/legal.toml: {}: unknown zone {other:?}",
                        d.country
                    ));
                }
            };
            put(
                &d.country,
                Standing {
                    zone,
                    basis: format!("{} ({})", d.act, d.adopted),
                    scope: d.scope.clone(),
                },
            )?;
        }
        Ok(LegalTable {
            date: file.date,
            by_country,
        })
    }

    /// The zone of a country (ISO 3166-1 alpha-2), ignoring `--home`.
    pub fn standing(&self, country: &str) -> Option<&Standing> {
        self.by_country.get(country)
    }

    /// Whether a country is in the EU (with its territories) or the EEA, ignoring `--home`.
    pub fn in_eu_eea(&self, country: &str) -> bool {
        self.standing(country)
            .is_some_and(|s| matches!(s.zone, Zone::Eu | Zone::Eea))
    }

    /// Countries the table names, with their zone.
    pub fn countries(&self) -> impl Iterator<Item = (&str, Zone)> {
        self.by_country.iter().map(|(c, s)| (c.as_str(), s.zone))
    }
}
