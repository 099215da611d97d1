//! The names of a rotating output's parts and manifest, and the search for an earlier run's.
//!
//! Part `n` of `PATH` is PATH with `-` and `n` in at least 6 digits inserted before the last
//! extension: `flows.ndjson` → `flows-000001.ndjson`, `evidence.pcapng` →
//! `evidence-000042.pcapng`, `capture.tar.gz` → `capture.tar-000001.gz`; a name without an
//! extension gets the number at its end: `flows` → `flows-000001`. Past 999999 the number
//! grows a digit (`flows-1000000.ndjson`), so names sort by number up to there.
//!
//! The manifest of PATH is `PATH.manifest.json`: `flows.ndjson.manifest.json`. (Not
//! `flows.manifest.json`: `evidence.ndjson` and `evidence.pcapng` from one run would then
//! share one manifest.)

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};

/// Digits of the sequence number in a part's name (at least).
pub const SEQUENCE_DIGITS: usize = 6;

/// The name of part `sequence` of `path` (see the module documentation).
pub fn part_path(path: &Path, sequence: u64) -> PathBuf {
    let (stem, extension) = split_name(path);
    let mut name = OsString::from(stem);
    name.push(format!("-{sequence:0SEQUENCE_DIGITS$}"));
    if let Some(extension) = extension {
        name.push(".");
        name.push(extension);
    }
    path.with_file_name(name)
}

/// `PATH.manifest.json`.
pub fn manifest_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or(path.as_os_str()).to_owned();
    name.push(".manifest.json");
    path.with_file_name(name)
}

/// The file's name before its last extension, and that extension. A leading dot does not
/// start an extension (`.flows` has none).
fn split_name(path: &Path) -> (&OsStr, Option<&OsStr>) {
    let stem = path.file_stem().unwrap_or(path.as_os_str());
    (stem, path.extension())
}

/// Files in `path`'s folder that a run writing `path` with numbered parts could collide with:
/// `path` itself, its manifest, and any `STEM-NNNNNN[.EXT]` part, in name order. A missing or
/// unreadable folder gives none (creating the first part then reports the folder).
///
/// Temporary files of a killed run (`.NAME.residency-PID-N.tmp`) are not in the way and are
/// not listed.
pub fn earlier_files(path: &Path) -> Vec<PathBuf> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let Some(own) = path.file_name() else {
        return Vec::new();
    };
    let manifest = manifest_path(path);
    let manifest_name = manifest.file_name().unwrap_or_default();
    let (stem, extension) = split_name(path);
    let Ok(entries) = fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.file_name())
        .filter(|name| name == own || name == manifest_name || is_part_name(name, stem, extension))
        .map(|name| path.with_file_name(name))
        .collect();
    found.sort();
    found
}

/// `STEM-` then at least [`SEQUENCE_DIGITS`] digits then `.EXT` (or nothing without an
/// extension).
fn is_part_name(name: &OsStr, stem: &OsStr, extension: Option<&OsStr>) -> bool {
    let name = name.as_encoded_bytes();
    let Some(rest) = name
        .strip_prefix(stem.as_encoded_bytes())
        .and_then(|r| r.strip_prefix(b"-"))
    else {
        return false;
    };
    let digits = match extension {
        Some(extension) => {
            let Some(before) = rest.strip_suffix(extension.as_encoded_bytes()) else {
                return false;
            };
            let Some(digits) = before.strip_suffix(b".") else {
                return false;
            };
            digits
        }
        None => rest,
    };
    digits.len() >= SEQUENCE_DIGITS && digits.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_numbered_before_the_extension() {
        let p = |s: &str, n| part_path(Path::new(s), n);
        assert_eq!(p("flows.ndjson", 1), PathBuf::from("flows-000001.ndjson"));
        assert_eq!(
            p("/var/cap/evidence.pcapng", 42),
            PathBuf::from("/var/cap/evidence-000042.pcapng")
        );
        assert_eq!(p("flows", 7), PathBuf::from("flows-000007"));
        assert_eq!(p(".flows", 7), PathBuf::from(".flows-000007"));
        assert_eq!(
            p("capture.tar.gz", 1),
            PathBuf::from("capture.tar-000001.gz")
        );
        assert_eq!(
            p("out/flows.ndjson", 1_000_000),
            PathBuf::from("out/flows-1000000.ndjson")
        );
    }

    #[test]
    fn the_manifest_keeps_the_whole_name() {
        assert_eq!(
            manifest_path(Path::new("out/flows.ndjson")),
            PathBuf::from("out/flows.ndjson.manifest.json")
        );
        assert_eq!(
            manifest_path(Path::new("flows")),
            PathBuf::from("flows.manifest.json")
        );
        assert_ne!(
            manifest_path(Path::new("evidence.ndjson")),
            manifest_path(Path::new("evidence.pcapng"))
        );
    }

    #[test]
    fn part_names_are_recognised_exactly() {
        let yes = |n: &str, s: &str, e: Option<&str>| {
            is_part_name(OsStr::new(n), OsStr::new(s), e.map(OsStr::new))
        };
        assert!(yes("flows-000001.ndjson", "flows", Some("ndjson")));
        assert!(yes("flows-1000000.ndjson", "flows", Some("ndjson")));
        assert!(yes("flows-000001", "flows", None));
        assert!(!yes("flows-00001.ndjson", "flows", Some("ndjson")));
        assert!(!yes("flows-000001.json", "flows", Some("ndjson")));
        assert!(!yes("flows-00000a.ndjson", "flows", Some("ndjson")));
        assert!(!yes("flows-000001ndjson", "flows", Some("ndjson")));
        assert!(!yes("other-000001.ndjson", "flows", Some("ndjson")));
        assert!(!yes("flows-000001.ndjson", "flows", None));
    }

    #[test]
    fn earlier_files_lists_only_what_collides() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("flows.ndjson");
        assert!(earlier_files(&target).is_empty());
        for name in [
            "flows-000002.ndjson",
            "flows.ndjson.manifest.json",
            "flows.ndjson",
            "flows-000001.ndjson",
            "flows-1.ndjson",
            "other.ndjson",
            ".flows-000003.ndjson.residency-1-0.tmp",
        ] {
            fs::write(dir.path().join(name), "x").expect("seed");
        }
        let names: Vec<String> = earlier_files(&target)
            .iter()
            .map(|p| {
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(
            names,
            [
                "flows-000001.ndjson",
                "flows-000002.ndjson",
                "flows.ndjson",
                "flows.ndjson.manifest.json"
            ]
        );
        assert!(earlier_files(&dir.path().join("missing").join("f.ndjson")).is_empty());
    }
}
