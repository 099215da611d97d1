//! A real SIGHUP against `residency::output::Reopen`, in its own test binary (process) so that
//! the signal can never reach the other tests.

use residency::output::{Interrupt, Reopen};
use signal_hook::consts::SIGHUP;
use signal_hook::low_level::raise;

#[test]
fn sighup_asks_for_one_reopen_and_does_not_stop_the_run() {
    let interrupt = Interrupt::install().expect("install SIGINT/SIGTERM");
    let reopen = Reopen::install().expect("install SIGHUP");
    assert!(!reopen.take());
    raise(SIGHUP).expect("raise SIGHUP");
    raise(SIGHUP).expect("raise SIGHUP");
    // raise() runs the handler in this thread before it returns; still alive, not stopping.
    assert!(reopen.take());
    assert!(!reopen.take());
    assert_eq!(interrupt.requested(), None);
}
