//! The checker of per-flow records against field definitions, shared by the ECS conformance
//! tests (`tests/ecs_fields.rs`: ECS's own definitions) and the index template's
//! (`tests/elastic_template.rs`: the mapping residency ships for Elasticsearch/OpenSearch).
//!
//! The ECS field definitions are ECS's own flat field list (`EcsFlat`: every field's dotted
//! name, type, array rule, allowed or expected values, pattern, and whether it is required),
//! as the npm package `@elastic/ecs` 9.4.0 ships it in `build/commonjs/ecs_flat.js` (the
//! package version is the ECS version; registry metadata read 2026-12-05). `tests/run` fetches
//! the package (sha512 pinned there) and writes the list as JSON to `target/ecs/ecs_flat.json`;
//! nothing of it is committed. `RESIDENCY_ECS_FLAT` points elsewhere. Without the file the
//! tests that need it print why they check nothing and pass, except under `CI=true`, where
//! they fail.
//!
//! [`check_records`] is the checker: every field outside the custom object must be an ECS
//! field whose JSON value fits its ECS type; custom fields live under a capitalised top-level
//! object (`Residency.*`), as ECS advises for fields it does not define. With `strict`
//! definitions (an index mapping), every field must be listed, the custom ones too.

#![allow(dead_code)] // each test crate uses part of it

use crate::cli::skip;
use regex::Regex;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// One ECS field, as far as the checker needs it.
#[derive(Debug)]
pub struct FieldDef {
    /// The Elasticsearch field type: keyword, ip, date, long, object, geo_point, ...
    pub kind: String,
    /// `normalize: ["array"]`: the value should be an array.
    pub array: bool,
    /// `allowed_values` (names) or `expected_values`: a value must be one of them.
    pub values: Option<Vec<String>>,
    pub pattern: Option<Regex>,
    pub required: bool,
}

/// ECS's field definitions by dotted name.
#[derive(Debug)]
pub struct EcsDefinitions {
    pub fields: BTreeMap<String, FieldDef>,
    /// Every field of a record must be listed, the custom object's too, and an object takes
    /// only its listed members (an index mapping with `dynamic: false`); ECS's own
    /// definitions are not strict: objects are open and the custom object is not checked.
    pub strict: bool,
}

impl EcsDefinitions {
    /// Reads ECS's flat field list: a JSON object of dotted name → definition.
    pub fn from_flat_json(text: &str) -> Result<Self, String> {
        let root: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let root = root
            .as_object()
            .ok_or("the flat field list is not a JSON object")?;
        let mut fields = BTreeMap::new();
        for (name, def) in root {
            let kind = def["type"]
                .as_str()
                .ok_or_else(|| format!("{name}: no type"))?
                .to_string();
            let array = def["normalize"]
                .as_array()
                .is_some_and(|n| n.iter().any(|x| x == "array"));
            let names = |list: &Value, key: Option<&str>| -> Option<Vec<String>> {
                let list = list.as_array()?;
                Some(
                    list.iter()
                        .filter_map(|v| match key {
                            Some(key) => v[key].as_str(),
                            None => v.as_str(),
                        })
                        .map(str::to_string)
                        .collect(),
                )
            };
            let values = names(&def["allowed_values"], Some("name"))
                .or_else(|| names(&def["expected_values"], None));
            let pattern = match def["pattern"].as_str() {
                Some(p) => Some(Regex::new(p).map_err(|e| format!("{name}: pattern: {e}"))?),
                None => None,
            };
            let required = def["required"].as_bool().unwrap_or(false);
            fields.insert(
                name.clone(),
                FieldDef {
                    kind,
                    array,
                    values,
                    pattern,
                    required,
                },
            );
        }
        if fields.is_empty() {
            return Err("the flat field list is empty".into());
        }
        Ok(EcsDefinitions {
            fields,
            strict: false,
        })
    }
}

/// Everything wrong with the records of an NDJSON text, one line per problem, each naming the
/// record (1-based line) and the field. Empty when every record conforms.
pub fn check_records(ndjson_text: &str, ecs: &EcsDefinitions) -> Vec<String> {
    let mut problems = Vec::new();
    for (index, line) in ndjson_text.lines().enumerate() {
        let at = format!("record {}", index + 1);
        if line.trim().is_empty() {
            problems.push(format!("{at}: blank line"));
            continue;
        }
        let record: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{at}: not JSON: {e}"));
                continue;
            }
        };
        let Some(object) = record.as_object() else {
            problems.push(format!("{at}: not a JSON object"));
            continue;
        };
        let mut walk = Walk {
            ecs,
            at: &at,
            seen: BTreeSet::new(),
            problems: &mut problems,
        };
        walk.object("", object, false);
        let seen = walk.seen;
        for (name, def) in &ecs.fields {
            if def.required && !seen.contains(name) {
                problems.push(format!("{at}: {name}: required by ECS, missing"));
            }
        }
    }
    problems
}

/// The walk over one record.
struct Walk<'a> {
    ecs: &'a EcsDefinitions,
    at: &'a str,
    /// Dotted paths met so far: a path written twice (`"a.b"` and `"a": {"b"}`) is a problem.
    seen: BTreeSet<String>,
    problems: &'a mut Vec<String>,
}

impl Walk<'_> {
    fn problem(&mut self, path: &str, what: impl std::fmt::Display) {
        self.problems.push(format!("{}: {path}: {what}", self.at));
    }

    /// The members of an object at `prefix` (dotted keys and nested objects flatten alike).
    /// `open`: inside an ECS `object` field, which also takes keys ECS does not list.
    fn object(&mut self, prefix: &str, object: &Map<String, Value>, open: bool) {
        for (key, value) in object {
            if key.is_empty() || key.split('.').any(str::is_empty) {
                self.problem(&format!("{prefix}[{key:?}]"), "empty name or name part");
                continue;
            }
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            self.field(&path, value, open);
        }
    }

    fn field(&mut self, path: &str, value: &Value, open: bool) {
        if !self.seen.insert(path.to_string()) {
            self.problem(path, "given twice");
            return;
        }
        let top = path.split('.').next().unwrap_or(path);
        if !self.ecs.strict
            && !self.ecs.fields.contains_key(path)
            && top.starts_with(|c: char| c.is_ascii_uppercase())
        {
            // The custom object: not ECS's business, but it must be an object.
            if path == top && !value.is_object() {
                self.problem(path, "a custom top-level field must be an object");
            }
            return;
        }
        let Some(def) = self.ecs.fields.get(path) else {
            match value {
                // A field set or a parent of fields (`source` of `source.ip`).
                Value::Object(members) => self.object(path, members, open),
                _ if open => {}
                _ if path == top => self.problem(
                    path,
                    "not an ECS field (custom fields belong under a capitalised top-level object, such as Residency)",
                ),
                _ => self.problem(path, "not an ECS field"),
            }
            return;
        };
        match def.kind.as_str() {
            // Objects take their listed subfields and any others.
            "object" | "nested" => match value {
                Value::Object(members) => self.object(path, members, !self.ecs.strict),
                Value::Array(items) => {
                    // Each element has its own subfields: `a.b` in two elements is no repeat.
                    let outer = std::mem::take(&mut self.seen);
                    let mut inner = BTreeSet::new();
                    for item in items {
                        match item {
                            Value::Object(members) => self.object(path, members, !self.ecs.strict),
                            _ => self.problem(path, format!("{} of non-objects", def.kind)),
                        }
                        inner.append(&mut self.seen);
                    }
                    self.seen = outer;
                    self.seen.append(&mut inner);
                }
                Value::Null => {}
                _ => self.problem(path, format!("is an ECS {}, got {}", def.kind, kind(value))),
            },
            "flattened" => {
                if !matches!(value, Value::Object(_) | Value::Null) {
                    self.problem(
                        path,
                        format!("is an ECS flattened object, got {}", kind(value)),
                    );
                }
            }
            _ => self.leaf(path, value, def),
        }
    }

    /// A field with a value type: the value, or an array of values.
    fn leaf(&mut self, path: &str, value: &Value, def: &FieldDef) {
        let geo_pair = def.kind == "geo_point"
            && value
                .as_array()
                .is_some_and(|a| a.len() == 2 && a.iter().all(Value::is_number));
        let items: Vec<&Value> = match value {
            Value::Array(items) if !geo_pair => items.iter().collect(),
            _ => {
                if def.array && !value.is_null() {
                    self.problem(path, "should be an array (ECS normalize: array)");
                }
                vec![value]
            }
        };
        for item in items {
            if let Err(why) = fits(item, def) {
                self.problem(path, why);
            }
        }
    }
}

/// Whether one JSON value (not an array of them) fits an ECS field.
pub fn fits(value: &Value, def: &FieldDef) -> Result<(), String> {
    let ty = def.kind.as_str();
    let wrong = || Err(format!("is an ECS {ty}, got {}", kind(value)));
    match (ty, value) {
        (_, Value::Null) => return Ok(()),
        (
            "keyword" | "constant_keyword" | "wildcard" | "text" | "match_only_text",
            Value::String(_),
        ) => {}
        ("ip", Value::String(s)) => {
            if s.parse::<IpAddr>().is_err() {
                return Err(format!("{s:?} is not an IP address"));
            }
        }
        ("date", Value::String(s)) => {
            if !is_rfc3339(s) {
                return Err(format!("{s:?} is not an RFC 3339 date-time"));
            }
        }
        ("long", Value::Number(n)) if n.is_i64() => {}
        ("unsigned_long", Value::Number(n)) if n.is_u64() => {}
        ("integer", Value::Number(n)) if n.as_i64().is_some_and(|x| i32::try_from(x).is_ok()) => {}
        ("short", Value::Number(n)) if n.as_i64().is_some_and(|x| i16::try_from(x).is_ok()) => {}
        ("byte", Value::Number(n)) if n.as_i64().is_some_and(|x| i8::try_from(x).is_ok()) => {}
        ("float" | "double" | "half_float" | "scaled_float", Value::Number(_)) => {}
        ("boolean", Value::Bool(_)) => {}
        ("geo_point", _) => return geo_point(value),
        (
            "keyword" | "constant_keyword" | "wildcard" | "text" | "match_only_text" | "ip"
            | "date" | "long" | "unsigned_long" | "integer" | "short" | "byte" | "float" | "double"
            | "half_float" | "scaled_float" | "boolean",
            _,
        ) => return wrong(),
        _ => {
            return Err(format!(
                "has ECS type {ty}, which this checker does not know"
            ));
        }
    }
    if let Value::String(s) = value {
        if let Some(values) = &def.values
            && !values.iter().any(|v| v == s)
        {
            return Err(format!("{s:?} is not one of ECS's values {values:?}"));
        }
        if let Some(pattern) = &def.pattern
            && !pattern.is_match(s)
        {
            return Err(format!("{s:?} does not match ECS's pattern {pattern}"));
        }
    }
    Ok(())
}

/// The forms Elasticsearch takes for a geo_point: `{"lat", "lon"}`, `[lon, lat]`,
/// `"lat,lon"` and `"POINT (lon lat)"`.
fn geo_point(value: &Value) -> Result<(), String> {
    let valid =
        |lat: f64, lon: f64| (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon);
    let numbers = |a: &str, b: &str| -> Option<(f64, f64)> {
        Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
    };
    let ok = match value {
        Value::Object(o) => {
            o.len() == 2
                && matches!(
                    (o.get("lat").and_then(Value::as_f64), o.get("lon").and_then(Value::as_f64)),
                    (Some(lat), Some(lon)) if valid(lat, lon)
                )
        }
        Value::Array(a) => matches!(
            (a.first().and_then(Value::as_f64), a.get(1).and_then(Value::as_f64)),
            (Some(lon), Some(lat)) if a.len() == 2 && valid(lat, lon)
        ),
        Value::String(s) => {
            let point = s
                .strip_prefix("POINT (")
                .and_then(|r| r.strip_suffix(')'))
                .and_then(|r| r.split_once(' '))
                .and_then(|(lon, lat)| numbers(lat, lon));
            let pair = s.split_once(',').and_then(|(lat, lon)| numbers(lat, lon));
            point.or(pair).is_some_and(|(lat, lon)| valid(lat, lon))
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{value} is not a geo_point"))
    }
}

/// RFC 3339 `date-time` (section 5.6): `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, with the
/// ranges of section 5.7 (leap years, second 60 for a leap second).
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |from: usize, n: usize| -> Option<u32> {
        let part = b.get(from..from + n)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        digits(0, 4),
        digits(5, 2),
        digits(8, 2),
        digits(11, 2),
        digits(14, 2),
        digits(17, 2),
    ) else {
        return false;
    };
    if !(at(4, b'-')
        && at(7, b'-')
        && (at(10, b'T') || at(10, b't'))
        && at(13, b':')
        && at(16, b':'))
    {
        return false;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days || hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        let frac = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if frac == 0 {
            return false;
        }
        i += 1 + frac;
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len()
                && at(i + 3, b':')
                && digits(i + 1, 2).is_some_and(|h| h <= 23)
                && digits(i + 4, 2).is_some_and(|m| m <= 59)
        }
        _ => false,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

// ---------------------------------------------------------------------------------------
// ECS's real definitions.

/// ECS's definitions from the fetched package, or None (with the reason printed) when they
/// are absent outside CI.
pub fn real_definitions() -> Option<EcsDefinitions> {
    let path = std::env::var_os("RESIDENCY_ECS_FLAT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ecs/ecs_flat.json"));
    match std::fs::read_to_string(&path) {
        Ok(text) => match EcsDefinitions::from_flat_json(&text) {
            Ok(ecs) => Some(ecs),
            Err(e) => panic!("{}: {e}", path.display()),
        },
        Err(e) => {
            skip(&format!(
                "ECS definitions not at {} ({e}; tests/run fetches @elastic/ecs from npm); nothing checked",
                path.display()
            ));
            None
        }
    }
}
