//! `residency diff`: two evidence reports of the same site, before and after a change,
//! compared (docs/diff.md).
//!
//! `read` gives typed views of the report JSON (only the fields compared; an unknown schema is
//! refused); `dest` adds up each destination and host name of one report; `compare` makes the
//! [`Diff`] (`model`), a plain serialisable value that the terminal (`terminal`), the JSON
//! output and an HTML page render; `warn` names what differs in how the reports were made.

pub mod compare;
mod dest;
pub mod model;
pub mod read;
pub mod terminal;
mod warn;

pub use compare::diff;
pub use model::{DIFF_SCHEMA, Diff};
pub use read::{ReadError, Report, read};
pub use terminal::write_terminal;

use std::io::{self, Write};

/// Writes `diff` as JSON: pretty-printed with two-space indentation, keys in the model's
/// order, ending in a newline.
pub fn write_json(diff: &Diff, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, diff).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests;
