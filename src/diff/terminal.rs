//! The diff for people: what changed between two runs, in sections, with signed changes and
//! the units of the analysis summary. It only formats the [`Diff`].

use super::model::{
    ByLeft, Count, Destination, Diff, HostVerdict, HostnameEntry, Sent, Side, Status, Verdict,
    Volume,
};
use crate::report::units::{bytes, count};
use std::io::{self, Write};

/// At most `max` characters, with an ellipsis when cut.
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// A signed count: `+3`, `-2`, `0`.
pub fn signed_count(n: i64) -> String {
    match n {
        0 => "0".to_owned(),
        n if n > 0 => format!("+{}", count(n.unsigned_abs())),
        n => format!("-{}", count(n.unsigned_abs())),
    }
}

/// A signed byte count in the summary's units: `+780 B`, `-1.22 kB`, `0 B`.
pub fn signed_bytes(n: i64) -> String {
    match n {
        0 => "0 B".to_owned(),
        n if n > 0 => format!("+{}", bytes(n.unsigned_abs())),
        n => format!("-{}", bytes(n.unsigned_abs())),
    }
}

/// Writes the diff; each list shows at most `top` entries and says how many it left out.
pub fn write_terminal(d: &Diff, top: usize, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "residency diff: {} → {}", d.old.path, d.new.path)?;
    side(out, "old", &d.old)?;
    side(out, "new", &d.new)?;
    if !d.warnings.is_empty() {
        writeln!(
            out,
            "\nWarnings: the reports were made differently; a difference below may come from \
             this, not from the traffic"
        )?;
        for w in &d.warnings {
            writeln!(
                out,
                "  {:<13} {}: {} → {}",
                w.kind.name(),
                w.field,
                w.old,
                w.new
            )?;
        }
    }
    if !d.differences {
        writeln!(
            out,
            "\nNo differences: the two reports give the same answers and volumes."
        )?;
        return Ok(());
    }
    totals(out, d)?;
    answer(out, d)?;
    placement(out, d, top)?;
    services(out, d, top)?;
    destinations(
        out,
        "destinations",
        &d.destinations.new,
        &d.destinations.vanished,
        top,
    )?;
    hostnames(out, &d.hostnames.new, &d.hostnames.vanished, top)?;
    verdicts(out, d, top)
}

fn side(out: &mut impl Write, label: &str, s: &Side) -> io::Result<()> {
    writeln!(
        out,
        "  {label}  {}  residency {}, home {}, {} input(s), {} … {}{}",
        s.path,
        s.tool_version,
        s.home.as_deref().unwrap_or("none"),
        s.inputs.len(),
        s.first_packet.as_deref().unwrap_or("-"),
        s.last_packet.as_deref().unwrap_or("-"),
        if s.complete { "" } else { "  INCOMPLETE" }
    )?;
    for i in &s.inputs {
        writeln!(
            out,
            "         {}  sha256 {}",
            i.path,
            i.sha256.as_deref().unwrap_or("-")
        )?;
    }
    Ok(())
}

const COUNT_HEAD: &str = "     old     new  change";
const BYTES_HEAD: &str = "       old        new     change";

fn counts(c: &Count) -> String {
    format!("{:>8}{:>8}{:>8}", c.old, c.new, signed_count(c.change))
}

fn byte_counts(c: &Count) -> String {
    format!(
        "{:>10} {:>10} {:>10}",
        bytes(c.old),
        bytes(c.new),
        signed_bytes(c.change)
    )
}

fn totals(out: &mut impl Write, d: &Diff) -> io::Result<()> {
    let t = &d.totals;
    writeln!(out, "\nTotals{:>28}{BYTES_HEAD}", "")?;
    writeln!(
        out,
        "  {:<32}{}",
        "bytes sent to remote",
        byte_counts(&t.bytes_to_remote)
    )?;
    writeln!(
        out,
        "  {:<32}{}",
        "bytes received from remote",
        byte_counts(&t.bytes_from_remote)
    )?;
    let wide = |c: &Count| {
        format!(
            "{:>10} {:>10} {:>10}",
            count(c.old),
            count(c.new),
            signed_count(c.change)
        )
    };
    writeln!(out, "  {:<32}{}", "flows", wide(&t.flows))?;
    writeln!(out, "  {:<32}{}", "destinations", wide(&t.destinations))
}

fn answer(out: &mut impl Write, d: &Diff) -> io::Result<()> {
    writeln!(
        out,
        "\nDid data leave? (each destination's final answer; answered flows, payload sent)"
    )?;
    writeln!(out, "  {:<41}{COUNT_HEAD}  {BYTES_HEAD}", "")?;
    let table = |out: &mut dyn Write, label: &str, t: &ByLeft| -> io::Result<()> {
        for (i, (name, s)) in [("yes", &t.yes), ("no", &t.no), ("unknown", &t.unknown)]
            .into_iter()
            .enumerate()
        {
            writeln!(
                out,
                "  {:<32}  {:<7}{}  {}",
                if i == 0 { label } else { "" },
                name,
                counts(&s.flows),
                byte_counts(&s.payload_to_remote)
            )?;
        }
        Ok(())
    };
    if let Some(t) = &d.answer.left_home {
        let home = match (&d.old.home, &d.new.home) {
            (Some(a), Some(b)) if a != b => format!("{a} → {b}"),
            (_, Some(b)) => b.clone(),
            _ => "?".to_owned(),
        };
        table(out, &format!("left the home country ({home})"), t)?;
    }
    table(out, "left the EU/EEA", &d.answer.left_eu_eea)?;
    let u: &Sent = &d.answer.unanswered;
    if u.flows.old > 0 || u.flows.new > 0 {
        writeln!(
            out,
            "  {:<36}{}",
            "never answered (flows)",
            counts(&u.flows)
        )?;
    }
    Ok(())
}

fn volume_row(
    out: &mut impl Write,
    label: &str,
    v: &Volume,
    status: Option<Status>,
) -> io::Result<()> {
    let mark = match status {
        Some(Status::New) => "  new",
        Some(Status::Vanished) => "  vanished",
        _ => "",
    };
    writeln!(
        out,
        "  {:<34}{}  {}{mark}",
        short(label, 34),
        counts(&v.flows),
        byte_counts(&v.bytes_to)
    )
}

fn placement(out: &mut impl Write, d: &Diff, top: usize) -> io::Result<()> {
    let p = &d.placement;
    writeln!(
        out,
        "\nWhere the data went (databases' country; answered flows, bytes sent)"
    )?;
    writeln!(out, "  {:<34}{COUNT_HEAD}  {BYTES_HEAD}", "")?;
    writeln!(out, "  by zone")?;
    for r in p
        .by_zone
        .iter()
        .filter(|r| r.volume.flows.old + r.volume.flows.new > 0 || r.volume.changed())
    {
        volume_row(out, &format!("  {}", r.name), &r.volume, Some(r.status))?;
    }
    writeln!(out, "  by jurisdiction of the provider")?;
    for r in &p.by_jurisdiction {
        volume_row(out, &format!("  {}", r.name), &r.volume, Some(r.status))?;
    }
    let changed: Vec<_> = p
        .by_provider
        .iter()
        .filter(|r| r.status != Status::Same)
        .collect();
    writeln!(
        out,
        "  by provider ({} of {} changed)",
        changed.len(),
        p.by_provider.len()
    )?;
    for r in changed.iter().take(top) {
        let j = &r.jurisdiction;
        let law = match (&j.old, &j.new) {
            (Some(a), Some(b)) if a != b => format!("{a} → {b}"),
            (a, b) => b.as_deref().or(a.as_deref()).unwrap_or("?").to_owned(),
        };
        volume_row(
            out,
            &format!("  {} ({law})", r.name),
            &r.volume,
            Some(r.status),
        )?;
    }
    more(out, changed.len(), top)?;
    if let Some(v) = &p.left_home {
        volume_row(out, "left the home country", v, None)?;
    }
    volume_row(out, "left the EU/EEA", &p.left_eu_eea, None)?;
    volume_row(out, "non-EU control", &p.non_eu_control, None)?;
    volume_row(out, "CLOUD Act (US provider)", &p.cloud_act, None)?;
    volume_row(out, "unplaced", &p.unplaced, None)
}

fn more(out: &mut impl Write, len: usize, top: usize) -> io::Result<()> {
    if len > top {
        writeln!(out, "    ... and {} more (--top)", len - top)?;
    }
    Ok(())
}

fn services(out: &mut impl Write, d: &Diff, top: usize) -> io::Result<()> {
    let changed: Vec<_> = d
        .services
        .iter()
        .filter(|r| r.status != Status::Same)
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nServices ({} of {} changed; answered flows, bytes sent)",
        changed.len(),
        d.services.len()
    )?;
    writeln!(out, "  {:<34}{COUNT_HEAD}  {BYTES_HEAD}", "")?;
    for r in changed.iter().take(top) {
        volume_row(out, &r.name, &r.volume, Some(r.status))?;
    }
    more(out, changed.len(), top)
}

/// As the terminal shows it (and the HTML page of a diff).
pub fn answer_text(v: &Verdict) -> String {
    let a = &v.answer;
    let mut parts = Vec::new();
    if let Some(h) = &a.left_home {
        parts.push(format!(
            "left home {h} ({})",
            a.basis_home.as_deref().unwrap_or("?")
        ));
    }
    parts.push(format!(
        "left EU/EEA {} ({})",
        a.left_eu_eea.as_deref().unwrap_or("?"),
        a.basis.as_deref().unwrap_or("?")
    ));
    parts.join(", ")
}

/// As the terminal shows it (and the HTML page of a diff).
pub fn evidence(v: &Verdict) -> String {
    let dbs: Vec<String> = v
        .databases
        .iter()
        .map(|d| format!("{} {}", d.db, d.country.as_deref().unwrap_or("-")))
        .collect();
    let physics = match (&v.physics, v.rtt_ms) {
        (Some(p), Some(ms)) => format!("{p}, {ms} ms from {}", v.vantage.as_deref().unwrap_or("?")),
        (Some(p), None) => p.clone(),
        _ => "-".to_owned(),
    };
    let provider = match (&v.provider, &v.jurisdiction) {
        (Some(p), Some(j)) => format!("{p} ({j})"),
        (Some(p), None) => p.clone(),
        (None, _) => "no provider".to_owned(),
    };
    format!(
        "{}; zone {}, country {} ({}); {provider}; physics {physics}",
        answer_text(v),
        v.zone,
        v.country.as_deref().unwrap_or("-"),
        if dbs.is_empty() {
            "no database".to_owned()
        } else {
            dbs.join(", ")
        },
    )
}

fn destinations(
    out: &mut impl Write,
    what: &str,
    new: &[Destination],
    vanished: &[Destination],
    top: usize,
) -> io::Result<()> {
    for (label, list) in [("New", new), ("Vanished", vanished)] {
        if list.is_empty() {
            continue;
        }
        writeln!(out, "\n{label} {what} ({})", list.len())?;
        for dest in list.iter().take(top) {
            writeln!(
                out,
                "  {:<39} {:>10} sent  {:>3} flows  {}",
                short(&dest.ip, 39),
                bytes(dest.bytes_to),
                dest.flows,
                if dest.hostnames.is_empty() {
                    "-".to_owned()
                } else {
                    short(&dest.hostnames.join(", "), 60)
                }
            )?;
            writeln!(out, "      {}", evidence(&dest.verdict))?;
        }
        more(out, list.len(), top)?;
    }
    Ok(())
}

/// As the terminal shows it (and the HTML page of a diff).
pub fn host_text(v: &HostVerdict) -> String {
    let j = |l: &[String]| {
        if l.is_empty() {
            "-".to_owned()
        } else {
            l.join("/")
        }
    };
    format!(
        "left home {}, left EU/EEA {} ({}); zone {}, country {}, {}",
        j(&v.left_home),
        j(&v.left_eu_eea),
        j(&v.basis),
        j(&v.zones),
        j(&v.countries),
        j(&v.providers)
    )
}

fn hostnames(
    out: &mut impl Write,
    new: &[HostnameEntry],
    vanished: &[HostnameEntry],
    top: usize,
) -> io::Result<()> {
    for (label, list) in [("New", new), ("Vanished", vanished)] {
        if list.is_empty() {
            continue;
        }
        writeln!(out, "\n{label} host names ({})", list.len())?;
        for h in list.iter().take(top) {
            writeln!(
                out,
                "  {:<39} {:>10} sent  {:>3} flows  {}",
                short(&h.name, 39),
                bytes(h.bytes_to),
                h.flows,
                short(&h.verdict.addresses.join(", "), 60)
            )?;
            writeln!(out, "      {}", host_text(&h.verdict))?;
        }
        more(out, list.len(), top)?;
    }
    Ok(())
}

fn verdicts(out: &mut impl Write, d: &Diff, top: usize) -> io::Result<()> {
    let v = &d.verdicts;
    if !v.addresses.is_empty() {
        writeln!(out, "\nChanged verdicts: addresses ({})", v.addresses.len())?;
        for c in v.addresses.iter().take(top) {
            writeln!(
                out,
                "  {}  {}  {} → {} sent  changed: {}",
                c.ip,
                if c.hostnames.is_empty() {
                    "-".to_owned()
                } else {
                    short(&c.hostnames.join(", "), 40)
                },
                bytes(c.bytes_to.old),
                bytes(c.bytes_to.new),
                c.changed.join(", ")
            )?;
            writeln!(out, "      old: {}", evidence(&c.old))?;
            writeln!(out, "      new: {}", evidence(&c.new))?;
        }
        more(out, v.addresses.len(), top)?;
    }
    if !v.hostnames.is_empty() {
        writeln!(
            out,
            "\nChanged verdicts: host names ({})",
            v.hostnames.len()
        )?;
        for c in v.hostnames.iter().take(top) {
            writeln!(
                out,
                "  {}  {} → {} sent  changed: {}",
                c.name,
                bytes(c.bytes_to.old),
                bytes(c.bytes_to.new),
                c.changed.join(", ")
            )?;
            writeln!(
                out,
                "      old: {}  [{}]",
                host_text(&c.old),
                c.old.addresses.join(", ")
            )?;
            writeln!(
                out,
                "      new: {}  [{}]",
                host_text(&c.new),
                c.new.addresses.join(", ")
            )?;
        }
        more(out, v.hostnames.len(), top)?;
    }
    Ok(())
}
