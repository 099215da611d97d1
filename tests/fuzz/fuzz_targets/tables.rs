//! The TOML files a user can give (`--services`, `check --policy`) and the shipped tables'
//! readers: the first byte picks which.
#![no_main]

use libfuzzer_sys::fuzz_target;
use residency::place::legal::LegalTable;
use residency::place::providers::ProviderTable;
use residency::policy::model::Policy;
use residency::services::Catalog;

fuzz_target!(|data: &[u8]| {
    let [which, rest @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 4 {
        0 => drop(std::hint::black_box(Catalog::from_toml(text))),
        1 => drop(std::hint::black_box(Policy::parse(text))),
        2 => drop(std::hint::black_box(LegalTable::parse(text))),
        _ => drop(std::hint::black_box(ProviderTable::parse(text))),
    }
});
