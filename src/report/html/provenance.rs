//! Provenance: what the page rests on. The inputs with their SHA-256, the tool and schema, the
//! geo databases with build dates and hashes, the curated tables with their dates, the
//! settings, and the JSON report itself (its SHA-256). Reverse lookups (`--resolve`) are the
//! one part from outside the capture and carry the wall-clock time they were made.

use super::view::ReportView;
use super::{esc, n, str_of, units};
use serde_json::Value;
use std::fmt::Write as _;

/// A JSON scalar as text ("" for null; arrays joined with ", ").
fn scalar(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(scalar).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn row(out: &mut String, cells: &[String]) {
    out.push_str("<tr>");
    for c in cells {
        let _ = write!(out, "<td>{}</td>", esc(c));
    }
    out.push_str("</tr>\n");
}

fn table(out: &mut String, id: &str, caption: &str, cols: &[&str]) {
    let _ = write!(
        out,
        "<table id=\"{id}\" class=\"provenance\"><caption>{caption}</caption>\n<thead><tr>"
    );
    for c in cols {
        let _ = write!(out, "<th scope=\"col\">{c}</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
}

pub fn write(out: &mut String, view: &ReportView, json_sha256: &str) {
    out.push_str("<section id=\"provenance\"><h2>Provenance</h2>\n");
    let _ = writeln!(
        out,
        "<p>Made by <strong>{} {}</strong> from the JSON report (schema <code>{}</code>) whose \
         SHA-256 is <code id=\"json-sha256\">{}</code>: every figure on this page is a field \
         of that document (docs/html-report.md). The same capture and options give the same \
         page, byte for byte{}.</p>",
        esc(str_of(&view.tool["name"])),
        esc(str_of(&view.tool["version"])),
        esc(&view.schema),
        esc(json_sha256),
        if view.resolve.is_null() {
            ""
        } else {
            ", except the reverse lookups below"
        }
    );
    table(
        out,
        "t-inputs",
        "Inputs (inputs[])",
        &[
            "#", "path", "SHA-256", "size", "format", "packets", "first", "last", "complete",
        ],
    );
    for (i, input) in view.inputs.as_array().into_iter().flatten().enumerate() {
        row(
            out,
            &[
                i.to_string(),
                scalar(&input["path"]),
                scalar(&input["sha256"]),
                units::bytes(n(&input["size"])),
                scalar(&input["format"]),
                units::count(n(&input["packets"])),
                scalar(&input["first_packet"]),
                scalar(&input["last_packet"]),
                if input["complete"] == true {
                    "yes".to_string()
                } else {
                    "no".to_string()
                },
            ],
        );
    }
    out.push_str("</tbody></table>\n");
    table(
        out,
        "t-databases",
        "Geo databases (geo.databases, in priority order)",
        &[
            "name", "origin", "source", "role", "build", "SHA-256", "licence",
        ],
    );
    for db in view.geo["databases"].as_array().into_iter().flatten() {
        row(
            out,
            &[
                scalar(&db["name"]),
                scalar(&db["origin"]),
                scalar(&db["source"]),
                scalar(&db["role"]),
                scalar(&db["build"]),
                scalar(&db["sha256"]),
                scalar(&db["license"]),
            ],
        );
    }
    out.push_str("</tbody></table>\n");
    table(
        out,
        "t-tables",
        "Curated tables and data behind the placement, services and physics",
        &["table", "file", "date", "entries", "SHA-256"],
    );
    for (name, t) in [
        ("legal", &view.geo["legal_table"]),
        ("providers", &view.geo["providers_table"]),
        ("services", &view.geo["services_table"]),
        ("regions", &view.geo["regions_table"]),
        ("anycast", &view.summary["physics"]["anycast_table"]),
    ] {
        row(
            out,
            &[
                name.to_string(),
                scalar(&t["file"]),
                scalar(&t["date"]),
                scalar(&t["entries"]),
                scalar(&t["sha256"]),
            ],
        );
    }
    row(
        out,
        &[
            "country shapes".to_string(),
            scalar(&view.summary["physics"]["geometry"]),
            String::new(),
            String::new(),
            String::new(),
        ],
    );
    out.push_str("</tbody></table>\n<h3>Settings</h3>\n<dl class=\"settings\">\n");
    let _ = writeln!(
        out,
        "<dt>home</dt><dd>{}</dd>",
        esc(view.geo["home"].as_str().unwrap_or("none"))
    );
    if let Some(map) = view.settings.as_object() {
        for (k, v) in map {
            let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&scalar(v)));
        }
    }
    let vantages: Vec<String> = view.summary["physics"]["vantages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| format!("{} ({})", scalar(&v["vantage"]), scalar(&v["kind"])))
        .collect();
    let _ = writeln!(
        out,
        "<dt>vantages</dt><dd>{}</dd>",
        esc(&if vantages.is_empty() {
            "none".to_string()
        } else {
            vantages.join("; ")
        })
    );
    out.push_str("</dl>\n");
    if !view.resolve.is_null() {
        let r = &view.resolve;
        let _ = writeln!(
            out,
            "<p class=\"warning\" id=\"resolve\"><strong>Not from the capture (wall clock):</strong> \
             reverse DNS lookups asked {} starting {} (wall-clock time, UTC): {} looked up, \
             {} found, {} skipped. These answers make the page differ between runs.</p>",
            esc(&scalar(&r["resolver"])),
            esc(&scalar(&r["started"])),
            n(&r["looked_up"]),
            n(&r["found"]),
            n(&r["skipped"])
        );
    }
    let attribution: Vec<String> = view.geo["attribution"]
        .as_array()
        .into_iter()
        .flatten()
        .map(scalar)
        .collect();
    let _ = writeln!(
        out,
        "<p class=\"attribution\">Data attribution: {}. Country shapes: Natural Earth (public \
         domain).</p>\n</section>",
        esc(&attribution.join("; "))
    );
}
