//! The answer for one destination: did data sent there leave the home country, the EU/EEA?
//! Three-valued (yes, no, unknown), decided from every piece of evidence the run holds, and
//! naming the evidence that decided (`Basis`).
//!
//! Rules, strongest evidence first (docs/placement.md, "The answer"):
//! 1. `private`: the address is not routable (RFC 6890, multicast): it stayed on the network.
//! 2. `anycast`: a documented anycast range, or two vantages no single place explains. The
//!    databases' country of an anycast address says nothing of the instance that answered; the
//!    round trip from this vantage alone decides: every country within its reach inside → no,
//!    none inside → yes, else (or without a round trip) unknown.
//! 3. `proven-inside` / `proven-outside`: every country within reach of the fastest round trip
//!    is inside the zone in question / none is. Physics beats any database.
//! 4. The claims (each geo database's country, and a region the host name declares) that the
//!    round trip does not rule out: `database` when they all give the same answer and at least
//!    one database is among them; `declared-region` when only the name's region is left (the
//!    databases are contradicted or silent); `disputed` (unknown) when they differ.
//! 5. `contradicted` (unknown): physics rules out every claim; the place is unknown beyond the
//!    feasible countries.
//! 6. `unplaced` (unknown): no claim at all.

use super::legal::LegalTable;
use serde::Serialize;

/// Did the data leave?
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Left {
    Yes,
    No,
    Unknown,
}

impl Left {
    pub const ALL: [Left; 3] = [Left::Yes, Left::No, Left::Unknown];

    pub fn name(self) -> &'static str {
        match self {
            Left::Yes => "yes",
            Left::No => "no",
            Left::Unknown => "unknown",
        }
    }
}

/// The evidence that decided an answer.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// Both ends are inside networks: nothing left (flows only).
    Internal,
    /// The destination is not routable.
    Private,
    /// Anycast: placed where it answered from this vantage.
    Anycast,
    /// Every country within reach of the fastest round trip is inside.
    ProvenInside,
    /// No country within reach of the fastest round trip is inside.
    ProvenOutside,
    /// The databases (and the name's region, if any) agree, and physics allows it or is absent.
    Database,
    /// Only the region the host name declares is left (the databases are ruled out or silent).
    DeclaredRegion,
    /// The claims physics allows give different answers.
    Disputed,
    /// Physics rules out every claim.
    Contradicted,
    /// Nothing places the address.
    Unplaced,
}

impl Basis {
    pub const ALL: [Basis; 10] = [
        Basis::Internal,
        Basis::Private,
        Basis::Anycast,
        Basis::ProvenInside,
        Basis::ProvenOutside,
        Basis::Database,
        Basis::DeclaredRegion,
        Basis::Disputed,
        Basis::Contradicted,
        Basis::Unplaced,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Basis::Internal => "internal",
            Basis::Private => "private",
            Basis::Anycast => "anycast",
            Basis::ProvenInside => "proven-inside",
            Basis::ProvenOutside => "proven-outside",
            Basis::Database => "database",
            Basis::DeclaredRegion => "declared-region",
            Basis::Disputed => "disputed",
            Basis::Contradicted => "contradicted",
            Basis::Unplaced => "unplaced",
        }
    }
}

/// One question's answer and what decided it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Answer {
    pub left: Left,
    pub basis: Basis,
}

/// Both questions for one destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Answers {
    /// None without `--home`.
    pub left_home: Option<Answer>,
    pub left_eu_eea: Answer,
}

impl Answers {
    /// A remote destination nothing is known of.
    pub fn unplaced(home: bool) -> Answers {
        let unknown = Answer {
            left: Left::Unknown,
            basis: Basis::Unplaced,
        };
        Answers {
            left_home: home.then_some(unknown),
            left_eu_eea: unknown,
        }
    }

    /// A flow between inside networks.
    pub fn internal(home: bool) -> Answers {
        let no = Answer {
            left: Left::No,
            basis: Basis::Internal,
        };
        Answers {
            left_home: home.then_some(no),
            left_eu_eea: no,
        }
    }
}

/// A country claim for the address: a database's answer or the name's declared region (which
/// may name several countries: a region that spans a zone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim<'a> {
    pub countries: &'a [String],
    pub declared: bool,
    /// Physics rules this claim out (none of its countries is within reach).
    pub contradicted: bool,
}

/// What is known of one destination from one vantage.
pub struct Evidence<'a> {
    /// Why the address is not routable.
    pub special: Option<&'static str>,
    /// Flagged as anycast (documented range or vantages that disagree).
    pub anycast: bool,
    /// The countries within reach of the fastest round trip (None: no round trip or no
    /// vantage).
    pub feasible: Option<&'a [&'static str]>,
    pub claims: Vec<Claim<'a>>,
}

/// Answer both questions for a destination.
pub fn decide(evidence: &Evidence<'_>, home: Option<&str>, legal: &LegalTable) -> Answers {
    let in_eu = |c: &str| legal.in_eu_eea(c);
    Answers {
        left_home: home.map(|h| answer(evidence, &|c: &str| c == h)),
        left_eu_eea: answer(evidence, &in_eu),
    }
}

/// Whether a set of countries lies inside (all), outside (none), or across the zone.
fn side_of<'s>(
    countries: impl IntoIterator<Item = &'s str>,
    inside: &dyn Fn(&str) -> bool,
) -> Left {
    let (mut any_in, mut any_out, mut any) = (false, false, false);
    for c in countries {
        any = true;
        if inside(c) {
            any_in = true;
        } else {
            any_out = true;
        }
    }
    match (any, any_in, any_out) {
        (false, _, _) | (_, true, true) => Left::Unknown,
        (_, true, false) => Left::No,
        (_, false, _) => Left::Yes,
    }
}

fn answer(e: &Evidence<'_>, inside: &dyn Fn(&str) -> bool) -> Answer {
    let of = |left, basis| Answer { left, basis };
    if e.special.is_some() {
        return of(Left::No, Basis::Private);
    }
    let by_physics = e.feasible.map(|f| side_of(f.iter().copied(), inside));
    if e.anycast {
        return of(by_physics.unwrap_or(Left::Unknown), Basis::Anycast);
    }
    match by_physics {
        Some(Left::No) => return of(Left::No, Basis::ProvenInside),
        Some(Left::Yes) => return of(Left::Yes, Basis::ProvenOutside),
        _ => {}
    }
    let allowed: Vec<&Claim<'_>> = e.claims.iter().filter(|c| !c.contradicted).collect();
    if allowed.is_empty() {
        return if e.claims.is_empty() {
            of(Left::Unknown, Basis::Unplaced)
        } else {
            of(Left::Unknown, Basis::Contradicted)
        };
    }
    let sides: Vec<Left> = allowed
        .iter()
        .map(|c| side_of(c.countries.iter().map(String::as_str), inside))
        .collect();
    let first = sides.first().copied().unwrap_or(Left::Unknown);
    if sides.iter().any(|s| *s != first) {
        return of(Left::Unknown, Basis::Disputed);
    }
    let basis = if allowed.iter().any(|c| !c.declared) {
        Basis::Database
    } else {
        Basis::DeclaredRegion
    };
    of(first, basis)
}

#[cfg(test)]
#[path = "answer_tests.rs"]
mod tests;
