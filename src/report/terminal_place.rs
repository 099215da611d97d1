//! The placement part of the terminal summary: the table a DPO reads.

use super::model::{Report, Volume};
use super::units::bytes;
use crate::place::legal::Zone;
use std::io::{self, Write};

pub fn write_placement(report: &Report, out: &mut impl Write) -> io::Result<()> {
    let p = &report.summary.placement;
    let geo = &report.head.geo;
    let dbs: Vec<String> = geo
        .databases
        .iter()
        .map(|d| format!("{} {}", d.name, d.build))
        .collect();
    writeln!(
        out,
        "\nWhere the data went by the databases' country{}",
        match &p.home {
            Some(h) => format!(" (home {h})"),
            None => " (no --home given)".to_string(),
        }
    )?;
    writeln!(
        out,
        "  geo data: {}",
        if dbs.is_empty() {
            "none".to_string()
        } else {
            dbs.join(", ")
        }
    )?;
    let row = |out: &mut dyn Write, label: &str, v: &Volume| {
        writeln!(
            out,
            "  {:<34}  {:>5}  {:>9}  {:>9}",
            label,
            v.flows,
            bytes(v.bytes_to),
            bytes(v.bytes_from)
        )
    };
    writeln!(
        out,
        "  {:<34}  {:>5}  {:>9}  {:>9}",
        "", "flows", "sent", "received"
    )?;
    if let (Some(home), Some(v)) = (&p.home, &p.left_home) {
        row(out, &format!("left the home country ({home})"), v)?;
    }
    row(out, "left the EU/EEA", &p.left_eu_eea)?;
    row(out, "to providers under non-EU law", &p.non_eu_control)?;
    row(out, "  of which US (CLOUD Act)", &p.cloud_act)?;
    if p.unplaced.flows > 0 {
        row(out, "to destinations of unknown country", &p.unplaced)?;
    }
    writeln!(out, "  by zone of the destination")?;
    for zone in Zone::ALL.map(Zone::name) {
        if let Some(v) = p.by_zone.get(zone).filter(|v| v.flows > 0) {
            row(out, &format!("    {zone}"), v)?;
        }
    }
    writeln!(out, "  by jurisdiction of the provider")?;
    for (j, v) in &p.by_jurisdiction {
        row(out, &format!("    {j}"), v)?;
    }
    if !p.by_provider.is_empty() {
        writeln!(out, "  by provider")?;
        for pv in p.by_provider.iter().take(10) {
            let label = format!(
                "    {} ({}{})",
                short(&pv.name, 22),
                pv.jurisdiction.as_deref().unwrap_or("?"),
                if pv.fallback { "*" } else { "" }
            );
            row(out, &label, &pv.volume)?;
        }
        if p.by_provider.iter().any(|pv| pv.fallback) {
            writeln!(
                out,
                "  * not in the provider table: the ASN's registration country stands in"
            )?;
        }
    }
    if !geo.attribution.is_empty() {
        writeln!(out, "  data: {}", geo.attribution.join("; "))?;
    }
    if p.unanswered.flows > 0 {
        row(out, "never answered (in none of the above)", &p.unanswered)?;
    }
    if p.disputed_destinations > 0 {
        writeln!(
            out,
            "  {} destination(s) where the geo databases disagree on the country",
            p.disputed_destinations
        )?;
    }
    for e in &report.summary.geo_errors {
        writeln!(
            out,
            "  ! {}: {} destination(s) met a record this database cannot decode (the file is damaged); they are placed by the other databases, and the run is incomplete",
            e.db, e.addresses
        )?;
        if let Some(first) = e.first.first() {
            let record = first
                .record
                .map_or_else(|| "the search tree".to_string(), |r| format!("record {r}"));
            writeln!(
                out,
                "    e.g. {} ({record}): {}",
                first.ip,
                short(&first.error, 100)
            )?;
        }
    }
    Ok(())
}

/// At most `max` characters, with an ellipsis when cut.
pub fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}
