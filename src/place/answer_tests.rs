use super::*;

fn legal() -> LegalTable {
    LegalTable::embedded().unwrap()
}

fn claim(countries: &[String], contradicted: bool) -> Claim<'_> {
    Claim {
        countries,
        declared: false,
        contradicted,
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn evidence<'a>(feasible: Option<&'a [&'static str]>, claims: Vec<Claim<'a>>) -> Evidence<'a> {
    Evidence {
        special: None,
        anycast: false,
        feasible,
        claims,
    }
}

fn pair(a: &Answers) -> (Option<(Left, Basis)>, (Left, Basis)) {
    (
        a.left_home.map(|x| (x.left, x.basis)),
        (a.left_eu_eea.left, a.left_eu_eea.basis),
    )
}

/// The first case: 1.1.1.1 answered a Stockholm vantage in 2 ms; the databases say
/// AU. Physics proves it inside the EU/EEA whatever the database says.
#[test]
fn physics_beats_the_database() {
    let au = strings(&["AU"]);
    let feasible: &[&str] = &["SE", "FI", "NO"];
    let e = evidence(Some(feasible), vec![claim(&au, true)]);
    let a = decide(&e, Some("SE"), &legal());
    assert_eq!(
        pair(&a),
        (
            Some((Left::Unknown, Basis::Contradicted)),
            (Left::No, Basis::ProvenInside)
        )
    );
    let only_se: &[&str] = &["SE"];
    let e = evidence(Some(only_se), vec![claim(&au, true)]);
    assert_eq!(
        decide(&e, Some("SE"), &legal()).left_home,
        Some(Answer {
            left: Left::No,
            basis: Basis::ProvenInside
        })
    );
}

#[test]
fn a_distant_answer_proves_outside() {
    let de = strings(&["DE"]);
    let feasible: &[&str] = &["US", "CA"];
    let e = evidence(Some(feasible), vec![claim(&de, true)]);
    let a = decide(&e, None, &legal());
    assert_eq!(pair(&a), (None, (Left::Yes, Basis::ProvenOutside)));
}

#[test]
fn databases_decide_when_physics_allows_them() {
    let us = strings(&["US"]);
    let reach: &[&str] = &["US", "CA", "IE", "GB", "SE"];
    for feasible in [None, Some(reach)] {
        let e = evidence(feasible, vec![claim(&us, false), claim(&us, false)]);
        let a = decide(&e, Some("SE"), &legal());
        assert_eq!(
            pair(&a),
            (
                Some((Left::Yes, Basis::Database)),
                (Left::Yes, Basis::Database)
            )
        );
    }
}

#[test]
fn disagreeing_databases_leave_it_unknown_only_where_their_answers_differ() {
    let (se, us, de) = (strings(&["SE"]), strings(&["US"]), strings(&["DE"]));
    let e = evidence(None, vec![claim(&se, false), claim(&us, false)]);
    let a = decide(&e, Some("SE"), &legal());
    assert_eq!(a.left_eu_eea.basis, Basis::Disputed);
    assert_eq!(a.left_eu_eea.left, Left::Unknown);
    // SE and DE: both inside the EU (database), but home is disputed.
    let e = evidence(None, vec![claim(&se, false), claim(&de, false)]);
    let a = decide(&e, Some("SE"), &legal());
    assert_eq!(
        pair(&a),
        (
            Some((Left::Unknown, Basis::Disputed)),
            (Left::No, Basis::Database)
        )
    );
    // A contradicted database is set aside: the other decides.
    let e = evidence(
        Some(&["SE", "NO"]),
        vec![claim(&se, false), claim(&us, true)],
    );
    let a = decide(&e, Some("SE"), &legal());
    assert_eq!(a.left_home.map(|x| x.basis), Some(Basis::Database));
    assert_eq!(a.left_home.map(|x| x.left), Some(Left::No));
    assert_eq!(a.left_eu_eea.basis, Basis::ProvenInside);
}

#[test]
fn a_declared_region_stands_in_for_contradicted_databases() {
    let (us, se) = (strings(&["US"]), strings(&["SE"]));
    let declared = Claim {
        countries: &se,
        declared: true,
        contradicted: false,
    };
    let e = evidence(
        Some(&["SE", "NO", "FI", "DK", "DE"]),
        vec![claim(&us, true), declared],
    );
    let a = decide(&e, Some("SE"), &legal());
    assert_eq!(
        pair(&a),
        (
            Some((Left::No, Basis::DeclaredRegion)),
            // Every country within reach is in the EU: physics alone answers that one.
            (Left::No, Basis::ProvenInside)
        )
    );
}

#[test]
fn a_claim_that_spans_the_zone_answers_unknown_with_its_basis() {
    // An `eu-` collector: somewhere in the EU; home SE cannot be told.
    let eu = strings(&["SE", "DE", "IE", "NL"]);
    let e = evidence(
        None,
        vec![Claim {
            countries: &eu,
            declared: true,
            contradicted: false,
        }],
    );
    let a = decide(&e, Some("SE"), &legal());
    assert_eq!(
        pair(&a),
        (
            Some((Left::Unknown, Basis::DeclaredRegion)),
            (Left::No, Basis::DeclaredRegion)
        )
    );
}

#[test]
fn private_anycast_and_nothing() {
    let us = strings(&["US"]);
    let mut e = evidence(None, vec![claim(&us, false)]);
    e.special = Some("private");
    assert_eq!(
        pair(&decide(&e, Some("SE"), &legal())),
        (Some((Left::No, Basis::Private)), (Left::No, Basis::Private))
    );
    // Anycast: the database's US means nothing; without a round trip, unknown.
    let mut e = evidence(None, vec![claim(&us, false)]);
    e.anycast = true;
    assert_eq!(
        pair(&decide(&e, None, &legal())),
        (None, (Left::Unknown, Basis::Anycast))
    );
    // With a round trip that reaches only Sweden and its neighbours: inside, by anycast.
    let mut e = evidence(Some(&["SE", "FI"]), vec![claim(&us, true)]);
    e.anycast = true;
    assert_eq!(
        pair(&decide(&e, None, &legal())),
        (None, (Left::No, Basis::Anycast))
    );
    let e = evidence(None, vec![]);
    assert_eq!(
        pair(&decide(&e, Some("SE"), &legal())),
        (
            Some((Left::Unknown, Basis::Unplaced)),
            (Left::Unknown, Basis::Unplaced)
        )
    );
    // A round trip that reaches inside and outside, and no claim left.
    let e = evidence(Some(&["SE", "NO", "RU"]), vec![claim(&us, true)]);
    assert_eq!(
        pair(&decide(&e, None, &legal())),
        (None, (Left::Unknown, Basis::Contradicted))
    );
}
