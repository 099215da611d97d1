//! "Changes since the baseline": a [`Diff`] of two reports as a section of the page, with the
//! page's own sortable, filterable tables (`tables::open`) and escaping. The same section is
//! the body of the stand-alone page of `residency diff --html` (`diff_page`).
//!
//! Every figure is a field of the diff (`residency diff --json`, docs/diff.md): the cells carry
//! the exact value in `data-v` (signed for changes), and the counts at the top of the section
//! have ids (`changes-*`), so a test or a reader can hold the page against the JSON.

use super::changes_lists;
use super::tables::{close, open, text};
use super::{attr, esc, num_cell, plural, units};
use crate::diff::model::{ByLeft, Count, Diff, Sent, Status, Volume, VolumeRow};
use crate::diff::read::Report;
use crate::diff::terminal::{signed_bytes, signed_count};
use std::fmt::Write as _;

/// Rows listed per table of the section: the largest by bytes sent (the diff's order); the
/// rest are counted and are in `residency diff --json`. As the page's destination table.
pub const MAX_CHANGE_ROWS: usize = super::view::MAX_ADDRESS_ROWS;

/// Two reports compared, and what the page says about each.
pub struct Compared<'a> {
    pub diff: &'a Diff,
    /// OLD (the baseline) and NEW, as read for the diff: the page shows their provenance.
    pub old: &'a Report,
    pub new: &'a Report,
    /// SHA-256 of each report's bytes.
    pub old_sha256: &'a str,
    pub new_sha256: &'a str,
}

/// What the section counts as one change: a new or vanished destination or host name, a
/// changed verdict, a zone, jurisdiction, provider or service whose figures differ (status
/// not `same`). Totals and answers are not counted: they move with these.
pub struct Counts {
    pub destinations_new: usize,
    pub destinations_vanished: usize,
    pub hostnames_new: usize,
    pub hostnames_vanished: usize,
    pub verdicts_addresses: usize,
    pub verdicts_hostnames: usize,
    pub zones: usize,
    pub jurisdictions: usize,
    pub providers: usize,
    pub services: usize,
}

impl Counts {
    pub fn of(d: &Diff) -> Counts {
        let moved = |rows: &[VolumeRow]| rows.iter().filter(|r| r.status != Status::Same).count();
        Counts {
            destinations_new: d.destinations.new.len(),
            destinations_vanished: d.destinations.vanished.len(),
            hostnames_new: d.hostnames.new.len(),
            hostnames_vanished: d.hostnames.vanished.len(),
            verdicts_addresses: d.verdicts.addresses.len(),
            verdicts_hostnames: d.verdicts.hostnames.len(),
            zones: moved(&d.placement.by_zone),
            jurisdictions: moved(&d.placement.by_jurisdiction),
            providers: d
                .placement
                .by_provider
                .iter()
                .filter(|r| r.status != Status::Same)
                .count(),
            services: d
                .services
                .iter()
                .filter(|r| r.status != Status::Same)
                .count(),
        }
    }

    /// All of them: the "N changes" of the page's top line.
    pub fn total(&self) -> usize {
        self.destinations_new
            + self.destinations_vanished
            + self.hostnames_new
            + self.hostnames_vanished
            + self.verdicts_addresses
            + self.verdicts_hostnames
            + self.zones
            + self.jurisdictions
            + self.providers
            + self.services
    }

    /// `(id, count, one, many)`, in the order the section lists them.
    fn items(&self) -> [(&'static str, usize, &'static str, &'static str); 10] {
        [
            (
                "destinations-new",
                self.destinations_new,
                "new destination",
                "new destinations",
            ),
            (
                "destinations-vanished",
                self.destinations_vanished,
                "vanished destination",
                "vanished destinations",
            ),
            (
                "hostnames-new",
                self.hostnames_new,
                "new host name",
                "new host names",
            ),
            (
                "hostnames-vanished",
                self.hostnames_vanished,
                "vanished host name",
                "vanished host names",
            ),
            (
                "verdicts-addresses",
                self.verdicts_addresses,
                "address whose verdict changed",
                "addresses whose verdict changed",
            ),
            (
                "verdicts-hostnames",
                self.verdicts_hostnames,
                "host name whose verdict changed",
                "host names whose verdict changed",
            ),
            ("zones", self.zones, "zone that moved", "zones that moved"),
            (
                "jurisdictions",
                self.jurisdictions,
                "jurisdiction that moved",
                "jurisdictions that moved",
            ),
            (
                "providers",
                self.providers,
                "provider that moved",
                "providers that moved",
            ),
            (
                "services",
                self.services,
                "service that moved",
                "services that moved",
            ),
        ]
    }
}

/// The line on the first screen: which baseline, its hash, how many changes, a link down.
pub fn top_line(out: &mut String, c: &Compared) {
    let counts = Counts::of(c.diff);
    let total = counts.total();
    let warnings = c.diff.warnings.len();
    let _ = writeln!(
        out,
        "<p class=\"baseline\" id=\"baseline\">Compared with baseline <a href=\"#changes\">{}</a> \
         (sha256 <code id=\"baseline-sha256\">{}</code>): <strong><span id=\"changes-count\" \
         data-v=\"{total}\">{}</span></strong>{}.</p>",
        esc(&c.diff.old.path),
        esc(c.old_sha256),
        if total == 1 {
            "1 change".to_owned()
        } else {
            format!("{} changes", units::count(total as u64))
        },
        if warnings > 0 {
            format!(
                ", <span class=\"diff-warned\">{} (the reports were made differently)</span>",
                plural(warnings as u64, "warning")
            )
        } else {
            String::new()
        }
    );
}

/// The section: the two reports, warnings, counts, totals and answers, what moved, what is
/// new or gone, changed verdicts.
pub fn write(out: &mut String, c: &Compared) {
    let d = c.diff;
    let _ = writeln!(
        out,
        "<section id=\"changes\"><h2>Changes since the baseline</h2>\n<p class=\"note\">The \
         baseline <code>{}</code> (OLD) against <code>{}</code> (NEW), as <code>residency diff \
         OLD NEW --json</code> compares them (docs/diff.md): changes are NEW − OLD, signed; \
         bytes sent are IP bytes to the remote side.</p>",
        esc(&d.old.path),
        esc(&d.new.path)
    );
    reports(out, c);
    warnings(out, d);
    counts(out, d);
    totals(out, d);
    answer(out, d);
    placement(out, d);
    services(out, d);
    changes_lists::destinations(out, d);
    changes_lists::hostnames(out, d);
    changes_lists::verdicts(out, d);
    out.push_str("</section>\n");
}

/// A signed change: shown with its sign and unit, sorted by its exact value.
fn change_cell(out: &mut String, id: Option<&str>, v: i64, bytes: bool) {
    let shown = if bytes {
        signed_bytes(v)
    } else {
        signed_count(v)
    };
    let class = match v {
        0 => "num",
        v if v > 0 => "num up",
        _ => "num down",
    };
    match id {
        Some(id) => {
            let _ = write!(
                out,
                "<td class=\"{class}\" id=\"{}\" data-v=\"{v}\">{shown}</td>",
                attr(id)
            );
        }
        None => {
            let _ = write!(out, "<td class=\"{class}\" data-v=\"{v}\">{shown}</td>");
        }
    }
}

/// Old, new and change of one figure; `id` (when given) is suffixed `-old`, `-new`, `-change`.
fn count_cells(out: &mut String, id: Option<&str>, c: &Count, bytes: bool) {
    let sub = |s: &str| id.map(|id| format!("{id}-{s}"));
    num_cell(out, sub("old").as_deref(), c.old, bytes);
    num_cell(out, sub("new").as_deref(), c.new, bytes);
    change_cell(out, sub("change").as_deref(), c.change, bytes);
}

/// Old, new and change of a byte count, without ids (rows of a list).
pub(super) fn change_cells_bytes(out: &mut String, c: &Count) {
    count_cells(out, None, c, true);
}

fn status_cell(out: &mut String, s: Status) {
    let word = match s {
        Status::New => "new",
        Status::Vanished => "vanished",
        Status::Changed => "changed",
        Status::Same => "same",
    };
    let _ = write!(out, "<td class=\"st-{word}\">{word}</td>");
}

/// The provenance of both reports: inputs with their SHA-256, tool, home, period, databases.
fn reports(out: &mut String, c: &Compared) {
    out.push_str("<h3 id=\"h-diff-reports\">The two reports</h3>\n");
    open(
        out,
        "t-diff-reports",
        "Each report: its file and SHA-256, the tool that made it, the home country, the \
         capture period, its inputs (SHA-256) and geo databases (build, SHA-256)",
        &[
            "side",
            "report (SHA-256)",
            "tool",
            "home",
            "first packet",
            "last packet",
            "complete",
            "inputs (SHA-256, packets)",
            "geo databases (build, SHA-256)",
        ],
    );
    let sides = [
        ("old", &c.diff.old, c.old, c.old_sha256),
        ("new", &c.diff.new, c.new, c.new_sha256),
    ];
    for (label, side, report, sha) in sides {
        let _ = write!(out, "<tr data-side=\"{label}\">");
        text(out, label);
        text(out, &format!("{} ({sha})", side.path));
        text(
            out,
            format!("{} {}", report.tool.name, report.tool.version).trim(),
        );
        text(out, side.home.as_deref().unwrap_or("none"));
        text(out, side.first_packet.as_deref().unwrap_or(""));
        text(out, side.last_packet.as_deref().unwrap_or(""));
        text(out, if side.complete { "yes" } else { "NO" });
        let inputs: Vec<String> = side
            .inputs
            .iter()
            .map(|i| {
                format!(
                    "{} ({}, {})",
                    i.path,
                    i.sha256.as_deref().unwrap_or("no hash"),
                    plural(i.packets, "packet")
                )
            })
            .collect();
        text(out, &inputs.join("; "));
        let dbs: Vec<String> = report
            .geo
            .databases
            .iter()
            .map(|db| {
                format!(
                    "{} ({}, {})",
                    db.name,
                    db.build.as_deref().unwrap_or("no build date"),
                    db.sha256.as_deref().unwrap_or("no hash")
                )
            })
            .collect();
        text(out, &dbs.join("; "));
        out.push_str("</tr>\n");
    }
    close(out);
}

fn warnings(out: &mut String, d: &Diff) {
    if d.warnings.is_empty() {
        out.push_str(
            "<p id=\"diff-no-warnings\">The two reports were made the same way: the same tool \
             version, geo databases, tables and settings.</p>\n",
        );
        return;
    }
    let _ = writeln!(
        out,
        "<p class=\"warning\" role=\"alert\" id=\"diff-warnings\" data-v=\"{}\"><strong>Warning:\
         </strong> the reports were made differently ({}); a difference below may come from \
         this, not from the traffic.</p>",
        d.warnings.len(),
        plural(d.warnings.len() as u64, "difference")
    );
    open(
        out,
        "t-diff-warnings",
        "What differs in how the two reports were made: the report field and its value in each",
        &["kind", "field", "old", "new"],
    );
    for w in &d.warnings {
        let _ = write!(
            out,
            "<tr data-kind=\"{}\" data-field=\"{}\">",
            w.kind.name(),
            attr(&w.field)
        );
        text(out, w.kind.name());
        text(out, &w.field);
        text(out, &w.old);
        text(out, &w.new);
        out.push_str("</tr>\n");
    }
    close(out);
}

fn counts(out: &mut String, d: &Diff) {
    let c = Counts::of(d);
    let _ = writeln!(
        out,
        "<p>{}: <span id=\"changes-total\" data-v=\"{}\">{}</span>.</p>\n<ul class=\"change-counts\">",
        if d.differences {
            "The reports differ"
        } else {
            "No differences"
        },
        c.total(),
        plural(c.total() as u64, "change")
    );
    for (id, n, one, many) in c.items() {
        let _ = writeln!(
            out,
            "<li><span id=\"changes-{id}\" data-v=\"{n}\">{} {}</span></li>",
            units::count(n as u64),
            if n == 1 { one } else { many }
        );
    }
    out.push_str("</ul>\n");
}

/// Flows, bytes sent and received: all traffic, then the placement's volumes.
fn totals(out: &mut String, d: &Diff) {
    out.push_str("<h3 id=\"h-diff-totals\">Totals</h3>\n");
    let _ = writeln!(
        out,
        "<p>Destinations (address entries): <span id=\"diff-totals-destinations-old\" \
         data-v=\"{}\">{}</span> → <span id=\"diff-totals-destinations-new\" data-v=\"{}\">{}\
         </span> (<span id=\"diff-totals-destinations-change\" data-v=\"{}\">{}</span>).</p>",
        d.totals.destinations.old,
        units::count(d.totals.destinations.old),
        d.totals.destinations.new,
        units::count(d.totals.destinations.new),
        d.totals.destinations.change,
        signed_count(d.totals.destinations.change),
    );
    open(
        out,
        "t-diff-totals",
        "All remote traffic (summary), then the answered flows that left the home country, the \
         EU/EEA, went to providers under non-EU control or the CLOUD Act, or were not placed \
         (summary.placement)",
        &[
            "figure",
            "flows: old",
            "flows: new",
            "flows: change",
            "bytes sent: old",
            "bytes sent: new",
            "bytes sent: change",
            "bytes received: old",
            "bytes received: new",
            "bytes received: change",
        ],
    );
    let t = &d.totals;
    out.push_str("<tr data-figure=\"all\">");
    text(out, "all remote traffic");
    count_cells(out, Some("diff-totals-flows"), &t.flows, false);
    count_cells(
        out,
        Some("diff-totals-bytes_to_remote"),
        &t.bytes_to_remote,
        true,
    );
    count_cells(
        out,
        Some("diff-totals-bytes_from_remote"),
        &t.bytes_from_remote,
        true,
    );
    out.push_str("</tr>\n");
    let p = &d.placement;
    let mut rows: Vec<(&str, &str, &Volume)> = Vec::new();
    if let Some(v) = &p.left_home {
        rows.push(("left_home", "left the home country", v));
    }
    rows.extend([
        ("left_eu_eea", "left the EU/EEA", &p.left_eu_eea),
        ("non_eu_control", "under non-EU control", &p.non_eu_control),
        ("cloud_act", "CLOUD Act (US provider)", &p.cloud_act),
        ("unplaced", "not placed", &p.unplaced),
        ("unanswered", "never answered", &p.unanswered),
    ]);
    for (key, label, v) in rows {
        let _ = write!(out, "<tr data-figure=\"{key}\">");
        text(out, label);
        volume_cells(out, Some(&format!("diff-placement-{key}")), v);
        out.push_str("</tr>\n");
    }
    close(out);
}

fn volume_cells(out: &mut String, id: Option<&str>, v: &Volume) {
    let sub = |s: &str| id.map(|id| format!("{id}-{s}"));
    count_cells(out, sub("flows").as_deref(), &v.flows, false);
    count_cells(out, sub("bytes_to").as_deref(), &v.bytes_to, true);
    count_cells(out, sub("bytes_from").as_deref(), &v.bytes_from, true);
}

/// "Did data leave?" compared: each answer's flows and bytes sent, old, new, change.
fn answer(out: &mut String, d: &Diff) {
    out.push_str("<h3 id=\"h-diff-answer\">Did data leave? Before and after</h3>\n");
    open(
        out,
        "t-diff-answer",
        "Each destination's final answer (summary.answer): answered flows and IP bytes sent, \
         in each report",
        &[
            "question",
            "answer",
            "flows: old",
            "flows: new",
            "flows: change",
            "bytes sent: old",
            "bytes sent: new",
            "bytes sent: change",
        ],
    );
    let home = match (&d.old.home, &d.new.home) {
        (Some(a), Some(b)) if a != b => format!("left the home country ({a} → {b})"),
        (Some(a), _) => format!("left the home country ({a})"),
        _ => "left the home country".to_owned(),
    };
    let mut questions: Vec<(&str, String, &ByLeft)> = Vec::new();
    if let Some(h) = &d.answer.left_home {
        questions.push(("left_home", home, h));
    }
    questions.push((
        "left_eu_eea",
        "left the EU/EEA".to_owned(),
        &d.answer.left_eu_eea,
    ));
    for (key, label, by) in questions {
        for (side, sent) in [("yes", &by.yes), ("no", &by.no), ("unknown", &by.unknown)] {
            let _ = write!(out, "<tr data-question=\"{key}\" data-answer=\"{side}\">");
            text(out, &label);
            let _ = write!(
                out,
                "<td class=\"a-{side}\"><strong>{}</strong></td>",
                side.to_uppercase()
            );
            sent_cells(out, &format!("diff-{key}-{side}"), sent);
            out.push_str("</tr>\n");
        }
    }
    out.push_str("<tr data-question=\"unanswered\">");
    text(out, "never answered");
    text(out, "");
    sent_cells(out, "diff-unanswered", &d.answer.unanswered);
    out.push_str("</tr>\n");
    close(out);
}

fn sent_cells(out: &mut String, id: &str, s: &Sent) {
    count_cells(out, Some(&format!("{id}-flows")), &s.flows, false);
    count_cells(
        out,
        Some(&format!("{id}-bytes_to_remote")),
        &s.bytes_to_remote,
        true,
    );
}

/// Zones, jurisdictions and providers whose figures moved (status not `same`).
fn placement(out: &mut String, d: &Diff) {
    out.push_str("<h3 id=\"h-diff-placement\">Where the data went: what moved</h3>\n");
    let p = &d.placement;
    let moved = |r: &&VolumeRow| r.status != Status::Same;
    let zones: Vec<&VolumeRow> = p.by_zone.iter().filter(moved).collect();
    let jurisdictions: Vec<&VolumeRow> = p.by_jurisdiction.iter().filter(moved).collect();
    let providers: Vec<_> = p
        .by_provider
        .iter()
        .filter(|r| r.status != Status::Same)
        .collect();
    if zones.is_empty() && jurisdictions.is_empty() && providers.is_empty() {
        out.push_str(
            "<p id=\"diff-placement-none\">No zone, jurisdiction or provider moved: the same \
             flows and bytes in each.</p>\n",
        );
        return;
    }
    open(
        out,
        "t-diff-placement",
        "Zones, jurisdictions of the provider and providers whose answered flows or bytes \
         differ (summary.placement); rows the two reports share unchanged are left out",
        &[
            "by",
            "name",
            "status",
            "jurisdiction (old → new)",
            "flows: old",
            "flows: new",
            "flows: change",
            "bytes sent: old",
            "bytes sent: new",
            "bytes sent: change",
            "bytes received: old",
            "bytes received: new",
            "bytes received: change",
        ],
    );
    for (by, rows) in [("zone", &zones), ("jurisdiction", &jurisdictions)] {
        for r in rows.iter() {
            let _ = write!(out, "<tr data-by=\"{by}\" data-name=\"{}\">", attr(&r.name));
            text(out, by);
            text(out, &r.name);
            status_cell(out, r.status);
            text(out, "");
            volume_cells(out, Some(&format!("diff-{by}-{}", r.name)), &r.volume);
            out.push_str("</tr>\n");
        }
    }
    for r in providers {
        let _ = write!(
            out,
            "<tr data-by=\"provider\" data-name=\"{}\">",
            attr(&r.name)
        );
        text(out, "provider");
        text(out, &r.name);
        status_cell(out, r.status);
        let j = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".to_owned());
        let jurisdiction = if r.jurisdiction.old == r.jurisdiction.new {
            j(&r.jurisdiction.new)
        } else {
            format!("{} → {}", j(&r.jurisdiction.old), j(&r.jurisdiction.new))
        };
        text(out, &jurisdiction);
        volume_cells(out, None, &r.volume);
        out.push_str("</tr>\n");
    }
    close(out);
}

fn services(out: &mut String, d: &Diff) {
    let rows: Vec<_> = d
        .services
        .iter()
        .filter(|r| r.status != Status::Same)
        .collect();
    if rows.is_empty() {
        return;
    }
    out.push_str("<h3 id=\"h-diff-services\">Services that changed</h3>\n");
    open(
        out,
        "t-diff-services",
        "Services (summary.services.by_service) whose flows or bytes differ",
        &[
            "service",
            "provider",
            "category",
            "status",
            "flows: old",
            "flows: new",
            "flows: change",
            "bytes sent: old",
            "bytes sent: new",
            "bytes sent: change",
            "payload sent: change",
            "unanswered: change",
        ],
    );
    for r in rows {
        let _ = write!(out, "<tr data-service=\"{}\">", attr(&r.name));
        text(out, &r.name);
        text(out, r.provider.as_deref().unwrap_or(""));
        text(out, r.category.as_deref().unwrap_or(""));
        status_cell(out, r.status);
        count_cells(out, None, &r.volume.flows, false);
        count_cells(out, None, &r.volume.bytes_to, true);
        change_cell(out, None, r.payload_to.change, true);
        change_cell(out, None, r.unanswered.change, false);
        out.push_str("</tr>\n");
    }
    close(out);
}
