//! The physics part of the terminal summary: database claims against round trips.

use super::model::Report;
use super::terminal_place::short;
use super::units::bytes;
use std::io::{self, Write};

/// Write the physics section, listing at most `top` destinations (contradictions first).
pub fn write_physics(report: &Report, top: usize, out: &mut impl Write) -> io::Result<()> {
    let p = &report.summary.physics;
    let vantages: Vec<String> = p
        .vantages
        .iter()
        .map(|v| {
            let home = if v.from_home { ", from --home" } else { "" };
            format!("{} ({}{home})", v.vantage, v.kind)
        })
        .collect();
    writeln!(
        out,
        "\nWhat the round trips prove (vantage: {})",
        if vantages.is_empty() {
            "none; give --vantage or --home".to_string()
        } else {
            vantages.join("; ")
        }
    )?;
    writeln!(
        out,
        "  {} samples; {} addresses timed; database country contradicted for {}; proven within the EU/EEA: {}",
        p.samples, p.timed, p.contradicted_destinations, p.proven_eu_eea_destinations
    )?;
    let line = |out: &mut dyn Write, label: &str, v: &super::model::Volume| {
        writeln!(
            out,
            "  {label:<44}  {:>5} flows  {:>9} sent  {:>9} received",
            v.flows,
            bytes(v.bytes_to),
            bytes(v.bytes_from)
        )
    };
    if p.contradicted.flows > 0 {
        line(
            out,
            "to addresses whose database country is wrong",
            &p.contradicted,
        )?;
    }
    if p.proven_eu_eea.flows > 0 {
        line(
            out,
            "to addresses proven within the EU/EEA",
            &p.proven_eu_eea,
        )?;
    }
    if p.anycast.flows > 0 {
        line(out, "to anycast addresses", &p.anycast)?;
    }
    if p.table.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "  (a round trip places whatever answered: a proxy or DNS interceptor on the path answers for the server)"
    )?;
    // Contradictions first, then fastest (kept in that order by the summary).
    let rows = &p.table;
    writeln!(
        out,
        "  {:<39}  {:>9}  {:<13}  {:>6}  {:<7}  {:>7}  verdict",
        "remote", "rtt ms", "source", "max km", "db", "db km"
    )?;
    for d in rows.iter().take(top) {
        let mut verdict = d.verdict.name().to_string();
        if d.within_eu_eea {
            verdict.push_str(", in EU/EEA");
        }
        if let Some(a) = d.anycast {
            verdict.push_str(&format!(", anycast ({a})"));
        }
        if !d.contradicted.is_empty() {
            verdict.push_str(&format!(" [{}]", d.contradicted.join(", ")));
        }
        writeln!(
            out,
            "  {:<39}  {:>9.3}  {:<13}  {:>6}  {:<7}  {:>7}  {}",
            short(&d.ip, 39),
            d.rtt_ms,
            d.rtt_source.name(),
            d.max_distance_km,
            d.country.as_deref().unwrap_or("-"),
            d.claim_distance_km
                .map_or_else(|| "-".to_string(), |k| k.to_string()),
            verdict
        )?;
    }
    let timed = usize::try_from(p.timed).unwrap_or(usize::MAX);
    if timed > rows.len().min(top) {
        writeln!(
            out,
            "  … {} more in the JSON report (addresses[].physics)",
            timed - rows.len().min(top)
        )?;
    }
    Ok(())
}
