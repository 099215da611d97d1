//! Who controls a flow's data when two facts name different operators: the network that
//! announces the address (its ASN, geo/providers.toml) and the service the flow's name belongs
//! to (geo/services.toml). A sovereign cloud's name (`*.sovcloud.fr`, Bleu) reached on a US
//! provider's network, or a US service's name on a European host's network.
//!
//! Rule (docs/placement.md, "Control"): the stricter operator decides. Data that passes through
//! a network or a service under non-EU law is within that law's reach, whatever the other
//! operator's seat; so when exactly one of the two is under non-EU law it decides, and when
//! both or neither are, the network decides (it holds the address the data went to). A
//! provider's jurisdiction is its controlling parent's legal seat. A non-routable address
//! (private, documentation) has no control decision: it is a machine of the local network.

use super::providers::ProviderTable;
use super::{Placement, Placer, ProviderMatch};
use serde::Serialize;

/// Which fact decided control.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecidedBy {
    Network,
    Service,
}

/// The rules, as the report names them.
pub const RULE_STRICTER: &str = "stricter: the operator under non-EU law decides";
pub const RULE_NETWORK: &str =
    "network: both under the same law's reach, the address's network decides";
pub const RULE_SERVICE_ONLY: &str = "service: the network's operator is unknown";

/// One operator and its law.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Party {
    pub provider: String,
    /// ISO code of the controlling parent's legal seat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// The controlling parent is outside the EU/EEA (null: seat unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreign_control: Option<bool>,
}

/// Control of one flow's data when its service's operator is not its network's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Control {
    /// The address's network operator (null when no provider is known for the ASN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<Party>,
    /// The operator of the service the flow's name (or address rule) matched.
    pub service: Party,
    pub decided_by: DecidedBy,
    pub rule: &'static str,
}

impl Control {
    pub fn decided(&self) -> &Party {
        match (self.decided_by, &self.network) {
            (DecidedBy::Network, Some(n)) => n,
            _ => &self.service,
        }
    }
}

fn party(name: &str, jurisdiction: Option<&str>, placer: &Placer) -> Party {
    Party {
        provider: name.to_string(),
        jurisdiction: jurisdiction.map(str::to_string),
        foreign_control: jurisdiction.map(|j| !placer.in_eu_eea(j)),
    }
}

/// Control of a flow to `placement` whose service is operated by `service_provider`: None when
/// there is no service provider or it is the network's own.
pub fn decide(
    placement: &Placement,
    service_provider: Option<&str>,
    providers: &ProviderTable,
    placer: &Placer,
) -> Option<Control> {
    // A non-routable address is a machine of this network, whatever protocol it speaks.
    if placement.special.is_some() {
        return None;
    }
    let service_name = service_provider?;
    let network = placement.provider.as_ref().filter(|p| !p.fallback());
    if network.and_then(|p| p.name.as_deref()) == Some(service_name) {
        return None;
    }
    let network = network.and_then(|p: &ProviderMatch| {
        Some(party(p.name.as_deref()?, p.jurisdiction.as_deref(), placer))
    });
    let seat = providers
        .by_name(service_name)
        .map(|p| p.jurisdiction.as_str());
    let service = party(service_name, seat, placer);
    let (decided_by, rule) = match &network {
        None => (DecidedBy::Service, RULE_SERVICE_ONLY),
        Some(n) if service.foreign_control == Some(true) && n.foreign_control != Some(true) => {
            (DecidedBy::Service, RULE_STRICTER)
        }
        Some(n) if n.foreign_control == Some(true) && service.foreign_control != Some(true) => {
            (DecidedBy::Network, RULE_STRICTER)
        }
        Some(_) => (DecidedBy::Network, RULE_NETWORK),
    };
    Some(Control {
        network,
        service,
        decided_by,
        rule,
    })
}

/// The placement the totals count a flow under: `placement` itself, or, when the service's
/// operator decided control, a copy with that operator as the provider.
pub fn as_decided(
    placement: &Placement,
    control: Option<&Control>,
    placer: &Placer,
) -> Option<Placement> {
    let c = control?;
    if c.decided_by != DecidedBy::Service {
        return None;
    }
    let p = &c.service;
    let mut copy = placement.clone();
    copy.provider = Some(ProviderMatch {
        name: Some(p.provider.clone()),
        parent: None,
        jurisdiction: p.jurisdiction.clone(),
        category: None,
        matched_by: super::providers::MatchedBy::Service,
        // Read by nothing the totals use; the flow's `control` names the rule.
        source: String::new(),
    });
    copy.foreign_control = p.foreign_control;
    copy.control_zone = p.jurisdiction.as_deref().map(|j| placer.zone_of(j).0);
    Some(copy)
}

#[cfg(test)]
#[path = "control_tests.rs"]
mod tests;
