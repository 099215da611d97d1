//! Tiny MaxMind DB files in each vendor's record layout, with the vendors' own field names and
//! `database_type`s, written once per test run under `CARGO_TARGET_TMPDIR/geo_layouts/`.
//!
//! The networks are a few real-looking ones (Microsoft's Teams relays, Arelion's backbone,
//! Akamai), each vendor's own way, plus documentation networks (which residency never looks up
//! for a destination, being non-routable, but which a database answers for like any other).

use ipnet::IpNet;
use mmdb_writer::{IpVersion, Value, Writer};
use serde_json::{Value as Json, json};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

/// 2026-06-16 23:59:59 UTC, a MaxMind release day. The last second of the day: a build date
/// computed in local time or rounded would show as the 17th.
pub const MAXMIND_BUILD: (u64, &str) = (1_781_654_399, "2026-06-16");
/// 2026-06-01 00:00:00 UTC: DB-IP Lite appears on the first of the month.
pub const DBIP_BUILD: (u64, &str) = (1_780_272_000, "2026-06-01");
/// 2026-06-17 12:00:00 UTC.
pub const IPINFO_BUILD: (u64, &str) = (1_781_697_600, "2026-06-17");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fixture {
    /// GeoLite2-Country: `continent`, `country`, `registered_country` maps.
    MaxMindCountry,
    /// GeoLite2-City: the same plus `city`, `location`, `postal`, `subdivisions`.
    MaxMindCity,
    /// GeoLite2-ASN: `autonomous_system_number`, `autonomous_system_organization`.
    MaxMindAsn,
    /// DB-IP Country Lite: the GeoIP2 country layout, without `registered_country`.
    DbipCountry,
    /// DB-IP ASN Lite, GeoLite2-ASN compatible.
    DbipAsn,
    /// IPinfo Lite: `asn` "AS…", `as_name`, `as_domain`, `country_code`, `country` (the name),
    /// `continent_code`, `continent`.
    IpinfoLite,
    /// IPinfo Country: `country` (the code), `country_name`, `continent`, `continent_name`.
    IpinfoCountry,
    /// IPinfo ASN: `asn`, `name`, `domain`, `route`, `type`.
    IpinfoAsn,
    /// ip-location-db's IPv4-only country file: `country_code` alone.
    CountryCodeV4,
    /// GeoIP2 Anonymous IP: a MaxMind DB whose records hold nothing residency reads.
    AnonymousIp,
}

impl Fixture {
    pub const ALL: [Fixture; 10] = [
        Fixture::MaxMindCountry,
        Fixture::MaxMindCity,
        Fixture::MaxMindAsn,
        Fixture::DbipCountry,
        Fixture::DbipAsn,
        Fixture::IpinfoLite,
        Fixture::IpinfoCountry,
        Fixture::IpinfoAsn,
        Fixture::CountryCodeV4,
        Fixture::AnonymousIp,
    ];

    /// The file, written on first use.
    pub fn path(self) -> PathBuf {
        dir().join(self.file())
    }

    pub fn file(self) -> &'static str {
        match self {
            Fixture::MaxMindCountry => "GeoLite2-Country.mmdb",
            Fixture::MaxMindCity => "GeoLite2-City.mmdb",
            Fixture::MaxMindAsn => "GeoLite2-ASN.mmdb",
            Fixture::DbipCountry => "dbip-country-lite-2026-06.mmdb",
            Fixture::DbipAsn => "dbip-asn-lite-2026-06.mmdb",
            Fixture::IpinfoLite => "ipinfo_lite.mmdb",
            Fixture::IpinfoCountry => "country.mmdb",
            Fixture::IpinfoAsn => "asn.mmdb",
            Fixture::CountryCodeV4 => "dbip-country-ipv4.mmdb",
            Fixture::AnonymousIp => "GeoIP2-Anonymous-IP.mmdb",
        }
    }

    /// The metadata's `database_type`, which is also the name reports give the file.
    pub fn database_type(self) -> &'static str {
        match self {
            Fixture::MaxMindCountry => "GeoLite2-Country",
            Fixture::MaxMindCity => "GeoLite2-City",
            Fixture::MaxMindAsn => "GeoLite2-ASN",
            Fixture::DbipCountry => "DBIP-Country-Lite",
            Fixture::DbipAsn => "DBIP-ASN-Lite (compat=GeoLite2-ASN)",
            Fixture::IpinfoLite => "ipinfo lite.mmdb",
            Fixture::IpinfoCountry => "ipinfo country.mmdb",
            Fixture::IpinfoAsn => "ipinfo asn.mmdb",
            Fixture::CountryCodeV4 => "country ipv4",
            Fixture::AnonymousIp => "GeoIP2-Anonymous-IP",
        }
    }

    /// Build time: (`build_epoch`, the UTC date residency should print).
    pub fn build(self) -> (u64, &'static str) {
        match self {
            Fixture::MaxMindCountry
            | Fixture::MaxMindCity
            | Fixture::MaxMindAsn
            | Fixture::AnonymousIp => MAXMIND_BUILD,
            Fixture::DbipCountry | Fixture::DbipAsn | Fixture::CountryCodeV4 => DBIP_BUILD,
            Fixture::IpinfoLite | Fixture::IpinfoCountry | Fixture::IpinfoAsn => IPINFO_BUILD,
        }
    }

    fn ip_version(self) -> IpVersion {
        match self {
            Fixture::CountryCodeV4 => IpVersion::V4,
            _ => IpVersion::V6,
        }
    }

    /// The records, in insertion order (a later, more specific network overrides an earlier).
    #[rustfmt::skip]
    fn records(self) -> Vec<(&'static str, Json)> {
        match self {
            Fixture::MaxMindCountry => vec![
                ("52.112.0.0/14", geoip2_country("IE", Some("US"))),
                ("62.115.0.0/16", geoip2_country("SE", Some("SE"))),
                ("2.16.0.0/13", geoip2_country("NL", Some("NL"))),
                // Two blocks of ASes in no provider table: one registered where it is used,
                // one registered elsewhere.
                ("45.90.28.0/22", geoip2_country("SE", Some("SE"))),
                ("185.199.108.0/22", geoip2_country("NL", Some("US"))),
                // GeoLite2 has blocks with a registered country and no country.
                ("185.220.100.0/22", registered_only("DE")),
                ("2001:2000::/20", geoip2_country("SE", Some("SE"))),
                ("2a01:111:f400::/48", geoip2_country("IE", Some("US"))),
                ("192.0.2.0/24", geoip2_country("JP", Some("JP"))),
                ("2001:db8::/32", geoip2_country("DE", Some("DE"))),
            ],
            Fixture::MaxMindCity => vec![
                ("52.112.0.0/14", dublin()),
                ("62.115.0.0/16", stockholm()),
                ("2.16.0.0/13", frankfurt()),
                ("2a01:111:f400::/48", dublin()),
                ("198.51.100.0/24", paris()),
            ],
            Fixture::MaxMindAsn => vec![
                ("52.112.0.0/14", geolite2_asn(8075, "MICROSOFT-CORP-MSN-AS-BLOCK")),
                ("62.115.0.0/16", geolite2_asn(1299, "Arelion Sweden AB")),
                ("2.16.0.0/13", geolite2_asn(20940, "Akamai International B.V.")),
                ("45.90.28.0/22", geolite2_asn(4_200_000_001, "Testnet Hosting AB")),
                ("185.199.108.0/22", geolite2_asn(4_200_000_002, "Testnet Cloud Inc.")),
                ("2001:2000::/20", geolite2_asn(1299, "Arelion Sweden AB")),
                ("2a01:111:f400::/48", geolite2_asn(8075, "MICROSOFT-CORP-MSN-AS-BLOCK")),
                ("203.0.113.0/24", geolite2_asn(64500, "Documentation AS")),
                ("2001:db8::/32", geolite2_asn(64501, "Documentation AS v6")),
            ],
            Fixture::DbipCountry => vec![
                ("52.112.0.0/14", geoip2_country("IE", None)),
                ("62.115.0.0/16", geoip2_country("SE", None)),
                ("2.16.0.0/13", geoip2_country("NL", None)),
                // DB-IP places the first /24 of Akamai's block elsewhere, as the real one does.
                ("2.16.0.0/24", geoip2_country("BR", None)),
                ("2001:2000::/20", geoip2_country("SE", None)),
                ("198.51.100.0/24", geoip2_country("FR", None)),
            ],
            Fixture::DbipAsn => vec![
                ("52.112.0.0/14", geolite2_asn(8075, "Microsoft Corporation")),
                ("62.115.0.0/16", geolite2_asn(1299, "Arelion Sweden AB")),
                // Akamai's /13 is two ASes here: smaller networks than the country record's.
                ("2.16.0.0/16", geolite2_asn(20940, "Akamai International B.V.")),
                ("2.17.0.0/16", geolite2_asn(16625, "Akamai Technologies, Inc.")),
                ("2001:2000::/20", geolite2_asn(1299, "Arelion Sweden AB")),
                ("203.0.113.0/24", geolite2_asn(64500, "Documentation AS")),
            ],
            Fixture::IpinfoLite => vec![
                ("52.112.0.0/14", ipinfo_lite("IE", Some((8075, "Microsoft Corporation", "microsoft.com")))),
                ("62.115.0.0/16", ipinfo_lite("SE", Some((1299, "Arelion Sweden AB", "arelion.com")))),
                ("2.16.0.0/13", ipinfo_lite("NL", Some((20940, "Akamai International B.V.", "akamai.com")))),
                ("2001:2000::/20", ipinfo_lite("SE", Some((1299, "Arelion Sweden AB", "arelion.com")))),
                ("2a01:111:f400::/48", ipinfo_lite("IE", Some((8075, "Microsoft Corporation", "microsoft.com")))),
                ("203.0.113.0/24", ipinfo_lite("JP", Some((64500, "Documentation AS", "example.net")))),
                // IPinfo Lite rows without an AS carry the country fields only.
                ("198.51.100.0/24", ipinfo_lite("FR", None)),
            ],
            Fixture::IpinfoCountry => vec![
                ("52.112.0.0/14", ipinfo_country("IE")),
                ("62.115.0.0/16", ipinfo_country("SE")),
                ("2.16.0.0/13", ipinfo_country("NL")),
                ("2001:2000::/20", ipinfo_country("SE")),
                ("192.0.2.0/24", ipinfo_country("JP")),
            ],
            Fixture::IpinfoAsn => vec![
                ("52.112.0.0/14", ipinfo_asn(8075, "Microsoft Corporation", "microsoft.com", "52.112.0.0/14", "hosting")),
                ("62.115.0.0/16", ipinfo_asn(1299, "Arelion Sweden AB", "arelion.com", "62.115.0.0/16", "isp")),
                ("2.16.0.0/13", ipinfo_asn(20940, "Akamai International B.V.", "akamai.com", "2.16.0.0/13", "hosting")),
                ("2001:2000::/20", ipinfo_asn(1299, "Arelion Sweden AB", "arelion.com", "2001:2000::/20", "isp")),
                ("2001:db8::/32", ipinfo_asn(64501, "Documentation AS v6", "example.net", "2001:db8::/32", "business")),
            ],
            Fixture::CountryCodeV4 => vec![
                ("52.112.0.0/14", json!({"country_code": "IE"})),
                ("62.115.0.0/16", json!({"country_code": "SE"})),
                ("192.0.2.0/24", json!({"country_code": "JP"})),
            ],
            Fixture::AnonymousIp => vec![
                ("52.112.0.0/14", json!({"is_hosting_provider": true})),
                ("185.220.100.0/22", json!({"is_anonymous": true, "is_tor_exit_node": true})),
                ("2001:db8::/32", json!({"is_anonymous": true, "is_anonymous_vpn": true})),
            ],
        }
    }

    fn bytes(self) -> Vec<u8> {
        let (epoch, _) = self.build();
        let mut writer = Writer::builder(self.database_type())
            .build_epoch(UNIX_EPOCH + Duration::from_secs(epoch))
            .ip_version(self.ip_version())
            .description(&[("en", "residency test fixture")])
            .build();
        for (net, record) in self.records() {
            let net: IpNet = net.parse().expect("fixture network");
            writer
                .insert_value(net, to_mmdb(&record))
                .unwrap_or_else(|e| panic!("{}: {net}: {e}", self.file()));
        }
        writer.to_bytes().expect("fixture serialises")
    }
}

/// A file that is not a MaxMind DB: a CSV export, as a user might pass by mistake.
pub fn text_file() -> PathBuf {
    dir().join("GeoLite2-Country-Blocks-IPv4.csv")
}

/// An empty file (an interrupted download).
pub fn empty_file() -> PathBuf {
    dir().join("empty.mmdb")
}

/// The folder holding every fixture, written the first time any test asks.
fn dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("geo_layouts");
        std::fs::create_dir_all(&dir).expect("create the fixture folder");
        for fixture in Fixture::ALL {
            write(&dir.join(fixture.file()), &fixture.bytes());
        }
        write(
            &dir.join("GeoLite2-Country-Blocks-IPv4.csv"),
            b"network,geoname_id,registered_country_geoname_id\n52.112.0.0/14,2963597,6252001\n",
        );
        write(&dir.join("empty.mmdb"), b"");
        dir
    })
}

/// Writes through a temporary name and renames, so another test process never reads half a
/// file.
fn write(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).unwrap_or_else(|e| panic!("{}: {e}", tmp.display()));
    std::fs::rename(&tmp, path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// JSON (readable in the tables above) to MaxMind DB values, with the types the vendors use:
/// unsigned integers as uint32, fractions as doubles.
fn to_mmdb(v: &Json) -> Value {
    match v {
        Json::String(s) => Value::String(s.clone()),
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_u64() {
            Some(u) => u32::try_from(u).map_or(Value::U64(u), Value::U32),
            None => Value::Double(n.as_f64().expect("a number")),
        },
        Json::Array(items) => Value::Array(items.iter().map(to_mmdb).collect()),
        Json::Object(map) => Value::Map(map.iter().map(|(k, v)| (k.clone(), to_mmdb(v))).collect()),
        Json::Null => panic!("a MaxMind DB has no null"),
    }
}

/// (code, English name, GeoNames id, continent, EU member).
const COUNTRIES: [(&str, &str, u32, &str, bool); 8] = [
    ("IE", "Ireland", 2_963_597, "EU", true),
    ("SE", "Sweden", 2_661_886, "EU", true),
    ("NL", "Netherlands", 2_750_405, "EU", true),
    ("DE", "Germany", 2_921_044, "EU", true),
    ("FR", "France", 3_017_382, "EU", true),
    ("US", "United States", 6_252_001, "NA", false),
    ("JP", "Japan", 1_861_060, "AS", false),
    ("BR", "Brazil", 3_469_034, "SA", false),
];

/// (code, English name, GeoNames id).
const CONTINENTS: [(&str, &str, u32); 4] = [
    ("EU", "Europe", 6_255_148),
    ("NA", "North America", 6_255_149),
    ("AS", "Asia", 6_255_147),
    ("SA", "South America", 6_255_150),
];

fn country(code: &str) -> (&'static str, &'static str, u32, &'static str, bool) {
    *COUNTRIES
        .iter()
        .find(|c| c.0 == code)
        .unwrap_or_else(|| panic!("no fixture country {code}"))
}

fn continent(code: &str) -> (&'static str, &'static str, u32) {
    *CONTINENTS
        .iter()
        .find(|c| c.0 == code)
        .expect("fixture continent")
}

/// A GeoIP2 `country` / `registered_country` map (`is_in_european_union` only when true, as
/// MaxMind writes it).
fn geoip2_place(code: &str) -> Json {
    let (iso, name, geoname_id, _, eu) = country(code);
    let mut map = json!({"geoname_id": geoname_id, "iso_code": iso, "names": {"en": name}});
    if eu {
        map["is_in_european_union"] = json!(true);
    }
    map
}

fn geoip2_continent(country_code: &str) -> Json {
    let (code, name, geoname_id) = continent(country(country_code).3);
    json!({"code": code, "geoname_id": geoname_id, "names": {"en": name}})
}

/// A GeoLite2/GeoIP2 Country record; DB-IP's copy of the layout has no `registered_country`.
fn geoip2_country(code: &str, registered: Option<&str>) -> Json {
    let mut record = json!({"continent": geoip2_continent(code), "country": geoip2_place(code)});
    if let Some(r) = registered {
        record["registered_country"] = geoip2_place(r);
    }
    record
}

/// A GeoLite2 Country record for a block with no country of use, only a registration.
fn registered_only(code: &str) -> Json {
    json!({"continent": geoip2_continent(code), "registered_country": geoip2_place(code)})
}

struct City {
    country: &'static str,
    registered: &'static str,
    name: &'static str,
    geoname_id: u32,
    subdivision: (&'static str, &'static str, u32),
    location: (f64, f64, u32, &'static str),
    postal: &'static str,
}

fn geoip2_city(c: City) -> Json {
    let mut record = geoip2_country(c.country, Some(c.registered));
    let (lat, lon, radius, zone) = c.location;
    let (sub_code, sub_name, sub_id) = c.subdivision;
    record["city"] = json!({"geoname_id": c.geoname_id, "names": {"en": c.name}});
    record["location"] =
        json!({"accuracy_radius": radius, "latitude": lat, "longitude": lon, "time_zone": zone});
    record["postal"] = json!({"code": c.postal});
    record["subdivisions"] =
        json!([{"geoname_id": sub_id, "iso_code": sub_code, "names": {"en": sub_name}}]);
    record
}

fn dublin() -> Json {
    geoip2_city(City {
        country: "IE",
        registered: "US",
        name: "Dublin",
        geoname_id: 2_964_574,
        subdivision: ("L", "Leinster", 7_521_314),
        location: (53.3382, -6.2591, 20, "Europe/Dublin"),
        postal: "D02",
    })
}

fn stockholm() -> Json {
    geoip2_city(City {
        country: "SE",
        registered: "SE",
        name: "Stockholm",
        geoname_id: 2_673_730,
        subdivision: ("AB", "Stockholm County", 2_673_722),
        location: (59.3293, 18.0686, 50, "Europe/Stockholm"),
        postal: "111 20",
    })
}

/// The city database puts Akamai's block in Frankfurt, while the country one says NL.
fn frankfurt() -> Json {
    geoip2_city(City {
        country: "DE",
        registered: "NL",
        name: "Frankfurt am Main",
        geoname_id: 2_925_533,
        subdivision: ("HE", "Hesse", 2_905_330),
        location: (50.1188, 8.6843, 100, "Europe/Berlin"),
        postal: "60313",
    })
}

fn paris() -> Json {
    geoip2_city(City {
        country: "FR",
        registered: "FR",
        name: "Paris",
        geoname_id: 2_988_507,
        subdivision: ("IDF", "Île-de-France", 3_012_874),
        location: (48.8582, 2.3387, 10, "Europe/Paris"),
        postal: "75001",
    })
}

fn geolite2_asn(asn: u32, org: &str) -> Json {
    json!({"autonomous_system_number": asn, "autonomous_system_organization": org})
}

fn ipinfo_lite(code: &str, asn: Option<(u32, &str, &str)>) -> Json {
    let (iso, name, _, cont, _) = country(code);
    let (cont_code, cont_name, _) = continent(cont);
    let mut record = json!({"country_code": iso, "country": name,
                            "continent_code": cont_code, "continent": cont_name});
    if let Some((asn, as_name, domain)) = asn {
        record["asn"] = json!(format!("AS{asn}"));
        record["as_name"] = json!(as_name);
        record["as_domain"] = json!(domain);
    }
    record
}

fn ipinfo_country(code: &str) -> Json {
    let (iso, name, _, cont, _) = country(code);
    let (cont_code, cont_name, _) = continent(cont);
    json!({"country": iso, "country_name": name, "continent": cont_code, "continent_name": cont_name})
}

fn ipinfo_asn(asn: u32, name: &str, domain: &str, route: &str, kind: &str) -> Json {
    json!({"asn": format!("AS{asn}"), "name": name, "domain": domain, "route": route, "type": kind})
}
