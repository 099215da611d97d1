//! Where the capture was taken (`--vantage`): a country, a city of the shipped list
//! (geo/cities.tsv), or coordinates.
//!
//! Accepted forms:
//! - `lat,lon` in decimal degrees, latitude first: `59.33,18.06`, `-33.9, 151.2`;
//! - an ISO 3166-1 alpha-2 code, any case: `SE`, `it`;
//! - a city, any case, with or without accents: `Stockholm`, `jonkoping`, `Jönköping`; the
//!   other names GeoNames gives for EU/EEA cities of 100,000 people or more also work
//!   (`Göteborg`, `Goteborg` for Gothenburg; `München` for Munich), but only when no city has
//!   that as its own name;
//! - `City, CC` or `City,CC` where a name is shared (`London, GB`, `London, CA`).
//!
//! Exactly two letters are always read as a country code first: Bo (Sierra Leone) is `Bo, SL`.

mod cities;
#[cfg(test)]
mod tests;

pub use cities::{CITIES_TSV, Cities, City, fold};

use crate::place::countries::Countries;

/// Latitudes run from the south pole (-90) to the north pole (90).
const MAX_LAT: f64 = 90.0;
/// Longitudes run from -180 (west) to 180 (east) degrees.
const MAX_LON: f64 = 180.0;
/// Decimals of a coordinate in a label: 4 decimals are about 11 m, far below what an RTT can
/// resolve.
const LABEL_DECIMALS: usize = 4;

/// Where the capture was taken.
#[derive(Clone, Debug, PartialEq)]
pub enum Vantage {
    /// A point: given as `lat,lon` (label "59.33,18.07") or as a city (label
    /// "Stockholm, SE (59.3294, 18.0687)").
    Point { lat: f64, lon: f64, label: String },
    /// A country, as its ISO 3166-1 alpha-2 code (upper case).
    Country(String),
}

impl Vantage {
    /// How reports name the vantage: "IT", "Stockholm, SE (59.3294, 18.0687)", "59.33,18.07".
    pub fn label(&self) -> String {
        match self {
            Vantage::Point { label, .. } => label.clone(),
            Vantage::Country(code) => code.clone(),
        }
    }

    /// "country", "city" or "point" (coordinates given as such).
    pub fn kind(&self) -> &'static str {
        match self {
            Vantage::Country(_) => "country",
            Vantage::Point { label, .. } if is_coordinates(label) => "point",
            Vantage::Point { .. } => "city",
        }
    }

    /// The coordinates, for a point or a city.
    pub fn point(&self) -> Option<(f64, f64)> {
        match self {
            Vantage::Point { lat, lon, .. } => Some((*lat, *lon)),
            Vantage::Country(_) => None,
        }
    }
}

/// Why a `--vantage` value was refused; each message says what to write instead.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum VantageError {
    #[error(
        "empty --vantage: give a country code (SE), a city (Stockholm, or \"London, GB\" where \
         the name is shared) or lat,lon in decimal degrees (59.33,18.07)"
    )]
    Empty,
    #[error(
        "--vantage \"{input}\": {part:?} is not a number; write lat,lon in decimal degrees with a \
         point for decimals (59.33,18.07)"
    )]
    BadNumber { input: String, part: String },
    #[error(
        "--vantage \"{input}\": {what} {value} is outside -{limit}..{limit} degrees; write \
         lat,lon in decimal degrees, latitude first (59.33,18.07)"
    )]
    OutOfRange {
        input: String,
        what: &'static str,
        value: f64,
        limit: f64,
    },
    #[error(
        "--vantage \"{input}\": \"{code}\" is not an ISO 3166-1 alpha-2 country code; write \
         \"City, CC\" with a code such as SE, DE or GB"
    )]
    UnknownCountry { input: String, code: String },
    #[error(
        "unknown vantage \"{input}\": not a country code, a city in the shipped list \
         (geo/cities.tsv), or lat,lon{}",
        did_you_mean(.suggestions)
    )]
    Unknown {
        input: String,
        suggestions: Vec<String>,
    },
    #[error(
        "ambiguous vantage \"{input}\": {}; add the country code (\"{example}\") or give \
         lat,lon",
        .candidates.join("; ")
    )]
    Ambiguous {
        input: String,
        example: String,
        candidates: Vec<String>,
    },
    #[error(
        "no city \"{input}\" in the shipped list (geo/cities.tsv) for {country}; that name is \
         in {}; or give lat,lon",
        .elsewhere.join(", ")
    )]
    NotInCountry {
        input: String,
        country: String,
        elsewhere: Vec<String>,
    },
}

fn did_you_mean(suggestions: &[String]) -> String {
    match suggestions {
        [] => String::new(),
        _ => format!("; did you mean {}?", suggestions.join(" or ")),
    }
}

/// Parse a --vantage value.
pub fn parse(s: &str) -> Result<Vantage, VantageError> {
    let input = s.trim();
    if input.is_empty() {
        return Err(VantageError::Empty);
    }
    if let Some((left, right)) = input.rsplit_once(',') {
        let (left, right) = (left.trim(), right.trim());
        if looks_numeric(left) && looks_numeric(right) {
            return point(input, left, right);
        }
        if is_two_letters(right) && !left.is_empty() {
            let code = right.to_ascii_uppercase();
            // XK (Kosovo) is in the city list but not in ISO 3166-1.
            let known = Countries::embedded().is_code(&code)
                || Cities::embedded().iter().any(|c| c.country == code);
            if !known {
                return Err(VantageError::UnknownCountry {
                    input: input.to_string(),
                    code: right.to_string(),
                });
            }
            let city = Cities::embedded().find(input, left, Some(&code))?;
            return Ok(city_vantage(city));
        }
    }
    if is_two_letters(input) {
        let code = input.to_ascii_uppercase();
        if Countries::embedded().is_code(&code) {
            return Ok(Vantage::Country(code));
        }
    }
    let city = Cities::embedded().find(input, input, None)?;
    Ok(city_vantage(city))
}

fn city_vantage(city: &City) -> Vantage {
    Vantage::Point {
        lat: city.lat,
        lon: city.lon,
        label: city.label(),
    }
}

fn point(input: &str, left: &str, right: &str) -> Result<Vantage, VantageError> {
    let number = |part: &str| {
        part.parse::<f64>().map_err(|_| VantageError::BadNumber {
            input: input.to_string(),
            part: part.to_string(),
        })
    };
    let (lat, lon) = (number(left)?, number(right)?);
    for (what, value, limit) in [("latitude", lat, MAX_LAT), ("longitude", lon, MAX_LON)] {
        if !(-limit..=limit).contains(&value) {
            return Err(VantageError::OutOfRange {
                input: input.to_string(),
                what,
                value,
                limit,
            });
        }
    }
    Ok(Vantage::Point {
        lat,
        lon,
        label: format!("{},{}", coordinate(lat), coordinate(lon)),
    })
}

/// A coordinate with at most 4 decimals, trailing zeros dropped: 59.33, -33.9, 18.
fn coordinate(x: f64) -> String {
    let s = format!("{x:.LABEL_DECIMALS$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    match s {
        "-0" => "0".to_string(),
        _ => s.to_string(),
    }
}

/// Digits, one sign, points: what a decimal degree can be written with (no exponents, no
/// "inf").
fn looks_numeric(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty()
        && digits.bytes().any(|b| b.is_ascii_digit())
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

fn is_two_letters(s: &str) -> bool {
    s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic())
}

/// A label made by [`point`]: "59.33,18.07".
fn is_coordinates(label: &str) -> bool {
    label
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b',' | b'-'))
}
