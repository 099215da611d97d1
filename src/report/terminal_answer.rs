//! The answer part of the terminal summary: did data leave, on what evidence, and which
//! inside host sent it.

use super::answer::SCAN_MIN_UNANSWERED;
use super::answer_model::{ByLeft, Sent};
use super::model::Report;
use super::terminal_place::short;
use super::units::bytes;
use crate::place::answer::Left;
use std::io::{self, Write};

pub fn write_answer(report: &Report, top: usize, out: &mut impl Write) -> io::Result<()> {
    let a = &report.summary.answer;
    writeln!(
        out,
        "\nDid data leave? (each destination judged on its round trips, names and databases)"
    )?;
    writeln!(
        out,
        "  {:<30}  {:<7}  {:>6}  {:>9}  {:>9}",
        "", "", "flows", "payload", "on wire"
    )?;
    let table = |out: &mut dyn Write, label: &str, t: &ByLeft, db: &Sent| -> io::Result<()> {
        for (i, left) in Left::ALL.into_iter().enumerate() {
            let s = t.get(left);
            writeln!(
                out,
                "  {:<30}  {:<7}  {:>6}  {:>9}  {:>9}",
                if i == 0 { label } else { "" },
                left.name(),
                s.flows,
                bytes(s.payload_to_remote),
                bytes(s.bytes_to_remote)
            )?;
        }
        writeln!(
            out,
            "  {:<30}  {:<7}  {:>6}  {:>9}  {:>9}  (databases alone, for comparison)",
            "",
            "db: yes",
            db.flows,
            bytes(db.payload_to_remote),
            bytes(db.bytes_to_remote)
        )
    };
    if let (Some(home), Some(t), Some(db)) = (
        &report.summary.placement.home,
        &a.left_home,
        &a.database_only.left_home,
    ) {
        table(out, &format!("left the home country ({home})"), t, db)?;
    }
    table(
        out,
        "left the EU/EEA",
        &a.left_eu_eea,
        &a.database_only.left_eu_eea,
    )?;
    // The map's order is `Basis`'s: strongest evidence first.
    let basis: Vec<String> = a
        .by_basis
        .left_eu_eea
        .iter()
        .filter(|(_, s)| s.flows > 0)
        .map(|(b, s)| format!("{} {}", b.name(), s.flows))
        .collect();
    if !basis.is_empty() {
        writeln!(
            out,
            "  EU/EEA answer by evidence (flows): {}",
            basis.join(", ")
        )?;
    }
    if a.unanswered.flows > 0 {
        writeln!(
            out,
            "  never answered (no data exchanged, kept out of the above): {} flows, {} on the wire",
            a.unanswered.flows,
            bytes(a.unanswered.bytes_to_remote)
        )?;
    }
    write_hosts(report, top, out)
}

fn write_hosts(report: &Report, top: usize, out: &mut impl Write) -> io::Result<()> {
    let h = &report.summary.hosts;
    if h.hosts.is_empty() || top == 0 {
        return Ok(());
    }
    writeln!(
        out,
        "\nWho sent it: inside hosts by payload sent ({} of {})",
        top.min(h.hosts.len()),
        h.counted
    )?;
    writeln!(
        out,
        "  {:>3}  {:<39}  {:>6}  {:>9}  {:>9}  {:>10}  most sent to (zone, provider, service)",
        "#", "host", "flows", "payload", "left EU", "unanswered"
    )?;
    for (i, host) in h.hosts.iter().take(top).enumerate() {
        let to = host.to.first().map_or("-".to_string(), |d| {
            format!(
                "{}, {}, {}",
                d.zone.map_or("?", |z| z.name()),
                d.provider.as_deref().unwrap_or("-"),
                d.service.as_deref().unwrap_or("-")
            )
        });
        writeln!(
            out,
            "  {:>3}  {:<39}  {:>6}  {:>9}  {:>9}  {:>10}  {}{}",
            i + 1,
            host.ip,
            host.sent.flows,
            bytes(host.sent.payload_to_remote),
            bytes(host.left_eu_eea.yes.payload_to_remote),
            host.unanswered_flows,
            short(&to, 48),
            if host.scanning { "  SCANNING" } else { "" }
        )?;
    }
    if h.scanning > 0 {
        writeln!(
            out,
            "  {} host(s) look like scanners: {} or more unanswered flows, more than answered",
            h.scanning, SCAN_MIN_UNANSWERED
        )?;
    }
    Ok(())
}
