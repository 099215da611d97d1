//! Rotating outputs: records written into parts (by size, by capture-time window, or on
//! request), each part a file that appears whole at its final name with a manifest that lists
//! every finished part with its SHA-256.
//!
//! - **Parts.** With [`Rotate::Never`] the output is one file at exactly the path given. With
//!   [`Rotate::Size`] or [`Rotate::Time`] every part is numbered ([`part_path`]:
//!   `flows.ndjson` → `flows-000001.ndjson`, `flows-000002.ndjson`, …). Every part starts
//!   with the output's header (a pcapng section header and interface description; nothing for
//!   NDJSON), so each part stands alone.
//! - **Boundaries.** The caller hands over whole records with their capture time
//!   ([`Rotating::write_record`]); a part ends only between records. Size: a new part starts
//!   before a record that would take the part past the limit (a part always holds at least one
//!   record). Time: parts cover windows aligned on multiples of the period since the Unix
//!   epoch; a new part starts at the first record of a later window. Capture time never moves
//!   a part backwards: a record stamped in an earlier window than the current part's (a flow
//!   record written when an idle flow times out) goes into the current part, and the part's
//!   `first`..`last` range covers it.
//! - **Atomicity.** Each part is an [`AtomicFile`]: written beside its name, `fsync`ed and
//!   moved into place when the part ends, never replacing a file ([`AtomicFile::commit_new`]).
//!   After each part the manifest ([`manifest_path`]: `PATH.manifest.json`) is rewritten
//!   atomically, with `complete: false` until [`Rotating::finish`]. A crash or power loss
//!   loses at most the part being written; every part in the manifest is whole on disk.
//! - **Earlier runs.** [`Rotating::create`] refuses to start when the path, a numbered part
//!   of it or its manifest already exists ([`OutputError::PartsExist`]): a run never
//!   replaces nor continues an earlier run's evidence; the user moves it or gives another
//!   path.
//! - **Reopen** (SIGHUP, for logrotate): [`Rotating::reopen`] ends the current part now if
//!   it holds a record; the next record starts a new part. After a reopen, a
//!   [`Rotate::Never`] output numbers its later parts too (part 1 stays at PATH, the next ones
//!   are `PATH-000002…`), so a finished file is never overwritten.
//! - **Streams.** `-`, a FIFO or a device cannot be renamed or split: `--rotate` is refused
//!   for them ([`OutputError::CannotRotate`]); with [`Rotate::Never`] they are written
//!   directly, without a manifest, and a reopen only flushes.

mod manifest;
mod naming;
mod policy;
#[cfg(test)]
mod tests;

pub use manifest::{MANIFEST_FORMAT, Manifest, PartReport};
pub use naming::{SEQUENCE_DIGITS, earlier_files, manifest_path, part_path};
pub use policy::{MAX_PERIOD_SECONDS, Rotate, RotateParseError, RotateReport};

use super::{AtomicFile, Output, OutputError};
use crate::digest::to_hex;
use crate::timestamp::Timestamp;
use sha2::{Digest as _, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// An output written in parts. See the module documentation for the rules.
#[derive(Debug)]
pub struct Rotating {
    /// The path as given.
    path: PathBuf,
    policy: Rotate,
    /// Written at the start of every part.
    header: Vec<u8>,
    /// Fractional digits of the manifest's times.
    digits: u8,
    /// `-`, a FIFO or a device: one part written directly, no manifest.
    stream: bool,
    /// Parts get numbered names (rotation, or a reopen of a `Never` output).
    numbered: bool,
    next_sequence: u64,
    /// The latest capture-time window a part was started for ([`Rotate::Time`]).
    window: Option<i64>,
    current: Option<Part>,
    finished: Vec<PartReport>,
}

/// The part being written.
#[derive(Debug)]
struct Part {
    out: Output,
    sequence: u64,
    hasher: Sha256,
    bytes: u64,
    records: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
}

impl Part {
    fn write(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.out.write_all(bytes).map_err(|e| self.out.error(e))?;
        self.hasher.update(bytes);
        self.bytes = self.bytes.saturating_add(bytes.len() as u64);
        Ok(())
    }
}

impl Rotating {
    /// Starts the output `path` under `policy`; `header` begins every part. The first part is
    /// created at once (its temporary file, or the stream opened), so an unwritable folder is
    /// found before any record.
    ///
    /// Errors: [`OutputError::CannotRotate`] for a rotating stream;
    /// [`OutputError::PartsExist`] when an earlier run's files are in the way; the errors of
    /// [`Output::open`] / [`AtomicFile::create`] (missing folder, permissions).
    pub fn create(path: &Path, policy: Rotate, header: Vec<u8>) -> Result<Rotating, OutputError> {
        let stream = Output::writes_directly(path);
        if stream && policy != Rotate::Never {
            return Err(OutputError::CannotRotate {
                path: path.to_owned(),
            });
        }
        if !stream {
            let found = earlier_files(path);
            if !found.is_empty() {
                return Err(OutputError::PartsExist {
                    path: path.to_owned(),
                    found,
                });
            }
        }
        let mut rotating = Rotating {
            path: path.to_owned(),
            policy,
            header,
            digits: 9,
            stream,
            numbered: policy != Rotate::Never,
            next_sequence: 1,
            window: None,
            current: None,
            finished: Vec::new(),
        };
        rotating.open_part()?;
        Ok(rotating)
    }

    /// Sets how many fractional digits the manifest's times get (0..=9; 6 for a microsecond
    /// capture, as the report does). The default is 9.
    pub fn set_precision(&mut self, digits: u8) {
        self.digits = digits.min(9);
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The manifest's path; `None` for a stream (which has none).
    pub fn manifest(&self) -> Option<PathBuf> {
        (!self.stream).then(|| manifest_path(&self.path))
    }

    /// The parts finished so far, in order.
    pub fn parts(&self) -> &[PartReport] {
        &self.finished
    }

    /// Bytes in the current part so far (its header included); 0 between parts.
    pub fn current_bytes(&self) -> u64 {
        self.current.as_ref().map_or(0, |p| p.bytes)
    }

    /// Writes one whole record captured at `ts`, first ending the current part when the
    /// policy says the record belongs in a new one.
    ///
    /// An error names the part's file: a full disk while writing ([`OutputError::Write`]),
    /// or, when a part ends, the move into place ([`OutputError::Commit`],
    /// [`OutputError::Exists`]) or the manifest's.
    pub fn write_record(&mut self, ts: Timestamp, record: &[u8]) -> Result<(), OutputError> {
        let window = self.policy.window(ts.nanos());
        if let Some(part) = &self.current
            && part.records > 0
        {
            let later_window = matches!((window, self.window), (Some(w), Some(cur)) if w > cur);
            let over_size = match self.policy {
                Rotate::Size(limit) => part.bytes.saturating_add(record.len() as u64) > limit,
                Rotate::Never | Rotate::Time(_) => false,
            };
            if later_window || over_size {
                self.end_part(false)?;
            }
        }
        if let Some(w) = window {
            self.window = Some(self.window.map_or(w, |cur| cur.max(w)));
        }
        if self.current.is_none() {
            self.open_part()?;
        }
        let Some(part) = self.current.as_mut() else {
            // open_part either sets it or fails.
            return Ok(());
        };
        part.write(record)?;
        part.records += 1;
        part.first = Some(part.first.map_or(ts, |t| t.min(ts)));
        part.last = Some(part.last.map_or(ts, |t| t.max(ts)));
        Ok(())
    }

    /// SIGHUP: ends the current part now if it holds a record (moved into place, listed in
    /// the manifest); the next record starts a new, numbered part. For a stream, flushes.
    pub fn reopen(&mut self) -> Result<(), OutputError> {
        if self.stream {
            if let Some(part) = self.current.as_mut() {
                part.out.flush().map_err(|e| part.out.error(e))?;
            }
            return Ok(());
        }
        self.numbered = true;
        match &self.current {
            Some(part) if part.records > 0 => self.end_part(false),
            _ => Ok(()),
        }
    }

    /// Ends the last part and writes the manifest with `complete: true`; returns every part.
    /// An output that got no record still has its first part, header only, so the user gets
    /// the file asked for.
    pub fn finish(mut self) -> Result<Vec<PartReport>, OutputError> {
        if self.current.is_some() {
            self.end_part(true)?;
        } else {
            self.write_manifest(true)?;
        }
        Ok(std::mem::take(&mut self.finished))
    }

    /// Opens the next part and writes the header into it.
    fn open_part(&mut self) -> Result<(), OutputError> {
        let sequence = self.next_sequence;
        let out = if self.stream {
            Output::open(&self.path)?
        } else if self.numbered {
            Output::File(AtomicFile::create(&part_path(&self.path, sequence))?)
        } else {
            Output::File(AtomicFile::create(&self.path)?)
        };
        self.next_sequence += 1;
        let mut part = Part {
            out,
            sequence,
            hasher: Sha256::new(),
            bytes: 0,
            records: 0,
            first: None,
            last: None,
        };
        let header = std::mem::take(&mut self.header);
        let written = part.write(&header);
        self.header = header;
        written?;
        self.current = Some(part);
        Ok(())
    }

    /// Moves the current part into place, lists it and rewrites the manifest.
    fn end_part(&mut self, complete: bool) -> Result<(), OutputError> {
        let Some(part) = self.current.take() else {
            return Ok(());
        };
        let name = match &part.out {
            Output::File(file) => file.path().file_name().map_or_else(
                || file.path().display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            other => other.path().display().to_string(),
        };
        match part.out {
            Output::File(file) => file.commit_new()?,
            stream => stream.finish()?,
        }
        let digits = self.digits;
        self.finished.push(PartReport {
            sequence: part.sequence,
            path: name,
            sha256: to_hex(&part.hasher.finalize()),
            bytes: part.bytes,
            records: part.records,
            first: part.first.map(|t| t.rfc3339(digits)),
            last: part.last.map(|t| t.rfc3339(digits)),
            first_time: part.first,
            last_time: part.last,
        });
        self.write_manifest(complete)
    }

    fn write_manifest(&self, complete: bool) -> Result<(), OutputError> {
        let Some(path) = self.manifest() else {
            return Ok(());
        };
        let manifest = Manifest {
            format: MANIFEST_FORMAT,
            target: self.path.display().to_string(),
            rotate: self.policy.manifest(),
            complete,
            parts: &self.finished,
        };
        manifest::write_manifest(&path, &manifest)
    }
}
