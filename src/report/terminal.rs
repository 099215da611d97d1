//! The terminal summary: what a person reads after `residency analyze`. It only formats the
//! report model.

use super::model::Report;
use super::units::{bytes, count};
use std::io::{self, Write};

/// Write the summary, listing at most `top` remote destinations.
pub fn write_terminal(report: &Report, top: usize, out: &mut impl Write) -> io::Result<()> {
    let s = &report.summary;
    writeln!(
        out,
        "{} {}: {} input(s), {} packets, {} flows, {}",
        report.head.tool.name,
        report.head.tool.version,
        report.inputs.len(),
        s.packets.read,
        s.flows.total,
        bytes(s.bytes)
    )?;
    writeln!(out, "\nInputs")?;
    for (i, input) in report.inputs.iter().enumerate() {
        writeln!(
            out,
            "  [{i}] {}  {} ({})  {} packets  {} … {}",
            input.path,
            input.format,
            input.link_types.join(", "),
            input.packets,
            input.first_packet.as_deref().unwrap_or("-"),
            input.last_packet.as_deref().unwrap_or("-"),
        )?;
        match &input.live {
            Some(live) => write_live(out, live, input.complete)?,
            None => writeln!(
                out,
                "      sha256 {}{}",
                input
                    .sha256
                    .as_deref()
                    .unwrap_or("(not computed: read error)"),
                if input.complete { "" } else { "  PARTIAL" }
            )?,
        }
    }
    writeln!(out, "\nTotals")?;
    let join = |m: &std::collections::BTreeMap<&'static str, u64>| {
        if m.is_empty() {
            return "-".to_string();
        }
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(out, "  flows by transport  {}", join(&s.flows.by_transport))?;
    writeln!(out, "  flows by scope      {}", join(&s.flows.by_scope))?;
    writeln!(
        out,
        "  bytes               {} sent to remote, {} received from remote, {} in all",
        bytes(s.bytes_to_remote),
        bytes(s.bytes_from_remote),
        bytes(s.bytes)
    )?;
    let sk = &s.packets.skipped;
    writeln!(
        out,
        "  packets             {} in flows, {} not IP, {} malformed, {} unsupported link, {} invalid records",
        s.packets.in_flows, sk.non_ip, sk.malformed, sk.unsupported_link, sk.invalid_record
    )?;
    if s.flow_table.evicted > 0 || s.fragments.unattributed > 0 {
        writeln!(
            out,
            "  note                {} flows evicted from a full table (--max-flows {}), {} fragments without their first fragment",
            s.flow_table.evicted, s.flow_table.max_flows, s.fragments.unattributed
        )?;
    }
    write_capture_loss(&s.capture_loss, out)?;
    super::terminal_answer::write_answer(report, top, out)?;
    super::terminal_place::write_placement(report, out)?;
    super::terminal_names::write_services(report, out)?;
    super::terminal_physics::write_physics(report, top, out)?;
    let shown = &s.top_destinations;
    if !shown.is_empty() {
        writeln!(
            out,
            "\nTop remote destinations by bytes ({} of {})",
            top.min(shown.len()),
            s.destinations
        )?;
        writeln!(
            out,
            "  {:>3}  {:<39}  {:<32}  {:>5}  {:>9}  {:>9}  {:<7}  {:<8}  {:<20}  control",
            "#", "remote", "name", "flows", "sent", "received", "country", "zone", "provider",
        )?;
        for (i, d) in shown.iter().take(top).enumerate() {
            writeln!(
                out,
                "  {:>3}  {:<39}  {:<32}  {:>5}  {:>9}  {:>9}  {:<7}  {:<8}  {:<20}  {}",
                i + 1,
                d.ip,
                super::terminal_place::short(
                    &match d.hostnames.len() {
                        0 => "-".to_string(),
                        1 => d.hostnames[0].clone(),
                        n => format!("{} +{}", d.hostnames[0], n - 1),
                    },
                    32
                ),
                d.flows,
                bytes(d.bytes_to),
                bytes(d.bytes_from),
                format!(
                    "{}{}",
                    d.geo.country.as_deref().unwrap_or("?"),
                    if d.geo.agree { "" } else { "!" }
                ),
                d.jurisdiction.zone.name(),
                super::terminal_place::short(
                    d.provider
                        .as_ref()
                        .and_then(|p| p.name.as_deref())
                        .unwrap_or("-"),
                    20
                ),
                d.provider
                    .as_ref()
                    .and_then(|p| p.jurisdiction.as_deref())
                    .unwrap_or("-"),
            )?;
        }
        if shown.iter().take(top).any(|d| !d.geo.agree) {
            writeln!(
                out,
                "  ! the geo databases disagree on this country (every answer is in the JSON report)"
            )?;
        }
    }
    let errors: Vec<_> = report
        .inputs
        .iter()
        .flat_map(|i| i.errors.iter().map(move |e| (i, e)))
        .collect();
    if !errors.is_empty() {
        writeln!(
            out,
            "\nErrors (the result covers each file up to its damage)"
        )?;
        for (input, e) in errors {
            writeln!(
                out,
                "  {}: {} at byte {} (packet {}): {}",
                input.path, e.kind, e.offset, e.packet, e.message
            )?;
        }
    }
    Ok(())
}

/// A live input: where and when it listened, what libpcap counted and the files it kept.
fn write_live(out: &mut dyn Write, live: &super::LiveReport, complete: bool) -> io::Result<()> {
    writeln!(
        out,
        "      sensor {}, {} … {} (stopped by {}){}",
        live.sensor,
        live.started,
        live.stopped,
        live.stopped_by,
        if complete { "" } else { "  PARTIAL" }
    )?;
    let lost = live.dropped + live.if_dropped;
    writeln!(
        out,
        "      libpcap: {} received, {} dropped by the kernel buffer, {} by the interface{}",
        live.received,
        live.dropped,
        live.if_dropped,
        if lost > 0 {
            "  PACKETS LOST: every number is a lower bound"
        } else {
            ""
        }
    )?;
    for (what, files) in [("pcapng", &live.pcap_files), ("flows", &live.flow_files)] {
        if let (Some(first), Some(last)) = (files.first(), files.last()) {
            let records: u64 = files.iter().map(|f| f.records).sum();
            writeln!(
                out,
                "      {what}: {} file(s), {} … {}, {records} records (SHA-256 of each in the report)",
                files.len(),
                first.path,
                last.path
            )?;
        }
    }
    Ok(())
}

/// One line when ACKs could be checked: the capture-loss estimate (docs/capture-loss.md).
fn write_capture_loss(
    loss: &super::model::CaptureLossReport,
    out: &mut impl Write,
) -> io::Result<()> {
    let Some(percent) = loss.percent else {
        return Ok(());
    };
    let shown = if loss.gaps > 0 && percent < 0.01 {
        "<0.01".to_string()
    } else {
        format!("{percent:.2}")
    };
    writeln!(
        out,
        "  capture loss        {shown}% (estimated: TCP ACKs of data never seen; {} gaps in {} ACKs, {} missing){}",
        count(loss.gaps),
        count(loss.acks),
        bytes(loss.gap_bytes),
        if loss.gaps > 0 {
            ": lower bounds, the capture missed at least this"
        } else {
            ""
        }
    )
}
