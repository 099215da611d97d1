//! `geo/services.toml` → validated [`Service`]s and the three rule tables.

use super::names::{NameTable, Pattern};
use super::ports::{PortSet, PortTable, parse_protocol};
use super::ranges::RangeTable;
use super::{Catalog, CatalogError, CatalogInfo, Category, SERVICES_PATH, Service};
use ipnet::IpNet;
use serde::Deserialize;
use std::collections::HashSet;

/// Most rules (names + ranges + ports) a catalog may hold: the shipped file has a few hundred;
/// the bound keeps load time and memory small whatever text `from_toml` is given.
pub const MAX_RULES: usize = 100_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    catalog_date: String,
    #[serde(default)]
    service: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    name: String,
    #[serde(default)]
    provider: Option<String>,
    category: String,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    ranges: Vec<String>,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    ports: Option<Vec<String>>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

/// `YYYY-MM-DD` naming a real calendar day.
pub fn is_iso_date(s: &str) -> bool {
    let mut parts = s.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u8>(), d.parse::<u8>()) else {
        return false;
    };
    time::Month::try_from(m)
        .and_then(|m| time::Date::from_calendar_date(y, m, d))
        .is_ok()
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Loads and validates a catalog.
pub fn load(text: &str) -> Result<Catalog, CatalogError> {
    let file: File = crate::user_file::parse_toml(text).map_err(CatalogError::Toml)?;
    if !is_iso_date(&file.catalog_date) {
        return Err(CatalogError::CatalogDate(format!(
            "{:?} is not a YYYY-MM-DD date",
            file.catalog_date
        )));
    }
    let mut services = Vec::with_capacity(file.service.len());
    let mut names = NameTable::default();
    let mut ranges = RangeTable::default();
    let mut ports = PortTable::default();
    let mut ids = HashSet::new();
    let mut rules = 0usize;
    for (index, entry) in file.service.into_iter().enumerate() {
        let field = |field: &'static str, reason: String| CatalogError::Field {
            service: entry.id.clone(),
            field,
            reason,
        };
        if !is_id(&entry.id) {
            return Err(field(
                "id",
                "lower-case letters, digits and '-' only".into(),
            ));
        }
        if !ids.insert(entry.id.clone()) {
            return Err(CatalogError::DuplicateId(entry.id));
        }
        if entry.name.trim().is_empty() {
            return Err(field("name", "empty".into()));
        }
        if entry
            .provider
            .as_deref()
            .is_some_and(|p| p.trim().is_empty())
        {
            return Err(field(
                "provider",
                "empty (leave the field out instead)".into(),
            ));
        }
        let category = Category::parse(&entry.category).ok_or_else(|| {
            field(
                "category",
                format!(
                    "{:?} is not one of media, signalling, telemetry, auth, web, storage, cdn, other",
                    entry.category
                ),
            )
        })?;
        let source = match entry.source.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => s.to_owned(),
            _ => return Err(field("source", "missing".into())),
        };
        let date = match &entry.date {
            Some(d) if is_iso_date(d) => d.clone(),
            Some(d) => return Err(field("date", format!("{d:?} is not a YYYY-MM-DD date"))),
            None => return Err(field("date", "missing".into())),
        };
        let protocol = match &entry.protocol {
            Some(p) => Some(
                parse_protocol(p)
                    .ok_or_else(|| field("protocol", format!("{p:?} is not \"tcp\" or \"udp\"")))?,
            ),
            None => None,
        };
        let port_set = match &entry.ports {
            Some(items) => Some(PortSet::parse(items).map_err(|e| field("ports", e))?),
            None => None,
        };
        if port_set.is_some() && protocol.is_none() {
            return Err(field(
                "ports",
                "needs a protocol (\"tcp\" or \"udp\")".into(),
            ));
        }
        let is_port_rule = entry.names.is_empty() && entry.ranges.is_empty();
        if is_port_rule && port_set.is_none() {
            return Err(field(
                "names",
                "no names, ranges or ports: the entry matches nothing".into(),
            ));
        }
        if !is_port_rule && entry.ranges.is_empty() && (port_set.is_some() || protocol.is_some()) {
            return Err(field(
                "ports",
                "protocol and ports qualify ranges; an entry with names and no ranges cannot have them".into(),
            ));
        }
        rules += entry.names.len() + entry.ranges.len() + usize::from(is_port_rule);
        if rules > MAX_RULES {
            return Err(CatalogError::TooManyRules);
        }
        let id_of = |services: &[Service], i: usize| {
            services
                .get(i)
                .map_or_else(|| entry.id.clone(), |s| s.id.clone())
        };
        for text in &entry.names {
            let pattern = Pattern::parse(text).map_err(|e| field("names", e))?;
            names
                .insert(pattern, index)
                .map_err(|other| CatalogError::DuplicateName {
                    pattern: text.clone(),
                    first: id_of(&services, other),
                    second: entry.id.clone(),
                })?;
        }
        for text in &entry.ranges {
            let net: IpNet = text
                .parse()
                .map_err(|_| field("ranges", format!("{text:?} is not a CIDR prefix")))?;
            if net.trunc() != net {
                return Err(field(
                    "ranges",
                    format!(
                        "{text:?} has host bits set (the network is {})",
                        net.trunc()
                    ),
                ));
            }
            ranges
                .insert(net, protocol, port_set.clone(), index)
                .map_err(|(other, rule)| CatalogError::AmbiguousRange {
                    rule,
                    first: id_of(&services, other),
                    second: entry.id.clone(),
                })?;
        }
        if is_port_rule && let (Some(protocol), Some(set)) = (protocol, port_set) {
            ports
                .insert(protocol, set, index)
                .map_err(|(other, rule)| CatalogError::AmbiguousPort {
                    rule,
                    first: id_of(&services, other),
                    second: entry.id.clone(),
                })?;
        }
        services.push(Service {
            id: entry.id,
            name: entry.name,
            provider: entry.provider,
            category,
            source,
            date,
            note: entry.note,
        });
    }
    let info = CatalogInfo {
        path: SERVICES_PATH.to_string(),
        date: file.catalog_date,
        sha256: crate::digest::sha256_hex(text.as_bytes()),
        services: services.len(),
        name_rules: names.len(),
        range_rules: ranges.len(),
        port_rules: ports.len(),
    };
    Ok(Catalog {
        services,
        names,
        ranges,
        ports,
        info,
    })
}
