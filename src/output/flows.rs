//! `--flows PATH --rotate …`: the per-flow NDJSON records (src/report/ecs.rs) written through a
//! [`Rotating`] output.
//!
//! Each record is one boundary, stamped with its flow's last packet time (`event.end`,
//! `Flow::last_seen`). Records come out in the order flows end: by end, then by last packet
//! time within one closing batch (docs/records.md). A flow ended by its idle timeout is
//! written after flows that ended later than its last packet, so stamps are not monotonic;
//! [`Rotating`] keeps such a record in the current part (a part never goes back in time) and
//! the part's `first`..`last` covers it. An hourly part therefore holds the flows that ended
//! while the capture was in that hour, and their `event.end` lies in that hour or, for a
//! flow that timed out, up to one idle timeout before it.
//!
//! The lines are byte for byte those of [`NdjsonSink`](crate::report::ecs::NdjsonSink) (one
//! encoder, [`record_line`]).

use super::OutputError;
use super::rotate::{PartReport, Rotate, Rotating};
use crate::analyze::{Ended, Sink};
use crate::report::AddressReport;
use crate::report::ecs::record_line;
use std::io;
use std::path::Path;

/// A [`Sink`] writing NDJSON flow records into rotating parts.
#[derive(Debug)]
pub struct RotatingNdjson {
    out: Rotating,
    line: Vec<u8>,
}

impl RotatingNdjson {
    /// Starts writing `path` under `rotate` (see [`Rotating::create`] for the errors). NDJSON
    /// parts have no header.
    pub fn create(path: &Path, rotate: Rotate) -> Result<RotatingNdjson, OutputError> {
        Ok(RotatingNdjson {
            out: Rotating::create(path, rotate, Vec::new())?,
            line: Vec::with_capacity(2048),
        })
    }

    /// SIGHUP: see [`Rotating::reopen`].
    pub fn reopen(&mut self) -> Result<(), OutputError> {
        self.out.reopen()
    }

    /// Ends the last part; every part, in order.
    pub fn finish(self) -> Result<Vec<PartReport>, OutputError> {
        self.out.finish()
    }

    /// The rotating output underneath: the parts so far, the manifest's path.
    pub fn rotating(&self) -> &Rotating {
        &self.out
    }

    /// Fractional digits of the manifest's times ([`Rotating::set_precision`]).
    pub fn set_precision(&mut self, digits: u8) {
        self.out.set_precision(digits);
    }
}

impl Sink for RotatingNdjson {
    /// An error is an `io::Error` of the same kind carrying the [`OutputError`] (which names
    /// the part's file); [`OutputError::from_io`] gets it back.
    fn flow(&mut self, ended: &Ended<'_>) -> io::Result<()> {
        record_line(&mut self.line, ended)?;
        self.out
            .write_record(ended.flow.last_seen, &self.line)
            .map_err(into_io)
    }

    fn address(&mut self, _: &AddressReport) -> io::Result<()> {
        Ok(())
    }
}

/// An [`OutputError`] as an `io::Error` for the [`Sink`] trait, keeping the kind of the
/// operating system's error where there is one (a full disk stays `StorageFull`, a closed
/// pipe `BrokenPipe`).
fn into_io(error: OutputError) -> io::Error {
    let kind = std::error::Error::source(&error)
        .and_then(|s| s.downcast_ref::<io::Error>())
        .map_or(io::ErrorKind::Other, io::Error::kind);
    io::Error::new(kind, error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn errors_keep_their_kind_and_come_back_whole() {
        let full = OutputError::Write {
            path: PathBuf::from("flows-000003.ndjson"),
            source: io::Error::from_raw_os_error(28),
        };
        let err = into_io(full);
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        let back = OutputError::from_io(Path::new("flows.ndjson"), err);
        assert_eq!(back.to_string(), "cannot write flows-000003.ndjson");
        let exists = into_io(OutputError::Exists {
            path: PathBuf::from("x"),
        });
        assert_eq!(exists.kind(), io::ErrorKind::Other);
    }
}
