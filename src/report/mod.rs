//! The report: one set of serde types that is the JSON contract (`model`), built once from the
//! analysis (`build`), and writers that only format it (`terminal`, JSON via serde_json).

mod build;
mod lookup;
mod model;
mod names;
mod names_model;
mod physics;
mod physics_model;
mod place;
mod place_model;
mod terminal;
mod terminal_names;
mod terminal_physics;
mod terminal_place;
mod units;

pub use build::{build, unnamed_destinations};
pub use lookup::{LookupEntry, lookup, write_lookup_json, write_lookup_table};
pub use model::*;
pub use names::{MS_TURN_SERVICE, Naming};
pub use terminal::write_terminal;

use std::io::Write;

/// Write the report as JSON (pretty-printed, stable key order, trailing newline).
pub fn write_json(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}
