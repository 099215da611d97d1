//! Record layouts: which fields a database's records carry, recognised from its metadata and
//! from the records themselves, so any supported file works with `--geo` without saying what
//! it is.
//!
//! Layouts read (field names as the vendors publish them):
//! - MaxMind: `country.iso_code`, `registered_country.iso_code` (GeoLite2/GeoIP2 Country and
//!   City, DB-IP Lite/commercial, which copy the layout); `autonomous_system_number`,
//!   `autonomous_system_organization` (GeoLite2-ASN, GeoIP2-ISP, DB-IP ASN, residency's own),
//!   or the same under `traits` (GeoIP2 Enterprise).
//! - IPinfo: `country_code` + `asn` ("AS15169") + `as_name` (Lite); `country` as a plain code
//!   (Country); `asn` + `name` (ASN); `country` + `asn` + `as_name` (Country ASN).
//! - ip-location-db: `country_code` alone.

use super::record::Record;
use maxminddb::{Reader, WithinOptions};

/// Records probed at open to recognise the layout. Enough to skip a few odd first records
/// without reading a large database.
const PROBE_RECORDS: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// `maxmind`, `ipinfo` or `country-code`.
    pub name: &'static str,
    /// Whether records give a country.
    pub country: bool,
    /// Whether records give an ASN.
    pub asn: bool,
}

impl Layout {
    pub fn detect<S: AsRef<[u8]>>(reader: &Reader<S>) -> Result<Layout, String> {
        let meta = reader.metadata();
        let mut seen = Layout {
            name: "",
            country: false,
            asn: false,
        };
        let mut keys: Vec<String> = Vec::new();
        // Records that could not be decoded while probing: named in the refusal, so a damaged
        // file is not mistaken for an unsupported layout.
        let (mut broken, mut first_error) = (0usize, None::<String>);
        let networks = reader
            .networks(WithinOptions::default())
            .map_err(|e| format!("cannot walk the database: {e}"))?;
        for item in networks.take(PROBE_RECORDS) {
            let decoded = item.and_then(|result| result.decode::<Record>());
            let record = match decoded {
                Ok(Some(record)) => record,
                Ok(None) => continue,
                Err(e) => {
                    broken += 1;
                    first_error.get_or_insert_with(|| e.to_string());
                    continue;
                }
            };
            for key in record.keys {
                if !keys.contains(&key) && keys.len() < 16 {
                    keys.push(key);
                }
            }
            let f = &record.fields;
            // A registered country alone does not make a layout: the file must locate
            // addresses or name their AS.
            if f.country.is_none() && f.asn.is_none() {
                continue;
            }
            if seen.name.is_empty() {
                seen.name = record.layout;
            }
            seen.country |= f.country.is_some();
            seen.asn |= f.asn.is_some();
        }
        if seen.name.is_empty() {
            if let Some(error) = first_error {
                return Err(format!(
                    "a damaged MaxMind DB: {broken} of the first records read could not be decoded ({error}), and none of the others holds a country or an ASN"
                ));
            }
            return Err(format!(
                "a MaxMind DB (type {:?}), but its records hold neither a country nor an ASN in a layout residency reads (fields seen: {}); supported: MaxMind/DB-IP Country, City and ASN, IPinfo Lite, Country and ASN",
                meta.database_type,
                if keys.is_empty() {
                    "none".to_string()
                } else {
                    keys.join(", ")
                }
            ));
        }
        Ok(seen)
    }
}
