//! Progress of a long `analyze` on a terminal: which input, bytes read of its size, packets/s
//! and flows, on standard error. Off when standard error is not a terminal or with `--quiet`,
//! and never part of an output: it goes away before the terminal summary is printed.
//!
//! Drawn by `indicatif` (redraws limited to 20 a second by the crate); this module only
//! decides when to hand it new figures.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use residency::analyze::Progress as Read;
use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

/// Figures go to the bar once every this many packets: the per-packet cost stays one
/// compare; at a million packets a second the bar still moves a thousand times a second,
/// more than it redraws.
const EVERY_PACKETS: u64 = 1024;

/// The progress display, or nothing (`--quiet`, or standard error is not a terminal).
pub struct Progress {
    bar: Option<ProgressBar>,
    inputs: usize,
    /// When the current input's reading began (for the packet rate).
    begun: Instant,
}

impl Progress {
    pub fn new(quiet: bool, inputs: usize) -> Progress {
        let shown = !quiet && std::io::stderr().is_terminal();
        Progress {
            bar: shown.then(|| ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())),
            inputs,
            begun: Instant::now(),
        }
    }

    /// Input `index` (from 0) is being opened and, if it is a regular file, hashed: a spinner,
    /// since hashing reports no position.
    pub fn opening(&self, index: usize, path: &Path) {
        if let Some(bar) = &self.bar {
            bar.set_style(spinner_style());
            bar.set_message("opening, hashing");
            bar.set_prefix(self.prefix(index, path));
            bar.enable_steady_tick(Duration::from_millis(100));
        }
    }

    /// Input `index` is read from now on; `size` is its length when known (a regular file).
    pub fn reading(&mut self, index: usize, path: &Path, size: Option<u64>) {
        self.begun = Instant::now();
        if let Some(bar) = &self.bar {
            bar.disable_steady_tick();
            bar.set_message("");
            match size {
                Some(len) => {
                    bar.set_style(bar_style());
                    bar.set_length(len);
                }
                None => {
                    bar.set_style(stream_style());
                    bar.unset_length();
                }
            }
            bar.set_position(0);
            bar.set_prefix(self.prefix(index, path));
            bar.enable_steady_tick(Duration::from_millis(250));
        }
    }

    /// After each packet: new figures at the first packet, then every `EVERY_PACKETS`.
    pub fn packet(&self, read: &Read) {
        if let Some(bar) = &self.bar
            && (read.packets.is_multiple_of(EVERY_PACKETS) || read.packets == 1)
        {
            bar.set_position(read.bytes);
            let secs = self.begun.elapsed().as_secs_f64();
            let rate = if secs > 0.0 {
                read.packets as f64 / secs
            } else {
                0.0
            };
            bar.set_message(format!(
                "{} packets, {}/s, {} flows",
                read.packets,
                rate.round() as u64,
                read.flows_ended + read.open_flows as u64,
            ));
        }
    }

    /// The reading is over: the display is erased before anything else is printed.
    pub fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// `[2/5] name.pcap`: the file's name only, so that the line fits a terminal.
    fn prefix(&self, index: usize, path: &Path) -> String {
        let name = path.file_name().unwrap_or(path.as_os_str());
        format!("[{}/{}] {}", index + 1, self.inputs, name.to_string_lossy())
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.done();
    }
}

// The templates are constants: a parse error is a bug caught by the tests below, and falls
// back to the default style rather than failing a run.
/// A file of known size.
const BAR: &str = "{prefix} [{bar:20}] {percent:>3}% of {binary_total_bytes} · {wide_msg}";
/// A pipe: no size.
const STREAM: &str = "{prefix} {spinner} {binary_bytes} · {wide_msg}";
/// Opening and hashing: no position.
const SPINNER: &str = "{prefix} {spinner} {wide_msg}";

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template(BAR)
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

fn stream_style() -> ProgressStyle {
    ProgressStyle::with_template(STREAM).unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template(SPINNER).unwrap_or_else(|_| ProgressStyle::default_spinner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse() {
        for t in [BAR, STREAM, SPINNER] {
            assert!(ProgressStyle::with_template(t).is_ok(), "{t}");
        }
    }

    #[test]
    fn quiet_shows_nothing() {
        let p = Progress::new(true, 3);
        assert!(p.bar.is_none());
        // Everything is a no-op without a bar.
        p.opening(0, Path::new("a.pcap"));
        assert_eq!(p.prefix(1, Path::new("/x/b.pcap")), "[2/3] b.pcap");
        p.packet(&Read::default());
        p.done();
    }
}
