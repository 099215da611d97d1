//! The record layouts `--geo` accepts, on tiny MaxMind DB files the tests write themselves
//! (`geo_layouts/fixtures.rs`): one per vendor layout (MaxMind GeoLite2 Country, City and ASN;
//! DB-IP Country and ASN Lite; IPinfo Lite, Country and ASN; ip-location-db's `country_code`),
//! with the vendors' field names and `database_type`s, IPv4 and IPv6.
//!
//! This file: each fixture's layout recognised, what it provides and its build date; the files
//! `--geo` refuses. `geo_layouts/lookups.rs`: each fixture's exact answers. `geo_layouts/
//! placer.rs`: several fixtures together through `Placer` (priority, disagreement, provider,
//! zones). `geo_layouts/cli.rs`: the same through `residency lookup`, and the embedded defaults.

#[path = "geo_layouts/cli.rs"]
mod cli;
#[path = "geo_layouts/fixtures.rs"]
mod fixtures;
#[path = "geo_layouts/lookups.rs"]
mod lookups;
#[path = "geo_layouts/placer.rs"]
mod placer;

use fixtures::Fixture;
use residency::place::geo::{GeoDb, GeoError};
use std::net::IpAddr;
use std::path::Path;

fn ip(s: &str) -> IpAddr {
    s.parse()
        .unwrap_or_else(|e| panic!("{s:?} is not an IP address: {e}"))
}

fn open(fixture: Fixture) -> GeoDb {
    GeoDb::open(&fixture.path()).unwrap_or_else(|e| panic!("{}: {e}", fixture.file()))
}

#[test]
fn every_layout_is_recognised_with_what_it_provides_and_its_build_date() {
    // (fixture, layout, provides a country, provides an ASN)
    let table = [
        (Fixture::MaxMindCountry, "maxmind", true, false),
        (Fixture::MaxMindCity, "maxmind", true, false),
        (Fixture::MaxMindAsn, "maxmind", false, true),
        (Fixture::DbipCountry, "maxmind", true, false),
        (Fixture::DbipAsn, "maxmind", false, true),
        (Fixture::IpinfoLite, "ipinfo", true, true),
        (Fixture::IpinfoCountry, "ipinfo", true, false),
        (Fixture::IpinfoAsn, "ipinfo", false, true),
        (Fixture::CountryCodeV4, "country-code", true, false),
    ];
    for (fixture, layout, gives_country, gives_asn) in table {
        let db = open(fixture);
        let file = fixture.file();
        let got = (db.layout.name, db.provides_country(), db.provides_asn());
        assert_eq!(got, (layout, gives_country, gives_asn), "{file}");
        assert_eq!((db.layout.country, db.layout.asn), (got.1, got.2), "{file}");
        // The build date is the UTC day of `build_epoch` (the fixtures' are a day's last
        // second, its first, and noon).
        let (epoch, date) = fixture.build();
        assert_eq!((db.build.as_str(), db.build_epoch), (date, epoch), "{file}");
        // A --geo file is named by its database type, and its origin is the path given.
        assert_eq!(db.database_type, fixture.database_type(), "{file}");
        assert_eq!(db.name, fixture.database_type(), "{file}");
        assert_eq!(db.origin, fixture.path().display().to_string(), "{file}");
        assert_eq!(db.role.name(), "geolocation", "{file}");
        assert_eq!((db.license, db.attribution), (None, None), "{file}");
        let bytes = std::fs::read(fixture.path()).unwrap();
        assert_eq!(db.size(), bytes.len() as u64, "{file}");
        assert_eq!(db.sha256().len(), 64, "{file}");
    }
}

fn refused(path: &Path) -> GeoError {
    match GeoDb::open(path) {
        Ok(db) => panic!("{} opened, as {:?}", path.display(), db.layout),
        Err(e) => e,
    }
}

#[test]
fn a_file_that_is_not_a_maxmind_db_is_refused_naming_the_file() {
    for path in [fixtures::text_file(), fixtures::empty_file()] {
        let e = refused(&path);
        assert!(matches!(e, GeoError::NotMmdb { .. }), "{e:?}");
        let message = e.to_string();
        let shown = path.display().to_string();
        assert!(message.starts_with(&format!("{shown}: ")), "{message}");
        assert!(message.contains("not a MaxMind DB file"), "{message}");
        // It says what --geo takes.
        assert!(message.contains("IPinfo"), "{message}");
    }
    let missing = fixtures::empty_file().with_file_name("no-such-file.mmdb");
    let e = refused(&missing);
    assert!(matches!(e, GeoError::Read { .. }), "{e:?}");
    assert!(e.to_string().contains("no-such-file.mmdb"), "{e}");
}

#[test]
fn a_maxmind_db_without_a_country_or_asn_is_refused_listing_its_fields() {
    let anonymous = Fixture::AnonymousIp.path();
    let e = refused(&anonymous);
    let GeoError::Layout { path, detail } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(path, &anonymous.display().to_string());
    assert!(e.to_string().starts_with(path.as_str()), "{e}");
    assert!(detail.contains("\"GeoIP2-Anonymous-IP\""), "{detail}");
    for field in [
        "is_hosting_provider",
        "is_anonymous",
        "is_tor_exit_node",
        "is_anonymous_vpn",
    ] {
        assert!(detail.contains(field), "{field} not listed: {detail}");
    }
}
