//! Several fixtures together through `Placer`, without the embedded databases (as
//! `--no-embedded-geo`): which file gives the country and which the ASN, disagreement, the
//! provider from the embedded table, and the zones with `--home`.

use super::fixtures::Fixture;
use super::ip;
use super::lookups::registered_elsewhere;
use residency::place::geo::GeoSet;
use residency::place::legal::Zone;
use residency::place::{Placement, Placer};

fn placer(files: &[Fixture], home: Option<&str>) -> Placer {
    let paths: Vec<_> = files.iter().map(|f| f.path()).collect();
    let geo = GeoSet::open(&paths, false).expect("fixtures open");
    assert_eq!(geo.dbs.len(), files.len(), "no embedded database added");
    Placer::new(geo, home).expect("placer")
}

fn place(p: &mut Placer, addr: &str) -> Placement {
    (*p.place(ip(addr))).clone()
}

/// One answer: (database type, country, registered country if elsewhere, ASN, network).
type Said = (String, Option<String>, Option<String>, Option<u32>, String);

fn answers(p: &Placer, pl: &Placement) -> Vec<Said> {
    pl.answers
        .iter()
        .map(|a| {
            let db = p.geo.dbs[a.db].database_type.clone();
            let net = a.network.to_string();
            let registered = registered_elsewhere(a);
            (db, a.country.clone(), registered, a.asn, net)
        })
        .collect()
}

fn said(db: &str, cc: Option<&str>, reg: Option<&str>, asn: Option<u32>, net: &str) -> Said {
    let s = |v: Option<&str>| v.map(str::to_string);
    (db.to_string(), s(cc), s(reg), asn, net.to_string())
}

/// (provider name, jurisdiction, matched_by).
fn provider(pl: &Placement) -> Option<(Option<&str>, Option<&str>, &str)> {
    let p = pl.provider.as_ref()?;
    Some((
        p.name.as_deref(),
        p.jurisdiction.as_deref(),
        p.matched_by.name(),
    ))
}

#[test]
fn country_from_the_country_file_asn_from_the_asn_file() {
    let mut p = placer(&[Fixture::MaxMindCountry, Fixture::DbipAsn], Some("se"));
    assert_eq!(p.home.as_deref(), Some("SE"), "--home is upper-cased");

    // Teams relay: in Ireland (EU), run by Microsoft, whose parent is under US law.
    let pl = place(&mut p, "52.114.77.33");
    assert_eq!(pl.country.as_deref(), Some("IE"));
    assert_eq!(pl.country_from, Some(0));
    assert_eq!(pl.country_basis, Some("geolocation"));
    assert!(pl.agree);
    assert_eq!(pl.asn, Some(8075));
    assert_eq!(pl.as_org.as_deref(), Some("Microsoft Corporation"));
    assert_eq!(pl.prefix, Some("52.112.0.0/14".parse().unwrap()));
    let dbip_asn = Fixture::DbipAsn.database_type();
    assert_eq!(
        answers(&p, &pl),
        [
            said(
                "GeoLite2-Country",
                Some("IE"),
                Some("US"),
                None,
                "52.112.0.0/14"
            ),
            said(dbip_asn, None, None, Some(8075), "52.112.0.0/14"),
        ]
    );
    assert_eq!(provider(&pl), Some((Some("Microsoft"), Some("US"), "asn")));
    let microsoft = pl.provider.as_ref().unwrap();
    assert!(!microsoft.fallback());
    assert!(microsoft.cloud_act());
    assert!(microsoft.parent.is_some());
    assert_eq!(pl.zone, Zone::Eu);
    assert!(pl.legal_basis.is_some());
    assert_eq!(pl.leaves_home, Some(true));
    assert_eq!(pl.leaves_eu_eea, Some(false));
    assert_eq!(pl.foreign_control, Some(true));
    assert_eq!(pl.control_zone, Some(Zone::UsDpf));

    // Arelion's backbone, IPv4 and IPv6: at home, and controlled from home.
    for addr in ["62.115.7.7", "2001:2000::1"] {
        let pl = place(&mut p, addr);
        assert_eq!(pl.country.as_deref(), Some("SE"), "{addr}");
        let org = pl.as_org.as_deref();
        assert_eq!(
            (pl.asn, org),
            (Some(1299), Some("Arelion Sweden AB")),
            "{addr}"
        );
        assert_eq!(
            provider(&pl),
            Some((Some("Arelion"), Some("SE"), "asn")),
            "{addr}"
        );
        assert!(!pl.provider.as_ref().unwrap().cloud_act());
        assert_eq!((pl.zone, &pl.legal_basis), (Zone::Home, &None), "{addr}");
        assert_eq!(
            (pl.leaves_home, pl.leaves_eu_eea),
            (Some(false), Some(false))
        );
        assert_eq!(pl.foreign_control, Some(false), "{addr}");
        assert_eq!(pl.control_zone, Some(Zone::Home), "{addr}");
    }

    // Akamai: in the Netherlands, under US control. The prefix is the ASN record's network,
    // smaller than the country record's.
    let pl = place(&mut p, "2.16.0.1");
    assert_eq!(pl.country.as_deref(), Some("NL"));
    assert_eq!(pl.prefix, Some("2.16.0.0/16".parse().unwrap()));
    assert_eq!(pl.answers[0].network.to_string(), "2.16.0.0/13");
    assert_eq!(provider(&pl), Some((Some("Akamai"), Some("US"), "asn")));
    let pl = place(&mut p, "2.17.5.5");
    assert_eq!(pl.asn, Some(16625));
    assert_eq!(provider(&pl), Some((Some("Akamai"), Some("US"), "asn")));
    assert_eq!((pl.zone, pl.leaves_home), (Zone::Eu, Some(true)));
    assert_eq!(pl.foreign_control, Some(true));
}

#[test]
fn without_home_nothing_leaves_home() {
    let mut p = placer(&[Fixture::MaxMindCountry, Fixture::MaxMindAsn], None);
    let pl = place(&mut p, "62.115.7.7");
    assert_eq!(pl.zone, Zone::Eu);
    assert_eq!(pl.leaves_home, None);
    assert_eq!(pl.leaves_eu_eea, Some(false));
    assert_eq!(pl.control_zone, Some(Zone::Eu));
    // And a home that is no country is refused.
    assert!(Placer::new(GeoSet::open(&[], false).unwrap(), Some("XX")).is_err());
}

#[test]
fn the_first_file_gives_the_country_and_disagreement_is_kept_in_order() {
    let order = [
        Fixture::DbipCountry,
        Fixture::MaxMindCountry,
        Fixture::MaxMindCity,
    ];
    let mut p = placer(&order, Some("SE"));
    let pl = place(&mut p, "2.16.0.1");
    assert_eq!(pl.country.as_deref(), Some("BR"));
    assert_eq!(pl.country_from, Some(0));
    assert!(!pl.agree);
    assert_eq!(
        answers(&p, &pl),
        [
            said("DBIP-Country-Lite", Some("BR"), None, None, "2.16.0.0/24"),
            said("GeoLite2-Country", Some("NL"), None, None, "2.16.0.0/13"),
            said("GeoLite2-City", Some("DE"), Some("NL"), None, "2.16.0.0/13"),
        ]
    );
    assert_eq!(pl.prefix, Some("2.16.0.0/24".parse().unwrap()));
    assert_eq!(pl.asn, None);
    assert_eq!(pl.leaves_eu_eea, Some(true));
    // No ASN file: no provider at all (a location claim says nothing about control).
    assert_eq!(provider(&pl), None);
    assert_eq!(pl.foreign_control, None);

    // The same files the other way round: the city database wins.
    let mut reversed = order;
    reversed.reverse();
    let mut p = placer(&reversed, Some("SE"));
    let pl = place(&mut p, "2.16.0.1");
    assert_eq!(
        (pl.country.as_deref(), pl.country_from),
        (Some("DE"), Some(0))
    );
    assert!(!pl.agree);
    let countries: Vec<_> = pl.answers.iter().map(|a| a.country.as_deref()).collect();
    assert_eq!(countries, [Some("DE"), Some("NL"), Some("BR")]);
    assert_eq!(pl.zone, Zone::Eu);

    // Where they agree, `agree` says so; a file without a record is absent from the answers.
    let mut p = placer(&order, None);
    let pl = place(&mut p, "62.115.7.7");
    assert!(pl.agree);
    assert_eq!(pl.answers.len(), 3);
    let pl = place(&mut p, "2001:2000::1");
    let dbs: Vec<_> = answers(&p, &pl).into_iter().map(|a| a.0).collect();
    assert_eq!(dbs, ["DBIP-Country-Lite", "GeoLite2-Country"]);
    assert!(pl.agree);
}

#[test]
fn the_asn_comes_from_the_first_file_that_gives_one() {
    // IPinfo Lite gives both: its ASN and organisation win over the GeoLite2-ASN file after it.
    let mut p = placer(&[Fixture::IpinfoLite, Fixture::MaxMindAsn], None);
    let pl = place(&mut p, "52.112.0.1");
    assert_eq!(pl.country.as_deref(), Some("IE"));
    let org = pl.as_org.as_deref();
    assert_eq!((pl.asn, org), (Some(8075), Some("Microsoft Corporation")));
    assert_eq!(pl.answers.len(), 2);

    // An ASN-only file first: it gives the ASN, the next file the country.
    let mut p = placer(&[Fixture::MaxMindAsn, Fixture::IpinfoLite], None);
    let pl = place(&mut p, "52.112.0.1");
    assert_eq!(
        (pl.country.as_deref(), pl.country_from),
        (Some("IE"), Some(1))
    );
    assert_eq!(pl.as_org.as_deref(), Some("MICROSOFT-CORP-MSN-AS-BLOCK"));
    assert_eq!(provider(&pl), Some((Some("Microsoft"), Some("US"), "asn")));

    // IPinfo Country + IPinfo ASN, IPv6.
    let mut p = placer(&[Fixture::IpinfoCountry, Fixture::IpinfoAsn], Some("DE"));
    let pl = place(&mut p, "2001:2000:abcd::1");
    assert_eq!((pl.country.as_deref(), pl.asn), (Some("SE"), Some(1299)));
    assert_eq!(pl.prefix, Some("2001:2000::/20".parse().unwrap()));
    assert_eq!((pl.zone, pl.leaves_home), (Zone::Eu, Some(true)));
    assert_eq!(provider(&pl), Some((Some("Arelion"), Some("SE"), "asn")));
    assert_eq!(pl.control_zone, Some(Zone::Eu));

    // An ASN without any country: the provider is known, the zone is not.
    let mut p = placer(&[Fixture::IpinfoAsn], Some("SE"));
    let pl = place(&mut p, "2.16.0.1");
    assert_eq!((pl.country.as_deref(), pl.country_basis), (None, None));
    assert_eq!(pl.zone, Zone::Unknown);
    assert_eq!((pl.leaves_home, pl.leaves_eu_eea), (None, None));
    assert_eq!(provider(&pl), Some((Some("Akamai"), Some("US"), "asn")));
    assert_eq!(pl.foreign_control, Some(true));
    assert_eq!(pl.prefix, Some("2.16.0.0/13".parse().unwrap()));
}

#[test]
fn unknown_special_and_mapped_addresses() {
    let mut p = placer(&[Fixture::MaxMindCountry, Fixture::MaxMindAsn], Some("SE"));

    // In no file.
    let pl = place(&mut p, "8.8.8.8");
    assert!(pl.answers.is_empty());
    assert_eq!(
        (pl.country.as_deref(), pl.asn, pl.prefix),
        (None, None, None)
    );
    assert_eq!(pl.provider, None);
    assert!(pl.agree);
    assert_eq!(pl.zone, Zone::Unknown);
    let leaves = (pl.leaves_home, pl.leaves_eu_eea, pl.foreign_control);
    assert_eq!(leaves, (None, None, None));

    // In the files, but documentation networks are not destinations: never looked up.
    for (addr, why) in [
        ("192.0.2.77", "documentation"),
        ("203.0.113.9", "documentation"),
        ("2001:db8::9", "documentation"),
        ("10.0.0.1", "private"),
    ] {
        let pl = place(&mut p, addr);
        assert_eq!(pl.special, Some(why), "{addr}");
        assert!(pl.answers.is_empty(), "{addr}");
        assert_eq!(pl.zone, Zone::Private, "{addr}");
        assert_eq!(pl.leaves_home, Some(false), "{addr}");
    }

    // IPv4-mapped IPv6 and NAT64: the IPv4 address inside is looked up.
    for (addr, via) in [
        ("::ffff:62.115.7.7", "ipv4-mapped"),
        ("64:ff9b::3e73:707", "nat64"),
    ] {
        let pl = place(&mut p, addr);
        assert_eq!(pl.looked_up, Some((ip("62.115.7.7"), via)), "{addr}");
        assert_eq!((pl.country.as_deref(), pl.asn), (Some("SE"), Some(1299)));
        assert_eq!(pl.prefix, Some("62.115.0.0/16".parse().unwrap()), "{addr}");
    }
}

#[test]
fn an_unlisted_asn_falls_back_to_the_registered_country() {
    let mut p = placer(&[Fixture::MaxMindCountry, Fixture::MaxMindAsn], Some("SE"));
    // AS4200000002 is in no provider table: the provider is named by the organisation, and its
    // jurisdiction is where the block is registered (GeoLite2's registered_country).
    let pl = place(&mut p, "185.199.109.153");
    assert_eq!(pl.country.as_deref(), Some("NL"));
    let fallback = Some((
        Some("Testnet Cloud Inc."),
        Some("US"),
        "registration-fallback",
    ));
    assert_eq!(provider(&pl), fallback);
    let p_match = pl.provider.as_ref().unwrap();
    assert!(p_match.fallback());
    assert!(p_match.cloud_act());
    assert_eq!((&p_match.parent, &p_match.category), (&None, &None));
    assert!(
        p_match.source.contains("AS4200000002"),
        "{}",
        p_match.source
    );
    assert!(
        p_match.source.contains("GeoLite2-Country"),
        "{}",
        p_match.source
    );
    assert_eq!(pl.zone, Zone::Eu);
    assert_eq!(pl.foreign_control, Some(true));
    assert_eq!(pl.control_zone, Some(Zone::UsDpf));
}

/// A GeoLite2 record whose `registered_country` equals its `country` loses it (layout.rs keeps
/// `registered_country` only when it differs, for the report), so the fallback finds no
/// registration country although the file gave one. Fix: keep `registered_country` in
/// `layout::fields` unconditionally and leave equal ones out where `report/place.rs` builds
/// `sources[]` (the JSON contract); un-ignore this test with it.
#[test]
fn an_unlisted_asn_registered_where_it_is_used_falls_back_to_that_country() {
    let mut p = placer(&[Fixture::MaxMindCountry, Fixture::MaxMindAsn], Some("SE"));
    let pl = place(&mut p, "45.90.29.1");
    assert_eq!(pl.country.as_deref(), Some("SE"));
    let fallback = Some((
        Some("Testnet Hosting AB"),
        Some("SE"),
        "registration-fallback",
    ));
    assert_eq!(provider(&pl), fallback);
    assert_eq!(pl.foreign_control, Some(false));
}

#[test]
fn the_fallback_never_borrows_another_asns_registration() {
    // The user's ASN file says AS4200000001 (not in the table); the embedded ASN database has
    // another ASN with its own registration country for the same address. That country is
    // not AS4200000001's, so the jurisdiction stays unknown.
    let paths = vec![Fixture::MaxMindAsn.path()];
    let mut p = Placer::new(GeoSet::open(&paths, true).unwrap(), None).unwrap();
    let pl = place(&mut p, "45.90.29.1");
    assert_eq!(pl.asn, Some(4_200_000_001));
    let embedded_asn = pl.answers.iter().find(|a| a.db == 3).and_then(|a| a.asn);
    assert!(
        embedded_asn.is_some_and(|a| a != 4_200_000_001),
        "{embedded_asn:?}"
    );
    assert_eq!(
        provider(&pl),
        Some((Some("Testnet Hosting AB"), None, "registration-fallback"))
    );
    assert!(
        pl.provider
            .as_ref()
            .unwrap()
            .source
            .contains("no database gives a registration country"),
        "{}",
        pl.provider.as_ref().unwrap().source
    );
    assert_eq!(pl.foreign_control, None);
}
