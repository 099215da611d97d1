//! Converts the ip-location-db ASN CSV files (RouteViews + RIR + DB-IP, CC BY 4.0) into one
//! MaxMind DB with the GeoLite2-ASN record layout, so the tool reads embedded and user-supplied
//! ASN databases through the same code path (`src/place/geo`).
//!
//! Run by `geo/build`; the output is deterministic (fixed build epoch, sorted input), so the
//! committed `geo/asn.mmdb` can be rebuilt byte for byte.
//!
//! usage: build_geo_asn <asn-ipv4.csv> <asn-ipv6.csv> <build: YYYYMMDDHH> <out.mmdb>

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use mmdb_writer::{Ipv4Aliasing, Value, Writer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [v4, v6, build, out] = args.as_slice() else {
        return Err(
            "usage: build_geo_asn <asn-ipv4.csv> <asn-ipv6.csv> <YYYYMMDDHH> <out.mmdb>".into(),
        );
    };
    let epoch = build_epoch(build)?;
    let mut writer = Writer::builder("residency-ASN (GeoLite2-ASN layout)")
        .description(&[(
            "en",
            "IP to ASN from @ip-location-db/asn (RouteViews, RIR and DB-IP data, CC BY 4.0)",
        )])
        // The CSV holds Teredo (2001::/32) rows of its own; no IPv4 aliases (IPv4 lookups use
        // the ::/96 subtree, which every reader handles).
        .ipv4_aliasing(Ipv4Aliasing::Disabled)
        .build_epoch(SystemTime::UNIX_EPOCH + Duration::from_secs(epoch))
        .build();
    let mut rows = 0usize;
    for path in [v4, v6] {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(path)?;
        for record in reader.records() {
            let record = record?;
            let (Some(start), Some(end), Some(asn), Some(org)) =
                (record.get(0), record.get(1), record.get(2), record.get(3))
            else {
                return Err(format!("{path}: short row {record:?}").into());
            };
            let start: IpAddr = start.parse()?;
            let end: IpAddr = end.parse()?;
            let asn: u32 = asn.parse()?;
            let value = Value::map([
                ("autonomous_system_number", Value::from(asn)),
                ("autonomous_system_organization", Value::from(org)),
            ]);
            writer.insert_range(start, end, &value)?;
            rows += 1;
        }
    }
    let bytes = writer.to_bytes()?;
    std::fs::write(out, &bytes)?;
    eprintln!("{out}: {rows} ranges, {} bytes", bytes.len());
    Ok(())
}

/// `2026061719` (the npm package's version stamp, YYYYMMDDHH in UTC) → seconds since 1970.
fn build_epoch(stamp: &str) -> Result<u64, Box<dyn std::error::Error>> {
    if stamp.len() != 10 || !stamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("build stamp {stamp:?} is not YYYYMMDDHH").into());
    }
    let n = |r: std::ops::Range<usize>| stamp[r].parse::<u8>();
    let month = time::Month::try_from(n(4..6)?)?;
    let date = time::Date::from_calendar_date(stamp[0..4].parse()?, month, n(6..8)?)?;
    let at = date.with_hms(n(8..10)?, 0, 0)?.assume_utc();
    Ok(u64::try_from(at.unix_timestamp())?)
}
