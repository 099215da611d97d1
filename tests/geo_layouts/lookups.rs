//! Each fixture opened on its own: the exact answer `GeoDb::lookup` gives (country, registered
//! country, ASN, organisation, network) for addresses inside its networks, and none outside.

use super::fixtures::Fixture;
use super::{ip, open};
use residency::place::geo::Answer;

/// What one database says about one address: (network, country, registered_country, asn,
/// as_org).
type Want = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<u32>,
    Option<&'static str>,
);

/// A country answer.
fn country(net: &'static str, cc: &'static str) -> Option<Want> {
    Some((net, Some(cc), None, None, None))
}

/// A MaxMind country answer for a block registered elsewhere.
fn registered(net: &'static str, cc: &'static str, reg: &'static str) -> Option<Want> {
    Some((net, Some(cc), Some(reg), None, None))
}

/// An ASN answer.
fn asn(net: &'static str, asn: u32, org: &'static str) -> Option<Want> {
    Some((net, None, None, Some(asn), Some(org)))
}

/// A country and ASN answer (IPinfo Lite).
fn both(net: &'static str, cc: &'static str, asn: u32, org: &'static str) -> Option<Want> {
    Some((net, Some(cc), None, Some(asn), Some(org)))
}

/// The registered country when it differs from the country: what reports show (`sources[]`
/// leaves it out otherwise). Whether `Answer` itself keeps an equal one is left open, so the
/// tests hold with the patch proposed for the fallback bug (see `placer.rs`).
pub fn registered_elsewhere(a: &Answer) -> Option<String> {
    let registered = a.registered_country.clone();
    registered.filter(|r| a.country.as_ref() != Some(r))
}

/// Looks every address up in `fixture` and compares the whole answer.
fn check(fixture: Fixture, cases: &[(&str, Option<Want>)]) {
    let db = open(fixture);
    for &(addr, want) in cases {
        let got = db
            .lookup(3, ip(addr))
            .unwrap_or_else(|e| panic!("{addr}: {e:?}"));
        if let Some(answer) = &got {
            assert_eq!(
                answer.db, 3,
                "the answer carries the index it was asked with"
            );
            assert!(
                answer.record < db.size(),
                "{}: {addr}: record offset {} past the file",
                fixture.file(),
                answer.record
            );
            assert!(answer.network.contains(&ip(addr)), "{addr}");
        }
        let got = got.map(|a| {
            let net = a.network.to_string();
            let registered = registered_elsewhere(&a);
            (net, a.country, registered, a.asn, a.as_org)
        });
        let want = want.map(|(net, cc, reg, asn, org)| {
            let s = |v: Option<&str>| v.map(str::to_string);
            (net.to_string(), s(cc), s(reg), asn, s(org))
        });
        assert_eq!(
            got,
            want,
            "{} ({}): {addr}",
            fixture.file(),
            db.database_type
        );
    }
}

#[test]
#[rustfmt::skip]
fn geolite2_country_answers_country_and_registered_country() {
    check(Fixture::MaxMindCountry, &[
        // Teams relays: used in Ireland, registered to Microsoft in the US.
        ("52.112.0.1", registered("52.112.0.0/14", "IE", "US")),
        ("52.115.255.254", registered("52.112.0.0/14", "IE", "US")),
        // The same country both ways: no registered_country in the answer.
        ("62.115.7.7", country("62.115.0.0/16", "SE")),
        ("2.23.255.255", country("2.16.0.0/13", "NL")),
        ("45.90.31.255", country("45.90.28.0/22", "SE")),
        ("185.199.109.153", registered("185.199.108.0/22", "NL", "US")),
        ("2001:2000::1", country("2001:2000::/20", "SE")),
        ("2001:2fff:ffff::1", country("2001:2000::/20", "SE")),
        ("2a01:111:f400:7e00::5", registered("2a01:111:f400::/48", "IE", "US")),
        // Documentation networks are ordinary records to a database.
        ("192.0.2.77", country("192.0.2.0/24", "JP")),
        ("2001:db8:1::1", country("2001:db8::/32", "DE")),
        ("52.116.0.1", None),
        ("52.111.255.255", None),
        ("2.24.0.1", None),
        ("8.8.8.8", None),
        ("2001:3000::1", None),
        ("2a01:111:f401::1", None),
    ]);
}

#[test]
#[rustfmt::skip]
fn geolite2_city_answers_like_the_country_database() {
    check(Fixture::MaxMindCity, &[
        ("52.113.10.20", registered("52.112.0.0/14", "IE", "US")),
        ("62.115.0.1", country("62.115.0.0/16", "SE")),
        ("2.16.0.1", registered("2.16.0.0/13", "DE", "NL")),
        ("2a01:111:f400::1", registered("2a01:111:f400::/48", "IE", "US")),
        ("198.51.100.200", country("198.51.100.0/24", "FR")),
        ("192.0.2.1", None),
        ("2001:2000::1", None),
    ]);
}

#[test]
#[rustfmt::skip]
fn geolite2_asn_answers_number_and_organisation() {
    check(Fixture::MaxMindAsn, &[
        ("52.114.77.33", asn("52.112.0.0/14", 8075, "MICROSOFT-CORP-MSN-AS-BLOCK")),
        ("62.115.0.1", asn("62.115.0.0/16", 1299, "Arelion Sweden AB")),
        ("2.16.0.1", asn("2.16.0.0/13", 20940, "Akamai International B.V.")),
        // A 32-bit ASN.
        ("45.90.29.1", asn("45.90.28.0/22", 4_200_000_001, "Testnet Hosting AB")),
        ("2001:2000:1::1", asn("2001:2000::/20", 1299, "Arelion Sweden AB")),
        ("2a01:111:f400::1", asn("2a01:111:f400::/48", 8075, "MICROSOFT-CORP-MSN-AS-BLOCK")),
        ("203.0.113.9", asn("203.0.113.0/24", 64500, "Documentation AS")),
        ("2001:db8::9", asn("2001:db8::/32", 64501, "Documentation AS v6")),
        ("45.90.32.1", None),
        ("1.1.1.1", None),
        ("2001:4860::8888", None),
    ]);
}

#[test]
#[rustfmt::skip]
fn dbip_country_lite_answers_the_most_specific_network() {
    check(Fixture::DbipCountry, &[
        ("52.112.0.1", country("52.112.0.0/14", "IE")),
        ("62.115.0.1", country("62.115.0.0/16", "SE")),
        // The /24 inserted over the /13 wins, and the rest of the /13 is split around it: each
        // answer names the largest network holding the address and nothing but that record.
        ("2.16.0.1", country("2.16.0.0/24", "BR")),
        ("2.16.1.1", country("2.16.1.0/24", "NL")),
        ("2.16.3.1", country("2.16.2.0/23", "NL")),
        ("2.16.200.1", country("2.16.128.0/17", "NL")),
        ("2.17.0.1", country("2.17.0.0/16", "NL")),
        ("2.21.0.1", country("2.20.0.0/14", "NL")),
        ("2001:2000::1", country("2001:2000::/20", "SE")),
        ("198.51.100.1", country("198.51.100.0/24", "FR")),
        ("2.24.0.0", None),
        ("2001:db8::1", None),
    ]);
}

#[test]
#[rustfmt::skip]
fn dbip_asn_lite_answers_in_the_geolite2_asn_layout() {
    check(Fixture::DbipAsn, &[
        ("52.113.1.1", asn("52.112.0.0/14", 8075, "Microsoft Corporation")),
        ("62.115.0.1", asn("62.115.0.0/16", 1299, "Arelion Sweden AB")),
        ("2.16.0.1", asn("2.16.0.0/16", 20940, "Akamai International B.V.")),
        ("2.17.5.5", asn("2.17.0.0/16", 16625, "Akamai Technologies, Inc.")),
        ("2001:2000::1", asn("2001:2000::/20", 1299, "Arelion Sweden AB")),
        ("203.0.113.1", asn("203.0.113.0/24", 64500, "Documentation AS")),
        ("2.18.0.1", None),
        ("52.116.0.1", None),
    ]);
}

#[test]
#[rustfmt::skip]
fn ipinfo_lite_answers_the_country_code_not_the_country_name_and_the_asn() {
    check(Fixture::IpinfoLite, &[
        ("52.112.0.1", both("52.112.0.0/14", "IE", 8075, "Microsoft Corporation")),
        ("62.115.0.1", both("62.115.0.0/16", "SE", 1299, "Arelion Sweden AB")),
        ("2.16.0.1", both("2.16.0.0/13", "NL", 20940, "Akamai International B.V.")),
        ("2001:2000::1", both("2001:2000::/20", "SE", 1299, "Arelion Sweden AB")),
        ("2a01:111:f400::1", both("2a01:111:f400::/48", "IE", 8075, "Microsoft Corporation")),
        ("203.0.113.5", both("203.0.113.0/24", "JP", 64500, "Documentation AS")),
        // A row without an AS: the country only.
        ("198.51.100.5", country("198.51.100.0/24", "FR")),
        ("9.9.9.9", None),
    ]);
}

#[test]
#[rustfmt::skip]
fn ipinfo_country_answers_the_plain_country_code() {
    check(Fixture::IpinfoCountry, &[
        ("52.112.0.1", country("52.112.0.0/14", "IE")),
        ("62.115.0.1", country("62.115.0.0/16", "SE")),
        ("2.16.0.1", country("2.16.0.0/13", "NL")),
        ("2001:2000::1", country("2001:2000::/20", "SE")),
        ("192.0.2.1", country("192.0.2.0/24", "JP")),
        ("2a01:111:f400::1", None),
    ]);
}

#[test]
#[rustfmt::skip]
fn ipinfo_asn_answers_the_asn_and_its_name() {
    check(Fixture::IpinfoAsn, &[
        ("52.112.0.1", asn("52.112.0.0/14", 8075, "Microsoft Corporation")),
        ("62.115.0.1", asn("62.115.0.0/16", 1299, "Arelion Sweden AB")),
        ("2.16.0.1", asn("2.16.0.0/13", 20940, "Akamai International B.V.")),
        ("2001:2000::1", asn("2001:2000::/20", 1299, "Arelion Sweden AB")),
        ("2001:db8::1", asn("2001:db8::/32", 64501, "Documentation AS v6")),
        ("203.0.113.1", None),
    ]);
}

#[test]
#[rustfmt::skip]
fn ip_location_db_country_code_in_an_ipv4_only_file() {
    check(Fixture::CountryCodeV4, &[
        ("52.112.0.1", country("52.112.0.0/14", "IE")),
        ("62.115.0.1", country("62.115.0.0/16", "SE")),
        ("192.0.2.1", country("192.0.2.0/24", "JP")),
        ("62.116.0.1", None),
        // An IPv4-only database has no IPv6 answers (the placer unwraps IPv4-mapped ones).
        ("2001:2000::1", None),
        ("::ffff:62.115.0.1", None),
    ]);
}

#[test]
fn one_record_one_offset() {
    let db = open(Fixture::MaxMindAsn);
    let record = |addr: &str| db.lookup(0, ip(addr)).ok().flatten().expect(addr).record;
    // Two addresses of one network: the same record.
    assert_eq!(record("52.112.0.1"), record("52.115.0.1"));
    // Identical records are stored once, whatever network points to them.
    assert_eq!(record("52.112.0.1"), record("2a01:111:f400::1"));
    assert_eq!(record("62.115.0.1"), record("2001:2000::1"));
    // Different records, different offsets.
    assert_ne!(record("52.112.0.1"), record("62.115.0.1"));
    assert_ne!(record("203.0.113.1"), record("2001:db8::1"));
}

/// GeoLite2 has blocks whose record holds `registered_country` and no `country` (the block's
/// users are not located; its registration is known). `Fields::is_empty` ignores
/// `registered_country`, so `GeoDb::lookup` drops the answer, and the provider fallback never
/// sees that registration. Fix: count `registered_country` in `Fields::is_empty` (but not as a
/// layout in `Layout::detect`); un-ignore this test with it.
#[test]
fn a_record_with_only_a_registered_country_still_answers() {
    check(
        Fixture::MaxMindCountry,
        &[(
            "185.220.101.1",
            Some(("185.220.100.0/22", None, Some("DE"), None, None)),
        )],
    );
}
