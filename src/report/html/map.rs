//! The world map: inline SVG in an equirectangular projection, drawn from the country shapes
//! residency embeds for the physics check (`geo/boundaries.bin`), simplified for the screen.
//!
//! Coordinates are tenths of a degree (x = 10 × longitude, y = −10 × latitude), written as
//! integers, so the map is a few hundred kB and the same bytes every time.

use super::view::{AddressRow, CountryTotal, ReportView};
use super::{attr, esc, units};
use crate::place::physics::geometry::{EARTH_RADIUS_KM, Geometry, Outline};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

/// Simplification tolerance in map units (tenths of a degree): 1.5 units is 0.15°, about
/// 17 km at the equator and under a pixel on a 1,200-pixel-wide map.
const TOLERANCE: f64 = 1.5;
/// Rings whose extent is below this (map units, both ways) are left out, but never a
/// country's largest ring: islets smaller than a pixel cost bytes and show nothing.
const MIN_RING_EXTENT: f64 = 4.0;
/// The map's latitudes: 84° N to 58° S (Antarctica, which no report places data in, is not
/// drawn).
const NORTH: f64 = 84.0;
const SOUTH: f64 = -58.0;
/// Reach circles drawn: those of the largest destinations; a circle is 90 points.
pub const MAX_CIRCLES: usize = 300;
/// Points of a reach circle.
const CIRCLE_POINTS: usize = 90;

/// One country as drawn: its SVG path and the point markers go to.
pub struct Drawn {
    pub path: String,
    /// (lat, lon) of the area-weighted centroid of its largest ring.
    pub centroid: (f64, f64),
}

/// The embedded outlines, simplified and projected once per process.
pub fn countries() -> &'static BTreeMap<String, Drawn> {
    static DRAWN: OnceLock<BTreeMap<String, Drawn>> = OnceLock::new();
    DRAWN.get_or_init(|| {
        // Were the embedded file unreadable (a geometry test checks it is not), the map is
        // drawn without countries.
        let outlines = Geometry::embedded_outlines().unwrap_or_default();
        outlines
            .iter()
            .filter(|o| o.code != "AQ")
            .filter_map(|o| draw(o).map(|d| (o.code.clone(), d)))
            .collect()
    })
}

/// Longitudes made continuous along the ring (no jump over 180°), in map units (x, y).
fn unwrap(ring: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(ring.len());
    let mut shift = 0.0;
    let mut prev: Option<f64> = None;
    for &(lat, lon) in ring {
        if let Some(p) = prev {
            if lon - p > 180.0 {
                shift -= 360.0;
            } else if p - lon > 180.0 {
                shift += 360.0;
            }
        }
        prev = Some(lon);
        out.push(((lon + shift) * 10.0, -lat * 10.0));
    }
    out
}

/// Douglas–Peucker: the points of `pts` needed to stay within `tol` of the line.
fn simplify(pts: &[(f64, f64)], tol: f64) -> Vec<(f64, f64)> {
    if pts.len() < 3 {
        return pts.to_vec();
    }
    let mut keep = vec![false; pts.len()];
    keep[0] = true;
    keep[pts.len() - 1] = true;
    let mut stack = vec![(0, pts.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        let (ax, ay) = pts[a];
        let (bx, by) = pts[b];
        let (dx, dy) = (bx - ax, by - ay);
        let len = (dx * dx + dy * dy).sqrt();
        let mut worst = (0.0, 0);
        for (i, &(px, py)) in pts.iter().enumerate().take(b).skip(a + 1) {
            let d = if len == 0.0 {
                ((px - ax).powi(2) + (py - ay).powi(2)).sqrt()
            } else {
                ((px - ax) * dy - (py - ay) * dx).abs() / len
            };
            if d > worst.0 {
                worst = (d, i);
            }
        }
        if worst.0 > tol {
            keep[worst.1] = true;
            stack.push((a, worst.1));
            stack.push((worst.1, b));
        }
    }
    pts.iter()
        .zip(keep)
        .filter_map(|(p, k)| k.then_some(*p))
        .collect()
}

/// Shoelace area (signed) and centroid of a ring in map units.
fn area_centroid(pts: &[(f64, f64)]) -> (f64, (f64, f64)) {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for w in pts.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        let c = x0 * y1 - x1 * y0;
        a += c;
        cx += (x0 + x1) * c;
        cy += (y0 + y1) * c;
    }
    if a == 0.0 {
        let n = pts.len().max(1) as f64;
        let sx: f64 = pts.iter().map(|p| p.0).sum();
        let sy: f64 = pts.iter().map(|p| p.1).sum();
        return (0.0, (sx / n, sy / n));
    }
    (a / 2.0, (cx / (3.0 * a), cy / (3.0 * a)))
}

/// Appends a ring as a closed subpath of integer map units, relative moves after the first.
fn push_ring(path: &mut String, pts: &[(f64, f64)], dx: f64) {
    let mut last: Option<(i64, i64)> = None;
    for &(x, y) in pts {
        let p = ((x + dx).round() as i64, y.round() as i64);
        match last {
            None => {
                let _ = write!(path, "M{} {}", p.0, p.1);
            }
            Some(l) if l == p => continue,
            Some(l) => {
                let _ = write!(path, "l{} {}", p.0 - l.0, p.1 - l.1);
            }
        }
        last = Some(p);
    }
    path.push('z');
}

fn draw(outline: &Outline) -> Option<Drawn> {
    let rings: Vec<Vec<(f64, f64)>> = outline.rings.iter().map(|r| unwrap(r)).collect();
    let largest = rings
        .iter()
        .enumerate()
        .map(|(i, r)| (area_centroid(r).0.abs(), i))
        .max_by(|a, b| a.0.total_cmp(&b.0))?
        .1;
    let mut path = String::new();
    for (i, ring) in rings.iter().enumerate() {
        let (mut lo_x, mut hi_x, mut lo_y, mut hi_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in ring {
            lo_x = lo_x.min(x);
            hi_x = hi_x.max(x);
            lo_y = lo_y.min(y);
            hi_y = hi_y.max(y);
        }
        if i != largest && hi_x - lo_x < MIN_RING_EXTENT && hi_y - lo_y < MIN_RING_EXTENT {
            continue;
        }
        let mut pts = simplify(ring, TOLERANCE);
        // A ring around a pole (its longitudes run once round the globe) is closed along the
        // map's edge.
        if let (Some(&first), Some(&last)) = (pts.first(), pts.last())
            && (last.0 - first.0).abs() > 3000.0
        {
            let edge = if lo_y + hi_y < 0.0 {
                -NORTH * 10.0
            } else {
                -SOUTH * 10.0
            };
            pts.push((last.0, edge));
            pts.push((first.0, edge));
            pts.push(first);
        }
        push_ring(&mut path, &pts, 0.0);
        // Parts beyond the antimeridian are drawn again on the other side.
        if lo_x < -1800.0 {
            push_ring(&mut path, &pts, 3600.0);
        }
        if hi_x > 1800.0 {
            push_ring(&mut path, &pts, -3600.0);
        }
    }
    let (_, (cx, cy)) = area_centroid(&rings[largest]);
    let mut lon = cx / 10.0;
    if lon > 180.0 {
        lon -= 360.0;
    } else if lon < -180.0 {
        lon += 360.0;
    }
    Some(Drawn {
        path,
        centroid: (-cy / 10.0, lon),
    })
}

/// Map units of a (lat, lon).
fn xy(lat: f64, lon: f64) -> (i64, i64) {
    ((lon * 10.0).round() as i64, (-lat * 10.0).round() as i64)
}

/// The destination reached by going `dist` radians from (lat, lon) on `bearing` radians.
fn destination(lat: f64, lon: f64, dist: f64, bearing: f64) -> (f64, f64) {
    let (p1, l1) = (lat.to_radians(), lon.to_radians());
    let p2 = (p1.sin() * dist.cos() + p1.cos() * dist.sin() * bearing.cos()).asin();
    let l2 = l1 + (bearing.sin() * dist.sin() * p1.cos()).atan2(dist.cos() - p1.sin() * p2.sin());
    let mut lon2 = l2.to_degrees();
    lon2 = (lon2 + 540.0).rem_euclid(360.0) - 180.0;
    (p2.to_degrees(), lon2)
}

/// A circle of `km` around (lat, lon) on the sphere, as a path; broken where it crosses the
/// antimeridian.
fn circle_path(lat: f64, lon: f64, km: f64) -> String {
    let dist = (km / EARTH_RADIUS_KM).min(std::f64::consts::PI);
    let mut path = String::new();
    let mut prev: Option<(i64, i64)> = None;
    for i in 0..=CIRCLE_POINTS {
        let bearing = std::f64::consts::TAU * i as f64 / CIRCLE_POINTS as f64;
        let (la, lo) = destination(lat, lon, dist, bearing);
        let p = xy(la, lo);
        match prev {
            Some(q) if (p.0 - q.0).abs() < 1800 => {
                let _ = write!(path, "l{} {}", p.0 - q.0, p.1 - q.1);
            }
            _ => {
                let _ = write!(path, "M{} {}", p.0, p.1);
            }
        }
        prev = Some(p);
    }
    path
}

/// Where a vantage is: a city's or point's coordinates from its label ("Stockholm, SE
/// (59.3294, 18.0687)", "59.33,18.07"), or a country's centroid. The label and how it was
/// placed ("coordinates" or "country-centroid").
pub fn vantage_position(label: &str) -> Option<((f64, f64), &'static str)> {
    let coords = label
        .rsplit_once('(')
        .map(|(_, rest)| rest.trim_end_matches(')'))
        .unwrap_or(label);
    if let Some((a, b)) = coords.split_once(',')
        && let (Ok(lat), Ok(lon)) = (a.trim().parse::<f64>(), b.trim().parse::<f64>())
    {
        return Some(((lat, lon), "coordinates"));
    }
    countries()
        .get(label.trim())
        .map(|d| (d.centroid, "country-centroid"))
}

/// Shade class of a country by the bytes sent to it: powers of 100 from 1 kB.
fn shade(bytes: u64) -> u8 {
    match bytes {
        0 => 0,
        1..1_000 => 1,
        1_000..100_000 => 2,
        100_000..10_000_000 => 3,
        10_000_000..1_000_000_000 => 4,
        _ => 5,
    }
}

/// The vantages of the report: (label, position, how placed).
fn vantages(view: &ReportView) -> Vec<(String, (f64, f64), &'static str)> {
    let list = view.summary["physics"]["vantages"].as_array();
    list.into_iter()
        .flatten()
        .filter_map(|v| {
            let label = v["vantage"].as_str()?;
            let (pos, how) = vantage_position(label)?;
            Some((label.to_string(), pos, how))
        })
        .collect()
}

/// The kind of a destination marker: what its evidence says.
fn marker_kind(a: &AddressRow) -> &'static str {
    if a.contradicted() {
        "contradicted"
    } else if a.physics.iter().any(|p| p.within_eu_eea) {
        "proven-eu-eea"
    } else if a.physics.iter().any(|p| p.verdict == "consistent") {
        "consistent"
    } else {
        "untimed"
    }
}

/// The map section. Returns the number of destination markers drawn.
pub fn write(out: &mut String, view: &ReportView) -> usize {
    let drawn = countries();
    let home = view.geo["home"].as_str().unwrap_or("");
    let by_country = &view.addresses.by_country;
    let vantages = vantages(view);
    out.push_str("<section id=\"map-section\"><h2>Where the data went: map</h2>\n");
    let _ = writeln!(
        out,
        "<figure><svg id=\"map\" role=\"img\" aria-labelledby=\"map-title map-desc\" \
         viewBox=\"-1800 {} 3600 {}\" preserveAspectRatio=\"xMidYMid meet\">\
         <title id=\"map-title\">World map of the destinations</title>\
         <desc id=\"map-desc\">Countries shaded by the bytes sent to destinations the databases \
         place there; one marker per destination at its country's centroid; round-trip reach \
         circles around the vantage; database countries ruled out by a round trip are drawn \
         as crossed squares. The tables below give every figure as text.</desc>",
        (-NORTH * 10.0) as i64,
        ((NORTH - SOUTH) * 10.0) as i64
    );
    out.push_str(
        "<defs><pattern id=\"hatch\" width=\"16\" height=\"16\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"16\" \
         class=\"hatch\"/></pattern></defs>\n<g id=\"countries\">\n",
    );
    for (code, d) in drawn {
        let total = by_country
            .get(code)
            .copied()
            .unwrap_or(CountryTotal::default());
        let class = if code == home { " home" } else { "" };
        let _ = writeln!(
            out,
            "<path class=\"country s{}{class}\" data-country=\"{}\" data-bytes-to=\"{}\" d=\"{}\"><title>{}{}: {} sent to {} destination(s)</title></path>",
            shade(total.bytes_to),
            attr(code),
            total.bytes_to,
            d.path,
            esc(code),
            if code == home { " (home)" } else { "" },
            units::bytes(total.bytes_to),
            total.destinations
        );
    }
    out.push_str("</g>\n");
    if let Some(d) = drawn.get(home) {
        let _ = writeln!(
            out,
            "<path class=\"home-hatch\" fill=\"url(#hatch)\" d=\"{}\"/>",
            d.path
        );
    }
    out.push_str("<g id=\"reach\">\n");
    let vantage_of = |label: Option<&str>| {
        vantages
            .iter()
            .find(|v| Some(v.0.as_str()) == label)
            .or(if vantages.len() == 1 {
                vantages.first()
            } else {
                None
            })
    };
    let mut circles = 0;
    let mut seen = std::collections::BTreeSet::new();
    for a in &view.addresses.rows {
        for p in &a.physics {
            let (Some(km), Some(v)) = (p.max_distance_km, vantage_of(p.vantage.as_deref())) else {
                continue;
            };
            if circles >= MAX_CIRCLES || !seen.insert((v.0.clone(), km)) {
                continue;
            }
            circles += 1;
            let kind = if p.verdict == "contradicts-database" {
                " contradicted"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "<path class=\"reach{kind}\" data-ip=\"{}\" data-km=\"{km}\" data-vantage=\"{}\" d=\"{}\"><title>Reach of {} from {}: at most {} km ({} ms)</title></path>",
                attr(&a.ip),
                attr(&v.0),
                circle_path(v.1.0, v.1.1, km as f64),
                esc(&a.ip),
                esc(&v.0),
                units::count(km),
                p.rtt_ms.map(|m| format!("{m}")).unwrap_or_default()
            );
        }
    }
    out.push_str("</g>\n<g id=\"markers\">\n");
    let mut per_country: BTreeMap<&str, usize> = BTreeMap::new();
    let mut markers = 0;
    let mut ips = std::collections::BTreeSet::new();
    for a in &view.addresses.rows {
        let Some(country) = a.geo.country.as_deref() else {
            continue;
        };
        let Some(d) = drawn.get(country) else {
            continue;
        };
        if !ips.insert(a.ip.as_str()) {
            continue;
        }
        // Destinations of one country spread on a sunflower spiral round its centroid, so
        // that each stays visible and clickable.
        let n = per_country.entry(country).or_default();
        let angle = *n as f64 * 2.399_963;
        let r = 24.0 * (*n as f64).sqrt();
        *n += 1;
        let (x, y) = xy(d.centroid.0, d.centroid.1);
        let (x, y) = (x + (r * angle.cos()) as i64, y + (r * angle.sin()) as i64);
        let kind = marker_kind(a);
        let shape = match kind {
            "contradicted" => format!(
                "<rect x=\"{}\" y=\"{}\" width=\"28\" height=\"28\"/><path d=\"M{} {}l28 28m0 -28l-28 28\"/>",
                x - 14,
                y - 14,
                x - 14,
                y - 14
            ),
            "proven-eu-eea" => format!("<path d=\"M{} {}l18 18l-18 18l-18 -18z\"/>", x, y - 18),
            "untimed" => format!("<circle cx=\"{x}\" cy=\"{y}\" r=\"12\" class=\"hollow\"/>"),
            _ => format!("<circle cx=\"{x}\" cy=\"{y}\" r=\"14\"/>"),
        };
        let _ = writeln!(
            out,
            "<g class=\"marker dest {kind}\" data-ip=\"{}\" data-country=\"{}\" data-position=\"country-centroid\" data-bytes-to=\"{}\">{shape}<title>{} — {} ({}): {}, {} sent{}</title></g>",
            attr(&a.ip),
            attr(country),
            a.bytes_to,
            esc(&a.ip),
            esc(a.geo.country_name.as_deref().unwrap_or(country)),
            esc(country),
            kind.replace('-', " "),
            units::bytes(a.bytes_to),
            if kind == "contradicted" {
                "; a round trip rules this country out"
            } else {
                ""
            }
        );
        markers += 1;
    }
    for (label, (lat, lon), how) in &vantages {
        let (x, y) = xy(*lat, *lon);
        let _ = writeln!(
            out,
            "<g class=\"marker vantage\" data-vantage=\"{}\" data-position=\"{how}\"><path d=\"M{} {}l9 18l20 2l-15 14l4 20l-18 -9l-18 9l4 -20l-15 -14l20 -2z\"/><text x=\"{}\" y=\"{}\">{}</text><title>Vantage {} ({})</title></g>",
            attr(label),
            x,
            y - 22,
            x + 28,
            y - 20,
            esc(label),
            esc(label),
            how.replace('-', " ")
        );
    }
    out.push_str("</g>\n</svg>\n");
    let _ = writeln!(
        out,
        "<figcaption>Countries: shaded by bytes sent to destinations the databases place there \
         (darker: more; classes &lt;1 kB, &lt;100 kB, &lt;10 MB, &lt;1 GB, more; hover for \
         the figure), the home country hatched. Markers: <span class=\"key\">● round trip \
         consistent with the database's country</span>, <span class=\"key\">◆ proven inside \
         the EU/EEA by a round trip</span>, <span class=\"key\">○ not timed</span>, \
         <span class=\"key\">⊠ database country ruled out by a round trip (the server is \
         inside its dashed reach circle)</span>, <span class=\"key\">★ vantage</span>. \
         Each destination is drawn at the centroid of its database country's largest \
         outline (the report has no city positions); destinations of one country are spread \
         round it. Reach circles: the farthest light could go in the fastest round trip \
         ({} drawn{}); for a vantage given as a country they are drawn round its centroid, \
         while the proof measures from its border. {} destination marker(s) for {} \
         placed destination(s){}.</figcaption></figure></section>",
        circles,
        if circles >= MAX_CIRCLES {
            format!(", the first {MAX_CIRCLES} distinct radii by bytes")
        } else {
            String::new()
        },
        markers,
        view.addresses.placed,
        if view.addresses.left_out() > 0 {
            format!(
                "; markers are drawn for the {} largest destinations only",
                view.addresses.rows.len()
            )
        } else {
            String::new()
        }
    );
    markers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_country_is_drawn_with_a_centroid_inside_its_extent() {
        let drawn = countries();
        assert!(drawn.len() > 200, "{} countries", drawn.len());
        let se = &drawn["SE"];
        assert!((55.0..69.0).contains(&se.centroid.0), "{:?}", se.centroid);
        assert!((11.0..24.0).contains(&se.centroid.1), "{:?}", se.centroid);
        let us = &drawn["US"];
        assert!((30.0..48.0).contains(&us.centroid.0), "{:?}", us.centroid);
        assert!(
            (-110.0..-85.0).contains(&us.centroid.1),
            "{:?}",
            us.centroid
        );
    }

    #[test]
    fn vantage_labels_give_positions() {
        let (p, how) = vantage_position("Stockholm, SE (59.3294, 18.0687)").unwrap();
        assert_eq!((p, how), ((59.3294, 18.0687), "coordinates"));
        let (p, how) = vantage_position("59.33,18.07").unwrap();
        assert_eq!((p, how), ((59.33, 18.07), "coordinates"));
        let (_, how) = vantage_position("SE").unwrap();
        assert_eq!(how, "country-centroid");
        assert!(vantage_position("XX").is_none());
    }

    #[test]
    fn a_circle_of_1000_km_spans_18_degrees_of_latitude() {
        let path = circle_path(0.0, 0.0, 1000.0);
        // 1000 km / 6335.439 km = 9.04° each way.
        assert!(path.starts_with("M0 -90"), "{path}");
        let (north, _) = destination(0.0, 0.0, 1000.0 / EARTH_RADIUS_KM, 0.0);
        assert!((north - 9.044).abs() < 0.01, "{north}");
    }

    #[test]
    fn simplify_keeps_corners_and_drops_collinear_points() {
        let pts = [(0.0, 0.0), (5.0, 0.1), (10.0, 0.0), (10.0, 10.0)];
        assert_eq!(
            simplify(&pts, 1.0),
            vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)]
        );
    }
}
