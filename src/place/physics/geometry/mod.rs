//! Country geometry: the shortest great-circle distance between a place and a country.
//!
//! The physics check declares a database's country impossible when the country lies farther
//! from the vantage point than light could travel in the measured round-trip time. So the
//! distances here must never be overestimated:
//! - The Earth is a sphere of the ellipsoid's smallest radius of curvature, so great-circle
//!   distances on it never exceed the geodesics of WGS 84 (see [`EARTH_RADIUS_KM`]).
//! - Distances are measured to the boundary's great-circle edges, not only to its vertices, and
//!   are 0 inside a country or between countries that touch or overlap.
//! - The boundaries are generalised; [`BOUNDARY_TOLERANCE_KM`] bounds how far the real border
//!   can lie outside the shipped one, and callers add it before declaring a contradiction.
//!
//! The shapes are Natural Earth's admin-0 countries at 1:10m (public domain), from the npm
//! package `world-atlas` 2.0.2, simplified and converted by `examples/build_boundaries` (run by
//! `geo/build-boundaries`) into `geo/boundaries.bin`, which is embedded in the binary.
//! geo/SOURCES.md says which shapes are assigned to which codes.

pub mod distances;
mod format;
mod shape;
mod sphere;
#[cfg(test)]
mod tests;

use shape::{Shape, ShapeError};
use sphere::V3;
use std::f64::consts::PI;
use std::sync::OnceLock;

/// The embedded boundary file.
const BOUNDARIES: &[u8] = include_bytes!("../../../../geo/boundaries.bin");

/// What the embedded boundaries are, for reports.
const SOURCE: &str = "Natural Earth 4.1.0 admin-0 countries 1:10m (public domain), from npm \
world-atlas@2.0.2 (ISC), simplified to 0.5 km (geo/boundaries.bin)";

/// The Earth radius used for every distance, in km: b²/a = 6335.439 km for WGS 84 (a =
/// 6378.137 km, b = 6356.752 km), the smallest radius of curvature of the ellipsoid (the
/// meridional one at the equator). Placing latitude and longitude on a sphere of this radius
/// shortens every line element of the ellipsoid (meridional radius M ≥ b²/a, transverse N ≥ a),
/// so spherical distances never exceed ellipsoidal geodesics. The polar radius b would not do:
/// from the equator to 10° N along a meridian it gives 1109.5 km where the geodesic is 1105.9.
pub const EARTH_RADIUS_KM: f64 = 6335.439;

/// How far, in km, a real border may lie outside the shipped shape; callers add it to a
/// distance bound before declaring that a country is out of reach. It sums:
/// - the simplification: the converter keeps every dropped vertex within 0.5 km of the kept
///   edges, and measures it (largest distance from an original 1:10m vertex or edge midpoint to
///   its country's shipped shape: 0.500 km);
/// - the source grid: world-atlas quantises coordinates to steps of 0.0036° of longitude and
///   0.0017° of latitude, at most 0.2 km off;
/// - Natural Earth's own generalisation at 1:10m, which it does not quantify: lines drawn for a
///   1:10,000,000 map, where 0.5 mm of line is 5 km (the US map accuracy standard for small
///   scales, 1/50 inch, is 5.1 km at this scale); 9.3 km are left for it.
///
/// 10 km in all: next to the light-speed bounds (150 km per ms of round-trip time) this costs
/// little, and it keeps a contradiction out of reach of the map's drawing. It does not cover
/// islets missing from the map altogether.
pub const BOUNDARY_TOLERANCE_KM: f64 = 10.0;

/// A region on Earth.
#[derive(Debug, Clone, PartialEq)]
pub enum Region {
    /// A point, latitude and longitude in degrees (WGS 84).
    Point { lat: f64, lon: f64 },
    /// A country by ISO 3166-1 alpha-2 code.
    Country(String),
}

/// Why a boundary file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum GeometryError {
    #[error("boundary file truncated at byte {0}")]
    Truncated(usize),
    #[error("boundary file invalid at byte {0}: {1}")]
    Invalid(usize, &'static str),
    #[error("boundary of {0}: ring {1} does not fit in a hemisphere")]
    RingTooLarge(String, usize),
    #[error("boundary of {0}: too few points outside it to test containment")]
    NoRayTargets(String),
    #[error("boundary of {0}: no edges")]
    Empty(String),
}

/// A country's outline for drawing: rings of (lat, lon) in degrees, each closed.
#[derive(Debug, Clone)]
pub struct Outline {
    /// ISO 3166-1 alpha-2.
    pub code: String,
    pub rings: Vec<Vec<(f64, f64)>>,
}

/// Country shapes, indexed for distance queries.
#[derive(Debug)]
pub struct Geometry {
    /// Sorted by code.
    countries: Vec<(String, Shape)>,
}

impl Geometry {
    /// The embedded boundaries, read once. Were the embedded file unreadable (a test checks it
    /// is not), this is the empty geometry: no country has a shape, so nothing is contradicted.
    pub fn embedded() -> &'static Geometry {
        static EMBEDDED: OnceLock<Geometry> = OnceLock::new();
        EMBEDDED.get_or_init(|| {
            Geometry::from_bytes(BOUNDARIES).unwrap_or(Geometry {
                countries: Vec::new(),
            })
        })
    }

    /// Reads a boundary file (the format of `geo/boundaries.bin`, see `format.rs`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Geometry, GeometryError> {
        let raw = format::decode(bytes)?;
        let mut countries = Vec::with_capacity(raw.len());
        for c in raw {
            let shape = Shape::new(&c.rings).map_err(|e| match e {
                ShapeError::RingTooLarge(i) => GeometryError::RingTooLarge(c.code.clone(), i),
                ShapeError::NoRayTargets => GeometryError::NoRayTargets(c.code.clone()),
                ShapeError::Empty => GeometryError::Empty(c.code.clone()),
            })?;
            countries.push((c.code, shape));
        }
        Ok(Geometry { countries })
    }

    /// Every country's outline as drawn: its code and rings of (lat, lon) in degrees, decoded
    /// afresh from the embedded file (the indexed shapes keep no ring order for drawing).
    /// For maps (the HTML report); the distance queries use [`Geometry::embedded`].
    pub fn embedded_outlines() -> Result<Vec<Outline>, GeometryError> {
        Ok(format::decode(BOUNDARIES)?
            .into_iter()
            .map(|c| Outline {
                code: c.code,
                rings: c.rings,
            })
            .collect())
    }

    /// Whether the country has a shape.
    pub fn has(&self, code: &str) -> bool {
        self.shape(code).is_some()
    }

    /// The codes of the countries with a shape, in order.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.countries.iter().map(|(c, _)| c.as_str())
    }

    /// The number of boundary vertices of a country (rings closed: first vertex counted twice).
    pub fn vertex_count(&self, code: &str) -> Option<usize> {
        self.shape(code).map(|s| s.vertices().len())
    }

    /// The vertices of a country's boundary as (lat, lon) in degrees.
    pub fn vertices(&self, code: &str) -> Option<impl Iterator<Item = (f64, f64)>> {
        let to_lat_lon = |v: &V3| {
            (
                v.z.clamp(-1.0, 1.0).asin().to_degrees(),
                v.y.atan2(v.x).to_degrees(),
            )
        };
        self.shape(code)
            .map(move |s| s.vertices().iter().map(to_lat_lon))
    }

    /// The minimum great-circle distance in km between the region and the country's shape:
    /// 0 when they touch or overlap, or the point lies inside. None when the country (or the
    /// region's country) has no shape.
    pub fn distance_km(&self, from: &Region, code: &str) -> Option<f64> {
        let to = self.shape(code)?;
        self.angle_within(from, to, PI, 0.0)
            .map(|a| a * EARTH_RADIUS_KM)
    }

    /// Every country whose shape lies within `km` of the region, sorted by code. Empty when the
    /// region is a country without a shape.
    pub fn within(&self, from: &Region, km: f64) -> Vec<&str> {
        let limit = km.max(0.0) / EARTH_RADIUS_KM;
        self.countries
            .iter()
            .filter(|(_, shape)| self.angle_within(from, shape, limit, limit).is_some())
            .map(|(code, _)| code.as_str())
            .collect()
    }

    /// The number of countries with a shape; [`code_at`](Self::code_at) and
    /// [`reach_km`](Self::reach_km) take an index below it (in code order).
    pub fn len(&self) -> usize {
        self.countries.len()
    }

    /// Whether no country has a shape.
    pub fn is_empty(&self) -> bool {
        self.countries.is_empty()
    }

    /// The code of the country at `index` (in code order).
    pub fn code_at(&self, index: usize) -> Option<&str> {
        self.countries.get(index).map(|(c, _)| c.as_str())
    }

    /// The index of a country's shape (in code order).
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.countries
            .binary_search_by(|(c, _)| c.as_str().cmp(code))
            .ok()
    }

    /// Whether the country at `index` lies within `km` of the region: `Some(d)` with `d <= km`
    /// when it does, where `d` is the first distance found at or below `km` (the exact distance
    /// is at most `d`); `None` when it lies farther (or has no shape). Cheaper than the exact
    /// distance: the search stops at the first pair of edges close enough.
    pub fn reach_km(&self, from: &Region, index: usize, km: f64) -> Option<f64> {
        let (_, to) = self.countries.get(index)?;
        let limit = km.max(0.0) / EARTH_RADIUS_KM;
        self.angle_within(from, to, limit, limit)
            .map(|a| a * EARTH_RADIUS_KM)
    }

    /// The dataset, its version and licence (without decoding the outlines).
    pub fn source() -> &'static str {
        SOURCE
    }

    fn shape(&self, code: &str) -> Option<&Shape> {
        self.countries.get(self.index_of(code)?).map(|(_, s)| s)
    }

    /// The angular distance from the region to `to`, when at most `limit` (radians); None when
    /// farther, or when the region is a country without a shape. Between countries, the search
    /// stops at the first distance at or below `enough`, which it returns instead.
    fn angle_within(&self, from: &Region, to: &Shape, limit: f64, enough: f64) -> Option<f64> {
        // Searches prune at the bound; a hair above it keeps a distance equal to it.
        let search = limit * (1.0 + 1e-12) + 1e-15;
        let a = match from {
            Region::Point { lat, lon } => {
                let p = V3::from_lat_lon(*lat, *lon);
                if to.cap().gap_to_point(p) > limit {
                    return None;
                }
                shape::point_distance(to, p, search)
            }
            Region::Country(code) => {
                let s = self.shape(code)?;
                if std::ptr::eq(s, to) {
                    0.0
                } else {
                    s.distance(to, search, enough)
                }
            }
        };
        (a <= limit).then_some(a)
    }
}
