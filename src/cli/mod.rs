//! The command line's parts (the binary's, not the library's): the shared options, one
//! module per subcommand, and the outputs a run feeds.

pub mod analyze;
pub mod args;
pub mod check;
pub mod diff;
pub mod live;
pub mod lookup;
pub mod merge;
pub mod outs;
pub mod progress;
pub mod stats;

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

// `residency check` (docs/policy.md): 0 (EXIT_OK) every rule holds on every complete input;
// 1 (EXIT_ERROR) the policy or an input could not be read or checked; 2 (EXIT_USAGE);
// 3 (EXIT_PARTIAL) no rule violated but an input is incomplete (the policy's
// `incomplete = "partial"`, the default); 4 (EXIT_VIOLATED) a rule is violated.
/// Exit status of `check`: a policy rule is violated (the same number as
/// [`EXIT_INTERRUPTED`] of `analyze`; `check` never exits with that meaning).
pub const EXIT_VIOLATED: u8 = 4;
