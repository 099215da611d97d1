//! How the two reports were made: tool, schema, geo databases, tables, settings, vantages,
//! completeness. Every difference becomes a [`Warning`] naming the field and both values, so
//! that a reader can tell a change in the traffic from a change in the instrument.

use super::model::{Warning, WarningKind};
use super::read::{Report, Table};
use serde_json::Value;
use std::collections::BTreeSet;

/// Every provenance difference between `old` and `new`, in a fixed order: schema, tool,
/// databases, tables, settings (`geo.home`, vantages, `settings.*` by name), completeness.
pub fn warnings(old: &Report, new: &Report) -> Vec<Warning> {
    let mut w = Warnings(Vec::new());
    w.text(WarningKind::Schema, "schema", &old.schema, &new.schema);
    w.text(
        WarningKind::Tool,
        "tool.name",
        &old.tool.name,
        &new.tool.name,
    );
    w.text(
        WarningKind::Tool,
        "tool.version",
        &old.tool.version,
        &new.tool.version,
    );
    databases(&mut w, old, new);
    let tables = [
        ("legal_table", &old.geo.legal_table, &new.geo.legal_table),
        (
            "providers_table",
            &old.geo.providers_table,
            &new.geo.providers_table,
        ),
        (
            "services_table",
            &old.geo.services_table,
            &new.geo.services_table,
        ),
        (
            "regions_table",
            &old.geo.regions_table,
            &new.geo.regions_table,
        ),
    ];
    for (name, a, b) in tables {
        table(&mut w, name, a.as_ref(), b.as_ref());
    }
    w.opt(
        WarningKind::Setting,
        "geo.home",
        old.geo.home.as_deref(),
        new.geo.home.as_deref(),
    );
    let vantages = |r: &Report| {
        r.summary
            .physics
            .vantages
            .iter()
            .map(|v| v.vantage.as_deref().unwrap_or("none"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    w.text(
        WarningKind::Setting,
        "summary.physics.vantages",
        &vantages(old),
        &vantages(new),
    );
    let keys: BTreeSet<&String> = old.settings.keys().chain(new.settings.keys()).collect();
    for key in keys {
        let (a, b) = (old.settings.get(key), new.settings.get(key));
        if a != b {
            w.push(
                WarningKind::Setting,
                format!("settings.{key}"),
                value_text(a),
                value_text(b),
            );
        }
    }
    let completeness = |r: &Report| match r.summary.complete {
        Some(false) => format!("false ({})", r.summary.incomplete.join(", ")),
        Some(true) => "true".to_owned(),
        None => "null".to_owned(),
    };
    if old.summary.complete == Some(false) || new.summary.complete == Some(false) {
        w.push(
            WarningKind::Incomplete,
            "summary.complete".to_owned(),
            completeness(old),
            completeness(new),
        );
    }
    w.0
}

struct Warnings(Vec<Warning>);

impl Warnings {
    fn push(&mut self, kind: WarningKind, field: String, old: String, new: String) {
        self.0.push(Warning {
            kind,
            field,
            old,
            new,
        });
    }

    fn text(&mut self, kind: WarningKind, field: &str, old: &str, new: &str) {
        if old != new {
            self.push(kind, field.to_owned(), old.to_owned(), new.to_owned());
        }
    }

    fn opt(&mut self, kind: WarningKind, field: &str, old: Option<&str>, new: Option<&str>) {
        if old != new {
            self.push(
                kind,
                field.to_owned(),
                old.unwrap_or("null").to_owned(),
                new.unwrap_or("null").to_owned(),
            );
        }
    }
}

fn value_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "null".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The list of databases by name (order is priority, so it counts), then each database both
/// reports have: where it came from, its build and its hash.
fn databases(w: &mut Warnings, old: &Report, new: &Report) {
    let names = |r: &Report| {
        r.geo
            .databases
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    w.text(
        WarningKind::GeoDatabase,
        "geo.databases",
        &names(old),
        &names(new),
    );
    for a in &old.geo.databases {
        let Some(b) = new.geo.databases.iter().find(|b| b.name == a.name) else {
            continue;
        };
        let fields = [
            ("origin", &a.origin, &b.origin),
            ("source", &a.source, &b.source),
            ("build", &a.build, &b.build),
            ("sha256", &a.sha256, &b.sha256),
        ];
        for (field, x, y) in fields {
            w.opt(
                WarningKind::GeoDatabase,
                &format!("geo.databases[{}].{field}", a.name),
                x.as_deref(),
                y.as_deref(),
            );
        }
    }
}

fn table(w: &mut Warnings, name: &str, old: Option<&Table>, new: Option<&Table>) {
    let (Some(a), Some(b)) = (old, new) else {
        if old.is_some() != new.is_some() {
            let present = |t: Option<&Table>| if t.is_some() { "present" } else { "null" };
            w.text(
                WarningKind::Table,
                &format!("geo.{name}"),
                present(old),
                present(new),
            );
        }
        return;
    };
    let entries = |t: &Table| t.entries.map(|n| n.to_string());
    let fields = [
        ("file", a.file.clone(), b.file.clone()),
        ("date", a.date.clone(), b.date.clone()),
        ("entries", entries(a), entries(b)),
        ("sha256", a.sha256.clone(), b.sha256.clone()),
    ];
    for (field, x, y) in fields {
        w.opt(
            WarningKind::Table,
            &format!("geo.{name}.{field}"),
            x.as_deref(),
            y.as_deref(),
        );
    }
}
