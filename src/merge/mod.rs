//! `residency merge`: the evidence reports of several sites, sensors or runs as one document
//! (schema `residency.merge/1`, docs/merge.md) whose totals are the sums of theirs, with every
//! report and every input listed.
//!
//! What is summed is what adds up across reports: packets, flows, bytes, the headline answer,
//! placement, services and physics counts. What does not is kept per report and left out of the
//! totals: inside hosts (10.0.0.5 at two sites are two machines), tables' sizes and peaks, the
//! settings. Remote destinations are counted distinct across all reports (from their
//! `addresses`). A capture in two reports (the same SHA-256) is refused: its flows would be
//! counted twice. Reports judged for different home countries have no merged `left_home`.

pub mod sum;
pub mod terminal;

use crate::diff::read::{ReadError, known_schema, view_from_reader_hashed};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub const SCHEMA: &str = "residency.merge/1";

/// The parts of a report a merge reads; its flows are skipped unread, its addresses read for
/// their IP only, so memory grows with the summary and the addresses, not the flows.
#[derive(Debug, Deserialize)]
pub struct ReportView {
    #[serde(deserialize_with = "known_schema")]
    pub schema: String,
    #[serde(default)]
    pub tool: Value,
    #[serde(default)]
    pub settings: Value,
    #[serde(default)]
    pub geo: Value,
    #[serde(default, rename = "flows")]
    _flows: serde::de::IgnoredAny,
    #[serde(default, deserialize_with = "address_ips")]
    pub addresses: Vec<String>,
    #[serde(default)]
    pub inputs: Vec<Value>,
    pub summary: Value,
}

fn address_ips<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    struct Address {
        ip: String,
    }
    Ok(Vec::<Address>::deserialize(d)?
        .into_iter()
        .map(|a| a.ip)
        .collect())
}

/// A report as read: where from, its SHA-256, and its parts.
#[derive(Debug)]
pub struct Read {
    pub path: String,
    pub sha256: String,
    pub view: ReportView,
}

/// Reads the report at `path` for a merge.
pub fn read(path: &Path) -> Result<Read, ReadError> {
    let file = std::fs::File::open(path).map_err(|source| ReadError::Io {
        path: path.to_owned(),
        source,
    })?;
    read_from(path, file)
}

/// Reads a report for a merge from `reader`; `path` names it.
pub fn read_from(path: &Path, reader: impl std::io::Read) -> Result<Read, ReadError> {
    let (view, sha256) = view_from_reader_hashed(path, reader, |v: &ReportView| v.schema.as_str())?;
    Ok(Read {
        path: path.display().to_string(),
        sha256,
        view,
    })
}

/// Why reports could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(
        "{second_report} and {first_report} both hold the capture {input} ({identity}): its \
         flows would be counted twice; merge reports of different captures (analyse the capture \
         once, or leave one of the reports out)"
    )]
    Duplicate {
        /// `SHA-256 …`, or a live capture's sensor, interface and start.
        identity: String,
        input: String,
        first_report: String,
        second_report: String,
    },
    #[error(
        "{second_report} is the same file as {first_report} (SHA-256 {sha256}): its flows would \
         be counted twice"
    )]
    SameReport {
        sha256: String,
        first_report: String,
        second_report: String,
    },
    #[error("{report}: its summary cannot be added to the others")]
    Sum {
        report: String,
        #[source]
        source: sum::SumError,
    },
}

/// The merged document (`residency.merge/1`).
#[derive(Debug, Serialize)]
pub struct Merged {
    pub schema: &'static str,
    pub tool: crate::report::Tool,
    /// The reports merged, in the order given.
    pub reports: Vec<Source>,
    /// Every input of every report, in order.
    pub inputs: Vec<MergedInput>,
    /// What a reader of the totals should know (reports from different tool versions, geo data
    /// or home countries).
    pub warnings: Vec<String>,
    pub summary: Value,
}

/// One input of one report.
#[derive(Debug, Serialize)]
pub struct MergedInput {
    /// Index into `reports`.
    pub report: usize,
    /// That report's `settings.sensor`.
    pub sensor: Option<String>,
    /// The input as the report lists it (`inputs[]` of residency.report/2), but
    /// `duplicate_of`, which is an index into the merged `inputs`.
    pub input: Value,
}

/// One merged report, with its own headline.
#[derive(Debug, Serialize)]
pub struct Source {
    pub path: String,
    /// SHA-256 of the report file as read.
    pub sha256: String,
    pub schema: String,
    pub tool_version: Option<String>,
    /// `settings.sensor` (`--sensor`).
    pub sensor: Option<String>,
    /// `geo.home` (`--home`).
    pub home: Option<String>,
    pub complete: bool,
    pub incomplete: Vec<String>,
    pub interrupted_by: Option<String>,
    pub first_packet: Option<String>,
    pub last_packet: Option<String>,
    /// Indexes into the merged `inputs`.
    pub inputs: Vec<usize>,
    pub flows: u64,
    pub bytes: u64,
    /// The report's `summary.answer.left_home.yes` and `left_eu_eea.yes`.
    pub left_home: Value,
    pub left_eu_eea: Value,
    /// The report's geo databases: name, build and SHA-256.
    pub geo_databases: Vec<Value>,
}

/// Summary fields added whole: every number in them is a count.
const ADDED: &[&str] = &[
    "packets",
    "flows",
    "bytes",
    "bytes_to_remote",
    "bytes_from_remote",
    "fragments",
    "answer",
];
/// The counts of `summary.capture_loss` (its percentages are computed again).
const CAPTURE_LOSS: &[&str] = &["acks", "gaps", "gap_bytes"];
/// The counts of `summary.physics` (the rest are constants and the vantages).
const PHYSICS: &[&str] = &[
    "samples",
    "discarded",
    "requests_dropped",
    "pending_evicted",
    "by_verdict",
    "contradicted",
    "any_claim_contradicted",
    "proven_eu_eea",
    "anycast",
    "timed",
    "contradicted_destinations",
    "proven_eu_eea_destinations",
];

/// Merges reports read with [`read`], in the order given.
pub fn merge(reports: impl IntoIterator<Item = Read>) -> Result<Merged, MergeError> {
    let mut merger = Merger::default();
    for r in reports {
        merger.add(r)?;
    }
    Ok(merger.finish())
}

/// A merge in progress: reports are added one at a time and dropped once added, so merging a
/// month of reports holds one report's summary at a time, not all of them.
#[derive(Default)]
pub struct Merger {
    summary: Map<String, Value>,
    sources: Vec<Source>,
    inputs: Vec<MergedInput>,
    destinations: BTreeSet<String>,
    entries: u64,
    incomplete: BTreeSet<String>,
    some_incomplete: bool,
    first: Option<String>,
    last: Option<String>,
    /// Every capture's identity ([`identity`]) and the report that held it.
    seen: BTreeMap<String, String>,
    /// Warnings for inputs without an identity.
    unidentified: Vec<String>,
    versions: BTreeSet<String>,
    /// The first report's path and geo data (less its home), and the first report whose
    /// geo data differs from it.
    first_geo: Option<(String, Value)>,
    other_geo: Option<String>,
}

impl Merger {
    /// Adds one report; a report holding a capture an earlier one held is refused (and the
    /// merge so far is left as it was).
    pub fn add(&mut self, r: Read) -> Result<(), MergeError> {
        self.refuse_duplicates(&r)?;
        let s = &r.view.summary;
        let sum_error = |source| MergeError::Sum {
            report: r.path.clone(),
            source,
        };
        // Summed into a copy first, so that a report that cannot be added changes nothing.
        let mut summary = self.summary.clone();
        for key in ADDED {
            let into = summary.entry(*key).or_insert(Value::Null);
            sum::add(into, &s[*key], &format!("summary.{key}")).map_err(sum_error)?;
        }
        let loss = pick(&s["capture_loss"], CAPTURE_LOSS);
        let into = summary.entry("capture_loss").or_insert(Value::Null);
        sum::add(into, &loss, "summary.capture_loss").map_err(sum_error)?;
        let physics = pick(&s["physics"], PHYSICS);
        let into = summary.entry("physics").or_insert(Value::Null);
        sum::add(into, &physics, "summary.physics").map_err(sum_error)?;
        add_with_rows(
            &mut summary,
            s,
            "placement",
            &["home"],
            ("by_provider", &["name", "jurisdiction", "fallback"]),
        )
        .map_err(sum_error)?;
        add_with_rows(
            &mut summary,
            s,
            "services",
            &[],
            ("by_service", &["name", "provider", "category"]),
        )
        .map_err(sum_error)?;
        self.summary = summary;

        for input in &r.view.inputs {
            match identity(input) {
                Some(id) => {
                    self.seen.insert(id, r.path.clone());
                }
                None => self.unidentified.push(format!(
                    "{}: input {} has no SHA-256 (it could not be read to its end): whether \
                     another report holds the same capture cannot be told",
                    r.path,
                    input["path"].as_str().unwrap_or("?")
                )),
            }
        }
        self.destinations.extend(r.view.addresses.iter().cloned());
        self.entries += s["destinations"].as_u64().unwrap_or(0);
        let complete = s["complete"].as_bool().unwrap_or(false);
        self.some_incomplete |= !complete;
        let reasons: Vec<String> = strings(&s["incomplete"]);
        self.incomplete.extend(reasons.iter().cloned());
        let (f, l) = (text(&s["first_packet"]), text(&s["last_packet"]));
        self.first = earliest(self.first.take(), f.clone(), true);
        self.last = earliest(self.last.take(), l.clone(), false);
        if let Some(v) = r.view.tool["version"].as_str() {
            self.versions.insert(v.to_string());
        }
        let mut geo = r.view.geo.clone();
        if let Value::Object(map) = &mut geo {
            map.remove("home");
        }
        match &self.first_geo {
            None => self.first_geo = Some((r.path.clone(), geo)),
            Some((_, first)) if *first != geo && self.other_geo.is_none() => {
                self.other_geo = Some(r.path.clone());
            }
            Some(_) => {}
        }
        let index = self.sources.len();
        let offset = self.inputs.len();
        let sensor = text(&r.view.settings["sensor"]);
        for input in &r.view.inputs {
            let mut input = input.clone();
            if let Some(n) = input.get("duplicate_of").and_then(Value::as_u64) {
                input["duplicate_of"] = (n + offset as u64).into();
            }
            self.inputs.push(MergedInput {
                report: index,
                sensor: sensor.clone(),
                input,
            });
        }
        self.sources.push(Source {
            path: r.path.clone(),
            sha256: r.sha256.clone(),
            schema: r.view.schema.clone(),
            tool_version: text(&r.view.tool["version"]),
            sensor,
            home: text(&r.view.geo["home"]),
            complete,
            incomplete: reasons,
            interrupted_by: text(&s["interrupted_by"]),
            first_packet: f,
            last_packet: l,
            inputs: (offset..self.inputs.len()).collect(),
            flows: s["flows"]["total"].as_u64().unwrap_or(0),
            bytes: s["bytes"].as_u64().unwrap_or(0),
            left_home: s["answer"]["left_home"]["yes"].clone(),
            left_eu_eea: s["answer"]["left_eu_eea"]["yes"].clone(),
            geo_databases: databases(&r.view.geo),
        });
        Ok(())
    }

    /// A report file given twice, or a capture that an earlier report held, is refused.
    fn refuse_duplicates(&self, r: &Read) -> Result<(), MergeError> {
        if let Some(first) = self.sources.iter().find(|s| s.sha256 == r.sha256) {
            return Err(MergeError::SameReport {
                sha256: r.sha256.clone(),
                first_report: first.path.clone(),
                second_report: r.path.clone(),
            });
        }
        for input in &r.view.inputs {
            let Some(identity) = identity(input) else {
                continue;
            };
            if let Some(first) = self.seen.get(&identity) {
                return Err(MergeError::Duplicate {
                    identity,
                    input: input["path"].as_str().unwrap_or("?").to_string(),
                    first_report: first.clone(),
                    second_report: r.path.clone(),
                });
            }
        }
        Ok(())
    }

    /// The merged document.
    pub fn finish(self) -> Merged {
        let mut warnings = Vec::new();
        let homes: BTreeSet<Option<&str>> =
            self.sources.iter().map(|s| s.home.as_deref()).collect();
        let home = match homes.iter().collect::<Vec<_>>().as_slice() {
            [one] => one.map(str::to_string),
            _ => {
                warnings.push(format!(
                    "the reports were judged for different home countries ({}): `left_home` is \
                     not summed (null); each report has its own",
                    homes
                        .iter()
                        .map(|h| h.unwrap_or("none"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                None
            }
        };
        let mut summary = Value::Object(self.summary);
        if homes.len() > 1 {
            sum::null_every(&mut summary, "left_home");
        }
        summary["placement"]["home"] = home.into();
        let loss = &mut summary["capture_loss"];
        loss["percent"] = percent(loss);
        summary["complete"] = (!self.some_incomplete).into();
        summary["incomplete"] = self.incomplete.into_iter().collect::<Vec<_>>().into();
        summary["first_packet"] = self.first.into();
        summary["last_packet"] = self.last.into();
        summary["destinations"] = (self.destinations.len() as u64).into();
        summary["destination_entries"] = self.entries.into();
        if self.versions.len() > 1 {
            warnings.push(format!(
                "the reports were made by different versions of residency ({}): their answers \
                 may follow different rules",
                self.versions.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        if let (Some((first, _)), Some(other)) = (&self.first_geo, &self.other_geo) {
            warnings.push(format!(
                "{other} placed its addresses with other geo databases or tables than {first} \
                 (see each report's geo_databases): the totals add each report's answers as it \
                 gave them"
            ));
        }
        warnings.extend(self.unidentified);
        Merged {
            schema: SCHEMA,
            tool: crate::report::Tool {
                name: env!("CARGO_PKG_NAME"),
                version: env!("CARGO_PKG_VERSION"),
            },
            reports: self.sources,
            inputs: self.inputs,
            warnings,
            summary,
        }
    }
}

/// What makes an input the same capture in two reports: its SHA-256; for a live capture
/// (which has none), its sensor, interface and start by the sensor's clock, so that two
/// reports of one run (`--report-every` snapshots, or a report given under two names) are
/// one capture. None for a file that could not be read to its end.
fn identity(input: &Value) -> Option<String> {
    if let Some(sha) = input["sha256"].as_str() {
        return Some(format!("SHA-256 {sha}"));
    }
    let live = input.get("live")?;
    Some(format!(
        "live capture on {} of {} started {}",
        live["interface"].as_str()?,
        live["sensor"].as_str()?,
        live["started"].as_str()?
    ))
}

/// Adds `summary[part]` but its `rows` list (added by key) and the `skip` fields.
fn add_with_rows(
    merged: &mut Map<String, Value>,
    summary: &Value,
    part: &str,
    skip: &[&str],
    (rows, key): (&str, &[&str]),
) -> Result<(), sum::SumError> {
    let mut counts = summary[part].clone();
    if let Value::Object(map) = &mut counts {
        map.remove(rows);
        for s in skip {
            map.remove(*s);
        }
    }
    let into = merged.entry(part).or_insert(Value::Null);
    sum::add(into, &counts, &format!("summary.{part}"))?;
    if !into.is_object() {
        *into = Value::Object(Map::new());
    }
    let mut list = match into.get_mut(rows).map(Value::take) {
        Some(Value::Array(list)) => list,
        _ => Vec::new(),
    };
    let order = "bytes_to";
    sum::add_rows(
        &mut list,
        &summary[part][rows],
        key,
        order,
        &format!("summary.{part}.{rows}"),
    )?;
    into[rows] = Value::Array(list);
    Ok(())
}

/// The object with only `keys` (those present).
fn pick(value: &Value, keys: &[&str]) -> Value {
    let map: Map<String, Value> = keys
        .iter()
        .filter_map(|k| value.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect();
    Value::Object(map)
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The earlier (or, with `earlier` false, the later) of two RFC 3339 UTC times as reports
/// write them; their fractions may have different numbers of digits.
fn earliest(a: Option<String>, b: Option<String>, earlier: bool) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let a_first = time_key(&a) <= time_key(&b);
            Some(if a_first == earlier { a } else { b })
        }
        (a, b) => a.or(b),
    }
}

/// `2026-03-02T09:00:00.5Z` → ("2026-03-02T09:00:00", "500000000"): comparable as text.
fn time_key(t: &str) -> (String, String) {
    let t = t.trim_end_matches('Z');
    let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
    (whole.to_string(), format!("{fraction:0<9}"))
}

/// The summed capture loss's percentage, computed as the reports compute theirs; null
/// without ACKs.
fn percent(loss: &Value) -> Value {
    let counts = crate::flow::loss::LossCounts {
        acks: loss["acks"].as_u64().unwrap_or(0),
        gaps: loss["gaps"].as_u64().unwrap_or(0),
        gap_bytes: loss["gap_bytes"].as_u64().unwrap_or(0),
    };
    counts
        .percent()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

fn databases(geo: &Value) -> Vec<Value> {
    geo["databases"]
        .as_array()
        .map(|dbs| {
            dbs.iter()
                .map(|d| {
                    serde_json::json!({
                        "name": d["name"], "build": d["build"], "sha256": d["sha256"]
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_different_digits_compare_by_value() {
        let a = Some("2026-03-02T09:00:00.5Z".to_string());
        let b = Some("2026-03-02T09:00:00.123456789Z".to_string());
        assert_eq!(earliest(a.clone(), b.clone(), true), b);
        assert_eq!(earliest(a.clone(), b, false), a);
        assert_eq!(earliest(None, a.clone(), true), a);
    }

    #[test]
    fn loss_is_recomputed_from_the_summed_counts() {
        let loss = |gaps: u64, acks: u64| serde_json::json!({"gaps": gaps, "acks": acks});
        assert_eq!(percent(&loss(1, 3)), serde_json::json!(33.333));
        assert_eq!(percent(&loss(0, 0)), Value::Null);
    }
}
