//! Converts the ip-location-db ASN CSV files (RouteViews + RIR + DB-IP, CC BY 4.0) into one
//! MaxMind DB with the GeoLite2-ASN record layout, so the tool reads embedded and user-supplied
//! ASN databases through the same code path (`src/place/geo`).
//!
//! Each record also carries `registered_country.iso_code`: the registration country of the
//! ASN, taken as the country the RIRs record for most of the ASN's announced addresses
//! (ip-location-db `asn-country`, NRO data). residency uses it as the fallback jurisdiction of
//! a provider that is not in geo/providers.toml.
//!
//! Run by `geo/build`; the output is deterministic (fixed build epoch, input order kept, ties
//! broken by country code), so the committed `geo/asn.mmdb` can be rebuilt byte for byte.
//!
//! usage: build_geo_asn <asn-ipv4.csv> <asn-ipv6.csv> <asn-country-ipv4.csv>
//!                      <asn-country-ipv6.csv> <build: YYYYMMDDHH> <out.mmdb>

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use mmdb_writer::{Ipv4Aliasing, Value, Writer};

type Error = Box<dyn std::error::Error>;

struct Range {
    start: IpAddr,
    end: IpAddr,
    asn: u32,
    org: String,
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [v4, v6, c4, c6, build, out] = args.as_slice() else {
        return Err(
            "usage: build_geo_asn <asn-ipv4.csv> <asn-ipv6.csv> <asn-country-ipv4.csv> \
                    <asn-country-ipv6.csv> <YYYYMMDDHH> <out.mmdb>"
                .into(),
        );
    };
    let epoch = build_epoch(build)?;
    let mut ranges = Vec::new();
    for path in [v4, v6] {
        for row in rows(path)? {
            let [start, end, asn, org] = row.as_slice() else {
                return Err(format!("{path}: row {row:?} has not 4 fields").into());
            };
            ranges.push(Range {
                start: start.parse()?,
                end: end.parse()?,
                asn: asn.parse()?,
                org: org.clone(),
            });
        }
    }
    let countries = asn_countries(&ranges, &[c4, c6])?;

    let mut writer = Writer::builder("residency-ASN (GeoLite2-ASN layout)")
        .description(&[(
            "en",
            "IP to ASN from @ip-location-db/asn (RouteViews, RIR and DB-IP data, CC BY 4.0); \
             registered_country = the ASN's registration country from @ip-location-db/asn-country (NRO data)",
        )])
        // The CSV holds Teredo (2001::/32) rows of its own; no IPv4 aliases (IPv4 lookups use
        // the ::/96 subtree, which every reader handles).
        .ipv4_aliasing(Ipv4Aliasing::Disabled)
        .build_epoch(SystemTime::UNIX_EPOCH + Duration::from_secs(epoch))
        .build();
    for r in &ranges {
        let mut fields = vec![
            ("autonomous_system_number", Value::from(r.asn)),
            (
                "autonomous_system_organization",
                Value::from(r.org.as_str()),
            ),
        ];
        if let Some(cc) = countries.get(&r.asn) {
            fields.push((
                "registered_country",
                Value::map([("iso_code", Value::from(cc.as_str()))]),
            ));
        }
        writer.insert_range(r.start, r.end, &Value::map(fields))?;
    }
    let bytes = writer.to_bytes()?;
    std::fs::write(out, &bytes)?;
    eprintln!(
        "{out}: {} ranges, {} ASNs with a registration country, {} bytes",
        ranges.len(),
        countries.len(),
        bytes.len()
    );
    Ok(())
}

fn rows(path: &str) -> Result<Vec<Vec<String>>, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)?;
    let mut out = Vec::new();
    for record in reader.records() {
        out.push(record?.iter().map(str::to_string).collect());
    }
    Ok(out)
}

fn number(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// Each ASN's registration country: the RIR country that covers the most of its addresses
/// (IPv4 addresses; for IPv6, /48 networks, counted apart so the two families don't mix).
fn asn_countries(ranges: &[Range], files: &[&String]) -> Result<HashMap<u32, String>, Error> {
    // (is_v6, start) → (end, country), sorted for a range lookup.
    let mut by_start: BTreeMap<(bool, u128), (u128, String)> = BTreeMap::new();
    for path in files {
        for row in rows(path)? {
            let [start, end, cc] = row.as_slice() else {
                return Err(format!("{path}: row {row:?} has not 3 fields").into());
            };
            let start: IpAddr = start.parse()?;
            let end: IpAddr = end.parse()?;
            by_start.insert((start.is_ipv6(), number(start)), (number(end), cc.clone()));
        }
    }
    // asn → (v4 weights, v6 weights) per country
    let mut weights: HashMap<u32, [BTreeMap<String, u128>; 2]> = HashMap::new();
    for r in ranges {
        let v6 = r.start.is_ipv6();
        let (start, end) = (number(r.start), number(r.end));
        let Some(((family, _), (covers_to, cc))) = by_start.range(..=(v6, start)).next_back()
        else {
            continue;
        };
        if *family != v6 || *covers_to < start {
            continue;
        }
        let size = end - start + 1;
        let weight = if v6 { (size >> 80).max(1) } else { size };
        *weights.entry(r.asn).or_default()[usize::from(v6)]
            .entry(cc.clone())
            .or_default() += weight;
    }
    Ok(weights
        .into_iter()
        .filter_map(|(asn, [w4, w6])| {
            let family = if w4.is_empty() { w6 } else { w4 };
            // Most weight wins; ties go to the smaller code (BTreeMap order, max_by keeps the last max).
            let best = family
                .into_iter()
                .rev()
                .max_by(|a, b| a.1.cmp(&b.1))
                .map(|(cc, _)| cc)?;
            Some((asn, best))
        })
        .collect())
}

/// `2026061719` (the npm package's version stamp, YYYYMMDDHH in UTC) → seconds since 1970.
fn build_epoch(stamp: &str) -> Result<u64, Error> {
    if stamp.len() != 10 || !stamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("build stamp {stamp:?} is not YYYYMMDDHH").into());
    }
    let n = |r: std::ops::Range<usize>| stamp[r].parse::<u8>();
    let month = time::Month::try_from(n(4..6)?)?;
    let date = time::Date::from_calendar_date(stamp[0..4].parse()?, month, n(6..8)?)?;
    let at = date.with_hms(n(8..10)?, 0, 0)?.assume_utc();
    Ok(u64::try_from(at.unix_timestamp())?)
}
