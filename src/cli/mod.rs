//! The command line's parts (the binary's, not the library's): the shared options, one
//! module per subcommand, and the outputs a run feeds.

pub mod analyze;
pub mod args;
pub mod diff;
pub mod live;
pub mod lookup;
pub mod outs;
pub mod progress;

pub use residency::output::EXIT_INTERRUPTED;

/// Exit status: the report covers every input completely.
pub const EXIT_OK: u8 = 0;
/// Exit status: nothing was analysed (bad file, unreadable input, I/O error on output).
pub const EXIT_ERROR: u8 = 1;
/// Exit status: a report was written, but at least one input was truncated or corrupt; it
/// covers each such file up to the damage (see `inputs[].errors`).
pub const EXIT_PARTIAL: u8 = 3;
/// Exit status: the command line is wrong (clap uses it too).
pub const EXIT_USAGE: u8 = 2;
// EXIT_INTERRUPTED (4): SIGINT/SIGTERM stopped the reading; the outputs are complete files
// covering what was read (see `residency::output`).
/// Exit status of `residency diff --exit-code` when the two reports differ (warnings aside).
/// Not 1 as in `git diff --exit-code`: 1 is residency's error status, and 3 and 4 are taken.
pub const EXIT_DIFFERENT: u8 = 5;
