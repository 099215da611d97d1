//! Tests of the country geometry against the embedded Natural Earth shapes. Reference points
//! (city centres) are rounded public coordinates; expected ranges were checked against the
//! geodesic distances of GeographicLib 2.1 (WGS 84, computed 2026-11-29) and the map.

use super::sphere::{Cap, V3, angle, arc_arc, arcs_cross, point_arc};
use super::*;
use crate::place::countries::Countries;
use proptest::prelude::*;

fn geo() -> &'static Geometry {
    Geometry::embedded()
}

fn country(code: &str) -> Region {
    Region::Country(code.to_string())
}

fn point(lat: f64, lon: f64) -> Region {
    Region::Point { lat, lon }
}

fn km(from: &Region, code: &str) -> f64 {
    geo().distance_km(from, code).expect("country has a shape")
}

const ROME: (f64, f64) = (41.9028, 12.4964);
const STOCKHOLM: (f64, f64) = (59.3293, 18.0686);

#[test]
fn embedded_file_is_valid_and_covers_every_iso_code() {
    let g = Geometry::from_bytes(BOUNDARIES).expect("embedded boundaries are valid");
    let countries = Countries::embedded();
    let codes: Vec<&str> = g.codes().collect();
    assert_eq!(codes.len(), 249);
    assert_eq!(
        codes.len(),
        countries.len(),
        "every code of geo/countries.tsv has a shape"
    );
    assert!(codes.iter().all(|c| countries.is_code(c)), "{codes:?}");
    assert!(codes.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(geo().codes().count(), 249, "embedded() read the same file");
    let vertices: usize = codes.iter().filter_map(|c| g.vertex_count(c)).sum();
    assert_eq!(vertices, 278_919);
}

#[test]
fn small_sovereign_states_have_their_own_shapes() {
    for code in [
        "VA", "SM", "MC", "LI", "AD", "MT", "LU", "SG", "BH", "GI", "NR", "TV",
    ] {
        assert!(geo().has(code), "{code}");
    }
    // The Vatican is a sliver of 190 m in the source (its grid step); it is still there.
    assert_eq!(geo().vertex_count("VA"), Some(3));
    assert_eq!(geo().vertex_count("SM"), Some(10));
    // San Marino, Monaco and Liechtenstein centres are inside their own shapes.
    for (code, lat, lon) in [
        ("SM", 43.936, 12.446),
        ("MC", 43.7384, 7.4246),
        ("LI", 47.14, 9.52),
    ] {
        assert_eq!(km(&point(lat, lon), code), 0.0, "{code}");
    }
    assert!(
        !geo().has("XK"),
        "Kosovo has no ISO code; its shape is in RS"
    );
    assert!(geo().distance_km(&point(42.66, 21.17), "XX").is_none());
}

#[test]
fn rome_is_in_italy_and_next_to_the_vatican() {
    let rome = point(ROME.0, ROME.1);
    assert_eq!(km(&rome, "IT"), 0.0);
    let vatican = km(&rome, "VA");
    assert!((3.0..4.0).contains(&vatican), "{vatican}");
    assert_eq!(geo().within(&rome, 1.0), vec!["IT"]);
    // Via della Conciliazione, 300 m east of St Peter's Square.
    let conciliazione = point(41.9020, 12.4620);
    assert_eq!(geo().within(&conciliazione, 1.0), vec!["IT", "VA"]);
    assert_eq!(km(&country("IT"), "VA"), 0.0);
    assert_eq!(km(&country("IT"), "SM"), 0.0);
}

#[test]
fn stockholm_to_finland_crosses_the_sea_to_aland() {
    let stockholm = point(STOCKHOLM.0, STOCKHOLM.1);
    assert_eq!(km(&stockholm, "SE"), 0.0);
    // Åland (AX, own ISO code) is part of Finland and in FI's shape too: ~121 km to its
    // western skerries; mainland Finland is ~200 km.
    let fi = km(&stockholm, "FI");
    assert!((110.0..130.0).contains(&fi), "{fi}");
    assert_eq!(km(&stockholm, "AX"), fi);
    assert_eq!(geo().within(&stockholm, 130.0), vec!["AX", "FI", "SE"]);
    // Sweden and Finland share a land border in Lapland.
    assert_eq!(km(&country("SE"), "FI"), 0.0);
}

#[test]
fn distances_from_italy() {
    // Geodesics between the nearest vertices: IT (45.83 N, 6.80 E) to Maine 5505.7 km, to
    // Newfoundland 4422.0 km; the sphere gives 0.8% less.
    let it = country("IT");
    let us = km(&it, "US");
    assert!((5400.0..5506.0).contains(&us), "IT-US {us}");
    let ca = km(&it, "CA");
    assert!((4330.0..4423.0).contains(&ca), "IT-CA {ca}");
    let ie = km(&it, "IE");
    assert!((1100.0..1300.0).contains(&ie), "IT-IE {ie}");
    let nl = km(&it, "NL");
    assert!((480.0..530.0).contains(&nl), "IT-NL {nl}");
    let mt = km(&it, "MT");
    assert!((75.0..90.0).contains(&mt), "IT-MT {mt}");
    assert_eq!(km(&it, "FR"), 0.0);
    assert_eq!(km(&it, "IT"), 0.0);
}

#[test]
fn within_lists_neighbours_and_no_ocean() {
    let near = geo().within(&country("IT"), 2000.0);
    // EH among them: all of Morocco counts for Western Sahara too (examples/build_boundaries).
    assert_eq!(near.len(), 70, "{near:?}");
    for code in [
        "AT", "CH", "FR", "SI", "SM", "VA", "MT", "TN", "IE", "GB", "FI", "RU", "EG",
    ] {
        assert!(near.contains(&code), "{code} in {near:?}");
    }
    for code in ["US", "CA", "IS", "IR", "KZ"] {
        assert!(!near.contains(&code), "{code} in {near:?}");
    }
    assert_eq!(
        geo().within(&point(40.0, -40.0), 500.0),
        Vec::<&str>::new(),
        "mid-Atlantic"
    );
    assert_eq!(geo().within(&country("XX"), 500.0), Vec::<&str>::new());
}

#[test]
fn inside_and_outside() {
    // Berlin: in Germany, 61 km from the Oder bend at Hohenwutzen.
    let berlin = point(52.52, 13.405);
    assert_eq!(km(&berlin, "DE"), 0.0);
    let pl = km(&berlin, "PL");
    assert!((58.0..63.0).contains(&pl), "{pl}");
    // Lesotho is a hole in South Africa.
    let lesotho = point(-29.6, 28.2);
    assert_eq!(km(&lesotho, "LS"), 0.0);
    let za = km(&lesotho, "ZA");
    assert!((55.0..70.0).contains(&za), "{za}");
    // Helsinki: Estonia is 63 km over the gulf.
    let ee = km(&point(60.17, 24.94), "EE");
    assert!((60.0..66.0).contains(&ee), "{ee}");
}

#[test]
fn antimeridian_and_poles() {
    // Fiji on both sides of 180°: Suva (178.4 E) and Lakeba (178.8 W).
    assert_eq!(km(&point(-18.1416, 178.4419), "FJ"), 0.0);
    assert_eq!(km(&point(-18.2, -178.8), "FJ"), 0.0);
    // Chukotka on both sides of 180°.
    assert_eq!(km(&point(65.5, 179.5), "RU"), 0.0);
    assert_eq!(km(&point(65.5, -179.5), "RU"), 0.0);
    // The Diomedes: Russia and the US 3.9 km apart across the date line.
    let diomede = km(&country("RU"), "US");
    assert!((3.0..5.0).contains(&diomede), "{diomede}");
    // Mid-Pacific on the date line: no country within 150 km.
    assert!(geo().within(&point(0.0, 180.0), 150.0).is_empty());
    // The South Pole is in Antarctica; the North Pole is 7° from Greenland's north coast.
    assert_eq!(km(&point(-90.0, 0.0), "AQ"), 0.0);
    let gl = km(&point(90.0, 0.0), "GL");
    assert!((700.0..720.0).contains(&gl), "{gl}");
    assert_eq!(km(&country("FJ"), "RU"), km(&country("RU"), "FJ"));
}

#[test]
fn territories_drawn_inside_their_sovereign_have_their_own_codes() {
    // Cayenne (French Guiana): GF, and France too.
    let cayenne = point(4.93, -52.33);
    assert_eq!(km(&cayenne, "GF"), 0.0);
    assert_eq!(km(&cayenne, "FR"), 0.0);
    // San Juan (Puerto Rico): PR, and the US too.
    let san_juan = point(18.41, -66.06);
    assert_eq!(km(&san_juan, "PR"), 0.0);
    assert_eq!(km(&san_juan, "US"), 0.0);
    // Longyearbyen (Svalbard): SJ and Norway. Kralendijk (Bonaire): BQ and the Netherlands.
    assert_eq!(geo().within(&point(78.22, 15.65), 0.0), vec!["NO", "SJ"]);
    assert_eq!(geo().within(&point(12.15, -68.27), 0.0), vec!["BQ", "NL"]);
    // Northern Cyprus: CY and TR.
    assert_eq!(geo().within(&point(35.34, 33.32), 0.0), vec!["CY", "TR"]);
}

#[test]
fn spherical_distances_never_exceed_geodesics() {
    // GeographicLib 2.1, WGS 84 inverse problem (km): meridian 0°→10° N 1105.855, equator
    // 0°→10° E 1113.195, IT→Maine vertices 5505.702.
    let d = |a: (f64, f64), b: (f64, f64)| {
        angle(V3::from_lat_lon(a.0, a.1), V3::from_lat_lon(b.0, b.1)) * EARTH_RADIUS_KM
    };
    for (a, b, geodesic) in [
        ((0.0, 0.0), (10.0, 0.0), 1105.855),
        ((0.0, 0.0), (0.0, 10.0), 1113.195),
        ((45.826_856, 6.802_268), (47.081_468, -67.812_078), 5505.702),
    ] {
        let s = d(a, b);
        assert!(
            s <= geodesic && s > geodesic * 0.99,
            "{a:?} {b:?}: {s} vs {geodesic}"
        );
    }
}

#[test]
fn sphere_primitives() {
    let p = |lat, lon| V3::from_lat_lon(lat, lon);
    let deg = |a: f64| a.to_degrees();
    // To the inside of an equatorial arc: straight down; past its end: to the end.
    assert!((deg(point_arc(p(1.0, 5.0), p(0.0, 0.0), p(0.0, 10.0))) - 1.0).abs() < 1e-9);
    assert!((deg(point_arc(p(0.0, 13.0), p(0.0, 0.0), p(0.0, 10.0))) - 3.0).abs() < 1e-9);
    assert!((deg(point_arc(p(4.0, 5.0), p(4.0, 5.0), p(4.0, 5.0)))).abs() < 1e-9);
    // A meridian arc crossing the equator arc; a parallel one that does not.
    assert!(arcs_cross(
        p(0.0, 0.0),
        p(0.0, 10.0),
        p(-1.0, 5.0),
        p(1.0, 5.0)
    ));
    assert!(!arcs_cross(
        p(0.0, 0.0),
        p(0.0, 10.0),
        p(1.0, 0.0),
        p(1.0, 10.0)
    ));
    // Antipodal great circles meet twice; these arcs meet neither point.
    assert!(!arcs_cross(
        p(0.0, 0.0),
        p(0.0, 10.0),
        p(-1.0, 185.0),
        p(1.0, 185.0)
    ));
    assert_eq!(
        arc_arc(p(0.0, 0.0), p(0.0, 10.0), p(-1.0, 5.0), p(1.0, 5.0)),
        0.0
    );
    let gap = deg(arc_arc(p(0.0, 0.0), p(0.0, 10.0), p(2.0, 5.0), p(3.0, 5.0)));
    assert!((gap - 2.0).abs() < 1e-9, "{gap}");
    let cap = Cap::around(&[p(0.0, 0.0), p(0.0, 10.0), p(10.0, 5.0)]);
    assert!(cap.contains(p(0.0, 5.0)) && !cap.contains(p(30.0, 5.0)));
    let far = deg(cap.gap_to_point(p(40.0, 5.0)));
    assert!(far > 25.0 && far < 40.0, "{far}");
}

#[test]
fn corrupt_files_are_refused() {
    assert!(matches!(
        Geometry::from_bytes(b"nonsense"),
        Err(GeometryError::Invalid(0, _))
    ));
    assert!(matches!(
        Geometry::from_bytes(&BOUNDARIES[..100]),
        Err(GeometryError::Truncated(_))
    ));
    let mut trailing = BOUNDARIES.to_vec();
    trailing.push(0);
    assert!(matches!(
        Geometry::from_bytes(&trailing),
        Err(GeometryError::Invalid(_, "trailing bytes"))
    ));
    // A country "AA" with one ring (0,0) -> (1,0) that does not close.
    let mut open = format::MAGIC.to_vec();
    for v in [1.0f64, 1.0, 0.0, 0.0] {
        open.extend(v.to_le_bytes());
    }
    open.extend([1, b'A', b'A', 1, 2, 0, 0, 2, 0]);
    assert!(matches!(
        Geometry::from_bytes(&open),
        Err(GeometryError::Invalid(_, "ring not closed"))
    ));
    // The same ring closed is a valid one-country file.
    let mut closed = open[..open.len() - 5].to_vec();
    closed.extend([3, 0, 0, 2, 0, 1, 0]);
    let g = Geometry::from_bytes(&closed).expect("closed ring");
    assert_eq!(g.codes().collect::<Vec<_>>(), vec!["AA"]);
    let d = g.distance_km(&point(0.0, 0.0), "AA").expect("shape");
    assert!(d < 1e-6, "{d}");
}

/// Codes for the property tests: big, small, polar, spread over the date line or the globe.
const SAMPLE: &[&str] = &[
    "IT", "VA", "SM", "FR", "DE", "GB", "IE", "NL", "SE", "FI", "AX", "NO", "RU", "US", "CA", "BR",
    "AU", "NZ", "FJ", "KI", "AQ", "GL", "JP", "ZA", "LS", "SG", "MT", "CY", "UM", "TV",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn country_distance_is_symmetric_and_non_negative(
        a in proptest::sample::select(SAMPLE),
        b in proptest::sample::select(SAMPLE),
    ) {
        let ab = km(&country(a), b);
        let ba = km(&country(b), a);
        prop_assert!(ab >= 0.0);
        prop_assert!((ab - ba).abs() <= 1e-6, "{a}-{b}: {ab} vs {ba}");
        if a == b {
            prop_assert_eq!(ab, 0.0);
        }
    }

    #[test]
    fn point_distance_is_at_most_the_nearest_vertex(
        lat in -90.0f64..=90.0,
        lon in -180.0f64..180.0,
        code in proptest::sample::select(SAMPLE),
    ) {
        let from = point(lat, lon);
        let d = km(&from, code);
        prop_assert!(d >= 0.0);
        let p = V3::from_lat_lon(lat, lon);
        let nearest = geo()
            .vertices(code)
            .expect("shape")
            .map(|(la, lo)| angle(p, V3::from_lat_lon(la, lo)) * EARTH_RADIUS_KM)
            .fold(f64::INFINITY, f64::min);
        prop_assert!(d <= nearest + 1e-6, "{code} from {lat},{lon}: {d} > vertex {nearest}");
        // within() agrees with distance_km().
        prop_assert!(geo().within(&from, d + 1e-6).contains(&code));
        if d > 1e-3 {
            prop_assert!(!geo().within(&from, d - 1e-3).contains(&code));
        }
    }

    #[test]
    fn containment_does_not_depend_on_the_ray(
        lat in -90.0f64..=90.0,
        lon in -180.0f64..180.0,
        code in proptest::sample::select(SAMPLE),
        pick in 0.0f64..1.0,
        (north, east) in (-0.5f64..0.5, -0.5f64..0.5),
    ) {
        // A point anywhere, and one within about 50 km of a vertex of the shape.
        let shape = geo().shape(code).expect("shape");
        let vertices = shape.vertices();
        let v = vertices[((pick * vertices.len() as f64) as usize).min(vertices.len() - 1)];
        let (vlat, vlon) = (v.z.asin().to_degrees(), v.y.atan2(v.x).to_degrees());
        let near = V3::from_lat_lon((vlat + north).clamp(-90.0, 90.0), vlon + east);
        for p in [V3::from_lat_lon(lat, lon), near] {
            let answers: Vec<bool> = shape
                .ray_targets()
                .iter()
                .filter(|q| p.dot(**q) > -0.5)
                .map(|&q| shape.ray_parity(p, q))
                .collect();
            prop_assert!(answers.len() >= 2);
            prop_assert!(answers.windows(2).all(|w| w[0] == w[1]), "{code}: {answers:?}");
        }
    }
}
