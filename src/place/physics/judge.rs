//! The verdict for one address seen from one vantage: does the fastest answer fit the country
//! the databases claim?

use super::anycast::{AnycastRange, AnycastTable};
use super::bounds::{Bound, Reach, region_distance_km};
use super::geometry::{BOUNDARY_TOLERANCE_KM, Geometry, Region};
use super::vantage::Vantage;
use crate::place::legal::LegalTable;
use std::net::IpAddr;

/// What the physics says of a database's country.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The claimed country lies within the strict bound.
    Consistent,
    /// The claimed country lies wholly beyond the strict bound (plus the boundary tolerance):
    /// no server there could have answered this fast.
    ContradictsDatabase,
    /// No round-trip sample answered by this address.
    NoRtt,
    /// No vantage given: the bound has no centre.
    NoVantage,
    /// No database gives a country (private address, or not in any database).
    NoClaim,
    /// The claimed country has no shape in the boundary data.
    NoGeometry,
}

impl Verdict {
    pub const ALL: [Verdict; 6] = [
        Verdict::Consistent,
        Verdict::ContradictsDatabase,
        Verdict::NoRtt,
        Verdict::NoVantage,
        Verdict::NoClaim,
        Verdict::NoGeometry,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Verdict::Consistent => "consistent",
            Verdict::ContradictsDatabase => "contradicts-database",
            Verdict::NoRtt => "no-rtt",
            Verdict::NoVantage => "no-vantage",
            Verdict::NoClaim => "no-claim",
            Verdict::NoGeometry => "no-geometry",
        }
    }
}

/// One database's country, checked against the bound.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimCheck {
    pub source: String,
    pub country: String,
    /// Least distance from the vantage to the country's shape, km.
    pub distance_km: Option<f64>,
    pub contradicted: bool,
}

/// The verdict and the facts behind it.
#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    pub bound: Option<Bound>,
    pub verdict: Verdict,
    /// Least distance from the vantage to the chosen country's shape, km.
    pub claim_distance_km: Option<f64>,
    /// Countries within the strict bound, by code (with a vantage and a sample).
    pub feasible: Option<Vec<&'static str>>,
    /// Countries within the likely (fibre) bound.
    pub likely: Option<Vec<&'static str>>,
    /// Every feasible country is in the EU or the EEA: the server is there, whatever the
    /// databases say.
    pub within_eu_eea: bool,
    pub claims: Vec<ClaimCheck>,
}

/// How far the capture point may be from a city's coordinates: GeoNames gives a city centre,
/// and a metropolitan area reaches about 30 km from it (Greater London, Greater Stockholm).
/// Coordinates given as such are taken as exact.
pub const CITY_RADIUS_KM: f64 = 30.0;

/// One vantage, ready to judge many addresses.
pub struct Judge {
    pub vantage: Vantage,
    region: Region,
    reach: Reach,
}

impl Judge {
    pub fn new(vantage: Vantage) -> Judge {
        let region = region_of(&vantage);
        Judge {
            reach: Reach::new(&region),
            region,
            vantage,
        }
    }

    pub fn region(&self) -> &Region {
        &self.region
    }

    /// Judge the country `chosen` (and each database's `claims`: source, country) of an
    /// address whose fastest answer took `rtt_nanos`.
    pub fn judge(
        &self,
        rtt_nanos: Option<u64>,
        chosen: Option<&str>,
        claims: &[(String, String)],
        legal: &LegalTable,
    ) -> Judgement {
        let bound = rtt_nanos.map(Bound::from_rtt);
        let check = |country: &str| {
            let distance = self.reach.distance_km(country);
            let contradicted = match (bound, distance) {
                (Some(b), Some(d)) => b.excludes(d, self.tolerance()),
                _ => false,
            };
            (distance, contradicted)
        };
        let claims = claims
            .iter()
            .map(|(source, country)| {
                let (distance_km, contradicted) = check(country);
                ClaimCheck {
                    source: source.clone(),
                    country: country.clone(),
                    distance_km,
                    contradicted,
                }
            })
            .collect();
        let (claim_distance_km, contradicted) = chosen.map_or((None, false), check);
        let verdict = match (bound, chosen, claim_distance_km) {
            (None, _, _) => Verdict::NoRtt,
            (_, None, _) => Verdict::NoClaim,
            (_, _, None) => Verdict::NoGeometry,
            _ if contradicted => Verdict::ContradictsDatabase,
            _ => Verdict::Consistent,
        };
        let feasible = bound.map(|b| self.reach.within(b.strict_km, self.tolerance()));
        let within_eu_eea = feasible
            .as_ref()
            .is_some_and(|f| !f.is_empty() && f.iter().all(|c| legal.in_eu_eea(c)));
        Judgement {
            bound,
            verdict,
            claim_distance_km,
            likely: bound.map(|b| self.reach.within(b.likely_km, self.tolerance())),
            feasible,
            within_eu_eea,
            claims,
        }
    }

    /// How far the capture point may lie from the vantage's region: a city's extent, or the
    /// generalisation of a country's boundary.
    pub fn extent_km(&self) -> f64 {
        match self.vantage.kind() {
            "city" => CITY_RADIUS_KM,
            "country" => BOUNDARY_TOLERANCE_KM,
            _ => 0.0,
        }
    }

    /// Tolerance on a distance from this vantage to a country shape: the vantage's extent and
    /// the shape's boundary generalisation. Used alike for contradictions and feasible lists,
    /// so a country the verdict allows is always listed.
    pub fn tolerance(&self) -> f64 {
        self.extent_km() + BOUNDARY_TOLERANCE_KM
    }

    /// Judgement without a vantage: the bound alone, and the claims (source, country) unjudged.
    pub fn without_vantage(rtt_nanos: Option<u64>, claims: &[(String, String)]) -> Judgement {
        Judgement {
            bound: rtt_nanos.map(Bound::from_rtt),
            verdict: Verdict::NoVantage,
            claim_distance_km: None,
            feasible: None,
            likely: None,
            within_eu_eea: false,
            claims: claims
                .iter()
                .map(|(source, country)| ClaimCheck {
                    source: source.clone(),
                    country: country.clone(),
                    distance_km: None,
                    contradicted: false,
                })
                .collect(),
        }
    }
}

/// The region a vantage stands for.
pub fn region_of(vantage: &Vantage) -> Region {
    match vantage {
        Vantage::Point { lat, lon, .. } => Region::Point {
            lat: *lat,
            lon: *lon,
        },
        Vantage::Country(code) => Region::Country(code.clone()),
    }
}

/// Why an address is flagged as anycast.
#[derive(Clone, Debug, PartialEq)]
pub enum Anycast {
    /// In a range its operator documents as anycast.
    KnownRange(AnycastRange),
    /// Two vantages measured round trips no single place can satisfy: the least distance
    /// between them exceeds the sum of their bounds (`gap_km` is the excess).
    VantagesDisagree {
        a: usize,
        b: usize,
        distance_km: f64,
        gap_km: f64,
    },
}

/// Flag an address as anycast: two vantages (by index into `judges`, with their fastest
/// round trips) that no single location can explain — measured evidence, so it comes first —
/// else a range its operator documents as anycast.
pub fn anycast(
    ip: IpAddr,
    table: &AnycastTable,
    judges: &[Judge],
    fastest: &[(usize, u64)],
) -> Option<Anycast> {
    let mut worst: Option<Anycast> = None;
    for (i, &(va, ra)) in fastest.iter().enumerate() {
        for &(vb, rb) in &fastest[i + 1..] {
            let (Some(ja), Some(jb)) = (judges.get(va), judges.get(vb)) else {
                continue;
            };
            // The outlines are decoded only for a run with several vantages.
            let geometry = Geometry::embedded();
            let Some(distance) = region_distance_km(geometry, ja.region(), jb.region()) else {
                continue;
            };
            let tolerance = ja.extent_km() + jb.extent_km();
            let reach = Bound::from_rtt(ra).strict_km + Bound::from_rtt(rb).strict_km;
            let gap = distance - reach - tolerance;
            let larger = match &worst {
                Some(Anycast::VantagesDisagree { gap_km, .. }) => gap > *gap_km,
                _ => true,
            };
            if gap > 0.0 && larger {
                worst = Some(Anycast::VantagesDisagree {
                    a: va,
                    b: vb,
                    distance_km: distance,
                    gap_km: gap,
                });
            }
        }
    }
    worst.or_else(|| table.lookup(ip).cloned().map(Anycast::KnownRange))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::place::physics::vantage;

    /// Whatever the vantage and the round trip, a country the verdict does not rule out is
    /// listed as feasible, and one it rules out is not: the report never contradicts itself.
    #[test]
    fn feasible_lists_exactly_the_countries_not_ruled_out() {
        let legal = LegalTable::embedded().unwrap();
        let geometry = Geometry::embedded();
        for v in ["LU", "Stockholm", "48.85,2.35"] {
            let judge = Judge::new(vantage::parse(v).unwrap());
            for rtt_us in [0u64, 1_350, 4_000, 11_421, 60_000] {
                let j = judge.judge(Some(rtt_us * 1000), Some("SE"), &[], &legal);
                let feasible = j.feasible.unwrap();
                for code in geometry.codes() {
                    let claim = [("db".to_string(), code.to_string())];
                    let c = &judge
                        .judge(Some(rtt_us * 1000), None, &claim, &legal)
                        .claims[0];
                    assert_eq!(
                        !c.contradicted,
                        feasible.contains(&code),
                        "{v} {rtt_us} µs {code}: {:?} km",
                        c.distance_km
                    );
                }
            }
        }
    }

    #[test]
    fn a_country_vantage_and_a_city_carry_their_extent() {
        let legal = LegalTable::embedded().unwrap();
        let lu = Judge::new(Vantage::Country("LU".into()));
        assert_eq!(lu.tolerance(), 20.0);
        let stockholm = Judge::new(vantage::parse("Stockholm").unwrap());
        assert_eq!(stockholm.tolerance(), 40.0);
        let point = Judge::new(vantage::parse("59.33,18.07").unwrap());
        assert_eq!(point.tolerance(), 10.0);
        // 0 ms from a point in Paris: only France (the tolerance reaches no border).
        let paris = Judge::new(vantage::parse("48.85,2.35").unwrap());
        let j = paris.judge(Some(0), Some("FR"), &[], &legal);
        assert_eq!(j.feasible.unwrap(), ["FR"]);
        assert!(j.within_eu_eea);
        assert_eq!(j.verdict, Verdict::Consistent);
    }
}

#[cfg(test)]
mod city_tests {
    use super::*;
    use crate::place::physics::vantage::Cities;

    /// Every city of the shipped list lies in (or, on a generalised coast, within the boundary
    /// tolerance of) its own country's shape: a cross-check of two independent data sets, and
    /// of the containment test that keeps a home country from being "contradicted".
    #[test]
    fn every_city_is_in_its_own_country() {
        let geometry = Geometry::embedded();
        let mut checked = 0;
        let mut far = Vec::new();
        for city in Cities::embedded().iter() {
            if !geometry.has(city.country) {
                continue;
            }
            let at = Region::Point {
                lat: city.lat,
                lon: city.lon,
            };
            let d = geometry.distance_km(&at, city.country).unwrap();
            checked += 1;
            if d > BOUNDARY_TOLERANCE_KM {
                far.push(format!("{}, {} {d:.1} km", city.name, city.country));
            }
        }
        assert!(checked > 8000, "{checked}");
        assert!(far.is_empty(), "{far:?}");
    }
}
