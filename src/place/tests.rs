//! Placement against the embedded data: known addresses, every zone of the legal table.

use super::*;

fn placer(home: Option<&str>) -> Placer {
    let geo = GeoSet::open(&[], true).expect("embedded databases open");
    Placer::new(geo, home).expect("embedded tables parse")
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn embedded_databases_open_with_their_build_dates() {
    let geo = GeoSet::open(&[], true).unwrap();
    let got: Vec<(&str, &str, &str, bool, bool)> = geo
        .dbs
        .iter()
        .map(|d| {
            (
                d.name.as_str(),
                d.build.as_str(),
                d.layout.name,
                d.provides_country(),
                d.provides_asn(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "dbip-country-lite",
                "2026-06-01",
                "country-code",
                true,
                false
            ),
            (
                "geo-whois-asn-country",
                "2026-06-17",
                "country-code",
                true,
                false
            ),
            (
                "routeviews-rir-dbip-asn",
                "2026-06-17",
                "maxmind",
                false,
                true
            ),
        ]
    );
}

#[test]
fn microsoft_teams_relay_is_in_ireland_under_us_control() {
    let p = placer(Some("SE"));
    let pl = p.place(ip("52.114.77.33")).clone();
    assert_eq!(pl.country.as_deref(), Some("IE"));
    assert_eq!(pl.country_basis, Some("geolocation"));
    assert!(pl.agree);
    assert_eq!(pl.asn, Some(8075));
    assert_eq!(pl.as_org.as_deref(), Some("Microsoft Corporation"));
    assert_eq!(pl.prefix, Some("52.114.0.0/15".parse().unwrap()));
    let provider = pl.provider.as_ref().unwrap();
    assert_eq!(provider.name.as_deref(), Some("Microsoft"));
    assert_eq!(provider.jurisdiction.as_deref(), Some("US"));
    assert_eq!(provider.matched_by, providers::MatchedBy::Asn);
    assert!(provider.cloud_act());
    assert_eq!(pl.zone, Zone::Eu);
    assert_eq!(pl.leaves_home, Some(true));
    assert_eq!(pl.leaves_eu_eea, Some(false));
    assert_eq!(pl.foreign_control, Some(true));
    assert_eq!(pl.control_zone, Some(Zone::UsDpf));
    // Each database's own answer is kept, with the network it matched.
    let answers: Vec<(usize, String, Option<&str>, Option<u32>)> = pl
        .answers
        .iter()
        .map(|a| (a.db, a.network.to_string(), a.country.as_deref(), a.asn))
        .collect();
    assert_eq!(
        answers,
        [
            (0, "52.114.76.0/22".to_string(), Some("IE"), None),
            (1, "52.114.76.0/22".to_string(), Some("IE"), None),
            (2, "52.114.0.0/15".to_string(), None, Some(8075)),
        ]
    );
}

#[test]
fn disagreeing_databases_keep_every_answer() {
    // DB-IP places 52.113.194.132 in Canada, the registration says US (issue 5's example).
    let p = placer(None);
    let pl = p.place(ip("52.113.194.132")).clone();
    assert_eq!(pl.country.as_deref(), Some("CA"));
    assert!(!pl.agree);
    let countries: Vec<Option<&str>> = pl.answers.iter().map(|a| a.country.as_deref()).collect();
    assert_eq!(countries, [Some("CA"), Some("US"), None]);
    assert_eq!(pl.zone, Zone::Adequate);
    assert!(pl.legal_basis.as_deref().unwrap().contains("2002/2/EC"));
    assert_eq!(pl.leaves_home, None);
    assert_eq!(pl.leaves_eu_eea, Some(true));
}

#[test]
fn arelion_is_swedish() {
    let p = placer(Some("se"));
    let pl = p.place(ip("62.115.0.1")).clone();
    assert_eq!(pl.asn, Some(1299));
    let provider = pl.provider.as_ref().unwrap();
    assert_eq!(provider.name.as_deref(), Some("Arelion"));
    assert_eq!(provider.jurisdiction.as_deref(), Some("SE"));
    assert!(!provider.cloud_act());
    assert_eq!(pl.foreign_control, Some(false));
    assert_eq!(pl.control_zone, Some(Zone::Home));
}

#[test]
fn akamai_international_bv_is_under_us_control() {
    let p = placer(None);
    let pl = p.place(ip("2.16.0.1")).clone();
    assert_eq!(pl.asn, Some(20940));
    assert_eq!(pl.as_org.as_deref(), Some("Akamai International B.V."));
    let provider = pl.provider.as_ref().unwrap();
    assert_eq!(provider.name.as_deref(), Some("Akamai"));
    assert_eq!(provider.jurisdiction.as_deref(), Some("US"));
    assert_eq!(pl.foreign_control, Some(true));
}

#[test]
fn ipv6_and_nat64_addresses_are_placed() {
    let p = placer(None);
    let v6 = p.place(ip("2603:1063::1")).clone();
    assert_eq!(v6.asn, Some(8075));
    let nat64 = p.place(ip("64:ff9b::3472:4d21")).clone();
    assert_eq!(nat64.looked_up, Some((ip("52.114.77.33"), "nat64")));
    assert_eq!(nat64.country.as_deref(), Some("IE"));
    assert_eq!(nat64.asn, Some(8075));
}

#[test]
fn private_addresses_are_not_looked_up() {
    let p = placer(Some("SE"));
    let pl = p.place(ip("192.168.1.20")).clone();
    assert_eq!(pl.zone, Zone::Private);
    assert_eq!(pl.special, Some("private"));
    assert!(pl.answers.is_empty());
    assert_eq!(pl.provider, None);
    assert_eq!(
        (pl.leaves_home, pl.leaves_eu_eea),
        (Some(false), Some(false))
    );
}

#[test]
fn unknown_asns_fall_back_to_the_registration_country_of_the_asn() {
    let p = placer(None);
    // Small networks unlikely to be in the provider table; the first one that is not is used,
    // so the test does not depend on how the table grows.
    let candidates = [
        ("193.0.14.129", 25152, "NL"),  // k.root-servers.net, RIPE NCC
        ("192.36.148.17", 29216, "SE"), // i.root-servers.net, Netnod
        ("199.7.83.42", 20144, "US"),   // l.root-servers.net, ICANN
    ];
    // The first candidate that neither the ASN list nor an organisation pattern claims; if the
    // table ever claims all three, this fails and wants a new candidate.
    let (pl, country) = candidates
        .into_iter()
        .map(|(addr, asn, country)| {
            let pl = p.place(ip(addr));
            assert_eq!(pl.asn, Some(asn), "{addr}");
            (pl, country)
        })
        .find(|(pl, _)| pl.provider.as_ref().is_some_and(|p| p.fallback()))
        .expect("a candidate whose ASN no provider entry claims");
    let provider = pl.provider.as_ref().unwrap();
    assert!(provider.fallback());
    assert_eq!(provider.jurisdiction.as_deref(), Some(country));
    assert_eq!(provider.name, pl.as_org);
    assert!(
        provider.source.contains("routeviews-rir-dbip-asn"),
        "{}",
        provider.source
    );
}

#[test]
fn every_zone_of_the_legal_table() {
    let p = placer(Some("SE"));
    let z = |c: &str| p.zone_of(c).0;
    assert_eq!(z("SE"), Zone::Home);
    for c in [
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
        "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SI", "SK",
    ] {
        assert_eq!(z(c), Zone::Eu, "{c}");
    }
    for c in ["IS", "LI", "NO"] {
        assert_eq!(z(c), Zone::Eea, "{c}");
    }
    for c in [
        "AD", "AR", "BR", "CA", "CH", "FO", "GB", "GG", "IL", "IM", "JE", "JP", "KR", "NZ", "UY",
    ] {
        assert_eq!(z(c), Zone::Adequate, "{c}");
    }
    assert_eq!(z("US"), Zone::UsDpf);
    for c in ["CN", "RU", "IN", "SG", "AU", "ZA"] {
        assert_eq!(z(c), Zone::Third, "{c}");
    }
    let without_home = placer(None);
    assert_eq!(without_home.zone_of("SE").0, Zone::Eu);
    let eu: Vec<&str> = p
        .tables
        .legal
        .countries()
        .filter(|(_, zone)| *zone == Zone::Eu)
        .map(|(c, _)| c)
        .collect();
    // 27 member states and 7 territories with their own code (TFEU Art. 355).
    assert_eq!(eu.len(), 34);
    for c in ["AX", "GF", "GP", "MF", "MQ", "RE", "YT"] {
        assert_eq!(z(c), Zone::Eu, "{c}");
        assert!(p.zone_of(c).1.unwrap().basis.contains("TFEU"), "{c}");
    }
    for c in ["BL", "GL", "SJ", "NC"] {
        assert_ne!(z(c), Zone::Eu, "{c}");
    }
    assert_eq!(p.tables.countries.len(), 249);
    // Every code in the table is a real ISO code.
    for (c, _) in p.tables.legal.countries() {
        assert!(p.tables.countries.is_code(c), "{c}");
    }
    assert!(p.zone_of("GB").1.unwrap().basis.contains("2021/1772"));
    assert!(p.zone_of("BR").1.unwrap().basis.contains("2026/179"));
    let us = p.zone_of("US").1.unwrap();
    assert!(us.basis.contains("2023/1795"));
    assert!(us.scope.as_deref().unwrap().contains("certified"));
    assert!(
        p.zone_of("CA")
            .1
            .unwrap()
            .scope
            .as_deref()
            .unwrap()
            .contains("PIPEDA")
    );
    assert_eq!(p.zone_of("DE").1.unwrap().scope, None);
}

#[test]
fn home_must_be_a_country_code() {
    let geo = || GeoSet::open(&[], false).unwrap();
    assert!(matches!(
        Placer::new(geo(), Some("Sweden")),
        Err(PlaceError::Home(_))
    ));
    assert!(matches!(
        Placer::new(geo(), Some("XX")),
        Err(PlaceError::Home(_))
    ));
    assert_eq!(
        Placer::new(geo(), Some(" se ")).unwrap().home.as_deref(),
        Some("SE")
    );
}

#[test]
fn without_databases_everything_is_unknown() {
    let p = Placer::new(GeoSet::open(&[], false).unwrap(), None).unwrap();
    let pl = p.place(ip("52.114.77.33")).clone();
    assert_eq!(pl.zone, Zone::Unknown);
    assert_eq!((pl.country.as_ref(), pl.provider.as_ref()), (None, None));
    assert_eq!(pl.leaves_eu_eea, None);
}
