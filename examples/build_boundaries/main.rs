//! Converts Natural Earth's admin-0 countries at 1:10m, as TopoJSON from the npm package
//! `world-atlas` (countries-10m.json), into residency's boundary file `geo/boundaries.bin`
//! (format: src/place/physics/geometry/format.rs).
//!
//! - Codes: the TopoJSON ids are ISO 3166-1 numeric; Debian's iso-codes (iso_3166-1.json) maps
//!   them to alpha-2, and each must be in geo/countries.tsv. Shapes without an id (disputed or
//!   special areas) go to the codes in `UNCODED`; territories that Natural Earth draws inside
//!   their sovereign's shape are copied out under their own code by `SPLITS`.
//! - Simplification: each TopoJSON arc (a border shared by two countries, or a coast) is
//!   simplified once, with Douglas–Peucker on the sphere, so neighbours keep sharing their
//!   border exactly; every dropped vertex stays within `TOLERANCE_KM` of the kept edges.
//! - Check: the written file is read back with residency's own reader, and the distance from
//!   every original vertex and original edge midpoint to its country's shape is measured; the
//!   largest must not exceed the tolerance (plus rounding).
//!
//! Deterministic: same input, same bytes. Run by `geo/build-boundaries`.
//!
//! usage: build_boundaries <countries-10m.json> <iso_3166-1.json> <countries.tsv> <out.bin>

mod simplify;
mod tables;

use residency::place::physics::geometry::{EARTH_RADIUS_KM, Geometry, Region};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

type Error = Box<dyn std::error::Error>;

/// Douglas–Peucker tolerance in km: every dropped vertex lies within this of the kept edges.
/// 0.5 km keeps the file under 600 kB (1 km: 410 kB, 0.25 km: 780 kB); the error budget is in
/// `BOUNDARY_TOLERANCE_KM`.
const TOLERANCE_KM: f64 = 0.5;

/// Slack allowed on the measured deviation: coordinates on the grid, and the difference between
/// the simplifier's and the reader's arithmetic.
const MEASURE_SLACK_KM: f64 = 0.01;

/// A point on the source grid (TopoJSON quantised coordinates).
pub type Grid = (i64, i64);

/// The grid-to-degrees transform.
#[derive(Clone, Copy)]
pub struct Transform {
    pub sx: f64,
    pub sy: f64,
    pub ox: f64,
    pub oy: f64,
}

impl Transform {
    /// (lat, lon) in degrees.
    pub fn degrees(&self, (x, y): Grid) -> (f64, f64) {
        (y as f64 * self.sy + self.oy, x as f64 * self.sx + self.ox)
    }
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [topo, iso, tsv, out] = args.as_slice() else {
        return Err(
            "usage: build_boundaries <countries-10m.json> <iso_3166-1.json> \
                    <countries.tsv> <out.bin>"
                .into(),
        );
    };
    let topo: Value = serde_json::from_str(&std::fs::read_to_string(topo)?)?;
    let numeric = iso_numeric(iso)?;
    let known = known_codes(tsv)?;

    let tf = transform(&topo)?;
    let arcs = arcs(&topo)?;
    let simple: Vec<Vec<Grid>> = arcs
        .iter()
        .map(|a| simplify::arc(a, tf, TOLERANCE_KM / EARTH_RADIUS_KM))
        .collect();

    // code -> rings, simplified and original (for the measurement).
    let mut shapes: BTreeMap<String, Vec<Vec<Grid>>> = BTreeMap::new();
    let mut originals: Vec<(Vec<String>, Vec<Vec<Grid>>)> = Vec::new();
    let geometries = topo["objects"]["countries"]["geometries"]
        .as_array()
        .ok_or("no objects.countries.geometries")?;
    for g in geometries {
        let name = g["properties"]["name"]
            .as_str()
            .ok_or("geometry without a name")?;
        let codes: Vec<String> = match g["id"].as_str() {
            Some(id) => vec![
                numeric
                    .get(id)
                    .ok_or(format!("{name}: id {id} not in iso-codes"))?
                    .clone(),
            ],
            None => tables::UNCODED
                .iter()
                .find(|u| u.name == name)
                .ok_or(format!("{name}: no id and not in UNCODED"))?
                .codes
                .iter()
                .map(|c| c.to_string())
                .collect(),
        };
        if let Some(c) = codes.iter().find(|c| !known.contains(*c)) {
            return Err(format!("{name}: {c} is not in countries.tsv").into());
        }
        let rings_of = |arcs: &[Vec<Grid>]| polygons(g, arcs);
        let (rings, orig) = (rings_of(&simple)?, rings_of(&arcs)?);
        for c in &codes {
            shapes
                .entry(c.clone())
                .or_default()
                .extend(rings.iter().cloned());
        }
        originals.push((codes, orig));
    }
    for s in tables::SPLITS {
        let (lo, hi) = ((s.lat.0, s.lon.0), (s.lat.1, s.lon.1));
        let inside = |r: &Vec<Grid>| {
            r.iter()
                .map(|&p| tf.degrees(p))
                .all(|(lat, lon)| (lo.0..=hi.0).contains(&lat) && (lo.1..=hi.1).contains(&lon))
        };
        let picked: Vec<Vec<Grid>> = shapes
            .get(s.from)
            .ok_or(format!("split: {} has no shape", s.from))?
            .iter()
            .filter(|r| inside(r))
            .cloned()
            .collect();
        let orig: Vec<Vec<Grid>> = originals
            .iter()
            .filter(|(c, _)| c.iter().any(|c| c == s.from))
            .flat_map(|(_, rings)| rings.iter().filter(|r| inside(r)).cloned())
            .collect();
        if picked.is_empty() || picked.len() != orig.len() {
            return Err(format!(
                "split {} from {}: {} rings ({} original)",
                s.to,
                s.from,
                picked.len(),
                orig.len()
            )
            .into());
        }
        eprintln!("{} from {}: {} rings", s.to, s.from, picked.len());
        shapes.entry(s.to.to_string()).or_default().extend(picked);
        originals.push((vec![s.to.to_string()], orig));
    }

    for (to, parts) in tables::INCLUDES {
        for part in *parts {
            let rings = shapes
                .get(*part)
                .ok_or(format!("include: {part} has no shape"))?
                .clone();
            let into = shapes
                .get_mut(*to)
                .ok_or(format!("include: {to} has no shape"))?;
            let before = into.len();
            for r in rings {
                // A ring twice in one shape would cancel itself out in the inside test.
                if !into.contains(&r) {
                    into.push(r);
                }
            }
            let added = into.len() - before;
            if added > 0 {
                let orig = originals
                    .iter()
                    .filter(|(c, _)| c.iter().any(|c| c == part))
                    .flat_map(|(_, rings)| rings.iter().cloned())
                    .collect();
                originals.push((vec![to.to_string()], orig));
            }
            eprintln!("{part} into {to}: {added} rings added");
        }
    }
    for (code, rings) in &shapes {
        let distinct: BTreeSet<&Vec<Grid>> = rings.iter().collect();
        if distinct.len() != rings.len() {
            return Err(format!("{code}: a ring appears twice").into());
        }
    }

    let bytes = encode(&shapes, tf);
    std::fs::write(out, &bytes)?;
    let points: usize = shapes.values().flatten().map(Vec::len).sum();
    let rings: usize = shapes.values().map(Vec::len).sum();
    let source_points: usize = arcs.iter().map(Vec::len).sum();
    eprintln!(
        "{out}: {} bytes, {} countries, {rings} rings, {points} points (source arcs {source_points} points, kept {})",
        bytes.len(),
        shapes.len(),
        simple.iter().map(Vec::len).sum::<usize>()
    );
    let missing: Vec<&String> = known.iter().filter(|c| !shapes.contains_key(*c)).collect();
    eprintln!("codes in countries.tsv without a shape: {missing:?}");

    measure(&bytes, &originals, tf)
}

/// Reads the file back and measures how far the original boundary lies outside the shapes.
fn measure(
    bytes: &[u8],
    originals: &[(Vec<String>, Vec<Vec<Grid>>)],
    tf: Transform,
) -> Result<(), Error> {
    let started = Instant::now();
    let geo = Geometry::from_bytes(bytes)?;
    let (mut worst, mut at, mut n) = (0.0f64, String::new(), 0usize);
    for (codes, rings) in originals {
        for ring in rings {
            for w in ring.windows(2) {
                let (a, b) = (tf.degrees(w[0]), tf.degrees(w[1]));
                let mut lon_mid = (a.1 + b.1) / 2.0;
                if (a.1 - b.1).abs() > 180.0 {
                    lon_mid = if lon_mid > 0.0 {
                        lon_mid - 180.0
                    } else {
                        lon_mid + 180.0
                    };
                }
                for (lat, lon) in [a, ((a.0 + b.0) / 2.0, lon_mid)] {
                    for code in codes {
                        let d = geo
                            .distance_km(&Region::Point { lat, lon }, code)
                            .ok_or(format!("{code}: no shape"))?;
                        n += 1;
                        if d > worst {
                            (worst, at) = (d, format!("{code} at {lat:.4},{lon:.4}"));
                        }
                    }
                }
            }
        }
    }
    eprintln!(
        "largest distance from an original vertex or edge midpoint to its shape: {worst:.3} km ({at}); {n} points in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if worst > TOLERANCE_KM + MEASURE_SLACK_KM {
        return Err(
            format!("simplification deviates {worst:.3} km, over {TOLERANCE_KM} km").into(),
        );
    }
    Ok(())
}

/// ISO 3166-1 numeric -> alpha-2, from iso-codes' JSON.
fn iso_numeric(path: &str) -> Result<BTreeMap<String, String>, Error> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let list = v["3166-1"]
        .as_array()
        .ok_or("iso_3166-1.json: no \"3166-1\" list")?;
    let mut map = BTreeMap::new();
    for c in list {
        let (Some(n), Some(a)) = (c["numeric"].as_str(), c["alpha_2"].as_str()) else {
            return Err(format!("iso_3166-1.json: entry without numeric or alpha_2: {c}").into());
        };
        map.insert(n.to_string(), a.to_string());
    }
    Ok(map)
}

/// The codes of geo/countries.tsv.
fn known_codes(path: &str) -> Result<BTreeSet<String>, Error> {
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next())
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect())
}

fn transform(topo: &Value) -> Result<Transform, Error> {
    let t = &topo["transform"];
    let f = |v: &Value| v.as_f64().ok_or("transform: not a number");
    Ok(Transform {
        sx: f(&t["scale"][0])?,
        sy: f(&t["scale"][1])?,
        ox: f(&t["translate"][0])?,
        oy: f(&t["translate"][1])?,
    })
}

/// The arcs, delta-decoded to absolute grid points.
fn arcs(topo: &Value) -> Result<Vec<Vec<Grid>>, Error> {
    let list = topo["arcs"].as_array().ok_or("no arcs")?;
    list.iter()
        .map(|arc| {
            let (mut x, mut y) = (0i64, 0i64);
            arc.as_array()
                .ok_or("arc is not a list")?
                .iter()
                .map(|p| {
                    x += p[0].as_i64().ok_or("arc point x")?;
                    y += p[1].as_i64().ok_or("arc point y")?;
                    Ok((x, y))
                })
                .collect::<Result<Vec<Grid>, Error>>()
        })
        .collect()
}

/// The rings of a Polygon or MultiPolygon geometry, built from `arcs`.
fn polygons(g: &Value, arcs: &[Vec<Grid>]) -> Result<Vec<Vec<Grid>>, Error> {
    let polys: Vec<&Value> = match g["type"].as_str() {
        Some("Polygon") => vec![&g["arcs"]],
        Some("MultiPolygon") => g["arcs"].as_array().ok_or("arcs")?.iter().collect(),
        other => return Err(format!("geometry type {other:?}").into()),
    };
    let mut rings = Vec::new();
    for poly in polys {
        for ring in poly.as_array().ok_or("polygon is not a list")? {
            let mut out: Vec<Grid> = Vec::new();
            for i in ring.as_array().ok_or("ring is not a list")? {
                let i = i.as_i64().ok_or("arc index")?;
                let (idx, reverse) = if i >= 0 { (i, false) } else { (!i, true) };
                let arc = arcs
                    .get(usize::try_from(idx)?)
                    .ok_or("arc index out of range")?;
                let mut pts: Vec<Grid> = arc.clone();
                if reverse {
                    pts.reverse();
                }
                let skip = usize::from(!out.is_empty());
                out.extend(pts.into_iter().skip(skip));
            }
            out.dedup();
            if out.len() == 1 {
                out.push(out[0]);
            }
            if out.first() != out.last() || out.is_empty() {
                return Err("ring not closed".into());
            }
            rings.push(out);
        }
    }
    Ok(rings)
}

fn encode(shapes: &BTreeMap<String, Vec<Vec<Grid>>>, tf: Transform) -> Vec<u8> {
    let mut b = b"RESBND01".to_vec();
    for v in [tf.sx, tf.sy, tf.ox, tf.oy] {
        b.extend(v.to_le_bytes());
    }
    varint(&mut b, shapes.len() as u64);
    for (code, rings) in shapes {
        b.extend(code.as_bytes());
        varint(&mut b, rings.len() as u64);
        for ring in rings {
            varint(&mut b, ring.len() as u64);
            let mut prev = (0i64, 0i64);
            for &p in ring {
                varint(&mut b, zigzag(p.0 - prev.0));
                varint(&mut b, zigzag(p.1 - prev.1));
                prev = p;
            }
        }
    }
    b
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn varint(b: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        b.push((v as u8) | 0x80);
        v >>= 7;
    }
    b.push(v as u8);
}
