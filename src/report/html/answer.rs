//! The first screen: the answer. Did data leave the home country, the EU/EEA; did it go to
//! providers under non-EU law; with the basis of each answer, per category (telemetry apart)
//! and per service. Figures: `summary.answer`, `summary.placement`, `summary.services`.

use super::view::ReportView;
use super::{attr, esc, n, num_cell, plural, units};
use serde_json::Value;
use std::fmt::Write as _;

/// The word for a question: yes when any answered flow's destination is outside, else
/// unknown when any is undecided, else no (or "nothing sent" without answered flows).
fn word(q: &Value) -> &'static str {
    if n(&q["yes"]["flows"]) > 0 {
        "yes"
    } else if n(&q["unknown"]["flows"]) > 0 {
        "unknown"
    } else if n(&q["no"]["flows"]) > 0 {
        "no"
    } else {
        "nothing sent"
    }
}

/// One question's row of the headline table.
fn question(out: &mut String, key: &str, label: &str, q: &Value, db: &Value) {
    let w = word(q);
    let _ = write!(
        out,
        "<tr id=\"q-{key}\"><th scope=\"row\">{}</th><td class=\"answer a-{}\" id=\"answer-{key}\" data-answer=\"{w}\"><strong>{}</strong></td>",
        esc(label),
        w.replace(' ', "-"),
        w.to_uppercase()
    );
    for side in ["yes", "no", "unknown"] {
        num_cell(
            out,
            Some(&format!("answer-{key}-{side}-flows")),
            n(&q[side]["flows"]),
            false,
        );
        num_cell(
            out,
            Some(&format!("answer-{key}-{side}-bytes_to_remote")),
            n(&q[side]["bytes_to_remote"]),
            true,
        );
    }
    num_cell(
        out,
        Some(&format!("answer-{key}-database_only-bytes_to_remote")),
        n(&db["bytes_to_remote"]),
        true,
    );
    out.push_str("</tr>\n");
}

/// "database: 2 flows, 1.28 kB; contradicted: 1 flow, 856 B".
fn basis(by: &Value) -> String {
    let Some(map) = by.as_object() else {
        return "—".to_string();
    };
    let parts: Vec<String> = map
        .iter()
        .map(|(k, v)| {
            format!(
                "<span class=\"basis\" data-basis=\"{}\">{}: {}, {}</span>",
                attr(k),
                esc(k),
                plural(n(&v["flows"]), "flow"),
                units::bytes(n(&v["bytes_to_remote"]))
            )
        })
        .collect();
    if parts.is_empty() {
        "—".to_string()
    } else {
        parts.join("; ")
    }
}

/// A volume of `summary.placement` or `summary.services` (`flows`, `bytes_to`, `bytes_from`).
fn volume(out: &mut String, id: &str, v: &Value) {
    num_cell(out, Some(&format!("{id}-flows")), n(&v["flows"]), false);
    num_cell(
        out,
        Some(&format!("{id}-bytes_to")),
        n(&v["bytes_to"]),
        true,
    );
    num_cell(
        out,
        Some(&format!("{id}-bytes_from")),
        n(&v["bytes_from"]),
        true,
    );
}

pub fn write(out: &mut String, view: &ReportView) {
    let s = &view.summary;
    let a = &s["answer"];
    let home = view.geo["home"].as_str();
    out.push_str("<section id=\"answer\"><h2>The answer</h2>\n");
    if s["complete"] == Value::Bool(false) {
        let why: Vec<&str> = s["incomplete"]
            .as_array()
            .map_or(Vec::new(), |a| a.iter().filter_map(Value::as_str).collect());
        // A damaged --geo database leaves the counts whole; its addresses are placed by the
        // other databases (summary.geo_errors).
        let bound = if why.iter().all(|w| *w == "geo-record-errors") {
            "Some destinations were placed without a --geo database whose records for them could not be read."
        } else {
            "Every figure is a lower bound."
        };
        let _ = writeln!(
            out,
            "<p class=\"warning\" role=\"alert\"><strong>Incomplete:</strong> {}. {bound}</p>",
            esc(&why.join(", "))
        );
    }
    out.push_str(
        "<table id=\"t-answer\" class=\"headline\"><caption>Did data leave? Each destination \
         judged on its round trips, its names and the databases; flows never answered are \
         left out (no data was exchanged). Bytes are IP bytes sent to the destination.\
         </caption>\n<thead><tr><th scope=\"col\">question</th><th scope=\"col\">answer</th>\
         <th scope=\"col\">yes: flows</th><th scope=\"col\">yes: bytes sent</th>\
         <th scope=\"col\">no: flows</th><th scope=\"col\">no: bytes sent</th>\
         <th scope=\"col\">unknown: flows</th><th scope=\"col\">unknown: bytes sent</th>\
         <th scope=\"col\">databases alone: bytes outside</th></tr></thead>\n<tbody>\n",
    );
    if let Some(home) = home {
        question(
            out,
            "left_home",
            &format!("Left the home country ({home})"),
            &a["left_home"],
            &a["database_only"]["left_home"],
        );
    }
    question(
        out,
        "left_eu_eea",
        "Left the EU/EEA",
        &a["left_eu_eea"],
        &a["database_only"]["left_eu_eea"],
    );
    out.push_str("</tbody></table>\n<dl class=\"basis-list\">\n");
    if home.is_some() {
        let _ = writeln!(
            out,
            "<dt>Basis of the home-country answer</dt><dd id=\"basis-left_home\">{}</dd>",
            basis(&a["by_basis"]["left_home"])
        );
    }
    let _ = writeln!(
        out,
        "<dt>Basis of the EU/EEA answer</dt><dd id=\"basis-left_eu_eea\">{}</dd>\
         <dt>Never answered (no data exchanged, in none of the above)</dt><dd>{}, {}</dd>",
        basis(&a["by_basis"]["left_eu_eea"]),
        plural(n(&a["unanswered"]["flows"]), "flow"),
        units::bytes(n(&a["unanswered"]["bytes_to_remote"]))
    );
    out.push_str(
        "</dl>\n<p class=\"note\">Bases: <em>database</em> the databases' country; \
         <em>proven-inside</em> / <em>proven-outside</em> a round trip proves where the server \
         is; <em>contradicted</em> a round trip rules the databases' country out (the answer \
         is then unknown, not the databases' country); <em>declared-region</em> the host name \
         declares a region; <em>disputed</em> the databases disagree; <em>anycast</em>; \
         <em>unplaced</em> no country. docs/placement.md, \"The answer\".</p>\n",
    );

    // Control: providers under non-EU law.
    let p = &s["placement"];
    let control = |v: &Value| if n(&v["flows"]) > 0 { "yes" } else { "no" };
    out.push_str(
        "<table id=\"t-control\" class=\"headline\"><caption>Providers under non-EU law \
         (by the databases' provider and the provider table; a flow whose service operator \
         decided control counts under that operator)</caption>\n<thead><tr><th scope=\"col\">\
         question</th><th scope=\"col\">answer</th><th scope=\"col\">flows</th>\
         <th scope=\"col\">bytes sent</th><th scope=\"col\">bytes received</th></tr></thead>\
         \n<tbody>\n",
    );
    for (key, label) in [
        (
            "non_eu_control",
            "Went to providers controlled from outside the EU/EEA",
        ),
        (
            "cloud_act",
            "Went to providers under US jurisdiction (CLOUD Act)",
        ),
    ] {
        let w = control(&p[key]);
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{label}</th><td class=\"answer a-{w}\" id=\"answer-{key}\" data-answer=\"{w}\"><strong>{}</strong></td>",
            w.to_uppercase()
        );
        volume(out, &format!("placement-{key}"), &p[key]);
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");

    // Per category, telemetry apart.
    let cats = &s["services"]["by_category"];
    let t = &cats["telemetry"];
    let _ = writeln!(
        out,
        "<p class=\"telemetry\" id=\"telemetry\"><strong>Telemetry</strong> (diagnostic data \
         the software sends on its own): {} sent in {}; left the EU/EEA by the databases: \
         <span id=\"telemetry-left_eu_eea-bytes_to\" data-v=\"{}\">{}</span>; to providers \
         under non-EU law: <span id=\"telemetry-non_eu_control-bytes_to\" data-v=\"{}\">{}</span>.</p>",
        units::bytes(n(&t["bytes_to"])),
        plural(n(&t["flows"]), "flow"),
        n(&t["left_eu_eea"]["bytes_to"]),
        units::bytes(n(&t["left_eu_eea"]["bytes_to"])),
        n(&t["non_eu_control"]["bytes_to"]),
        units::bytes(n(&t["non_eu_control"]["bytes_to"])),
    );
    out.push_str(
        "<table id=\"t-categories\" class=\"sortable\"><caption>Per category of service \
         (bytes sent; outside/under non-EU law by the databases' country and provider)\
         </caption>\n<thead><tr><th scope=\"col\">category</th><th scope=\"col\">flows</th>\
         <th scope=\"col\">bytes sent</th><th scope=\"col\">left home</th>\
         <th scope=\"col\">left EU/EEA</th><th scope=\"col\">non-EU control</th>\
         <th scope=\"col\">CLOUD Act</th><th scope=\"col\">unanswered flows</th></tr></thead>\
         \n<tbody>\n",
    );
    if let Some(map) = cats.as_object() {
        // Telemetry first: the question people ask most about it.
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort_by_key(|k| (k.as_str() != "telemetry", k.as_str()));
        for k in keys {
            let c = &map[k];
            let _ = write!(
                out,
                "<tr class=\"cat-{}\"><th scope=\"row\">{}</th>",
                attr(k),
                esc(k)
            );
            num_cell(out, None, n(&c["flows"]), false);
            num_cell(
                out,
                Some(&format!("cat-{k}-bytes_to")),
                n(&c["bytes_to"]),
                true,
            );
            for q in ["left_home", "left_eu_eea", "non_eu_control", "cloud_act"] {
                if c[q].is_null() {
                    out.push_str("<td data-v=\"-1\">—</td>");
                } else {
                    num_cell(
                        out,
                        Some(&format!("cat-{k}-{q}-bytes_to")),
                        n(&c[q]["bytes_to"]),
                        true,
                    );
                }
            }
            num_cell(out, None, n(&c["unanswered"]), false);
            out.push_str("</tr>\n");
        }
    }
    out.push_str("</tbody></table>\n</section>\n");
}
