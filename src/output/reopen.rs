//! SIGHUP: finish the current output files and start new ones (logrotate's `postrotate`
//! signal), without stopping the run.

use super::error::OutputError;
use signal_hook::consts::SIGHUP;
use signal_hook::flag;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether a SIGHUP asked the outputs to reopen since the last look.
///
/// After [`Reopen::install`], SIGHUP only sets a flag (it no longer ends the process). The
/// capture loop polls [`Reopen::take`] (one relaxed atomic swap) between packets and, when it
/// is true, calls `reopen()` on each rotating output ([`Rotating::reopen`](super::Rotating::reopen)):
/// the current parts are moved into place and listed in their manifests, and the next record of
/// each starts a new part. Several SIGHUPs before the loop looks count as one. Clones share
/// the flag.
#[derive(Clone, Debug)]
pub struct Reopen {
    requested: Arc<AtomicBool>,
}

impl Reopen {
    /// Installs the SIGHUP handler for the rest of the process.
    pub fn install() -> Result<Reopen, OutputError> {
        let requested = Arc::new(AtomicBool::new(false));
        flag::register(SIGHUP, Arc::clone(&requested))
            .map_err(|source| OutputError::Hangup { source })?;
        Ok(Reopen { requested })
    }

    /// A flag no signal sets, for library callers and tests; [`Reopen::request`] sets it.
    pub fn none() -> Reopen {
        Reopen {
            requested: Arc::new(AtomicBool::new(false)),
        }
    }

    /// True once for each time a reopen was asked for (the flag is cleared).
    #[inline]
    pub fn take(&self) -> bool {
        self.requested.swap(false, Ordering::Relaxed)
    }

    /// Asks for a reopen as a SIGHUP would.
    pub fn request(&self) {
        self.requested.store(true, Ordering::Relaxed);
    }
}

impl Default for Reopen {
    fn default() -> Reopen {
        Reopen::none()
    }
}

#[cfg(test)]
mod tests {
    // A real SIGHUP is raised in tests/reopen_signal.rs, its own process.
    use super::*;

    #[test]
    fn take_clears_the_flag_and_clones_share_it() {
        let reopen = Reopen::none();
        assert!(!reopen.take());
        let clone = reopen.clone();
        clone.request();
        clone.request();
        assert!(reopen.take(), "two requests, one reopen");
        assert!(!reopen.take());
        assert!(!clone.take());
    }
}
