//! The tables a reader sorts and filters: services, providers and their controlling
//! jurisdiction, destinations with every database's answer, bytes per country (the map's
//! figures as text), and flows with the packets that prove each name and round trip.

use super::view::{AddressRow, PacketRef, ReportView};
use super::{attr, esc, n, num_cell, plural, str_of, units};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Opens a sortable, filterable table: the filter box, the caption, the header row.
pub(super) fn open(out: &mut String, id: &str, caption: &str, cols: &[&str]) {
    let _ = write!(
        out,
        "<div class=\"filter\"><label>Filter <input type=\"search\" data-table=\"{id}\" \
         aria-controls=\"{id}\" placeholder=\"text in any cell\"></label></div>\n\
         <table id=\"{id}\" class=\"sortable\"><caption>{caption}</caption>\n<thead><tr>"
    );
    for c in cols {
        let _ = write!(out, "<th scope=\"col\">{c}</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
}

pub(super) fn close(out: &mut String) {
    out.push_str("</tbody></table>\n");
}

/// A text cell.
pub(super) fn text(out: &mut String, s: &str) {
    let _ = write!(out, "<td>{}</td>", esc(s));
}

/// A packet reference as Wireshark numbers frames: `#8`, or `[1]#8` when there are several
/// inputs.
fn pref(r: &PacketRef, multi: bool) -> String {
    if multi {
        format!("[{}]#{}", r.input, r.number)
    } else {
        format!("#{}", r.number)
    }
}

pub fn write(out: &mut String, view: &ReportView) {
    let multi = view.inputs.as_array().map_or(0, Vec::len) > 1;
    out.push_str(
        "<section id=\"tables\"><h2>The evidence, table by table</h2>\n<p class=\"note\">Click \
         a column heading to sort; type in a filter box to keep the rows that contain the \
         text. Packet numbers are as Wireshark shows them (<code>[input]#number</code> when \
         there are several inputs).</p>\n",
    );
    services(out, view);
    providers(out, view);
    countries(out, view);
    destinations(out, view, multi);
    flows(out, view, multi);
    out.push_str("</section>\n");
}

fn services(out: &mut String, view: &ReportView) {
    let sv = &view.summary["services"];
    out.push_str("<h3 id=\"h-services\">Services</h3>\n");
    open(
        out,
        "t-services",
        "Remote flows per service (the catalog's name and category); volumes as in the \
         answer; unclassified flows have no service",
        &[
            "service",
            "provider",
            "category",
            "flows",
            "bytes sent",
            "bytes received",
            "unanswered flows",
            "left home",
            "left EU/EEA",
            "non-EU control",
            "CLOUD Act",
        ],
    );
    for s in sv["by_service"].as_array().into_iter().flatten() {
        let name = str_of(&s["name"]);
        let _ = write!(out, "<tr data-service=\"{}\">", attr(name));
        text(out, name);
        text(out, str_of(&s["provider"]));
        text(out, str_of(&s["category"]));
        num_cell(out, None, n(&s["flows"]), false);
        num_cell(out, None, n(&s["bytes_to"]), true);
        num_cell(out, None, n(&s["bytes_from"]), true);
        num_cell(out, None, n(&s["unanswered"]), false);
        for q in ["left_home", "left_eu_eea", "non_eu_control", "cloud_act"] {
            if s[q].is_null() {
                out.push_str("<td data-v=\"-1\">—</td>");
            } else {
                num_cell(out, None, n(&s[q]["bytes_to"]), true);
            }
        }
        out.push_str("</tr>\n");
    }
    let u = &sv["unclassified"];
    if !u.is_null() {
        let _ = writeln!(
            out,
            "<tr class=\"unclassified\"><td>(no service)</td><td></td><td></td><td class=\"num\" data-v=\"{}\">{}</td><td class=\"num\" data-v=\"{}\">{}</td><td class=\"num\" data-v=\"{}\">{}</td><td class=\"num\" data-v=\"{}\">{}</td><td></td><td></td><td></td><td></td></tr>",
            n(&u["flows"]),
            units::count(n(&u["flows"])),
            n(&u["bytes_to"]),
            units::bytes(n(&u["bytes_to"])),
            n(&u["bytes_from"]),
            units::bytes(n(&u["bytes_from"])),
            n(&u["unanswered"]),
            units::count(n(&u["unanswered"])),
        );
    }
    close(out);
}

fn providers(out: &mut String, view: &ReportView) {
    // Parent and CLOUD Act per provider name, from the destinations listed.
    let mut parents: BTreeMap<&str, (Option<&str>, Option<bool>)> = BTreeMap::new();
    for a in &view.addresses.rows {
        if let Some(p) = &a.provider {
            parents
                .entry(p.name.as_str())
                .or_insert((p.parent.as_deref(), p.cloud_act));
        }
    }
    out.push_str("<h3 id=\"h-providers\">Providers and the law that controls them</h3>\n");
    open(
        out,
        "t-providers",
        "Providers by bytes (summary.placement.by_provider): the controlling jurisdiction is \
         that of the provider's parent (geo/providers.toml); a fallback provider is only the \
         ASN's registration country",
        &[
            "provider",
            "parent",
            "controlling jurisdiction",
            "CLOUD Act",
            "fallback",
            "flows",
            "bytes sent",
            "bytes received",
        ],
    );
    for p in view.summary["placement"]["by_provider"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let name = str_of(&p["name"]);
        let (parent, cloud_act) = parents.get(name).copied().unwrap_or((None, None));
        out.push_str("<tr>");
        text(out, name);
        text(out, parent.unwrap_or(""));
        text(out, str_of(&p["jurisdiction"]));
        text(
            out,
            match cloud_act {
                Some(true) => "yes",
                Some(false) => "no",
                None => "",
            },
        );
        text(out, if p["fallback"] == true { "yes" } else { "no" });
        num_cell(out, None, n(&p["flows"]), false);
        num_cell(out, None, n(&p["bytes_to"]), true);
        num_cell(out, None, n(&p["bytes_from"]), true);
        out.push_str("</tr>\n");
    }
    close(out);
}

fn countries(out: &mut String, view: &ReportView) {
    let names = crate::place::countries::Countries::embedded();
    out.push_str("<h3 id=\"h-countries\">Countries</h3>\n");
    open(
        out,
        "t-countries",
        "Bytes per country of the destinations (the databases' country, addresses[].geo.country), \
         the figures the map shades by",
        &[
            "country",
            "code",
            "destinations",
            "bytes sent",
            "bytes received",
        ],
    );
    for (code, t) in &view.addresses.by_country {
        let _ = write!(out, "<tr data-country=\"{}\">", attr(code));
        text(out, names.name(code).unwrap_or(""));
        text(out, code);
        num_cell(out, None, t.destinations, false);
        num_cell(out, None, t.bytes_to, true);
        num_cell(out, None, t.bytes_from, true);
        out.push_str("</tr>\n");
    }
    close(out);
}

/// What a destination's round trip says, as text.
fn physics_text(a: &AddressRow, multi: bool) -> (String, String) {
    let mut rtt = Vec::new();
    let mut verdict = Vec::new();
    for p in &a.physics {
        let at = p
            .vantage
            .as_deref()
            .map(|v| format!(" from {v}"))
            .unwrap_or_default();
        if let Some(ms) = p.rtt_ms {
            let packets = match (&p.rtt_request, &p.rtt_response) {
                (Some(q), Some(r)) => format!(" ({} → {})", pref(q, multi), pref(r, multi)),
                _ => String::new(),
            };
            let km = p
                .max_distance_km
                .map(|k| format!(", ≤ {} km", units::count(k)))
                .unwrap_or_default();
            rtt.push(format!("{ms} ms{at}{packets}{km}"));
        }
        let ruled_out: Vec<String> = p
            .claims
            .iter()
            .filter(|c| c.contradicted)
            .map(|c| {
                format!(
                    "{} {} ruled out ({} km away)",
                    c.db,
                    c.country,
                    c.distance_km.map(units::count).unwrap_or_default()
                )
            })
            .collect();
        let mut v = p.verdict.clone();
        if p.within_eu_eea {
            v.push_str(", proven in the EU/EEA");
        }
        if !ruled_out.is_empty() {
            v.push_str(": ");
            v.push_str(&ruled_out.join("; "));
        }
        verdict.push(v);
    }
    (rtt.join("; "), verdict.join("; "))
}

fn destinations(out: &mut String, view: &ReportView, multi: bool) {
    let kept = &view.addresses;
    out.push_str("<h3 id=\"h-destinations\">Destinations</h3>\n");
    if kept.left_out() > 0 {
        let _ = writeln!(
            out,
            "<p class=\"capped\" id=\"destinations-capped\" data-left-out=\"{}\">The {} \
             address entries that received the most bytes are listed; {} more are in the JSON \
             report (addresses[]).</p>",
            kept.left_out(),
            units::count(kept.rows.len() as u64),
            units::count(kept.left_out())
        );
    }
    open(
        out,
        "t-destinations",
        "Remote addresses (addresses[]): where every database puts them, who operates them, \
         whose law, and what the fastest round trip proves",
        &[
            "address",
            "names",
            "services",
            "country",
            "every database's answer",
            "zone",
            "provider (jurisdiction)",
            "fastest round trip",
            "physics",
            "left EU/EEA (basis)",
            "flows",
            "bytes sent",
            "bytes received",
        ],
    );
    for a in &kept.rows {
        let _ = write!(
            out,
            "<tr data-ip=\"{}\"{}>",
            attr(&a.ip),
            if a.contradicted() {
                " class=\"contradicted\""
            } else {
                ""
            }
        );
        if a.part > 1 {
            text(out, &format!("{} (part {})", a.ip, a.part));
        } else {
            text(out, &a.ip);
        }
        text(out, &a.hostnames.join(", "));
        text(out, &a.services.join(", "));
        let country = match (&a.geo.country, &a.geo.country_name) {
            (Some(c), Some(name)) => format!("{name} ({c})"),
            (Some(c), None) => c.clone(),
            _ => a
                .geo
                .special
                .clone()
                .unwrap_or_else(|| "unknown".to_string()),
        };
        text(out, &country);
        let sources: Vec<String> = a
            .geo
            .sources
            .iter()
            .map(|s| {
                let mut t = format!("{}=", s.db);
                t.push_str(s.country.as_deref().unwrap_or(""));
                if let Some(r) = &s.registered_country {
                    t.push_str(&format!(" (registered {r})"));
                }
                if let Some(asn) = s.asn {
                    t.push_str(&format!("AS{asn}"));
                }
                t
            })
            .collect();
        let mut sources = sources.join(" ");
        if !a.geo.agree {
            sources.push_str(" (databases disagree)");
        }
        text(out, &sources);
        text(out, &a.jurisdiction.zone);
        let provider = a.provider.as_ref().map_or(String::new(), |p| {
            format!(
                "{} ({}{})",
                p.name,
                p.jurisdiction.as_deref().unwrap_or("?"),
                if p.fallback { ", fallback" } else { "" }
            )
        });
        text(out, &provider);
        let (rtt, verdict) = physics_text(a, multi);
        text(out, &rtt);
        text(out, &verdict);
        let answer = a
            .physics
            .iter()
            .filter_map(|p| p.answer.as_ref())
            .map(|x| format!("{} ({})", x.left_eu_eea, x.basis))
            .collect::<Vec<_>>()
            .join("; ");
        text(out, &answer);
        num_cell(out, None, a.flows, false);
        num_cell(out, None, a.bytes_to, true);
        num_cell(out, None, a.bytes_from, true);
        out.push_str("</tr>\n");
    }
    close(out);
}

fn flows(out: &mut String, view: &ReportView, multi: bool) {
    let kept = &view.flows;
    out.push_str("<h3 id=\"h-flows\">Flows</h3>\n");
    if kept.left_out() > 0 {
        let _ = writeln!(
            out,
            "<p class=\"capped\" id=\"flows-capped\" data-left-out=\"{}\">The {} flows with \
             the most bytes are listed; {} more are in the JSON report (flows[]).</p>",
            kept.left_out(),
            units::count(kept.rows.len() as u64),
            units::count(kept.left_out())
        );
    }
    open(
        out,
        "t-flows",
        &format!(
            "Flows ({} in the report), with the packets that prove each name and round trip",
            plural(kept.total, "flow")
        ),
        &[
            "flow",
            "client",
            "server",
            "transport",
            "name (source, packet)",
            "service (rule)",
            "round trip (packets)",
            "left EU/EEA (basis)",
            "first packet",
            "bytes sent",
            "bytes received",
        ],
    );
    for f in &kept.rows {
        let _ = write!(
            out,
            "<tr data-flow=\"{}\"><td class=\"num\" data-v=\"{}\">{}</td>",
            f.id, f.id, f.id
        );
        text(out, &endpoint(&f.client.ip, f.client.port));
        text(out, &endpoint(&f.server.ip, f.server.port));
        text(out, &format!("{} ({})", f.transport, f.scope));
        let name = f.hostname.as_ref().map_or(String::new(), |h| {
            let r = PacketRef {
                input: h.input,
                number: h.packet,
            };
            format!("{} ({}, {})", h.name, h.source, pref(&r, multi))
        });
        text(out, &name);
        let service = f.service.as_ref().map_or(String::new(), |s| {
            format!(
                "{} [{}{}] ({})",
                s.name,
                s.category,
                s.provider
                    .as_deref()
                    .map(|p| format!(", {p}"))
                    .unwrap_or_default(),
                s.rule
            )
        });
        text(out, &service);
        let rtt = f.rtt.as_ref().map_or(String::new(), |r| {
            let mut t = r.min_ms.map(|m| format!("{m} ms")).unwrap_or_default();
            if let Some(s) = &r.source {
                t.push_str(&format!(" {s}"));
            }
            if let (Some(q), Some(p)) = (&r.request, &r.response) {
                t.push_str(&format!(" ({} → {})", pref(q, multi), pref(p, multi)));
            }
            t
        });
        text(out, &rtt);
        let answer = f.answer.as_ref().map_or(String::new(), |a| {
            format!("{} ({})", a.left_eu_eea, a.basis)
        });
        text(out, &answer);
        text(out, &pref(&f.first_packet, multi));
        let (to, from) = if f.address.as_deref() == Some(f.client.ip.as_str()) {
            (f.bytes.to_client, f.bytes.to_server)
        } else {
            (f.bytes.to_server, f.bytes.to_client)
        };
        num_cell(out, None, to, true);
        num_cell(out, None, from, true);
        out.push_str("</tr>\n");
    }
    close(out);
}

fn endpoint(ip: &str, port: Option<u64>) -> String {
    match port {
        Some(p) if ip.contains(':') => format!("[{ip}]:{p}"),
        Some(p) => format!("{ip}:{p}"),
        None => ip.to_string(),
    }
}
