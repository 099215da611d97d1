//! Record layouts: which fields a database's records carry, recognised from its metadata and
//! from the records themselves, so any supported file works with `--geo` without saying what
//! it is.
//!
//! Layouts read (field names as the vendors publish them):
//! - MaxMind: `country.iso_code`, `registered_country.iso_code` (GeoLite2/GeoIP2 Country and
//!   City, DB-IP Lite/commercial, which copy the layout); `autonomous_system_number`,
//!   `autonomous_system_organization` (GeoLite2-ASN, GeoIP2-ISP, DB-IP ASN, residency's own).
//! - IPinfo: `country_code` + `asn` ("AS15169") + `as_name` (Lite); `country` as a plain code
//!   (Country); `asn` + `name` (ASN); `country` + `asn` + `as_name` (Country ASN).
//! - ip-location-db: `country_code` alone.

use maxminddb::{Reader, WithinOptions};
use serde_json::Value;

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

/// The fields residency reads from one record, whatever the layout.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields {
    pub country: Option<String>,
    pub registered_country: Option<String>,
    pub asn: Option<u32>,
    pub as_org: Option<String>,
}

impl Fields {
    /// Nothing residency reads: no country, no registered country, no ASN.
    pub fn is_empty(&self) -> bool {
        self.country.is_none() && self.registered_country.is_none() && self.asn.is_none()
    }
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
        let networks = reader
            .networks(WithinOptions::default())
            .map_err(|e| format!("cannot walk the database: {e}"))?;
        for item in networks.take(PROBE_RECORDS) {
            let Ok(result) = item else { continue };
            let Ok(Some(value)) = result.decode::<Value>() else {
                continue;
            };
            if let Value::Object(map) = &value {
                for key in map.keys() {
                    if !keys.contains(key) && keys.len() < 16 {
                        keys.push(key.clone());
                    }
                }
            }
            let name = layout_name(&value);
            let f = fields(&value);
            // A registered country alone does not make a layout: the file must locate
            // addresses or name their AS.
            if f.country.is_none() && f.asn.is_none() {
                continue;
            }
            if seen.name.is_empty() {
                seen.name = name;
            }
            seen.country |= f.country.is_some();
            seen.asn |= f.asn.is_some();
        }
        if seen.name.is_empty() {
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

fn layout_name(value: &Value) -> &'static str {
    let has = |k: &str| value.get(k).is_some();
    if has("autonomous_system_number") || value.get("country").is_some_and(Value::is_object) {
        "maxmind"
    } else if has("asn") || value.get("country").is_some_and(Value::is_string) {
        "ipinfo"
    } else {
        "country-code"
    }
}

/// Reads the fields of one record, whatever its layout.
pub fn fields(value: &Value) -> Fields {
    // MaxMind's map, IPinfo Country's plain code, or `country_code` (IPinfo Lite, whose
    // `country` is the name, and ip-location-db).
    let country = value
        .pointer("/country/iso_code")
        .and_then(code)
        .or_else(|| value.get("country").and_then(code))
        .or_else(|| value.get("country_code").and_then(code));
    let registered = value.pointer("/registered_country/iso_code").and_then(code);
    let asn = value
        .get("autonomous_system_number")
        .or_else(|| value.get("asn"))
        .and_then(asn);
    let as_org = ["autonomous_system_organization", "as_name", "name"]
        .iter()
        .find_map(|k| value.get(*k).and_then(Value::as_str))
        .filter(|_| asn.is_some())
        .map(str::to_string);
    Fields {
        country,
        registered_country: registered,
        asn,
        as_org,
    }
}

/// An ISO 3166-1 alpha-2 code, upper-cased; anything else (empty, "--", names) is no answer.
fn code(v: &Value) -> Option<String> {
    let s = v.as_str()?;
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic())).then(|| s.to_ascii_uppercase())
}

/// 15169, or IPinfo's "AS15169".
fn asn(v: &Value) -> Option<u32> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s
            .strip_prefix("AS")
            .or_else(|| s.strip_prefix("as"))
            .unwrap_or(s)
            .parse()
            .ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_layout() {
        let mm = json!({"country": {"iso_code": "IE", "names": {"en": "Ireland"}},
                        "registered_country": {"iso_code": "US"}});
        assert_eq!(fields(&mm).country.as_deref(), Some("IE"));
        assert_eq!(fields(&mm).registered_country.as_deref(), Some("US"));
        let same = json!({"country": {"iso_code": "SE"}, "registered_country": {"iso_code": "SE"}});
        assert_eq!(fields(&same).registered_country.as_deref(), Some("SE"));
        let asn = json!({"autonomous_system_number": 8075, "autonomous_system_organization": "MICROSOFT-CORP"});
        assert_eq!(fields(&asn).asn, Some(8075));
        assert_eq!(fields(&asn).as_org.as_deref(), Some("MICROSOFT-CORP"));
        let lite = json!({"asn": "AS1299", "as_name": "Arelion Sweden AB", "country_code": "SE",
                          "country": "Sweden", "continent_code": "EU"});
        let f = fields(&lite);
        assert_eq!(
            (f.country.as_deref(), f.asn, f.as_org.as_deref()),
            (Some("SE"), Some(1299), Some("Arelion Sweden AB"))
        );
        let ipinfo_country = json!({"country": "de", "country_name": "Germany"});
        assert_eq!(fields(&ipinfo_country).country.as_deref(), Some("DE"));
        let ipinfo_asn =
            json!({"asn": "AS13335", "name": "Cloudflare, Inc.", "domain": "cloudflare.com"});
        assert_eq!(fields(&ipinfo_asn).asn, Some(13335));
        assert_eq!(fields(&ipinfo_asn).country, None);
        let ild = json!({"country_code": "IE"});
        assert_eq!(fields(&ild).country.as_deref(), Some("IE"));
        assert!(fields(&json!({"city": "x"})).is_empty());
        assert!(fields(&json!({"country_code": "--"})).is_empty());
        assert_eq!(layout_name(&mm), "maxmind");
        assert_eq!(layout_name(&lite), "ipinfo");
        assert_eq!(layout_name(&ild), "country-code");
    }
}
