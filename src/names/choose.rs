//! Which of a flow's names is *the* name: what the client itself asked for on this flow first
//! (TLS/QUIC server name, HTTP Host), then what DNS told that client the address was, then what
//! the server's certificate claims, then the realm a STUN/TURN relay declared, then reverse DNS.

use super::NameSource;
use super::dns::{AnswerCache, Resolution};
use super::facts::FlowNames;
use crate::flow::{Flow, PacketRef};

/// The name chosen for a flow and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hostname {
    pub name: String,
    pub source: NameSource,
    /// The packet that carried it (None for reverse DNS, which is not from the capture).
    pub at: Option<PacketRef>,
}

/// The DNS answers that bear on a flow's server address, among those seen by the time the
/// flow ended.
pub fn dns_for<'c>(answers: &'c AnswerCache, flow: &Flow) -> Resolution<'c> {
    answers.resolve(flow.client.ip, flow.server.ip, flow.first_seen)
}

/// The flow's name from the capture, by the order above, from its own facts and its DNS
/// resolution (`dns_for`); reverse DNS is added by the report, which alone may look outside
/// the capture.
pub fn hostname(facts: Option<&FlowNames>, dns: &Resolution<'_>) -> Option<Hostname> {
    {
        let named = |name: &str, source, at| Hostname {
            name: name.to_string(),
            source,
            at: Some(at),
        };
        if let Some(facts) = facts {
            if let Some(h) = &facts.tls
                && let Some(sni) = &h.sni
            {
                // With Encrypted Client Hello the SNI may be only the provider's public name
                // (the real one is encrypted); a name DNS gave this very client for the
                // address is then the better evidence. (GREASE ECH looks the same on the wire,
                // but then the SNI is the real name and DNS usually agrees with it.)
                if h.ech
                    && dns.same_client
                    && let Some(answer) = dns.chosen
                    && answer.name != *sni
                {
                    return Some(named(&answer.name, NameSource::Dns, answer.at));
                }
                return Some(named(sni, NameSource::TlsSni, h.at));
            }
            if let Some(q) = &facts.quic
                && let Some(h) = &q.hello
                && let Some(sni) = &h.sni
            {
                return Some(named(sni, NameSource::QuicSni, h.at));
            }
            if let Some(h) = &facts.http_host {
                return Some(named(&h.name, NameSource::HttpHost, h.at));
            }
        }
        if let Some(answer) = dns.chosen {
            return Some(named(&answer.name, NameSource::Dns, answer.at));
        }
        if let Some(cert) = facts.and_then(|f| f.cert.as_ref())
            && let Some(name) = cert.best_name()
        {
            return Some(named(name, NameSource::TlsCert, cert.at));
        }
        let realm = facts.and_then(|f| f.stun.as_ref()?.realm.as_ref())?;
        Some(named(&realm.name, NameSource::StunRealm, realm.at))
    }
}
