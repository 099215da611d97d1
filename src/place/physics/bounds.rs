//! From a round-trip time to the farthest a server can be, and what that says about a claimed
//! country.

use super::geometry::{EARTH_RADIUS_KM, Geometry, Region};
use std::sync::Mutex;

/// The speed of light in vacuum, km/s (exact by the SI definition of the metre).
pub const LIGHT_KM_PER_S: f64 = 299_792.458;
/// One way, per millisecond of round trip, at the speed of light: 149.9 km. Nothing answers
/// from farther away, whatever the path.
pub const STRICT_KM_PER_MS: f64 = LIGHT_KM_PER_S / 2.0 / 1000.0;
/// One way, per millisecond of round trip, in optical fibre (light at about 2/3 c, refractive
/// index ≈ 1.5): 99.9 km. Real paths are longer than great circles and add queueing, so most
/// servers are well inside this; it is the likely bound, never used to contradict.
pub const LIKELY_KM_PER_MS: f64 = STRICT_KM_PER_MS * 2.0 / 3.0;

/// Distance bounds from one round-trip time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound {
    pub rtt_nanos: u64,
    /// Farthest great-circle distance, km, at the speed of light in vacuum. Light may cut
    /// through as a straight line (a chord), so the chord length c·RTT/2 is turned into the
    /// great-circle distance of a chord that long: slightly more, never less.
    pub strict_km: f64,
    /// Farthest likely great-circle distance, km, through fibre along the surface.
    pub likely_km: f64,
}

impl Bound {
    pub fn from_rtt(rtt_nanos: u64) -> Bound {
        let ms = rtt_nanos as f64 / 1e6;
        let chord = ms * STRICT_KM_PER_MS;
        let half = (chord / (2.0 * EARTH_RADIUS_KM)).min(1.0);
        Bound {
            rtt_nanos,
            strict_km: 2.0 * EARTH_RADIUS_KM * half.asin(),
            // No point on the sphere is farther than half a great circle.
            likely_km: (ms * LIKELY_KM_PER_MS).min(std::f64::consts::PI * EARTH_RADIUS_KM),
        }
    }

    /// Whether a region `distance_km` away from the vantage is beyond reach even allowing for
    /// the boundary data's generalisation (`tolerance_km`: 0 between exact points).
    pub fn excludes(&self, distance_km: f64, tolerance_km: f64) -> bool {
        distance_km > self.strict_km + tolerance_km
    }
}

/// Great-circle distance between two points (degrees), km, on the sphere geometry uses.
pub fn point_distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// The least distance between two regions, without tolerances. `None` when a country has no
/// shape.
pub fn region_distance_km(geometry: &Geometry, a: &Region, b: &Region) -> Option<f64> {
    match (a, b) {
        (
            Region::Point { lat, lon },
            Region::Point {
                lat: lat2,
                lon: lon2,
            },
        ) => Some(point_distance_km((*lat, *lon), (*lat2, *lon2))),
        (Region::Country(code), other) | (other, Region::Country(code)) => {
            geometry.distance_km(other, code)
        }
    }
}

/// The countries a region can reach, asked of lazily: which lie within a distance, and how far
/// one lies. Exact distances from one country's outline to every other cost about 0.4 ms each
/// (some 100 ms for all of them, more than reading a small capture), and most are never asked
/// for: a judgement needs only whether each country is nearer than its bound. So each country
/// keeps what earlier questions proved about its distance (an interval), and a question the
/// interval does not answer runs a search that stops at the first pair of edges close enough.
/// The answers are those of exact distances: only the work differs.
pub struct Reach {
    from: Region,
    /// Every country with a shape, by code (the geometry's order).
    codes: Vec<&'static str>,
    /// What is known of each country's distance, by index into `codes`. A mutex, not a
    /// `RefCell`: a judge is shared by the threads of a run; it is held for microseconds.
    known: Mutex<Vec<Known>>,
}

/// What is known of one country's distance from the region, km.
#[derive(Clone, Copy, Debug)]
struct Known {
    /// The distance is more than this (-1: nothing known).
    above: f64,
    /// The distance is at most this (infinite: nothing known).
    at_most: f64,
    /// The exact distance, once asked for (`None` inside: no shape to measure from).
    exact: Option<Option<f64>>,
}

impl Reach {
    /// A country's distances come from the table computed ahead (geo/distances.bin): the
    /// outlines are then never decoded (15 MB of memory, 30 ms). Coordinates, or a country
    /// without a row, are measured from the outlines as they are asked.
    pub fn new(from: &Region) -> Reach {
        let unknown = Known {
            above: -1.0,
            at_most: f64::INFINITY,
            exact: None,
        };
        if let Region::Country(code) = from
            && let Some(table) = super::geometry::distances::embedded()
        {
            let codes: Vec<&'static str> = table.codes().collect();
            if let Ok(i) = codes.binary_search(&code.as_str())
                && let Some(row) = table.row(i)
            {
                let known = row
                    .map(|d| Known {
                        exact: Some(d),
                        ..unknown
                    })
                    .collect();
                return Reach {
                    from: from.clone(),
                    codes,
                    known: Mutex::new(known),
                };
            }
        }
        let geometry = Geometry::embedded();
        let codes: Vec<&'static str> = geometry.codes().collect();
        Reach {
            from: from.clone(),
            known: Mutex::new(vec![unknown; codes.len()]),
            codes,
        }
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Vec<Known>> {
        // A panic while holding it left at worst a narrower, still true, interval.
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Countries whose shape lies within `km` (+ `tolerance_km`) of the region, sorted by code.
    pub fn within(&self, km: f64, tolerance_km: f64) -> Vec<&'static str> {
        let limit = km + tolerance_km;
        let mut known = self.known();
        let mut codes = Vec::new();
        for ((i, k), code) in known.iter_mut().enumerate().zip(&self.codes) {
            let inside = match k.exact {
                Some(exact) => exact.is_some_and(|d| d <= limit),
                None if k.at_most <= limit => true,
                None if limit <= k.above => false,
                None => match Geometry::embedded().reach_km(&self.from, i, limit) {
                    Some(d) => {
                        k.at_most = k.at_most.min(d);
                        true
                    }
                    None => {
                        k.above = k.above.max(limit);
                        false
                    }
                },
            };
            if inside {
                codes.push(*code);
            }
        }
        codes
    }

    /// The distance to one country, if it has a shape (and the region has one).
    pub fn distance_km(&self, code: &str) -> Option<f64> {
        let i = self.codes.binary_search(&code).ok()?;
        let mut known = self.known();
        let k = known.get_mut(i)?;
        *k.exact
            .get_or_insert_with(|| Geometry::embedded().distance_km(&self.from, code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn light_gives_150_km_per_ms_and_fibre_100() {
        assert!((STRICT_KM_PER_MS - 149.896).abs() < 0.001);
        assert!((LIKELY_KM_PER_MS - 99.931).abs() < 0.001);
        let b = Bound::from_rtt(11_421_000);
        // 11.421 ms: 1,711.96 km as a chord; along the surface, 2R·asin(chord / 2R) = 1,717.2.
        assert!((1717.0..1717.5).contains(&b.strict_km), "{}", b.strict_km);
        assert!((b.likely_km - 1141.3).abs() < 0.1, "{}", b.likely_km);
    }

    #[test]
    fn the_strict_bound_saturates_at_the_antipode() {
        let b = Bound::from_rtt(500_000_000);
        assert!((b.strict_km - std::f64::consts::PI * EARTH_RADIUS_KM).abs() < 1e-6);
    }

    #[test]
    fn points_stockholm_to_rome() {
        // Stockholm (59.3293, 18.0686) to Rome (41.9028, 12.4964): about 1,980 km.
        let d = point_distance_km((59.3293, 18.0686), (41.9028, 12.4964));
        assert!((1960.0..1990.0).contains(&d), "{d}");
        assert_eq!(point_distance_km((10.0, 20.0), (10.0, 20.0)), 0.0);
    }
}
