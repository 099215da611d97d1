//! Per-flow state: the client's Initial keys, the handshake stream being reassembled, and the
//! bounds that end the work.

use super::crypto_stream::{CryptoStream, MAX_CRYPTO_BYTES};
use super::keys::{KeyMaterial, PacketKeys};
use super::packet::{LongPacket, PacketType, peek_version};
use super::version::{Family, VersionInfo, lookup};
use super::{QuicError, QuicEvent, chlo, frames, gquic};

/// Datagrams that look like Initials of a known version (long-header or Google clear packets,
/// either side's) read per connection before giving up. A client's hello takes one or two
/// Initials (three with large post-quantum shares), and the server's Initial/Handshake flight
/// adds a handful more; 32 leaves room for retransmissions while bounding the trial
/// decryptions a flow of junk long headers can cause.
pub const MAX_INITIAL_DATAGRAMS: usize = 32;
/// Packets read from one datagram: coalescing puts at most one packet of each type (Initial,
/// 0-RTT, Handshake, 1-RTT) in a datagram in practice; 16 is generous and keeps a crafted chain
/// of tiny packets cheap.
const MAX_PACKETS_PER_DATAGRAM: usize = 16;
/// A client's first Destination Connection ID has at least 8 bytes (RFC 9000 §7.2); a packet
/// with a shorter one that no known keys open is taken for a server's.
const MIN_FIRST_DCID_LEN: usize = 8;

/// The client Initial keys in use and what identifies the client's packets.
struct Client {
    version: u32,
    /// The Destination Connection ID the keys came from.
    dcid: Vec<u8>,
    /// The client's Source Connection ID: servers address their packets to it.
    scid: Vec<u8>,
    keys: PacketKeys,
    largest_pn: Option<u64>,
}

/// Per-connection state (one per UDP flow being inspected).
#[derive(Default)]
pub struct QuicConnection {
    done: bool,
    version: Option<u32>,
    client: Option<Box<Client>>,
    stream: CryptoStream,
    /// The lowest non-zero stream offset at which a frame's data opened with a CHLO tag (Google
    /// versions): where a later CHLO starts when the capture missed the first one.
    chlo_start: Option<usize>,
    datagrams: usize,
}

/// How one packet ended, inside a datagram.
enum Outcome {
    /// Read; the hello is not complete.
    Read,
    /// The hello is complete: this is the event to return.
    Complete(QuicEvent),
    /// Not the client's packet.
    Skipped,
    /// A client packet that could not be read; `fatal` ends the work on this connection.
    Failed { error: QuicError, fatal: bool },
}

impl QuicConnection {
    pub fn new() -> Self {
        Self::default()
    }

    /// The version of the first client Initial read, if any.
    pub fn version(&self) -> Option<u32> {
        self.version
    }

    /// True once nothing more is to be learned (ClientHello/CHLO complete, or given up).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Heap bytes held for reassembly, for the caller's global memory budget.
    /// The client's keys count too (AES key schedules, ~500 bytes): a flood of Initials that
    /// never complete their hello holds one set per connection (docs/performance.md, "Hostile
    /// floods").
    pub fn held_bytes(&self) -> usize {
        let client = self.client.as_ref().map_or(0, |c| {
            std::mem::size_of::<Client>() + c.dcid.capacity() + c.scid.capacity()
        });
        self.stream.held_bytes() + client
    }

    #[cfg(test)]
    pub(super) fn client_bytes() -> usize {
        std::mem::size_of::<Client>()
    }

    /// Feed one UDP payload (either direction). Cheap for non-QUIC payloads.
    pub fn datagram(&mut self, payload: &[u8]) -> QuicEvent {
        if self.done {
            return QuicEvent::Ignored;
        }
        let Some(&first) = payload.first() else {
            return QuicEvent::Ignored;
        };
        if first & 0x80 == 0 {
            return match gquic::public_header(payload) {
                Some(packet) => self.google_clear(&packet),
                None => QuicEvent::Ignored,
            };
        }
        let Some(info) = peek_version(payload).and_then(lookup) else {
            return QuicEvent::Ignored;
        };
        if info.family == Family::GoogleClear {
            return QuicEvent::Ignored; // those versions have no long header
        }
        if let Some(event) = self.count_datagram() {
            return event;
        }
        match info.family {
            Family::GoogleLongClear => match gquic::q046_header(payload) {
                Ok(Some(packet)) => self.google_clear_counted(&packet),
                Ok(None) => QuicEvent::Ignored,
                Err(error) => QuicEvent::Failed(error),
            },
            _ => self.protected(payload, &info),
        }
    }

    /// Counts a datagram toward `MAX_INITIAL_DATAGRAMS`; the event that ends the work if over.
    fn count_datagram(&mut self) -> Option<QuicEvent> {
        self.datagrams += 1;
        (self.datagrams > MAX_INITIAL_DATAGRAMS).then(|| self.give_up(QuicError::TooManyDatagrams))
    }

    fn give_up(&mut self, error: QuicError) -> QuicEvent {
        self.finish();
        QuicEvent::Failed(error)
    }

    fn finish(&mut self) {
        self.done = true;
        self.client = None;
        self.stream.clear();
        self.chlo_start = None;
    }

    /// Walks the coalesced long-header packets of a datagram of an IETF-protected version.
    fn protected(&mut self, payload: &[u8], info: &VersionInfo) -> QuicEvent {
        let mut best = QuicEvent::Ignored;
        let mut rest = payload;
        for _ in 0..MAX_PACKETS_PER_DATAGRAM {
            // A short header or trailing padding runs to the end of the datagram.
            let Some(version) = peek_version(rest) else {
                break;
            };
            let Some(info) = lookup(version).filter(|i| i.family == info.family) else {
                break;
            };
            let packet = match LongPacket::parse(rest, info.v2_types) {
                Ok(packet) => packet,
                Err(error) => {
                    merge(&mut best, QuicEvent::Failed(error));
                    break;
                }
            };
            rest = packet.rest;
            if packet.packet_type != PacketType::Initial {
                continue;
            }
            match self.client_initial(&packet, &info) {
                Outcome::Read => merge(&mut best, QuicEvent::Partial),
                Outcome::Complete(event) => return event,
                Outcome::Skipped => {}
                Outcome::Failed { error, fatal: true } => return self.give_up(error),
                Outcome::Failed {
                    error,
                    fatal: false,
                } => {
                    merge(&mut best, QuicEvent::Failed(error));
                }
            }
        }
        best
    }

    /// Opens one Initial packet: with the remembered keys first, then with keys from its own
    /// Destination Connection ID (a first Initial, or a new attempt after Retry or Version
    /// Negotiation).
    fn client_initial(&mut self, packet: &LongPacket<'_>, info: &VersionInfo) -> Outcome {
        if let Some(client) = self.client.as_mut().filter(|c| c.version == packet.version) {
            if packet.dcid == client.scid.as_slice() && packet.dcid != client.dcid.as_slice() {
                return Outcome::Skipped; // addressed to the client: the server's
            }
            if let Ok((pn, plain)) = packet.open(&client.keys, client.largest_pn) {
                client.largest_pn = Some(client.largest_pn.map_or(pn, |l| l.max(pn)));
                return self.read_frames(&plain, info);
            }
            if packet.dcid == client.dcid.as_slice() {
                return Outcome::Failed {
                    error: QuicError::Decryption,
                    fatal: false,
                };
            }
        }
        for salt in info.salts {
            let Some(material) = KeyMaterial::client_initial(salt, packet.dcid, info.labels) else {
                continue;
            };
            let keys = PacketKeys::new(&material);
            if let Ok((pn, plain)) = packet.open(&keys, None) {
                if self.client.is_some() {
                    self.stream.clear(); // new keys: the hello starts over
                }
                self.client = Some(Box::new(Client {
                    version: packet.version,
                    dcid: packet.dcid.to_vec(),
                    scid: packet.scid.to_vec(),
                    keys,
                    largest_pn: Some(pn),
                }));
                self.version.get_or_insert(packet.version);
                return self.read_frames(&plain, info);
            }
        }
        if self.client.is_none() && packet.dcid.len() < MIN_FIRST_DCID_LEN {
            return Outcome::Skipped;
        }
        Outcome::Failed {
            error: QuicError::Decryption,
            fatal: false,
        }
    }

    /// Feeds a decrypted payload's handshake data to the stream and checks for completion.
    fn read_frames(&mut self, plain: &[u8], info: &VersionInfo) -> Outcome {
        let (stream, chlo_start) = (&mut self.stream, &mut self.chlo_start);
        let walked = match info.family {
            Family::Ietf => frames::walk_initial_frames(plain, |o, d| stream.insert(o, d)),
            _ => gquic::walk_crypto_frames(plain, |o, d| insert_google(stream, chlo_start, o, d)),
        };
        let checked = walked.and_then(|()| match info.family {
            Family::GoogleCryptoChlo => self.complete_chlo(),
            _ => self.complete_client_hello(),
        });
        match checked {
            Ok(Some(event)) => Outcome::Complete(event),
            Ok(None) => Outcome::Read,
            Err(error) => Outcome::Failed { error, fatal: true },
        }
    }

    /// The ClientHello, once the stream holds all of it.
    fn complete_client_hello(&mut self) -> Result<Option<QuicEvent>, QuicError> {
        let data = self.stream.contiguous();
        let Some(&msg_type) = data.first() else {
            return Ok(None);
        };
        // TLS handshake message: type 1 = ClientHello, 3-byte length (RFC 8446 §4).
        if msg_type != 1 {
            return Err(QuicError::NotClientHello(msg_type));
        }
        let Some(len) = data.get(1..4) else {
            return Ok(None);
        };
        let total = 4 + len
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        if total > MAX_CRYPTO_BYTES {
            return Err(QuicError::HelloTooLarge(total));
        }
        let Some(hello) = data.get(..total) else {
            return Ok(None);
        };
        let hello = hello.to_vec();
        self.finish();
        Ok(Some(QuicEvent::ClientHello(hello)))
    }

    /// The Google CHLO, once the stream holds all of it: the one at offset 0, else a later one
    /// (a client sends a new CHLO after each REJ, further along stream 1; a capture that starts
    /// after the first one, or lost it, has only the later one).
    fn complete_chlo(&mut self) -> Result<Option<QuicEvent>, QuicError> {
        for start in [Some(0), self.chlo_start].into_iter().flatten() {
            let data = self.stream.contiguous_from(start);
            let Some(total) = chlo::message_len(data)? else {
                continue;
            };
            if total > MAX_CRYPTO_BYTES {
                return Err(QuicError::HelloTooLarge(total));
            }
            let Some(message) = data.get(..total) else {
                continue;
            };
            let parsed = chlo::parse(message)?;
            self.finish();
            return Ok(Some(QuicEvent::GoogleChlo {
                sni: parsed.sni,
                user_agent: parsed.user_agent,
            }));
        }
        Ok(None)
    }

    /// A Google QUIC client packet whose stream 1 is in the clear (Q024–Q043).
    fn google_clear(&mut self, packet: &gquic::ClearPacket<'_>) -> QuicEvent {
        if let Some(event) = self.count_datagram() {
            return event;
        }
        self.google_clear_counted(packet)
    }

    fn google_clear_counted(&mut self, packet: &gquic::ClearPacket<'_>) -> QuicEvent {
        let (stream, chlo_start) = (&mut self.stream, &mut self.chlo_start);
        let mut read = false;
        let walked = gquic::walk_stream_frames(packet, |o, d| {
            read = true;
            insert_google(stream, chlo_start, o, d)
        });
        match walked.and_then(|()| self.complete_chlo()) {
            Ok(Some(event)) => {
                self.version.get_or_insert(packet.version);
                event
            }
            Ok(None) if read => {
                self.version.get_or_insert(packet.version);
                QuicEvent::Partial
            }
            Ok(None) => QuicEvent::Ignored,
            Err(error) => self.give_up(error),
        }
    }
}

/// Adds a piece of Google handshake data to the stream and notes where a CHLO opens it at a
/// non-zero offset (the lowest such offset is kept).
fn insert_google(
    stream: &mut CryptoStream,
    chlo_start: &mut Option<usize>,
    offset: u64,
    data: &[u8],
) -> Result<(), QuicError> {
    stream.insert(offset, data)?;
    if offset > 0 && chlo::is_chlo(data) {
        // The insert succeeded, so the offset is within MAX_CRYPTO_BYTES.
        if let Ok(start) = usize::try_from(offset) {
            *chlo_start = Some(chlo_start.map_or(start, |s| s.min(start)));
        }
    }
    Ok(())
}

/// Keeps the most informative event of a datagram: Partial over Failed over Ignored.
fn merge(best: &mut QuicEvent, new: QuicEvent) {
    let rank = |e: &QuicEvent| match e {
        QuicEvent::Ignored => 0,
        QuicEvent::Failed(_) => 1,
        _ => 2,
    };
    if rank(&new) > rank(best) {
        *best = new;
    }
}
