//! The stand-alone page of `residency diff OLD NEW --html PATH`: the same section as
//! `analyze --baseline` shows (`changes`), under a header naming both reports with their
//! SHA-256, and the provenance of each (inputs, tool, geo databases and tables), in the page's
//! own style and script. Deterministic: the same two reports give the same bytes.

use super::changes::{self, Compared, Counts};
use super::{esc, foot, head, units};
use crate::diff::read::{Report, Table};
use std::fmt::Write as _;

pub fn page(c: &Compared) -> String {
    let mut out = String::with_capacity(1 << 16);
    let d = c.diff;
    let title = format!("residency diff: {} → {}", d.old.path, d.new.path);
    // The generator is NEW's tool: the page is made by this build, from reports that name
    // their own.
    head(&mut out, &title, "residency", env!("CARGO_PKG_VERSION"));
    let counts = Counts::of(d);
    let total = counts.total();
    let _ = writeln!(
        out,
        "<header><h1>What changed between two runs?</h1><p class=\"sub\"><code>{}</code> (sha256 \
         <code id=\"old-sha256\">{}</code>) → <code>{}</code> (sha256 <code id=\"new-sha256\">{}\
         </code>), compared by residency {}</p>\n<p class=\"baseline\"><a href=\"#changes\">\
         <span id=\"changes-count\" data-v=\"{total}\">{}</span></a>{}.</p></header>\n<main>",
        esc(&d.old.path),
        esc(c.old_sha256),
        esc(&d.new.path),
        esc(c.new_sha256),
        env!("CARGO_PKG_VERSION"),
        if total == 1 {
            "1 change".to_owned()
        } else {
            format!("{} changes", units::count(total as u64))
        },
        if d.warnings.is_empty() {
            String::new()
        } else {
            format!(
                ", <span class=\"diff-warned\">{} warning{} (the reports were made differently)</span>",
                d.warnings.len(),
                if d.warnings.len() == 1 { "" } else { "s" }
            )
        }
    );
    changes::write(&mut out, c);
    provenance(&mut out, c);
    foot(&mut out);
    out
}

/// Each report's curated tables (file, date, entries, SHA-256) and databases in full: what a
/// reader needs to tell whether the two were made with the same data.
fn provenance(out: &mut String, c: &Compared) {
    out.push_str(
        "<section id=\"provenance\"><h2>Provenance of the two reports</h2>\n<p class=\"note\">\
         The diff reads only the two reports, never the captures or the data they were made \
         with; what differs between them is listed under the warnings above.</p>\n",
    );
    out.push_str(
        "<table id=\"t-diff-data\" class=\"provenance\"><caption>Geo databases and tables of each \
         report</caption>\n<thead><tr><th scope=\"col\">side</th><th scope=\"col\">data</th>\
         <th scope=\"col\">origin or file</th><th scope=\"col\">source (database) or entries \
         (table)</th><th scope=\"col\">build or date</th><th scope=\"col\">SHA-256</th></tr></thead>\n<tbody>\n",
    );
    for (side, r) in [("old", c.old), ("new", c.new)] {
        data_rows(out, side, r);
    }
    out.push_str("</tbody></table>\n</section>\n");
}

fn data_rows(out: &mut String, side: &str, r: &Report) {
    let row = |out: &mut String, cells: [&str; 6]| {
        out.push_str("<tr>");
        for cell in cells {
            let _ = write!(out, "<td>{}</td>", esc(cell));
        }
        out.push_str("</tr>\n");
    };
    for db in &r.geo.databases {
        row(
            out,
            [
                side,
                &db.name,
                db.origin.as_deref().unwrap_or(""),
                db.source.as_deref().unwrap_or(""),
                db.build.as_deref().unwrap_or(""),
                db.sha256.as_deref().unwrap_or(""),
            ],
        );
    }
    let tables: [(&str, &Option<Table>); 4] = [
        ("legal table", &r.geo.legal_table),
        ("providers table", &r.geo.providers_table),
        ("services table", &r.geo.services_table),
        ("regions table", &r.geo.regions_table),
    ];
    for (name, t) in tables {
        let Some(t) = t else { continue };
        let entries = t
            .entries
            .map(|n| format!("{} entries", units::count(n)))
            .unwrap_or_default();
        row(
            out,
            [
                side,
                name,
                t.file.as_deref().unwrap_or(""),
                &entries,
                t.date.as_deref().unwrap_or(""),
                t.sha256.as_deref().unwrap_or(""),
            ],
        );
    }
}
