//! The user's own data files: `--services` catalogs, `check --policy` files, and (the bounded
//! read only) `--geo` databases. Read with a size bound (a file named by mistake, `/dev/zero`, or a
//! file that grows while it is read cannot take the machine's memory), and their TOML errors
//! shown so that a hostile or broken file gets a short, clear message: the `toml` crate bounds
//! nesting itself, but its message quotes the whole offending line, which for a one-line file
//! of a million brackets is a megabyte on the terminal.

#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

use std::io::Read;
use std::path::Path;

/// Longest TOML error shown as the `toml` crate writes it (with the line and a caret); a
/// longer one is given as line, column, message and a short excerpt.
pub const MAX_TOML_ERROR: usize = 1_000;
/// Characters of the file shown around a long error.
const EXCERPT_CHARS: usize = 40;

/// Why a bounded read of a user's file failed.
#[derive(Debug)]
pub enum ReadError {
    /// The file could not be opened or read.
    Io(std::io::Error),
    /// It is not what residency reads: not a regular file, too large, not text.
    Refused(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => e.fmt(f),
            ReadError::Refused(why) => f.write_str(why),
        }
    }
}

/// The bytes of `path`: a regular file of at most `max` bytes. Also how `--geo` databases
/// are read (`place::geo::GeoDb::open`). The error says which of these it is not (without the
/// path: callers name the file their way).
pub fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::Refused("not a regular file".to_string()));
    }
    if meta.len() > max {
        return Err(ReadError::Refused(format!(
            "{} bytes, more than the {max} bytes residency reads",
            meta.len()
        )));
    }
    // `take`: a file that grows while it is read still stops at the bound.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::Refused(format!(
            "grew past the {max} bytes residency reads while being read"
        )));
    }
    Ok(bytes)
}

/// The text of `path`: [`read_bounded`], and UTF-8.
pub fn read_text(path: &Path, max: u64) -> Result<String, String> {
    let bytes = read_bounded(path, max).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| format!("not UTF-8 text ({})", e.utf8_error()))
}

/// Parse `text` as TOML into `T`, the error short whatever the input.
pub fn parse_toml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| toml_error(text, &e))
}

/// The `toml` crate's message when short; else `line L, column C: message (near "…")`.
pub fn toml_error(text: &str, error: &toml::de::Error) -> String {
    let full = error.to_string();
    if full.len() <= MAX_TOML_ERROR {
        return full.trim_end().to_string();
    }
    let message = error.message().trim_end();
    let Some(start) = error.span().map(|s| s.start) else {
        return format!("TOML parse error: {message}");
    };
    let before = text.get(..start).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let near: String = text
        .get(start..)
        .unwrap_or("")
        .chars()
        .take(EXCERPT_CHARS)
        .collect();
    format!("TOML parse error at line {line}, column {column}: {message} (near {near:?})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Any {
        x: toml::Value,
    }

    #[test]
    fn short_errors_are_the_crates_own() {
        let e = parse_toml::<Any>("x = [1,\n").unwrap_err();
        assert!(
            e.starts_with("TOML parse error at line 1, column 8\n"),
            "{e}"
        );
        assert!(e.contains('^'), "{e}");
    }

    #[test]
    fn errors_in_huge_lines_are_short() {
        for text in [
            format!("x = {}{}", "[".repeat(100_000), "]".repeat(100_000)),
            format!("x = {}1{}", "{a = ".repeat(50_000), "}".repeat(50_000)),
            format!("x = \"{}", "a".repeat(1_000_000)),
        ] {
            let e = parse_toml::<Any>(&text).unwrap_err();
            assert!(e.len() < 300, "{} bytes: {}", e.len(), &e[..300]);
            assert!(e.starts_with("TOML parse error at line 1, column "), "{e}");
        }
    }

    #[test]
    fn reads_are_bounded() {
        let dir = std::env::temp_dir().join(format!("residency-user-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.toml");
        std::fs::write(&path, vec![b'#'; 2000]).unwrap();
        assert_eq!(read_text(&path, 2000).unwrap().len(), 2000);
        let e = read_text(&path, 1999).unwrap_err();
        assert_eq!(e, "2000 bytes, more than the 1999 bytes residency reads");
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(
            read_text(&path, 10)
                .unwrap_err()
                .starts_with("not UTF-8 text")
        );
        assert_eq!(read_text(&dir, 10).unwrap_err(), "not a regular file");
        assert_eq!(
            read_text(Path::new("/dev/zero"), 10).unwrap_err(),
            "not a regular file"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
