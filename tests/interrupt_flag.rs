//! Real signals against `residency::output::Interrupt`.
//!
//! This is its own test binary (its own process) so that a raised signal can never end the
//! other tests. In this process only `first_sigint_sets_the_flag` raises a signal, after the
//! handlers are installed. The scenarios that end a process (a second signal) run in a child:
//! this same binary started again with `--exact <scenario> --ignored` and a guard variable.

use residency::output::{EXIT_INTERRUPTED, Interrupt, Signal};
use signal_hook::low_level::raise;
use std::process::Command;

/// Set in a child started by `run_child`; the scenarios do nothing without it.
const CHILD: &str = "RESIDENCY_INTERRUPT_CHILD";

#[test]
fn first_sigint_sets_the_flag() {
    let interrupt = Interrupt::install().expect("install the handlers");
    assert_eq!(interrupt.requested(), None);
    raise(Signal::Int.number()).expect("raise SIGINT");
    // raise() runs the handler in this thread before it returns.
    assert_eq!(interrupt.requested(), Some(Signal::Int));
    assert_eq!(
        interrupt.requested().map(Signal::reason).as_deref(),
        Some("interrupted by SIGINT")
    );
    assert_eq!(EXIT_INTERRUPTED, 4);
}

/// Runs `scenario` (an ignored test of this binary) in a child process.
fn run_child(scenario: &str) -> std::process::Output {
    let exe = std::env::current_exe().expect("the test binary");
    Command::new(exe)
        .args([
            scenario,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .expect("run the child")
}

#[test]
fn sigterm_sets_the_flag_and_a_second_signal_exits_at_once() {
    let out = run_child("scenario_term_then_int");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("flag: SIGTERM"), "{stdout}");
    assert!(!stdout.contains("still running"), "{stdout}");
    // The second signal (SIGINT) ends the child with 128 + 2.
    assert_eq!(out.status.code(), Some(130), "{stdout}");
}

#[test]
fn double_ctrl_c_exits_130() {
    let out = run_child("scenario_int_twice");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("flag: SIGINT"), "{stdout}");
    assert!(!stdout.contains("still running"), "{stdout}");
    assert_eq!(out.status.code(), Some(130), "{stdout}");
}

#[test]
fn a_second_sigterm_exits_143() {
    let out = run_child("scenario_int_then_term");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("flag: SIGINT"), "{stdout}");
    assert_eq!(out.status.code(), Some(143), "{stdout}");
}

fn two_signals(first: Signal, second: Signal) {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let interrupt = Interrupt::install().expect("install the handlers");
    raise(first.number()).expect("raise the first signal");
    println!(
        "flag: {}",
        interrupt.requested().map_or("none", Signal::name)
    );
    raise(second.number()).expect("raise the second signal");
    println!("still running");
}

#[test]
#[ignore = "run by sigterm_sets_the_flag_and_a_second_signal_exits_at_once in a child"]
fn scenario_term_then_int() {
    two_signals(Signal::Term, Signal::Int);
}

#[test]
#[ignore = "run by double_ctrl_c_exits_130 in a child"]
fn scenario_int_twice() {
    two_signals(Signal::Int, Signal::Int);
}

#[test]
#[ignore = "run by a_second_sigterm_exits_143 in a child"]
fn scenario_int_then_term() {
    two_signals(Signal::Int, Signal::Term);
}
