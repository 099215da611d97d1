//! The manifest of a rotating output: every finished part with its SHA-256 and the capture
//! time it covers, rewritten atomically after each part.

use super::super::{AtomicFile, OutputError};
use super::policy::RotateReport;
use crate::timestamp::Timestamp;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// The manifest's format name and version.
pub const MANIFEST_FORMAT: &str = "residency.manifest/1";

/// One finished part of an output, as the manifest and the report list it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartReport {
    /// 1, 2, 3…: the number in the part's name (part 1 of an output without rotation is the
    /// path itself).
    pub sequence: u64,
    /// The file's name (the manifest is in the same folder), or `standard output` / the
    /// device's path for an output that is not a regular file.
    pub path: String,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
    pub bytes: u64,
    pub records: u64,
    /// The earliest capture time of a record in the part (RFC 3339, UTC); absent for a part
    /// without records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    /// The latest capture time of a record in the part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    /// `first` as nanoseconds since the epoch, for callers (not serialised).
    #[serde(skip)]
    pub first_time: Option<Timestamp>,
    /// `last` as nanoseconds since the epoch, for callers (not serialised).
    #[serde(skip)]
    pub last_time: Option<Timestamp>,
}

/// The manifest file's content.
#[derive(Serialize)]
pub struct Manifest<'a> {
    pub format: &'static str,
    /// The output's path as given (parts are named from it).
    pub target: String,
    pub rotate: RotateReport,
    /// False while the output is being written (the manifest then lists the parts finished so
    /// far); true once the last part is finished.
    pub complete: bool,
    pub parts: &'a [PartReport],
}

/// Writes `manifest` to `path` atomically (temporary file, rename, replacing the previous
/// manifest of this run): pretty JSON with a final newline.
pub fn write_manifest(path: &Path, manifest: &Manifest<'_>) -> Result<(), OutputError> {
    let mut file = AtomicFile::create(path)?;
    let written = serde_json::to_writer_pretty(&mut file, manifest)
        .map_err(std::io::Error::other)
        .and_then(|()| file.write_all(b"\n"));
    if let Err(e) = written {
        return Err(OutputError::from_io(path, e));
    }
    file.commit()
}
