//! One database record, read field by field: only the fields residency uses are decoded, every
//! other value is skipped without being built. A user's `--geo` file can hold records nested
//! hundreds of levels deep (MaxMind's corpus of broken databases has them); decoding those into
//! a generic tree recurses once per level and overflows a thread's stack, skipping does not.
//!
//! Hand-written visitors rather than `#[derive(Deserialize)]`: the same field name holds a map
//! in one vendor's layout and a string in another's (`country`: MaxMind `{iso_code}`, IPinfo
//! `"SE"`), and `asn` is a number or `"AS15169"`; serde's untagged enums would buffer the whole
//! value first, which is the recursion this avoids.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Top-level key names kept for the "fields seen" message of an unrecognised layout.
const MAX_KEYS: usize = 16;
/// Bytes of a key name kept for that message.
const MAX_KEY_LEN: usize = 64;
/// Bytes of an AS organisation name kept. The longest in the RIRs' and MaxMind's data are
/// about a hundred characters; a record may claim megabytes, which would otherwise be copied
/// into every flow and address of the report. A longer name is cut and ends with `…`.
pub const MAX_AS_ORG: usize = 256;

/// The fields residency reads from one record, whatever its layout.
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

/// A decoded record: its fields, the layout they suggest, and its top-level key names.
#[derive(Clone, Debug, Default)]
pub struct Record {
    pub fields: Fields,
    /// `maxmind`, `ipinfo` or `country-code`.
    pub layout: &'static str,
    pub keys: Vec<String>,
}

/// A value that may be a string, a number, or a map holding `iso_code`; anything else is kept
/// as `Other` after being skipped.
#[derive(Default)]
enum Flex {
    Str(String),
    Num(u64),
    Map(Option<String>),
    #[default]
    Other,
}

/// A string, or nothing (any other value is skipped). Used wherever only text makes sense, so
/// no visitor here ever calls itself: the depth a record can reach is the decoder's concern.
struct Text(Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
        Ok(Text(Some(v.to_string())))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Text(None))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Text(None))
    }
}

impl<'de> Deserialize<'de> for Flex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Flex, D::Error> {
        d.deserialize_any(FlexVisitor)
    }
}

struct FlexVisitor;

impl<'de> Visitor<'de> for FlexVisitor {
    type Value = Flex;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Flex, E> {
        Ok(Flex::Str(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Flex, E> {
        Ok(Flex::Num(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Flex, E> {
        Ok(u64::try_from(v).map_or(Flex::Other, Flex::Num))
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Flex, E> {
        Ok(Flex::Other)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Flex, E> {
        Ok(Flex::Other)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Flex, E> {
        Ok(Flex::Other)
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Flex, E> {
        Ok(Flex::Other)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Flex, E> {
        Ok(Flex::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Flex, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Flex::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Flex, A::Error> {
        let mut iso = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "iso_code" {
                iso = map.next_value::<Text>()?.0;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Flex::Map(iso))
    }
}

/// GeoIP2 Enterprise keeps the AS under `traits`.
#[derive(Default)]
struct Traits {
    asn: Flex,
    org: Option<String>,
}

impl<'de> Deserialize<'de> for Traits {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Traits, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Traits;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Traits, A::Error> {
                let mut t = Traits::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "autonomous_system_number" => t.asn = map.next_value()?,
                        "autonomous_system_organization" => t.org = map.next_value::<Text>()?.0,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(t)
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Record, D::Error> {
        d.deserialize_map(RecordVisitor)
    }
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = Record;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record, A::Error> {
        let (mut country, mut registered, mut country_code) = (Flex::Other, Flex::Other, None);
        let (mut asn, mut alt_asn, mut traits) = (Flex::Other, Flex::Other, Traits::default());
        let (mut org, mut as_name, mut name) = (None, None, None);
        let mut keys = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "country" => country = map.next_value()?,
                "registered_country" => registered = map.next_value()?,
                "country_code" => country_code = map.next_value::<Text>()?.0,
                "autonomous_system_number" => asn = map.next_value()?,
                "asn" => alt_asn = map.next_value()?,
                "autonomous_system_organization" => org = map.next_value::<Text>()?.0,
                "as_name" => as_name = map.next_value::<Text>()?.0,
                "name" => name = map.next_value::<Text>()?.0,
                "traits" => traits = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            let key = cut(key, MAX_KEY_LEN);
            if keys.len() < MAX_KEYS && !keys.contains(&key) {
                keys.push(key);
            }
        }
        let layout = if matches!(asn, Flex::Num(_)) || matches!(country, Flex::Map(_)) {
            "maxmind"
        } else if !matches!(alt_asn, Flex::Other) || matches!(country, Flex::Str(_)) {
            "ipinfo"
        } else {
            "country-code"
        };
        // MaxMind's map, IPinfo Country's plain code, or `country_code` (IPinfo Lite, whose
        // `country` is the name, and ip-location-db).
        let country = match country {
            Flex::Map(iso) => iso.as_deref().and_then(code),
            Flex::Str(s) => code(&s),
            _ => None,
        }
        .or_else(|| country_code.as_deref().and_then(code));
        let registered_country = match registered {
            Flex::Map(iso) => iso.as_deref().and_then(code),
            _ => None,
        };
        let asn = as_number(asn)
            .or_else(|| as_number(alt_asn))
            .or_else(|| as_number(traits.asn));
        let as_org = asn
            .and(org.or(as_name).or(name).or(traits.org))
            .map(|o| cut(o, MAX_AS_ORG));
        Ok(Record {
            fields: Fields {
                country,
                registered_country,
                asn,
                as_org,
            },
            layout,
            keys,
        })
    }
}

/// `text` if at most `max` bytes, else its first characters within `max` bytes and `…`.
fn cut(mut text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push('…');
    text
}

/// An ISO 3166-1 alpha-2 code, upper-cased; anything else (empty, "--", names) is no answer.
fn code(s: &str) -> Option<String> {
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic())).then(|| s.to_ascii_uppercase())
}

/// 15169, or IPinfo's "AS15169".
fn as_number(v: Flex) -> Option<u32> {
    match v {
        Flex::Num(n) => u32::try_from(n).ok(),
        Flex::Str(s) => s
            .strip_prefix("AS")
            .or_else(|| s.strip_prefix("as"))
            .unwrap_or(&s)
            .parse()
            .ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: serde_json::Value) -> Record {
        Record::deserialize(v).expect("a map")
    }

    #[test]
    fn long_organisation_names_and_keys_are_cut() {
        let long = "Å".repeat(MAX_AS_ORG); // two bytes a character
        let r = read(json!({"autonomous_system_number": 64512,
                            "autonomous_system_organization": long,
                            "k".repeat(1000): 1}));
        let org = r.fields.as_org.expect("an organisation");
        assert_eq!(org.len(), MAX_AS_ORG + '…'.len_utf8());
        assert_eq!(org, format!("{}…", "Å".repeat(MAX_AS_ORG / 2)));
        assert_eq!(r.keys[2], format!("{}…", "k".repeat(MAX_KEY_LEN)));
        let short = read(json!({"asn": "AS1", "as_name": "Example"}));
        assert_eq!(short.fields.as_org.as_deref(), Some("Example"));
    }

    #[test]
    fn reads_every_layout() {
        let mm = read(
            json!({"country": {"iso_code": "IE", "names": {"en": "Ireland"}},
                             "registered_country": {"iso_code": "US"}}),
        );
        assert_eq!(mm.fields.country.as_deref(), Some("IE"));
        assert_eq!(mm.fields.registered_country.as_deref(), Some("US"));
        assert_eq!(mm.layout, "maxmind");
        assert_eq!(mm.keys, ["country", "registered_country"]);
        let same =
            read(json!({"country": {"iso_code": "SE"}, "registered_country": {"iso_code": "SE"}}));
        assert_eq!(same.fields.registered_country.as_deref(), Some("SE"));
        let asn = read(
            json!({"autonomous_system_number": 8075, "autonomous_system_organization": "MICROSOFT-CORP"}),
        );
        assert_eq!(asn.fields.asn, Some(8075));
        assert_eq!(asn.fields.as_org.as_deref(), Some("MICROSOFT-CORP"));
        let lite = read(
            json!({"asn": "AS1299", "as_name": "Arelion Sweden AB", "country_code": "SE",
                               "country": "Sweden", "continent_code": "EU"}),
        );
        assert_eq!(
            (
                lite.fields.country.as_deref(),
                lite.fields.asn,
                lite.fields.as_org.as_deref()
            ),
            (Some("SE"), Some(1299), Some("Arelion Sweden AB"))
        );
        assert_eq!(lite.layout, "ipinfo");
        let ipinfo_country = read(json!({"country": "de", "country_name": "Germany"}));
        assert_eq!(ipinfo_country.fields.country.as_deref(), Some("DE"));
        let ipinfo_asn =
            read(json!({"asn": "AS13335", "name": "Cloudflare, Inc.", "domain": "cloudflare.com"}));
        assert_eq!(ipinfo_asn.fields.asn, Some(13335));
        assert_eq!(
            ipinfo_asn.fields.as_org.as_deref(),
            Some("Cloudflare, Inc.")
        );
        assert_eq!(ipinfo_asn.fields.country, None);
        let enterprise = read(json!({"country": {"iso_code": "US"},
            "traits": {"autonomous_system_number": 7018, "autonomous_system_organization": "AT&T", "isp": "x"}}));
        assert_eq!(enterprise.fields.asn, Some(7018));
        assert_eq!(enterprise.fields.as_org.as_deref(), Some("AT&T"));
        let ild = read(json!({"country_code": "IE"}));
        assert_eq!(ild.fields.country.as_deref(), Some("IE"));
        assert_eq!(ild.layout, "country-code");
        assert!(read(json!({"city": "x"})).fields.is_empty());
        assert!(read(json!({"country_code": "--"})).fields.is_empty());
        // Odd types where codes are expected are no answer, not an error.
        let odd = read(json!({"country": [1, 2], "asn": true, "country_code": 7,
                              "registered_country": {"iso_code": {"deep": 1}}}));
        assert!(odd.fields.is_empty());
    }

    #[test]
    fn deep_values_are_skipped_not_built() {
        let mut deep = json!("leaf");
        for _ in 0..400 {
            deep = json!({ "x": deep });
        }
        let r = read(json!({"country": {"iso_code": "SE"}, "junk": deep}));
        assert_eq!(r.fields.country.as_deref(), Some("SE"));
    }
}
