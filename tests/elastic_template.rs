//! The index template residency ships for its per-flow records
//! (`docs/scale/elastic/residency-flows.index-template.json`, for Elasticsearch and
//! OpenSearch): it is valid JSON of the composable-template form; its types are ones both
//! engines know; its ECS fields have ECS's types; and every field of every record residency
//! writes, on the shipped captures and on the shared ones, has a mapping its value fits. The
//! mapping says `dynamic: false`, so a field without one would be kept but never searchable:
//! this test is what keeps the template and the records together.

mod cli;
mod ecs;

use ecs::{EcsDefinitions, FieldDef, check_records, real_definitions};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const TEMPLATE: &str = "docs/scale/elastic/residency-flows.index-template.json";

/// Field types that Elasticsearch 8 and OpenSearch 2 both index (no `match_only_text`,
/// `constant_keyword`, `wildcard` or `unsigned_long`, which OpenSearch lacks or gained late).
const PORTABLE_TYPES: [&str; 9] = [
    "keyword",
    "text",
    "long",
    "double",
    "boolean",
    "date",
    "ip",
    "geo_point",
    "object",
];

fn template() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(TEMPLATE);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{TEMPLATE}: not JSON: {e}"))
}

/// Every leaf of the mapping, by dotted path, with its type.
fn leaves(template: &Value) -> BTreeMap<String, String> {
    fn walk(
        prefix: &str,
        properties: &serde_json::Map<String, Value>,
        out: &mut BTreeMap<String, String>,
    ) {
        for (name, mapping) in properties {
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            match mapping["properties"].as_object() {
                Some(members) => {
                    assert!(
                        mapping.get("type").is_none_or(|t| t == "object"),
                        "{path}: has members, so is an object"
                    );
                    walk(&path, members, out);
                }
                None => {
                    let ty = mapping["type"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{path}: no type"));
                    out.insert(path, ty.to_string());
                }
            }
        }
    }
    let properties = template["template"]["mappings"]["properties"]
        .as_object()
        .expect("template.mappings.properties");
    let mut out = BTreeMap::new();
    walk("", properties, &mut out);
    out
}

/// The mapping as strict field definitions for the record checker.
fn definitions(template: &Value) -> EcsDefinitions {
    EcsDefinitions {
        fields: leaves(template)
            .into_iter()
            .map(|(path, kind)| {
                let def = FieldDef {
                    kind,
                    array: false,
                    values: None,
                    pattern: None,
                    required: false,
                };
                (path, def)
            })
            .collect(),
        strict: true,
    }
}

#[test]
fn the_template_is_a_composable_template_of_portable_types() {
    let t = template();
    assert_eq!(t["index_patterns"][0], "residency-flows*");
    assert!(t["priority"].as_u64().is_some_and(|p| p > 0));
    let mappings = &t["template"]["mappings"];
    assert_eq!(
        mappings["dynamic"], false,
        "unknown fields are kept, not guessed"
    );
    assert_eq!(mappings["date_detection"], false);
    assert_eq!(
        t["_meta"]["ecs_version"],
        residency::report::ecs::ECS_VERSION
    );
    let leaves = leaves(&t);
    assert!(leaves.len() > 80, "{}", leaves.len());
    for (path, ty) in &leaves {
        assert!(PORTABLE_TYPES.contains(&ty.as_str()), "{path}: type {ty}");
    }
    // A few fields and their types, as docs/records.md gives them.
    for (path, ty) in [
        ("@timestamp", "date"),
        ("source.ip", "ip"),
        ("destination.as.number", "long"),
        ("network.community_id", "keyword"),
        ("Residency.answer.payload_to_remote", "long"),
        ("Residency.destination.cloud_act", "boolean"),
        ("Residency.rtt_ms", "double"),
        ("Residency.evidence.input_sha256", "keyword"),
    ] {
        assert_eq!(leaves.get(path).map(String::as_str), Some(ty), "{path}");
    }
}

/// The template's ECS fields have ECS's types (a keyword with a `text` multi-field stands for
/// ECS's keyword with its `match_only_text` one).
#[test]
fn ecs_fields_have_ecs_types() {
    let Some(ecs) = real_definitions() else {
        return;
    };
    let mut checked = 0;
    for (path, ty) in leaves(&template()) {
        if path.starts_with("Residency.") {
            continue;
        }
        let def = ecs
            .fields
            .get(&path)
            .unwrap_or_else(|| panic!("{path}: not an ECS field"));
        assert_eq!(def.kind, ty, "{path}: ECS says {}", def.kind);
        checked += 1;
    }
    assert!(checked > 30, "{checked}");
}

/// The records of `residency analyze --home SE --flows` on `captures`, one NDJSON text.
fn records(captures: &[PathBuf]) -> String {
    let mut all = String::new();
    for (i, capture) in captures.iter().enumerate() {
        // Every other run from a city, so that records carry the sensor's location
        // (`observer.geo.location`) and others do not.
        let mut args = vec!["--home", "SE", "--sensor", "test-sensor", "--flows", "-"];
        if i % 2 == 0 {
            args.extend(["--vantage", "Stockholm"]);
        }
        args.push(capture.to_str().unwrap());
        let run = cli::analyze(&args);
        assert!(
            run.code == 0 || run.code == 3,
            "{}: {}",
            capture.display(),
            run.stderr
        );
        all.push_str(&run.stdout);
    }
    all
}

fn check(captures: &[PathBuf]) -> (usize, BTreeMap<String, usize>) {
    let t = template();
    let text = records(captures);
    let problems = check_records(&text, &definitions(&t));
    assert!(
        problems.is_empty(),
        "{} fields without a fitting mapping:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // How often each mapped field was given a value.
    let mut seen: BTreeMap<String, usize> = leaves(&t).into_keys().map(|k| (k, 0)).collect();
    fn count(prefix: &str, v: &Value, seen: &mut BTreeMap<String, usize>) {
        // A mapped object (a geo_point's {"lat", "lon"}) counts as the field itself.
        if v.is_object()
            && let Some(n) = seen.get_mut(prefix)
        {
            *n += 1;
            return;
        }
        match v {
            Value::Object(members) => {
                for (k, x) in members {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    count(&path, x, seen);
                }
            }
            _ => {
                if let Some(n) = seen.get_mut(prefix) {
                    *n += 1;
                }
            }
        }
    }
    let mut n = 0;
    for line in text.lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        count("", &record, &mut seen);
        n += 1;
    }
    (n, seen)
}

/// The capture files of a folder, by name.
fn captures_in(entries: std::fs::ReadDir) -> Vec<PathBuf> {
    let mut captures: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("pcap" | "pcapng")
            )
        })
        .collect();
    captures.sort();
    captures
}

#[test]
fn every_field_of_the_shipped_captures_records_has_a_mapping() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    let (records, seen) = check(&captures_in(std::fs::read_dir(&dir).unwrap()));
    assert!(records > 200, "{records}");
    // Every mapped field is written by some record, but `Residency.control`, whose flows (a
    // service run on another operator's network) the shipped captures do not have.
    let never: Vec<&String> = seen
        .iter()
        .filter(|(path, n)| **n == 0 && !path.starts_with("Residency.control."))
        .map(|(path, _)| path)
        .collect();
    assert!(never.is_empty(), "mapped but never written: {never:?}");
}

#[test]
fn every_field_of_the_shared_captures_records_has_a_mapping() {
    let dir = cli::shared_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        cli::skip(&format!(
            "{} is absent: the shared captures' records not checked",
            dir.display()
        ));
        return;
    };
    let (records, seen) = check(&captures_in(entries));
    assert!(records > 150, "{records}");
    assert!(
        seen["Residency.control.decided_by"] > 0,
        "the shared captures have flows whose service runs on another operator's network"
    );
}
