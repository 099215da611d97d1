//! The services part of the terminal summary: what the data was, and how much of it left.

use super::model::{Report, ServiceVolume};
use super::terminal_place::short;
use super::units::bytes;
use std::io::{self, Write};

/// Services listed in the terminal (the JSON report has them all).
const TOP_SERVICES: usize = 12;

pub fn write_services(report: &Report, out: &mut impl Write) -> io::Result<()> {
    let s = &report.summary.services;
    let home = report.summary.placement.home.as_deref();
    writeln!(
        out,
        "\nWhat the data was (services: {} {})",
        report.head.geo.services_table.file, report.head.geo.services_table.date
    )?;
    let left_home = match home {
        Some(h) => format!("left {h}"),
        None => "left home".to_string(),
    };
    writeln!(
        out,
        "  {:<40}  {:<10}  {:>5}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}  {:>10}",
        "",
        "category",
        "flows",
        "payload",
        "sent",
        "received",
        left_home,
        "left EU",
        "US law",
        "unanswered"
    )?;
    let row = |out: &mut dyn Write, label: &str, category: &str, v: &ServiceVolume| {
        writeln!(
            out,
            "  {:<40}  {:<10}  {:>5}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}  {:>10}",
            short(label, 40),
            category,
            v.volume.flows,
            bytes(v.payload_to),
            bytes(v.volume.bytes_to),
            bytes(v.volume.bytes_from),
            v.left_home
                .as_ref()
                .map_or("-".to_string(), |l| bytes(l.bytes_to)),
            bytes(v.left_eu_eea.bytes_to),
            bytes(v.cloud_act.bytes_to),
            v.unanswered,
        )
    };
    for t in s.by_service.iter().take(TOP_SERVICES) {
        row(out, &t.name, t.category, &t.volume)?;
    }
    if s.by_service.len() > TOP_SERVICES {
        writeln!(
            out,
            "  … {} more services in the JSON report",
            s.by_service.len() - TOP_SERVICES
        )?;
    }
    if s.unclassified.volume.flows + s.unclassified.unanswered > 0 {
        row(out, "(no service matched)", "-", &s.unclassified)?;
    }
    writeln!(out, "  by category")?;
    for (category, v) in s
        .by_category
        .iter()
        .filter(|(_, v)| v.volume.flows + v.unanswered > 0)
    {
        row(out, &format!("    {category}"), "", v)?;
    }
    writeln!(
        out,
        "  answered flows; payload is the data itself, sent/left columns count IP bytes sent; named by {}",
        s.by_hostname_source
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    Ok(())
}
