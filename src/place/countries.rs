//! ISO 3166-1 alpha-2 codes and names (geo/countries.tsv).

use std::collections::BTreeMap;

const COUNTRIES: &str = include_str!("../../geo/countries.tsv");

pub struct Countries {
    names: BTreeMap<&'static str, &'static str>,
}

impl Countries {
    pub fn embedded() -> Countries {
        let names = COUNTRIES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .collect();
        Countries { names }
    }

    pub fn name(&self, code: &str) -> Option<&'static str> {
        self.names.get(code).copied()
    }

    pub fn is_code(&self, code: &str) -> bool {
        self.names.contains_key(code)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}
