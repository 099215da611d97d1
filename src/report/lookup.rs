//! `residency lookup`: the placement of addresses given by hand, as JSON or a table.

use super::place::flow_placement;
use super::place_model::{JurisdictionReport, ProviderReport, ServerGeo};
use crate::place::Placer;
use serde::Serialize;
use std::io::{self, Write};
use std::net::IpAddr;

/// One address: the same facts a flow's `server_geo` (flattened), `provider` and
/// `jurisdiction` carry, plus the zone at the top level.
#[derive(Clone, Debug, Serialize)]
pub struct LookupEntry {
    #[serde(flatten)]
    pub geo: ServerGeo,
    pub zone: crate::place::legal::Zone,
    pub provider: Option<ProviderReport>,
    pub jurisdiction: JurisdictionReport,
}

pub fn lookup(placer: &mut Placer, ips: &[IpAddr]) -> Vec<LookupEntry> {
    ips.iter()
        .map(|&ip| {
            let pl = placer.place(ip);
            let p = flow_placement(placer, &pl);
            LookupEntry {
                geo: p.server_geo,
                zone: p.jurisdiction.zone,
                provider: p.provider,
                jurisdiction: p.jurisdiction,
            }
        })
        .collect()
}

pub fn write_lookup_json(entries: &[LookupEntry], out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, entries)?;
    out.write_all(b"\n")
}

pub fn write_lookup_table(entries: &[LookupEntry], out: &mut impl Write) -> io::Result<()> {
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
