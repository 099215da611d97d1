//! Packets from a network interface through libpcap (`residency live`; the `live` feature).
//!
//! The packets are handed out as the file readers hand theirs: a [`Packet`] borrowed until the
//! next call, so everything after the source is the code that reads files. What only a live
//! capture has: reads that come back empty when the interface is quiet (so the caller can
//! check for signals and timers), libpcap's drop counters, and errors that name what the user
//! can do (a wrong name, a missing capability, a filter that does not compile).

use super::{LinkType, Packet};
use crate::timestamp::Timestamp;
use std::net::IpAddr;

/// How long one read waits for packets before coming back empty: the longest a signal, a
/// `--duration` or a periodic report waits for a quiet interface. Short enough to feel
/// immediate at Ctrl-C, long enough that an idle sensor wakes up only 5 times a second.
pub const READ_TIMEOUT_MS: i32 = 200;

/// The snap length by default: whole frames (jumbo frames and GRO aggregates included), since
/// a short one cuts TLS ClientHellos and certificates, where the names are.
pub const DEFAULT_SNAPLEN: u32 = 262_144;

/// The kernel capture buffer by default, MiB: about a quarter second of a saturated 1 Gbit/s
/// link, room for the bursts that come while a flow's end is written out.
pub const DEFAULT_BUFFER_MB: u32 = 64;

/// What `residency live` asks of libpcap.
#[derive(Clone, Debug)]
pub struct LiveConfig {
    pub interface: String,
    pub snaplen: u32,
    pub promiscuous: bool,
    pub buffer_bytes: u64,
    /// A BPF filter expression (tcpdump syntax).
    pub filter: Option<String>,
}

/// Why a capture could not start or go on. Each message names the cause and what to do.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error(
        "no capture device named {name:?} (run `residency interfaces` to list them{})",
        known_list(.known)
    )]
    NoSuchInterface { name: String, known: Vec<String> },
    #[error(
        "{name}: no permission to capture ({message}); run as root, or give the binary the capabilities: `setcap cap_net_raw,cap_net_admin=eip $(command -v residency)`"
    )]
    Permission { name: String, message: String },
    #[error("{name}: the interface is down ({message}); bring it up: `ip link set {name} up`")]
    NotUp { name: String, message: String },
    #[error(
        "the filter {expr:?} does not compile ({message}); it takes tcpdump's syntax (`man pcap-filter`), e.g. \"tcp or udp\""
    )]
    Filter { expr: String, message: String },
    #[error("{name}: cannot start capturing: {message}")]
    Open { name: String, message: String },
    #[error(
        "{name}: the capture failed: {message} (did the interface go down or away? `ip link show {name}`)"
    )]
    Read { name: String, message: String },
    #[error("cannot list capture devices: {0}")]
    List(String),
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        String::new()
    } else {
        format!("; this machine has: {}", known.join(", "))
    }
}

/// libpcap's counters, widened to 64 bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub received: u64,
    pub dropped: u64,
    pub if_dropped: u64,
}

/// libpcap's counters are 32-bit and wrap (at 1.5 million packets a second, in under an
/// hour); read often enough (at least once per wrap), the differences add up to 64-bit totals.
#[derive(Clone, Copy, Debug, Default)]
pub struct Widen {
    last: [u32; 3],
    total: Counters,
}

impl Widen {
    /// Add a reading of the 32-bit counters (received, dropped, if_dropped).
    pub fn update(&mut self, now: [u32; 3]) -> Counters {
        let delta = |now: u32, last: u32| u64::from(now.wrapping_sub(last));
        let ([received, dropped, if_dropped], [last_received, last_dropped, last_if_dropped]) =
            (now, self.last);
        self.total.received += delta(received, last_received);
        self.total.dropped += delta(dropped, last_dropped);
        self.total.if_dropped += delta(if_dropped, last_if_dropped);
        self.last = now;
        self.total
    }

    pub fn total(&self) -> Counters {
        self.total
    }
}

/// What a read gave.
pub enum Next<'a> {
    Packet(Packet<'a>),
    /// No packet within [`READ_TIMEOUT_MS`].
    Idle,
}

/// An open capture on an interface.
pub struct LiveCapture {
    cap: pcap::Capture<pcap::Active>,
    name: String,
    link_type: LinkType,
    digits: u8,
    number: u64,
    counters: Widen,
    /// The last read found a packet: read again before waiting.
    ready: bool,
}

/// Nanosecond timestamps where libpcap gives them: on Linux (libpcap 1.5 and later, which the
/// `pcap` crate's `precision` needs) they come from the kernel's packet ring. Elsewhere
/// microseconds.
#[cfg(target_os = "linux")]
const PRECISION: (pcap::Precision, u8) = (pcap::Precision::Nano, 9);
#[cfg(not(target_os = "linux"))]
const PRECISION: (pcap::Precision, u8) = (pcap::Precision::Micro, 6);

impl LiveCapture {
    /// Open `config.interface`, apply the filter; packets are captured from here on.
    pub fn open(config: &LiveConfig) -> Result<LiveCapture, LiveError> {
        let name = config.interface.clone();
        // Name the device's absence plainly (libpcap's message varies by platform).
        let devices = pcap::Device::list().map_err(|e| LiveError::List(e.to_string()))?;
        if !devices.iter().any(|d| d.name == name) {
            return Err(LiveError::NoSuchInterface {
                name,
                known: devices.into_iter().map(|d| d.name).collect(),
            });
        }
        let open_error = |e: pcap::Error| classify(&name, e);
        let cap = pcap::Capture::from_device(name.as_str())
            .map_err(open_error)?
            .snaplen(i32::try_from(config.snaplen).unwrap_or(i32::MAX))
            .promisc(config.promiscuous)
            .buffer_size(i32::try_from(config.buffer_bytes).unwrap_or(i32::MAX))
            .timeout(READ_TIMEOUT_MS)
            .precision(PRECISION.0);
        // Non-blocking, with our own wait (`poll` on its descriptor) for at most
        // READ_TIMEOUT_MS: on Linux libpcap's own read waits until the kernel hands over a
        // block of packets, and on a quiet interface that can be never, which would leave
        // signals, `--duration` and periodic reports waiting for traffic.
        let mut cap = cap
            .open()
            .and_then(pcap::Capture::setnonblock)
            .map_err(open_error)?;
        if let Some(expr) = &config.filter {
            cap.filter(expr, true).map_err(|e| LiveError::Filter {
                expr: expr.clone(),
                message: message(e),
            })?;
        }
        let link = cap.get_datalink().0;
        Ok(LiveCapture {
            link_type: LinkType(u16::try_from(link).unwrap_or(u16::MAX)),
            cap,
            name,
            digits: PRECISION.1,
            number: 0,
            counters: Widen::default(),
            ready: false,
        })
    }

    pub fn link_type(&self) -> LinkType {
        self.link_type
    }

    /// Fractional digits of the timestamps (9: nanoseconds).
    pub fn precision_digits(&self) -> u8 {
        self.digits
    }

    /// The next packet, or `Idle` when none came within [`READ_TIMEOUT_MS`].
    pub fn next_packet(&mut self) -> Result<Next<'_>, LiveError> {
        if !self.ready {
            self.wait()?;
            self.ready = true;
        }
        match self.cap.next_packet() {
            Ok(p) => {
                self.number += 1;
                let scale = if self.digits == 9 { 1 } else { 1_000 };
                // `time_t` and `suseconds_t` are 32 bits on some platforms.
                #[allow(clippy::useless_conversion)]
                let ns = i64::from(p.header.ts.tv_sec)
                    .saturating_mul(1_000_000_000)
                    .saturating_add(i64::from(p.header.ts.tv_usec).saturating_mul(scale));
                Ok(Next::Packet(Packet {
                    ts: Timestamp(ns),
                    link_type: self.link_type,
                    data: p.data,
                    wire_len: p.header.len,
                    number: self.number,
                }))
            }
            Err(pcap::Error::TimeoutExpired) => {
                // Nothing buffered: wait before the next read.
                self.ready = false;
                Ok(Next::Idle)
            }
            Err(e) => Err(LiveError::Read {
                name: self.name.clone(),
                message: message(e),
            }),
        }
    }

    /// Wait until the capture's descriptor is readable, or READ_TIMEOUT_MS.
    fn wait(&mut self) -> Result<(), LiveError> {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        use std::os::fd::AsFd;
        let mut fds = [PollFd::new(self.cap.as_fd(), PollFlags::POLLIN)];
        let timeout = PollTimeout::try_from(READ_TIMEOUT_MS).unwrap_or(PollTimeout::NONE);
        match poll(&mut fds, timeout) {
            // A signal is a reason to look at the flags now.
            Ok(_) | Err(nix::errno::Errno::EINTR) => Ok(()),
            Err(e) => Err(LiveError::Read {
                name: self.name.clone(),
                message: e.to_string(),
            }),
        }
    }

    /// libpcap's counters so far (read now; call at least every few seconds so that their
    /// 32-bit wrap-arounds are all seen).
    pub fn counters(&mut self) -> Counters {
        match self.cap.stats() {
            Ok(s) => self.counters.update([s.received, s.dropped, s.if_dropped]),
            Err(_) => self.counters.total(),
        }
    }
}

/// libpcap's error text, without the crate's prefix.
fn message(e: pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(m) => m,
        other => other.to_string(),
    }
}

/// libpcap says why activation failed only in words; these are its words on Linux and BSD.
fn classify(name: &str, e: pcap::Error) -> LiveError {
    let message = message(e);
    let lower = message.to_ascii_lowercase();
    let name = name.to_string();
    if lower.contains("permission") || lower.contains("not permitted") {
        LiveError::Permission { name, message }
    } else if lower.contains("not up") {
        LiveError::NotUp { name, message }
    } else if lower.contains("no such device") {
        LiveError::NoSuchInterface {
            name,
            known: Vec::new(),
        }
    } else {
        LiveError::Open { name, message }
    }
}

/// A capture device as `residency interfaces` lists it.
#[derive(Clone, Debug)]
pub struct Interface {
    pub name: String,
    pub description: Option<String>,
    pub addresses: Vec<IpAddr>,
    pub up: bool,
    pub running: bool,
    pub loopback: bool,
}

/// The capture devices libpcap knows, in its order.
pub fn interfaces() -> Result<Vec<Interface>, LiveError> {
    let devices = pcap::Device::list().map_err(|e| LiveError::List(message(e)))?;
    Ok(devices
        .into_iter()
        .map(|d| Interface {
            up: d.flags.is_up(),
            running: d.flags.is_running(),
            loopback: d.flags.is_loopback(),
            addresses: d.addresses.iter().map(|a| a.addr).collect(),
            description: d.desc,
            name: d.name,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_widen_across_wraps() {
        let mut w = Widen::default();
        assert_eq!(w.update([10, 1, 0]).received, 10);
        assert_eq!(
            w.update([u32::MAX - 5, 2, 0]).received,
            u64::from(u32::MAX) - 5
        );
        // Wrapped: 5 to reach u32::MAX, 1 to reach 0, then 100.
        let c = w.update([100, 2, 7]);
        assert_eq!(c.received, u64::from(u32::MAX) + 101);
        assert_eq!(c.dropped, 2);
        assert_eq!(c.if_dropped, 7);
    }

    #[test]
    fn errors_say_what_to_do() {
        let e = classify(
            "eth9",
            pcap::Error::PcapError("eth9: You don't have permission to capture on that device (socket: Operation not permitted)".into()),
        );
        assert!(matches!(e, LiveError::Permission { .. }));
        assert!(
            e.to_string()
                .contains("setcap cap_net_raw,cap_net_admin=eip")
        );
        let e = classify(
            "eth9",
            pcap::Error::PcapError("eth9: That device is not up".into()),
        );
        assert!(e.to_string().contains("ip link set eth9 up"));
        let e = LiveError::NoSuchInterface {
            name: "eth9".into(),
            known: vec!["lo".into(), "eth0".into()],
        };
        assert_eq!(
            e.to_string(),
            "no capture device named \"eth9\" (run `residency interfaces` to list them; this machine has: lo, eth0)"
        );
    }
}
