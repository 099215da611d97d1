//! The output layer: where reports go, how they get there whole, and how a run stops early.
//!
//! - [`Output`]: one output (`-` for standard output, a file, or a device such as `/dev/null`
//!   or a FIFO), opened at the START of a run so that a missing folder or an unwritable path is
//!   found before the analysis, not after it. [`Output::finish`] completes it.
//! - [`AtomicFile`]: every regular output file is written to a temporary file in the same folder
//!   and renamed into place when complete. A run that fails or is killed leaves no half file at
//!   the target path, and the previous file there survives.
//! - [`refuse_inputs`]: an output path that names an input (the same file under any spelling,
//!   through a symlink or a hard link), or two outputs that name the same file, is refused
//!   before anything is read or written.
//! - [`Interrupt`]: SIGINT and SIGTERM set a flag that the reading loop polls once per packet;
//!   the run then stops reading, writes its outputs for what was read (marked
//!   `complete: false`, reason `interrupted`) and exits with [`EXIT_INTERRUPTED`]. A second
//!   signal ends the process at once.
//! - [`is_broken_pipe`] / [`OutputError::Closed`]: a reader that went away (`--json - | head`)
//!   ends the run quietly with [`EXIT_CLOSED`].
//! - [`Rotating`] (module [`rotate`]): an output written in parts by size, by capture-time
//!   window ([`Rotate`]) or on request ([`Reopen`]: SIGHUP), each part an [`AtomicFile`] that
//!   never replaces a file, with a manifest of every finished part and its SHA-256
//!   ([`PartReport`]). [`PcapNgOut`] (module [`pcapng`]) writes the raw packets through it as
//!   pcapng; [`RotatingNdjson`] (module [`flows`]) the per-flow records. docs/outputs.md.
//!
//! The order of a run: [`Interrupt::install`], then [`refuse_inputs`], then [`Output::open`]
//! for every output, then the analysis, then [`Output::finish`] (or [`Output::complete`]).
//!
//! # Exit statuses
//!
//! Alongside the CLI's 0 (complete), 1 (error), 2 (usage) and 3 (partial input):
//!
//! | status | constant | meaning |
//! | --- | --- | --- |
//! | 0 | [`EXIT_CLOSED`] | the reader of standard output (or of a FIFO) stopped reading; no message |
//! | 4 | [`EXIT_INTERRUPTED`] | SIGINT/SIGTERM: outputs are complete files covering what was read |
//! | 130 / 143 | [`Signal::killed_status`] | a second signal: killed at once, outputs NOT written |

mod atomic;
mod background;
mod error;
pub mod flows;
mod inputs;
mod interrupt;
pub mod pcapng;
mod reopen;
pub mod rotate;
mod target;

pub use atomic::AtomicFile;
pub use error::{OutputError, is_broken_pipe};
pub use flows::RotatingNdjson;
pub use inputs::refuse_inputs;
pub use interrupt::{Interrupt, Signal};
pub use pcapng::{InterfaceInfo, PcapNgOut};
pub use reopen::Reopen;
pub use rotate::{PartReport, Rotate, RotateParseError, Rotating};
pub use target::Output;

/// Exit status of a run stopped by SIGINT or SIGTERM whose outputs were then written in full.
///
/// The outputs are complete, valid files that cover the packets read before the signal; the
/// report says `complete: false` with the reason `interrupted` (e.g. "interrupted by SIGINT").
///
/// Why 4 and not the shell convention 128 + signal (130 for SIGINT, 143 for SIGTERM): those
/// statuses say "killed by a signal, did not finish", and callers reasonably treat the output
/// files of such a run as garbage. Here the run did finish its job for what it read, and a
/// script should be able to tell three cases apart: everything read (0), an input damaged (3),
/// reading stopped on request (4). 4 continues the CLI's own numbering (0 ok, 1 error, 2 usage,
/// 3 partial input) instead of borrowing the killed-by-signal range, which stays reserved for
/// what it means: a second signal kills the run at once with 130 or 143 (see
/// [`Signal::killed_status`]) and no output is written.
///
/// One caveat, documented for users: a shell running `residency` in a loop decides whether a
/// Ctrl-C ends the loop by whether the child died of SIGINT; a child that exits normally (4)
/// lets the loop go on. Scripts that loop should stop on status 4
/// (`residency analyze "$f" --json "$f.json" || [ $? -ne 4 ] || break`), or the user presses
/// Ctrl-C twice.
pub const EXIT_INTERRUPTED: u8 = 4;

/// Exit status of a run whose standard output (or output FIFO) was closed by its reader, as in
/// `residency analyze x.pcap --json - | head`: 0, with no message.
///
/// The reader chose to stop reading; that is not an error of this run, and `set -o pipefail`
/// scripts should not fail on it. When the caller sees [`OutputError::Closed`] (or an
/// `io::Error` for which [`is_broken_pipe`] is true) it stops reading input, writes nothing
/// more to that output, still finishes its other outputs, and exits with this status (unless
/// another output failed, which is an error as usual).
pub const EXIT_CLOSED: u8 = 0;
