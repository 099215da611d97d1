//! Computes, at build time, the SHA-256 of every geo/ file the binary embeds, so that a run
//! names them in its report without hashing 27 MB of databases at start-up (about 30 ms of
//! CPU, and every page of the databases made resident: 27 MB of memory that lookups never
//! touch). `digest::embedded_sha256` reads the table; a unit test checks it against the bytes.

use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::Path;

/// The embedded files (each `include_bytes!`/`include_str!` of geo/ in src/).
const EMBEDDED: [&str; 11] = [
    "geo/asn.mmdb",
    "geo/anycast.toml",
    "geo/boundaries.bin",
    "geo/cities.tsv",
    "geo/countries.tsv",
    "geo/dbip-country-lite.mmdb",
    "geo/geo-whois-asn-country.mmdb",
    "geo/legal.toml",
    "geo/providers.toml",
    "geo/regions.toml",
    "geo/services.toml",
];

fn main() {
    let mut table = String::from("/// (file under geo/, SHA-256 in lower-case hex), by file.\n");
    table.push_str("pub static EMBEDDED_SHA256: &[(&str, &str)] = &[\n");
    for file in EMBEDDED {
        println!("cargo:rerun-if-changed={file}");
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => panic!("build.rs: reading {file}: {e}"),
        };
        let mut hex = String::with_capacity(64);
        for b in Sha256::digest(&bytes) {
            let _ = write!(hex, "{b:02x}");
        }
        let _ = writeln!(table, "    ({file:?}, {hex:?}),");
    }
    table.push_str("];\n");
    let Some(out) = std::env::var_os("OUT_DIR") else {
        panic!("build.rs: cargo sets OUT_DIR");
    };
    let path = Path::new(&out).join("embedded_sha256.rs");
    if let Err(e) = std::fs::write(&path, table) {
        panic!("build.rs: writing {}: {e}", path.display());
    }
    println!("cargo:rerun-if-changed=build.rs");
}
