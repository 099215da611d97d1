//! The merged totals for a person: one line per report, the summed headline, the warnings.

use super::Merged;
use crate::report::units::{bytes, count};
use serde_json::Value;
use std::io::{self, Write};

pub fn write(m: &Merged, out: &mut impl Write) -> io::Result<()> {
    let s = &m.summary;
    let state = if s["complete"] == Value::Bool(true) {
        "complete".to_string()
    } else {
        format!("INCOMPLETE: {}", join(&s["incomplete"]))
    };
    writeln!(
        out,
        "residency merge: {} report(s), {} input(s), {} flows, {}; {state}",
        m.reports.len(),
        m.inputs.len(),
        count(u(&s["flows"]["total"])),
        bytes(u(&s["bytes"])),
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "  {:>3}  {:<16} {:>6} {:>8} {:>10}  {:>18}  {:>18}  report",
        "#", "sensor", "inputs", "flows", "bytes", "left EU/EEA", "left home"
    )?;
    for (i, r) in m.reports.iter().enumerate() {
        writeln!(
            out,
            "  {:>3}  {:<16} {:>6} {:>8} {:>10}  {:>18}  {:>18}  {}{}",
            i,
            r.sensor.as_deref().unwrap_or("-"),
            r.inputs.len(),
            count(r.flows),
            bytes(r.bytes),
            payload(&r.left_eu_eea),
            payload(&r.left_home),
            r.path,
            if r.complete { "" } else { "  (incomplete)" }
        )?;
    }
    let answer = &s["answer"];
    writeln!(
        out,
        "  {:>3}  {:<16} {:>6} {:>8} {:>10}  {:>18}  {:>18}",
        "",
        "total",
        m.inputs.len(),
        count(u(&s["flows"]["total"])),
        bytes(u(&s["bytes"])),
        payload(&answer["left_eu_eea"]["yes"]),
        payload(&answer["left_home"]["yes"]),
    )?;
    writeln!(
        out,
        "  (left: payload of flows whose destination's answer is yes, and their count)"
    )?;
    writeln!(out)?;
    writeln!(out, "Did data leave? (the reports' answers, summed)")?;
    writeln!(
        out,
        "  {:<30} {:<8} {:>6} {:>10}",
        "", "", "flows", "payload"
    )?;
    let home = s["placement"]["home"].as_str();
    for (label, key) in [
        (
            home.map_or("left the home country".to_string(), |h| {
                format!("left the home country ({h})")
            }),
            "left_home",
        ),
        ("left the EU/EEA".to_string(), "left_eu_eea"),
    ] {
        let part = &answer[key];
        if part.is_null() {
            let why = if home.is_none() && m.reports.iter().all(|r| r.home.is_none()) {
                "no home country (the reports were made without --home)"
            } else {
                "not summed: the reports' home countries differ (see the warnings)"
            };
            writeln!(out, "  {label:<30} {why}")?;
            continue;
        }
        for (i, verdict) in ["yes", "no", "unknown"].into_iter().enumerate() {
            let row = &part[verdict];
            writeln!(
                out,
                "  {:<30} {:<8} {:>6} {:>10}",
                if i == 0 { label.as_str() } else { "" },
                verdict,
                count(u(&row["flows"])),
                bytes(u(&row["payload_to_remote"]))
            )?;
        }
    }
    let control = &s["placement"]["non_eu_control"];
    writeln!(
        out,
        "  {:<30} {:<8} {:>6} {:>10} sent",
        "to providers under non-EU law",
        "",
        count(u(&control["flows"])),
        bytes(u(&control["bytes_to"]))
    )?;
    writeln!(
        out,
        "  remote destinations: {} distinct addresses",
        count(u(&s["destinations"]))
    )?;
    if !m.warnings.is_empty() {
        writeln!(out)?;
        writeln!(out, "Warnings")?;
        for w in &m.warnings {
            writeln!(out, "  {w}")?;
        }
    }
    Ok(())
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

fn payload(v: &Value) -> String {
    if v.is_null() {
        return "-".to_string();
    }
    format!(
        "{} ({})",
        bytes(u(&v["payload_to_remote"])),
        count(u(&v["flows"]))
    )
}

fn join(v: &Value) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}
