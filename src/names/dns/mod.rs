//! DNS messages on the wire, and the answers they bind to addresses.
//!
//! `parse_message` reads one message (a UDP payload, or one message cut from a TCP stream by
//! `tcp_messages`): the header, the first question, and the answer section, whose address
//! records (A, AAAA) and SVCB/HTTPS address hints become [`Binding`]s named by the question
//! through the CNAME chain. How names are rendered (lowercase, no trailing dot, `\ddd` escapes)
//! is described in `wire.rs`. The authority and additional sections are not read: what a client
//! asked for is answered in the answer section.
//!
//! Damage inside the answer section (a record cut short by the snap length, a bad name) does not
//! throw away the records before it: they are returned, and `damage` says why reading stopped.
//! A message whose header or first question cannot be read is an error.

mod answers;
pub mod cache;
pub mod wire;

pub use answers::MAX_CNAME_CHAIN;
pub use cache::{Answer, AnswerCache, CacheStats, Resolution};

use std::net::IpAddr;

/// Answer records read from one message. A response holds at most 65535 bytes, so it could
/// carry ~6000 minimal records; real answers carry one to a few dozen addresses. Reading stops
/// here and `damage` says so.
pub const MAX_ANSWER_RECORDS: usize = 256;
/// Bindings returned for one message (address records plus hints).
pub const MAX_BINDINGS_PER_MESSAGE: usize = 256;
/// Questions skipped to reach the answers. Responses echo one question; mDNS queries may ask a
/// few dozen, and carry no answers worth reading past this.
pub const MAX_QUESTIONS: usize = 64;
/// Messages cut from one TCP stream prefix. DNS over TCP carries one query and one response per
/// connection, or a few pipelined ones (RFC 7766); zone transfers carry more but name nothing.
pub const MAX_TCP_MESSAGES: usize = 32;

/// Where an address binding came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordKind {
    A,
    Aaaa,
    /// An `ipv4hint`/`ipv6hint` of an SVCB record (type 64).
    SvcbHint,
    /// An `ipv4hint`/`ipv6hint` of an HTTPS record (type 65).
    HttpsHint,
}

impl RecordKind {
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::A => "a",
            RecordKind::Aaaa => "aaaa",
            RecordKind::SvcbHint => "svcb-hint",
            RecordKind::HttpsHint => "https-hint",
        }
    }
}

/// One DNS message, as far as naming addresses needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsMessage {
    pub id: u16,
    pub response: bool,
    pub rcode: u8,
    /// The first question (name, qtype); None if there is none.
    pub question: Option<(String, u16)>,
    /// Addresses the answer section binds to names (empty for queries).
    pub bindings: Vec<Binding>,
    /// Why the answer section was not read to its end (cut short, a bad name, more than
    /// `MAX_ANSWER_RECORDS` records); the bindings before that point are kept.
    pub damage: Option<DnsError>,
}

/// An address the answer section gives for a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The name the client asked for (the question name), or for an address record not reached
    /// from the question through CNAMEs, that record's owner name.
    pub name: String,
    /// CNAME targets from `name` to the address record's owner, in order (empty if none). For a
    /// hint of an SVCB/HTTPS record whose TargetName is not ".", that TargetName comes last: the
    /// hint is the target's address.
    pub chain: Vec<String>,
    pub address: IpAddr,
    /// Seconds; a TTL with the top bit set counts as 0 (RFC 2181 §8).
    pub ttl: u32,
    pub kind: RecordKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    #[error("DNS message cut short in the {0}")]
    Truncated(&'static str),
    #[error("compression pointer at offset {at} points forward (to {target})")]
    ForwardPointer { at: usize, target: usize },
    #[error("more than {MAX_POINTER_JUMPS} compression pointers in one name", MAX_POINTER_JUMPS = wire::MAX_POINTER_JUMPS)]
    TooManyPointers,
    #[error("name longer than 255 bytes")]
    NameTooLong,
    #[error("reserved label type {0:#04b}")]
    BadLabelType(u8),
    #[error("{0} questions (at most {MAX_QUESTIONS} are read)")]
    TooManyQuestions(u16),
    #[error("{0} answer records (at most {MAX_ANSWER_RECORDS} are read)")]
    TooManyAnswers(u16),
}

/// Parse one DNS message.
pub fn parse_message(payload: &[u8]) -> Result<DnsMessage, DnsError> {
    let msg = wire::Message::new_checked(payload)?;
    let bytes = msg.bytes();
    let qdcount = msg.question_count();
    if usize::from(qdcount) > MAX_QUESTIONS {
        return Err(DnsError::TooManyQuestions(qdcount));
    }
    let mut pos = wire::HEADER_LEN;
    let mut question = None;
    for i in 0..qdcount {
        if i == 0 {
            let q = wire::read_question(bytes, pos)?;
            question = Some((q.name, q.qtype));
            pos = q.end;
        } else {
            pos = wire::skip_name(bytes, pos)? + 4;
            if pos > bytes.len() {
                return Err(DnsError::Truncated("question"));
            }
        }
    }
    let mut message = DnsMessage {
        id: msg.id(),
        response: msg.response(),
        rcode: msg.rcode(),
        question,
        bindings: Vec::new(),
        damage: None,
    };
    if !message.response {
        return Ok(message);
    }
    let ancount = msg.answer_count();
    let mut collector = answers::Collector::default();
    for _ in 0..usize::from(ancount).min(MAX_ANSWER_RECORDS) {
        if collector.full() {
            break;
        }
        match wire::read_record(bytes, pos) {
            Ok(record) => {
                pos = record.end;
                collector.add(bytes, record);
            }
            Err(e) => {
                message.damage = Some(e);
                break;
            }
        }
    }
    if message.damage.is_none() && usize::from(ancount) > MAX_ANSWER_RECORDS {
        message.damage = Some(DnsError::TooManyAnswers(ancount));
    }
    let qname = message.question.as_ref().map(|(name, _)| name.as_str());
    message.bindings = collector.finish(qname);
    Ok(message)
}

/// Complete length-prefixed messages (RFC 1035 §4.2.2) at the start of a TCP stream prefix;
/// stops at the first incomplete one, and after `MAX_TCP_MESSAGES`. Returns the message slices
/// (a zero length gives an empty slice, which `parse_message` rejects).
pub fn tcp_messages(stream: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while out.len() < MAX_TCP_MESSAGES {
        let Some(len) = wire::be16(stream, pos) else {
            break;
        };
        let start = pos + 2;
        let end = start + usize::from(len);
        let Some(message) = stream.get(start..end) else {
            break;
        };
        out.push(message);
        pos = end;
    }
    out
}

#[cfg(test)]
mod cache_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
