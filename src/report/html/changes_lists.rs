//! The lists of "Changes since the baseline": new and vanished destinations and host names,
//! and the destinations whose verdict changed with both reports' evidence (the diff's own
//! text for it, as the terminal shows it). Each list is cut at [`MAX_CHANGE_ROWS`], largest
//! first, saying how many more `residency diff --json` has.

use super::changes::{MAX_CHANGE_ROWS, change_cells_bytes};
use super::tables::{close, open, text};
use super::{attr, num_cell, units};
use crate::diff::model::Diff;
use crate::diff::terminal::{evidence, host_text};
use std::fmt::Write as _;

fn list(l: &[String]) -> String {
    l.join(", ")
}

/// NEW's entries then OLD's, each list cut at [`MAX_CHANGE_ROWS`], labelled by which it is.
fn labelled<'a, T>(new: &'a [T], vanished: &'a [T]) -> impl Iterator<Item = (&'static str, &'a T)> {
    let cut = |v: &'a [T]| &v[..v.len().min(MAX_CHANGE_ROWS)];
    cut(new)
        .iter()
        .map(|x| ("new", x))
        .chain(cut(vanished).iter().map(|x| ("vanished", x)))
}

/// "The 2,000 with the most bytes are listed; N more ..." when a list is cut.
fn capped(out: &mut String, what: &str, len: usize) {
    if len > MAX_CHANGE_ROWS {
        let _ = writeln!(
            out,
            "<p class=\"capped\">The {} {what} with the most bytes sent are listed; {} more are \
             in <code>residency diff --json</code>.</p>",
            units::count(MAX_CHANGE_ROWS as u64),
            units::count((len - MAX_CHANGE_ROWS) as u64)
        );
    }
}

pub fn destinations(out: &mut String, d: &Diff) {
    let c = &d.destinations;
    if c.is_empty() {
        return;
    }
    out.push_str("<h3 id=\"h-diff-destinations\">New and vanished destinations</h3>\n");
    capped(out, "new destinations", c.new.len());
    capped(out, "vanished destinations", c.vanished.len());
    open(
        out,
        "t-diff-destinations",
        "Addresses only NEW has (new) and only OLD had (vanished), with the evidence of the \
         report that has them; volumes count all their flows",
        &[
            "change",
            "address",
            "names",
            "services",
            "evidence (answer; zone, country (databases); provider; physics)",
            "flows",
            "bytes sent",
            "bytes received",
        ],
    );
    for (change, x) in labelled(&c.new, &c.vanished) {
        let _ = write!(
            out,
            "<tr data-ip=\"{}\" data-change=\"{change}\">",
            attr(&x.ip)
        );
        let _ = write!(out, "<td class=\"st-{change}\">{change}</td>");
        text(out, &x.ip);
        text(out, &list(&x.hostnames));
        text(out, &list(&x.services));
        text(out, &evidence(&x.verdict));
        num_cell(out, None, x.flows, false);
        num_cell(out, None, x.bytes_to, true);
        num_cell(out, None, x.bytes_from, true);
        out.push_str("</tr>\n");
    }
    close(out);
}

pub fn hostnames(out: &mut String, d: &Diff) {
    let c = &d.hostnames;
    if c.is_empty() {
        return;
    }
    out.push_str("<h3 id=\"h-diff-hostnames\">New and vanished host names</h3>\n");
    capped(out, "new host names", c.new.len());
    capped(out, "vanished host names", c.vanished.len());
    open(
        out,
        "t-diff-hostnames",
        "Host names of the flows only NEW has (new) and only OLD had (vanished), with the \
         verdicts of the addresses they went to",
        &[
            "change",
            "host name",
            "addresses",
            "verdict",
            "flows",
            "bytes sent",
            "bytes received",
        ],
    );
    for (change, h) in labelled(&c.new, &c.vanished) {
        let _ = write!(
            out,
            "<tr data-hostname=\"{}\" data-change=\"{change}\">",
            attr(&h.name)
        );
        let _ = write!(out, "<td class=\"st-{change}\">{change}</td>");
        text(out, &h.name);
        text(out, &list(&h.verdict.addresses));
        text(out, &host_text(&h.verdict));
        num_cell(out, None, h.flows, false);
        num_cell(out, None, h.bytes_to, true);
        num_cell(out, None, h.bytes_from, true);
        out.push_str("</tr>\n");
    }
    close(out);
}

/// Destinations in both reports whose verdict changed, with both sides' evidence.
pub fn verdicts(out: &mut String, d: &Diff) {
    let v = &d.verdicts;
    if !v.addresses.is_empty() {
        out.push_str("<h3 id=\"h-diff-verdicts\">Changed verdicts: addresses</h3>\n");
        capped(out, "addresses", v.addresses.len());
        open(
            out,
            "t-diff-verdicts",
            "Addresses in both reports whose answer, zone, country, provider or jurisdiction \
             changed: what changed, and each report's evidence",
            &[
                "address",
                "names",
                "changed",
                "bytes sent: old",
                "bytes sent: new",
                "bytes sent: change",
                "old verdict and evidence",
                "new verdict and evidence",
            ],
        );
        for a in v.addresses.iter().take(MAX_CHANGE_ROWS) {
            let _ = write!(out, "<tr data-ip=\"{}\">", attr(&a.ip));
            text(out, &a.ip);
            text(out, &list(&a.hostnames));
            text(out, &a.changed.join(", "));
            change_cells_bytes(out, &a.bytes_to);
            text(out, &evidence(&a.old));
            text(out, &evidence(&a.new));
            out.push_str("</tr>\n");
        }
        close(out);
    }
    if !v.hostnames.is_empty() {
        out.push_str("<h3 id=\"h-diff-hostverdicts\">Changed verdicts: host names</h3>\n");
        capped(out, "host names", v.hostnames.len());
        open(
            out,
            "t-diff-hostverdicts",
            "Host names in both reports whose addresses were judged differently: what changed, \
             and each report's verdicts over the name's addresses",
            &[
                "host name",
                "changed",
                "bytes sent: old",
                "bytes sent: new",
                "bytes sent: change",
                "old verdict (addresses)",
                "new verdict (addresses)",
            ],
        );
        for h in v.hostnames.iter().take(MAX_CHANGE_ROWS) {
            let _ = write!(out, "<tr data-hostname=\"{}\">", attr(&h.name));
            text(out, &h.name);
            text(out, &h.changed.join(", "));
            change_cells_bytes(out, &h.bytes_to);
            text(
                out,
                &format!("{} [{}]", host_text(&h.old), list(&h.old.addresses)),
            );
            text(
                out,
                &format!("{} [{}]", host_text(&h.new), list(&h.new.addresses)),
            );
            out.push_str("</tr>\n");
        }
        close(out);
    }
}
