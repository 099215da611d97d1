//! The shipped city list (geo/cities.tsv, built by geo/build-cities from GeoNames): names,
//! coordinates and populations, with accent- and case-insensitive lookup.

use super::VantageError;
use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::OnceLock;

/// geo/cities.tsv as embedded (reports may name its SHA-256).
pub const CITIES_TSV: &str = include_str!("../../../../geo/cities.tsv");

/// Suggestions for a misspelt city are names at most this many edits away (insertions,
/// deletions, substitutions): enough for a typo or a missing letter, few enough that a
/// suggestion looks like what was typed.
const MAX_EDITS: usize = 2;
/// Names this short get at most one edit: two edits turn "Bonn" into "Born", "Bern" or "Bonn".
const SHORT_NAME: usize = 5;
/// At most this many suggestions in an error message.
const MAX_SUGGESTIONS: usize = 3;

/// One city of the shipped list.
#[derive(Clone, Debug, PartialEq)]
pub struct City {
    /// The name as GeoNames gives it (UTF-8, e.g. "Jönköping").
    pub name: &'static str,
    /// The name in ASCII ("Jonkoping"); the same as `name` when that is ASCII already.
    pub ascii: &'static str,
    /// ISO 3166-1 alpha-2 code of the country.
    pub country: &'static str,
    /// Latitude in degrees, north positive.
    pub lat: f64,
    /// Longitude in degrees, east positive.
    pub lon: f64,
    /// Population as GeoNames gives it.
    pub population: u64,
}

impl City {
    /// "Stockholm, SE".
    pub fn short(&self) -> String {
        format!("{}, {}", self.name, self.country)
    }

    /// "Stockholm, SE (59.3294, 18.0687)": the label of a vantage given as this city.
    pub fn label(&self) -> String {
        format!("{} ({:.4}, {:.4})", self.short(), self.lat, self.lon)
    }

    /// "Stockholm, SE (1515017 people; 59.3294,18.0687)": how an error lists a candidate.
    fn candidate(&self) -> String {
        format!(
            "{} ({} people; {:.4},{:.4})",
            self.short(),
            self.population,
            self.lat,
            self.lon
        )
    }
}

/// The shipped city list with its name indexes.
pub struct Cities {
    cities: Vec<City>,
    /// Folded `name` and `ascii` → rows.
    names: HashMap<String, Vec<usize>>,
    /// Folded other names (column `also`) → rows; consulted only when no name matches.
    also: HashMap<String, Vec<usize>>,
    /// Line numbers (1-based) of rows that could not be read.
    rejected: Vec<usize>,
}

impl Cities {
    /// The list embedded from geo/cities.tsv, read once.
    pub fn embedded() -> &'static Cities {
        static CITIES: OnceLock<Cities> = OnceLock::new();
        CITIES.get_or_init(|| Cities::from_tsv(CITIES_TSV))
    }

    /// Reads a list in the format of geo/cities.tsv. Rows that cannot be read are skipped and
    /// their line numbers kept (see [`Cities::rejected`]).
    pub fn from_tsv(text: &'static str) -> Cities {
        let mut table = Cities {
            cities: Vec::new(),
            names: HashMap::new(),
            also: HashMap::new(),
            rejected: Vec::new(),
        };
        for (n, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            match row(line) {
                Some((city, also)) => {
                    let i = table.cities.len();
                    for name in [city.name, city.ascii] {
                        insert(&mut table.names, fold(name), i);
                    }
                    for name in also.split('|').filter(|a| !a.is_empty()) {
                        insert(&mut table.also, fold(name), i);
                    }
                    table.cities.push(city);
                }
                None => table.rejected.push(n + 1),
            }
        }
        table
    }

    /// Number of cities.
    pub fn len(&self) -> usize {
        self.cities.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.cities.is_empty()
    }

    /// Line numbers of rows that could not be read (none in the shipped file).
    pub fn rejected(&self) -> &[usize] {
        &self.rejected
    }

    /// Every city, in file order (by country, then ASCII name).
    pub fn iter(&self) -> impl Iterator<Item = &City> {
        self.cities.iter()
    }

    /// The city named `name` (any case, with or without accents; a name from the `also`
    /// column when no city has it as its own name), in `country` when one is given.
    /// `input` is what the user typed, for the error messages.
    pub(super) fn find(
        &self,
        input: &str,
        name: &str,
        country: Option<&str>,
    ) -> Result<&City, VantageError> {
        let key = fold(name);
        let mut elsewhere: Vec<&City> = Vec::new();
        for index in [&self.names, &self.also] {
            let Some(rows) = index.get(&key) else {
                continue;
            };
            let mut hits: Vec<&City> = rows.iter().map(|&i| &self.cities[i]).collect();
            if let Some(cc) = country {
                elsewhere.extend(hits.iter().filter(|c| c.country != cc));
                hits.retain(|c| c.country == cc);
            }
            match hits.as_slice() {
                [] => continue,
                [one] => return Ok(one),
                _ => {
                    hits.sort_by_key(|c| (Reverse(c.population), c.country, c.name));
                    return Err(VantageError::Ambiguous {
                        input: input.to_string(),
                        example: hits[0].short(),
                        candidates: hits.iter().map(|c| c.candidate()).collect(),
                    });
                }
            }
        }
        if let (Some(cc), false) = (country, elsewhere.is_empty()) {
            elsewhere.sort_by_key(|c| (Reverse(c.population), c.country, c.name));
            elsewhere.dedup_by(|a, b| a.country == b.country && a.name == b.name);
            return Err(VantageError::NotInCountry {
                input: input.to_string(),
                country: cc.to_string(),
                elsewhere: elsewhere.iter().map(|c| c.short()).collect(),
            });
        }
        Err(VantageError::Unknown {
            input: input.to_string(),
            suggestions: self
                .suggest(name, country)
                .iter()
                .map(|c| c.short())
                .collect(),
        })
    }

    /// Cities whose name (or other name) is within a few edits of `name`: those at the smallest
    /// distance found, the most populous first; in `country` only when one is given.
    pub fn suggest(&self, name: &str, country: Option<&str>) -> Vec<&City> {
        let key: Vec<char> = fold(name).chars().collect();
        let bound = if key.len() < SHORT_NAME { 1 } else { MAX_EDITS };
        let mut best: HashMap<usize, usize> = HashMap::new();
        for (other, rows) in self.names.iter().chain(self.also.iter()) {
            let Some(d) = bounded_distance(&key, other, bound) else {
                continue;
            };
            for &i in rows {
                if country.is_none_or(|cc| self.cities[i].country == cc) {
                    let e = best.entry(i).or_insert(d);
                    *e = (*e).min(d);
                }
            }
        }
        let mut found: Vec<(usize, &City)> = best
            .into_iter()
            .map(|(i, d)| (d, &self.cities[i]))
            .collect();
        found.sort_by(|a, b| {
            (a.0, b.1.population, a.1.country, a.1.name).cmp(&(
                b.0,
                a.1.population,
                b.1.country,
                b.1.name,
            ))
        });
        found.dedup_by(|a, b| a.1.name == b.1.name && a.1.country == b.1.country);
        let nearest = found.first().map(|f| f.0);
        found
            .into_iter()
            .take_while(|f| Some(f.0) == nearest)
            .take(MAX_SUGGESTIONS)
            .map(|(_, c)| c)
            .collect()
    }
}

fn insert(index: &mut HashMap<String, Vec<usize>>, key: String, row: usize) {
    let rows = index.entry(key).or_default();
    if rows.last() != Some(&row) {
        rows.push(row);
    }
}

/// One row: name, ascii, country, lat, lon, population, also.
fn row(line: &'static str) -> Option<(City, &'static str)> {
    let mut f = line.split('\t');
    let (name, ascii, country) = (f.next()?, f.next()?, f.next()?);
    let lat: f64 = f.next()?.parse().ok()?;
    let lon: f64 = f.next()?.parse().ok()?;
    let population: u64 = f.next()?.parse().ok()?;
    let also = f.next()?;
    let valid = f.next().is_none()
        && !name.is_empty()
        && ascii.is_ascii()
        && country.len() == 2
        && country.bytes().all(|b| b.is_ascii_uppercase())
        && (-super::MAX_LAT..=super::MAX_LAT).contains(&lat)
        && (-super::MAX_LON..=super::MAX_LON).contains(&lon);
    let ascii = if ascii.is_empty() { name } else { ascii };
    valid.then_some((
        City {
            name,
            ascii,
            country,
            lat,
            lon,
            population,
        },
        also,
    ))
}

/// ASCII letter for each of U+00C0..=U+017F (Latin-1 letters and Latin Extended-A), lower
/// case; '*' where the letter needs two (Æ, Þ, ß, Œ, Ĳ) or is no letter (×, ÷).
const LATIN: &[u8; 192] = b"aaaaaa*ceeeeiiiidnooooo*ouuuuy**\
aaaaaa*ceeeeiiiidnooooo*ouuuuy*y\
aaaaaaccccccccddddeeeeeeeeeegggg\
gggghhhhiiiiiiiiii**jjkkklllllll\
lllnnnnnnnnnoooooo**rrrrrrssssss\
ssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

/// The form names are compared in: lower case, accents dropped (Göteborg → goteborg,
/// Łódź → lodz), typographic apostrophes and dashes made ASCII, blanks collapsed.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            let code = c as u32;
            match c {
                'Æ' | 'æ' => out.push_str("ae"),
                'Þ' | 'þ' => out.push_str("th"),
                'ß' => out.push_str("ss"),
                'Œ' | 'œ' => out.push_str("oe"),
                'Ĳ' | 'ĳ' => out.push_str("ij"),
                'Ș' | 'ș' => out.push('s'),
                'Ț' | 'ț' => out.push('t'),
                'Ə' | 'ə' => out.push('a'),
                '’' | '‘' | 'ʻ' | 'ʼ' | 'ʿ' | 'ʾ' => out.push('\''),
                '–' | '—' => out.push('-'),
                // Combining accents (a decomposed "ö" is "o" followed by U+0308).
                '\u{300}'..='\u{36f}' => {}
                _ if (0xc0..0x180).contains(&code) => match LATIN[(code - 0xc0) as usize] {
                    b'*' => out.push(c),
                    b => out.push(char::from(b)),
                },
                _ => out.extend(c.to_lowercase()),
            }
        }
    }
    out
}

/// Levenshtein distance between `a` and `b` if it is at most `bound`; the length test and the
/// early exit keep a search over the whole list to a few milliseconds.
fn bounded_distance(a: &[char], b: &str, bound: usize) -> Option<usize> {
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > bound {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        if cur.iter().min().is_some_and(|&m| m > bound) {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().filter(|&d| d <= bound)
}
