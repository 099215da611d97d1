//! `residency lookup`: what residency would say about addresses and host names given by hand,
//! as JSON or a table.
//!
//! An address gets its placement (as a flow's `server_geo`, `provider` and `jurisdiction`),
//! the anycast flag (geo/anycast.toml) and every range rule of the service catalog that holds
//! it. A host name gets the service its name rules give, the declared region (geo/regions.toml)
//! and the anycast flag, which for a name is always null: geo/anycast.toml lists address
//! ranges only.

use super::names_model::ServiceReport;
use super::place::flow_placement;
use super::place_model::{JurisdictionReport, ProviderReport, ServerGeo};
use crate::place::Placer;
use crate::place::physics::anycast::{AnycastRange, AnycastTable};
use crate::place::region::{DeclaredRegion, RegionTable};
use crate::services::names::Pattern;
use crate::services::{Catalog, ServiceMatch};
use serde::Serialize;
use std::io::{self, Write};
use std::net::IpAddr;

/// What a name entry says about anycast.
pub const NO_NAME_RULE: &str = "no name rule: geo/anycast.toml lists address ranges only";

/// One word of the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    Address(IpAddr),
    Name(String),
}

impl Query {
    /// An IP address, else a host name: 1 to 253 bytes of dot-separated labels of letters,
    /// digits, `-` and `_`, each 1 to 63 bytes, at least two labels, the last not all digits
    /// (so `52.112.0.999` is a mistyped address, not a name). One trailing dot is allowed.
    pub fn parse(word: &str) -> Option<Query> {
        let word = word.trim();
        if let Ok(ip) = word.parse() {
            return Some(Query::Address(ip));
        }
        let name = word.strip_suffix('.').unwrap_or(word);
        match Pattern::parse(&name.to_ascii_lowercase()) {
            Ok(Pattern::Exact(name)) => Some(Query::Name(name)),
            _ => None,
        }
    }
}

/// A known anycast range holding an address.
#[derive(Clone, Debug, Serialize)]
pub struct AnycastReport {
    pub prefix: String,
    pub operator: String,
    pub service: String,
    pub source: String,
    pub date: String,
}

impl From<&AnycastRange> for AnycastReport {
    fn from(r: &AnycastRange) -> Self {
        AnycastReport {
            prefix: r.prefix.to_string(),
            operator: r.operator.clone(),
            service: r.service.clone(),
            source: r.source.clone(),
            date: r.date.clone(),
        }
    }
}

/// One address: the same facts a flow's `server_geo` (flattened), `provider` and
/// `jurisdiction` carry, plus the zone at the top level, the anycast range and the catalog's
/// range rules.
#[derive(Clone, Debug, Serialize)]
pub struct AddressEntry {
    #[serde(flatten)]
    pub geo: ServerGeo,
    pub zone: crate::place::legal::Zone,
    pub provider: Option<ProviderReport>,
    pub jurisdiction: JurisdictionReport,
    /// The known anycast range holding the address; null when none does.
    pub anycast: Option<AnycastReport>,
    /// Every range rule of the service catalog holding the address, longest prefix first
    /// (a rule with ports applies only to flows on those ports).
    pub range_services: Vec<ServiceReport>,
}

/// One host name.
#[derive(Clone, Debug, Serialize)]
pub struct NameEntry {
    pub name: String,
    /// The service the catalog's name rules give; null when none matches.
    pub service: Option<ServiceReport>,
    /// Always null: see `anycast_rule`.
    pub anycast: Option<AnycastReport>,
    pub anycast_rule: &'static str,
    /// The region the name declares (geo/regions.toml); null when it declares none.
    pub declared_region: Option<DeclaredRegion>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum LookupEntry {
    Address(Box<AddressEntry>),
    Name(Box<NameEntry>),
}

/// The tables a lookup reads.
pub struct Lookup<'a> {
    pub placer: &'a Placer,
    pub catalog: &'a Catalog,
    pub anycast: &'a AnycastTable,
    pub regions: &'a RegionTable,
}

fn service_report(m: ServiceMatch<'_>) -> ServiceReport {
    ServiceReport {
        name: m.service.name.clone(),
        provider: m.service.provider.clone(),
        category: m.service.category,
        rule: m.rule,
        id: m.service.id.clone(),
    }
}

impl Lookup<'_> {
    pub fn entries(&self, queries: &[Query]) -> Vec<LookupEntry> {
        queries.iter().map(|q| self.entry(q)).collect()
    }

    fn entry(&self, query: &Query) -> LookupEntry {
        match query {
            Query::Address(ip) => {
                let pl = self.placer.place(*ip);
                let p = flow_placement(self.placer, &pl);
                LookupEntry::Address(Box::new(AddressEntry {
                    geo: p.server_geo,
                    zone: p.jurisdiction.zone,
                    provider: p.provider,
                    jurisdiction: p.jurisdiction,
                    anycast: self.anycast.lookup(*ip).map(AnycastReport::from),
                    range_services: self
                        .catalog
                        .ranges_containing(*ip)
                        .into_iter()
                        .map(service_report)
                        .collect(),
                }))
            }
            Query::Name(name) => LookupEntry::Name(Box::new(NameEntry {
                name: name.clone(),
                service: self.catalog.classify_name(name).map(service_report),
                anycast: None,
                anycast_rule: NO_NAME_RULE,
                declared_region: self.regions.declared(name),
            })),
        }
    }
}

pub fn write_lookup_json(entries: &[LookupEntry], out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, entries)?;
    out.write_all(b"\n")
}

/// Addresses first (one row each, with `anycast:` and `range:` lines under it), then names.
pub fn write_lookup_table(entries: &[LookupEntry], out: &mut impl Write) -> io::Result<()> {
    let addresses: Vec<&AddressEntry> = entries
        .iter()
        .filter_map(|e| match e {
            LookupEntry::Address(a) => Some(&**a),
            LookupEntry::Name(_) => None,
        })
        .collect();
    let names: Vec<&NameEntry> = entries
        .iter()
        .filter_map(|e| match e {
            LookupEntry::Name(n) => Some(&**n),
            LookupEntry::Address(_) => None,
        })
        .collect();
    if !addresses.is_empty() {
        write_addresses(&addresses, out)?;
    }
    if !names.is_empty() {
        if !addresses.is_empty() {
            writeln!(out)?;
        }
        write_names(&names, out)?;
    }
    Ok(())
}

fn write_addresses(entries: &[&AddressEntry], out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "{:<39}  {:<12}  {:<8}  {:<9}  {:<24}  {:<7}  sources",
        "ip", "country", "zone", "asn", "provider", "control"
    )?;
    for e in entries {
        let provider = e.provider.as_ref();
        let name = provider.and_then(|p| p.name.as_deref()).unwrap_or("-");
        let control = match provider {
            Some(p) => format!(
                "{}{}",
                p.jurisdiction.as_deref().unwrap_or("?"),
                if p.fallback { "*" } else { "" }
            ),
            None => "-".to_string(),
        };
        let sources: Vec<String> = e
            .geo
            .sources
            .iter()
            .map(|s| {
                let said = match (&s.country, s.asn) {
                    (Some(c), _) => c.clone(),
                    (None, Some(a)) => format!("AS{a}"),
                    (None, None) => "-".to_string(),
                };
                format!("{}={said}", s.db)
            })
            .chain(
                e.geo
                    .errors
                    .iter()
                    .map(|x| format!("{}=damaged-record", x.db)),
            )
            .collect();
        writeln!(
            out,
            "{:<39}  {:<12}  {:<8}  {:<9}  {:<24}  {:<7}  {}{}",
            e.geo.ip,
            e.geo.country.as_deref().or(e.geo.special).unwrap_or("?"),
            e.zone.name(),
            e.geo.asn.map_or("-".to_string(), |a| format!("AS{a}")),
            super::terminal_place::short(name, 24),
            control,
            sources.join(" "),
            if e.geo.agree {
                ""
            } else {
                "  (databases disagree)"
            }
        )?;
        if let Some(a) = &e.anycast {
            writeln!(
                out,
                "    anycast: yes, {} {} ({}; geo/anycast.toml, {})",
                a.operator, a.prefix, a.service, a.date
            )?;
        }
        for s in &e.range_services {
            writeln!(out, "    service by range: {}", service_line(s))?;
        }
    }
    if entries
        .iter()
        .any(|e| e.provider.as_ref().is_some_and(|p| p.fallback))
    {
        writeln!(
            out,
            "\n* no provider entry for this ASN: control is the ASN's registration country"
        )?;
    }
    Ok(())
}

fn service_line(s: &ServiceReport) -> String {
    format!(
        "{} ({}, {}) {}",
        s.name,
        s.category.name(),
        s.provider.as_deref().unwrap_or("no provider"),
        s.rule
    )
}

fn write_names(entries: &[&NameEntry], out: &mut impl Write) -> io::Result<()> {
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", e.name)?;
        match &e.service {
            Some(s) => writeln!(out, "    service:  {}", service_line(s))?,
            None => writeln!(out, "    service:  - (no name rule of the catalog matches)")?,
        }
        writeln!(out, "    anycast:  - ({NO_NAME_RULE})")?;
        match &e.declared_region {
            Some(d) => {
                let place = match &d.zone {
                    Some(z) => format!("zone {z} ({} countries)", d.countries.len()),
                    None => d.countries.join(" "),
                };
                writeln!(
                    out,
                    "    declared region: {} {} {}, {} (rule {})",
                    d.family.name(),
                    d.region,
                    place,
                    d.location,
                    d.rule
                )?;
                writeln!(out, "        region source: {}", d.source)?;
                writeln!(out, "        rule source:   {}", d.rule_source)?;
            }
            None => writeln!(out, "    declared region: - (no rule of geo/regions.toml)")?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_addresses_or_names() {
        assert_eq!(
            Query::parse("1.1.1.1"),
            Some(Query::Address("1.1.1.1".parse().unwrap()))
        );
        assert_eq!(
            Query::parse(" 2606:4700::1111 "),
            Some(Query::Address("2606:4700::1111".parse().unwrap()))
        );
        assert_eq!(
            Query::parse("Teams.Microsoft.com."),
            Some(Query::Name("teams.microsoft.com".into()))
        );
        assert_eq!(
            Query::parse("_sip._tls.example.com"),
            Some(Query::Name("_sip._tls.example.com".into()))
        );
        for bad in [
            "not-an-ip",
            "52.112.0.999",
            "a..b",
            "a b.com",
            "",
            ".",
            "x.",
            "é.com",
        ] {
            assert_eq!(Query::parse(bad), None, "{bad:?}");
        }
        let long = format!("{}.com", "a".repeat(64));
        assert_eq!(Query::parse(&long), None);
    }
}
