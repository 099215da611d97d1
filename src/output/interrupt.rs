//! SIGINT and SIGTERM: stop reading, write what was read, exit with a documented status.

use super::error::OutputError;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;
use std::ffi::c_int;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A signal that asks the run to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Signal {
    /// SIGINT: Ctrl-C.
    Int,
    /// SIGTERM: `kill`, a service manager, a CI timeout.
    Term,
}

impl Signal {
    /// Both signals, in the order they are installed.
    pub const ALL: [Signal; 2] = [Signal::Int, Signal::Term];

    /// `SIGINT` or `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
        }
    }

    /// The signal's number (2, 15).
    pub fn number(self) -> c_int {
        match self {
            Signal::Int => SIGINT,
            Signal::Term => SIGTERM,
        }
    }

    /// The signal with this number, if it is one of ours.
    pub fn from_number(number: c_int) -> Option<Signal> {
        Signal::ALL.into_iter().find(|s| s.number() == number)
    }

    /// The report's wording of the reason: `interrupted by SIGINT`.
    pub fn reason(self) -> String {
        format!("interrupted by {}", self.name())
    }

    /// The status of a process killed at once by a SECOND signal: 128 + the signal number
    /// (130 for SIGINT, 143 for SIGTERM), as a shell reports a process killed by it. A run
    /// ended this way wrote no output (each target keeps its previous content; a hidden
    /// `.NAME.residency-PID-N.tmp` file may be left beside it).
    pub fn killed_status(self) -> u8 {
        match self {
            Signal::Int => 130,
            Signal::Term => 143,
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether, and by which signal, the run was asked to stop.
///
/// After [`Interrupt::install`]:
///
/// - the FIRST SIGINT or SIGTERM only sets a flag. The reading loop polls
///   [`Interrupt::requested`] (a relaxed atomic load, cheap enough for every packet), stops
///   reading when it returns a signal, finishes its outputs for what was read with
///   `complete: false` and the reason [`Signal::reason`] (`interrupted by SIGINT`), and exits
///   with [`EXIT_INTERRUPTED`](super::EXIT_INTERRUPTED);
/// - a SECOND SIGINT or SIGTERM (either one, after either one) ends the process at once
///   with [`Signal::killed_status`] of the second signal (130 or 143), for when finishing
///   takes too long. No output is written then; no target is left half-written.
///
/// The flag is only seen between packets: a read blocked on a quiet pipe (`-` as input) waits
/// for its data (or a second Ctrl-C). Clones share the flag.
#[derive(Clone, Debug)]
pub struct Interrupt {
    /// 0, or the number of the signal that arrived.
    which: Arc<AtomicUsize>,
}

impl Interrupt {
    /// Installs the handlers for SIGINT and SIGTERM; call it once, at the start of `main`,
    /// before any output is opened. The handlers replace the default action (termination)
    /// for the rest of the process.
    pub fn install() -> Result<Interrupt, OutputError> {
        let which = Arc::new(AtomicUsize::new(0));
        // Set by the first signal; arms the immediate exit on the next one.
        let armed = Arc::new(AtomicBool::new(false));
        for signal in Signal::ALL {
            let number = signal.number();
            // Order matters: the shutdown check runs before this signal arms it, so only a
            // signal that finds the flag already set (the second one) exits.
            flag::register_conditional_shutdown(
                number,
                c_int::from(signal.killed_status()),
                Arc::clone(&armed),
            )
            .and_then(|_| flag::register(number, Arc::clone(&armed)))
            .and_then(|_| {
                // Signal numbers are small and positive.
                let value = usize::try_from(number).unwrap_or(usize::MAX);
                flag::register_usize(number, Arc::clone(&which), value)
            })
            .map_err(|source| OutputError::Signals { source })?;
        }
        Ok(Interrupt { which })
    }

    /// A flag no signal sets: for library callers and tests that run without handlers.
    /// [`Interrupt::request`] still sets it.
    pub fn none() -> Interrupt {
        Interrupt {
            which: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The signal that asked the run to stop, or `None`. One relaxed atomic load.
    #[inline]
    pub fn requested(&self) -> Option<Signal> {
        match self.which.load(Ordering::Relaxed) {
            0 => None,
            n => c_int::try_from(n).ok().and_then(Signal::from_number),
        }
    }

    /// Asks the run to stop as if `signal` had arrived (for tests of the interrupted path,
    /// or a caller with another reason to stop reading). Does not arm the immediate exit.
    pub fn request(&self, signal: Signal) {
        let value = usize::try_from(signal.number()).unwrap_or(usize::MAX);
        self.which.store(value, Ordering::Relaxed);
    }
}

impl Default for Interrupt {
    fn default() -> Interrupt {
        Interrupt::none()
    }
}

#[cfg(test)]
mod tests {
    // Raising real signals lives in tests/interrupt_flag.rs, its own process: a signal in this
    // shared test binary could end every other test.
    use super::*;

    #[test]
    fn signals_have_names_numbers_reasons_and_statuses() {
        assert_eq!(Signal::Int.to_string(), "SIGINT");
        assert_eq!(Signal::Term.name(), "SIGTERM");
        assert_eq!(Signal::Int.number(), 2);
        assert_eq!(Signal::Term.number(), 15);
        assert_eq!(Signal::from_number(15), Some(Signal::Term));
        assert_eq!(Signal::from_number(9), None);
        assert_eq!(Signal::Int.reason(), "interrupted by SIGINT");
        for s in Signal::ALL {
            assert_eq!(i32::from(s.killed_status()), 128 + s.number());
        }
    }

    #[test]
    fn none_is_quiet_until_requested_and_clones_share_it() {
        let interrupt = Interrupt::none();
        let clone = interrupt.clone();
        assert_eq!(interrupt.requested(), None);
        clone.request(Signal::Term);
        assert_eq!(interrupt.requested(), Some(Signal::Term));
        assert_eq!(Interrupt::default().requested(), None);
    }

    #[test]
    fn exit_interrupted_is_outside_the_other_statuses() {
        // 0 ok, 1 error, 2 usage, 3 partial input; 128+ killed by a signal.
        let interrupted = super::super::EXIT_INTERRUPTED;
        assert!(interrupted > 3 && interrupted < 128);
        assert_eq!(super::super::EXIT_CLOSED, 0);
    }
}
