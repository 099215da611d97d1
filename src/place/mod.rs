//! Placement: where a destination is (country, ASN, network), who operates it (provider), whose
//! law controls that provider, and the zone that follows for a transfer from the EU.
//!
//! Runs once per remote address (the per-address table of a run holds the result), never
//! per packet. Every answer keeps its source:
//! which database (name, build, record) gave the country and ASN, which table entry gave the
//! provider, which legal act gave the zone.
//!
//! Rules (documented in docs/placement.md):
//! - country: the first geolocation database that answers, in priority order (`--geo` files as
//!   given, then the embedded DB-IP Lite); the declared database (geofeed/whois) only when no
//!   geolocation database answers. `agree` says whether every database that gave a country gave the same.
//! - ASN and organisation: the first database that gives an ASN. `prefix` is that record's
//!   network (else the country record's).
//! - provider: the ASN in geo/providers.toml, then organisation-name patterns; otherwise a
//!   fallback to the registration country of the ASN, marked as such.
//! - zone: `private` for non-routable addresses, `unknown` without a country, `home` for the
//!   `--home` country, else the legal table (`eu`, `eea`, `adequate`, `us-dpf`), else `third`.

pub mod addresses;
pub mod answer;
pub mod control;
pub mod countries;
pub mod geo;
pub mod legal;
pub mod physics;
pub mod providers;
pub mod region;
pub mod special;

use countries::Countries;
use geo::{Answer, GeoError, GeoLookup, GeoSet, RecordError, Role};
use ipnet::IpNet;
use legal::{LegalTable, Zone};
use providers::{MatchedBy, ProviderTable};
use std::net::IpAddr;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    #[error(transparent)]
    Geo(#[from] GeoError),
    #[error("--home {0:?} is not an ISO 3166-1 alpha-2 country code (e.g. SE, DE, IE)")]
    Home(String),
    #[error("a built-in table is invalid (this is a bug in residency): {0}")]
    Table(String),
}

/// The tables residency ships (geo/*.toml, geo/countries.tsv).
pub struct Tables {
    pub legal: LegalTable,
    pub providers: ProviderTable,
    pub countries: Countries,
    /// Regions host names declare (geo/regions.toml).
    pub regions: region::RegionTable,
}

impl Tables {
    pub fn embedded() -> Result<Tables, PlaceError> {
        Ok(Tables {
            legal: LegalTable::embedded().map_err(PlaceError::Table)?,
            providers: ProviderTable::embedded().map_err(PlaceError::Table)?,
            countries: Countries::embedded(),
            regions: region::RegionTable::embedded()
                .map_err(|e| PlaceError::Table(e.to_string()))?,
        })
    }
}

/// Whether `date` is YYYY-MM-DD with a plausible month and day: the dates the shipped tables
/// give for their facts.
pub fn is_date(date: &str) -> bool {
    let parts: Vec<&str> = date.split('-').collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            let num = |s: &str| s.parse::<u32>().ok();
            matches!(
                (num(y), num(m), num(d)),
                (Some(_), Some(1..=12), Some(1..=31))
            )
        }
        _ => false,
    }
}

/// Who operates a destination and whose law controls it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderMatch {
    /// Provider name; for a fallback, the ASN's organisation name (if any).
    pub name: Option<String>,
    pub parent: Option<String>,
    /// ISO code of the controlling parent's legal seat (fallback: the ASN's registration country).
    pub jurisdiction: Option<String>,
    pub category: Option<String>,
    pub matched_by: MatchedBy,
    pub source: String,
}

impl ProviderMatch {
    pub fn fallback(&self) -> bool {
        self.matched_by == MatchedBy::RegistrationFallback
    }

    /// The US CLOUD Act (18 U.S.C. § 2713) reaches data held by providers under US jurisdiction,
    /// wherever it is stored.
    pub fn cloud_act(&self) -> bool {
        self.jurisdiction.as_deref() == Some("US")
    }
}

/// Everything known about one remote address.
#[derive(Clone, Debug)]
pub struct Placement {
    pub ip: IpAddr,
    /// The address actually looked up when it differs (IPv4-mapped, NAT64), and why.
    pub looked_up: Option<(IpAddr, &'static str)>,
    /// Why the address is not routable (`private`, `multicast`, ...).
    pub special: Option<&'static str>,
    /// Every database's answer, in priority order.
    pub answers: Vec<Answer>,
    /// Databases whose record for this address could not be decoded: what they would have
    /// said is unknown, so the placement rests on the others (`addresses[].geo.errors`).
    pub geo_errors: Vec<RecordError>,
    pub country: Option<String>,
    /// The database (index into the geo set) whose answer is `country`.
    pub country_from: Option<usize>,
    /// `geolocation` or `declared`: what `country` is.
    pub country_basis: Option<&'static str>,
    /// Every database that gave a country gave the same one.
    pub agree: bool,
    pub asn: Option<u32>,
    pub as_org: Option<String>,
    pub prefix: Option<IpNet>,
    pub provider: Option<ProviderMatch>,
    pub zone: Zone,
    /// The legal act behind the zone (for `eu`, `eea`, `adequate`, `us-dpf`).
    pub legal_basis: Option<String>,
    /// The limits of that act (Canada: PIPEDA organisations; US: DPF-certified ones only).
    pub legal_scope: Option<String>,
    /// Null without `--home`, or when the country is unknown.
    pub leaves_home: Option<bool>,
    /// Null when the country is unknown.
    pub leaves_eu_eea: Option<bool>,
    /// The provider's controlling parent is outside the EU/EEA; null when unknown.
    pub foreign_control: Option<bool>,
    /// The zone of the provider's jurisdiction.
    pub control_zone: Option<Zone>,
}

/// Places addresses, once each.
pub struct Placer {
    pub geo: GeoSet,
    pub tables: Tables,
    pub home: Option<String>,
}

impl Placer {
    pub fn new(geo: GeoSet, home: Option<&str>) -> Result<Placer, PlaceError> {
        let tables = Tables::embedded()?;
        let home = match home {
            None => None,
            Some(h) => {
                let code = h.trim().to_ascii_uppercase();
                if !tables.countries.is_code(&code) {
                    return Err(PlaceError::Home(h.to_string()));
                }
                Some(code)
            }
        };
        Ok(Placer { geo, tables, home })
    }

    /// Place one address. No cache here: the per-address table of a run
    /// (`place::addresses`) places each destination once and holds the result, within its
    /// bound.
    pub fn place(&self, ip: IpAddr) -> Arc<Placement> {
        Arc::new(self.compute(ip))
    }

    /// The zone of a country, with `--home` applied, and the legal fact behind it (none for
    /// `home` and `third`).
    pub fn zone_of(&self, country: &str) -> (Zone, Option<&legal::Standing>) {
        if self.home.as_deref() == Some(country) {
            return (Zone::Home, None);
        }
        match self.tables.legal.standing(country) {
            Some(s) => (s.zone, Some(s)),
            None => (Zone::Third, None),
        }
    }

    /// Whether a country is in the EU/EEA (the home country by its own standing).
    pub fn in_eu_eea(&self, country: &str) -> bool {
        self.tables.legal.in_eu_eea(country)
    }

    fn compute(&self, ip: IpAddr) -> Placement {
        let looked_up = special::embedded_v4(ip).map(|(v4, why)| (IpAddr::V4(v4), why));
        let target = looked_up.map_or(ip, |(v4, _)| v4);
        let special = special::special(target);
        let GeoLookup {
            answers,
            errors: geo_errors,
        } = if special.is_some() {
            GeoLookup::default()
        } else {
            self.geo.lookup(target)
        };
        let dbs = &self.geo.dbs;
        let pick = |role: Role| {
            answers
                .iter()
                .find(|a| dbs[a.db].role == role && a.country.is_some())
        };
        let chosen = pick(Role::Geolocation).or_else(|| pick(Role::Declared));
        let country = chosen.and_then(|a| a.country.clone());
        let mut countries: Vec<&str> = answers
            .iter()
            .filter_map(|a| a.country.as_deref())
            .collect();
        countries.sort_unstable();
        countries.dedup();
        let asn_answer = answers.iter().find(|a| a.asn.is_some());
        let asn = asn_answer.and_then(|a| a.asn);
        let as_org = asn_answer.and_then(|a| a.as_org.clone());
        let prefix = asn_answer.or(chosen).map(|a| a.network);
        let provider = self.provider(asn_answer, &answers);

        let (zone, standing) = match (special, country.as_deref()) {
            (Some(_), _) => (Zone::Private, None),
            (None, None) => (Zone::Unknown, None),
            (None, Some(c)) => self.zone_of(c),
        };
        let leaves_home = match (&self.home, special, country.as_deref()) {
            (None, ..) => None,
            (Some(_), Some(_), _) => Some(false),
            (Some(home), None, Some(c)) => Some(c != home),
            (Some(_), None, None) => None,
        };
        let leaves_eu_eea = match (special, country.as_deref()) {
            (Some(_), _) => Some(false),
            (None, Some(c)) => Some(!self.in_eu_eea(c)),
            (None, None) => None,
        };
        let jurisdiction = provider.as_ref().and_then(|p| p.jurisdiction.as_deref());
        Placement {
            ip,
            looked_up,
            special,
            country_from: chosen.map(|a| a.db),
            country_basis: chosen.map(|a| dbs[a.db].role.name()),
            country,
            agree: countries.len() <= 1,
            asn,
            as_org,
            prefix,
            zone,
            legal_basis: standing.map(|s| s.basis.clone()),
            legal_scope: standing.and_then(|s| s.scope.clone()),
            leaves_home,
            leaves_eu_eea,
            foreign_control: jurisdiction.map(|j| !self.in_eu_eea(j)),
            control_zone: jurisdiction.map(|j| self.zone_of(j).0),
            provider,
            answers,
            geo_errors,
        }
    }

    fn provider(&self, asn_answer: Option<&Answer>, answers: &[Answer]) -> Option<ProviderMatch> {
        // No ASN, no provider: a location claim says nothing about who controls the network.
        let asn = asn_answer?.asn?;
        let org = asn_answer.and_then(|a| a.as_org.as_deref());
        if let Some((p, by)) = self.tables.providers.find(asn, org) {
            return Some(ProviderMatch {
                name: Some(p.name.clone()),
                parent: Some(p.parent.clone()),
                jurisdiction: Some(p.jurisdiction.clone()),
                category: Some(p.category.clone()),
                matched_by: by,
                source: format!("geo/providers.toml {:?}: {} ({})", p.name, p.source, p.date),
            });
        }
        // Fallback: the registration country of this ASN — from a record that names the same
        // ASN (the embedded ASN database carries it as `registered_country`) — else, said as
        // such, the registration country of the network from another database (MaxMind
        // Country/City `registered_country`).
        let dbs = &self.geo.dbs;
        let of_asn = answers
            .iter()
            .filter(|a| a.asn == Some(asn))
            .find_map(|a| a.registered_country.as_ref().map(|c| (a, c, "ASN")));
        // A record that names an ASN carries that ASN's registration: only records without
        // one speak for the network.
        let registered = of_asn.or_else(|| {
            answers
                .iter()
                .filter(|a| a.asn.is_none())
                .find_map(|a| a.registered_country.as_ref().map(|c| (a, c, "network")))
        });
        let source = match registered {
            Some((a, c, what)) => format!(
                "fallback: AS{asn} is not in geo/providers.toml; jurisdiction = registration country {c} of the {what}, from {} record {} ({}, build {})",
                dbs[a.db].name, a.record, a.network, dbs[a.db].build
            ),
            None => format!(
                "fallback: AS{asn} is not in geo/providers.toml, and no database gives a registration country"
            ),
        };
        Some(ProviderMatch {
            name: org.map(str::to_string),
            parent: None,
            jurisdiction: registered.map(|(_, c, _)| c.clone()),
            category: None,
            matched_by: MatchedBy::RegistrationFallback,
            source,
        })
    }
}

#[cfg(test)]
mod tests;
