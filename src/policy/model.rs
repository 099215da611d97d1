//! The policy file (TOML): rules, each a selection of flows that must not occur, with
//! allow-lists, exceptions and limits. Exact semantics: docs/policy.md.
//!
//! Every table refuses unknown keys (`deny_unknown_fields`), so a typo such as `catgory` is an
//! error naming the line, not a rule that silently matches everything.

use super::PolicyError;
/// Zones and answer bases are the report's own types (`addresses[].jurisdiction.zone`,
/// `flows[].answer.basis`), read from policies and reports by the names the report uses.
pub use crate::place::answer::Basis;
pub use crate::place::legal::Zone;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A whole policy file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// A title for people (shown in the output).
    #[serde(default)]
    pub name: Option<String>,
    /// The home country the policy is written for: a report made with another `--home` (or
    /// none) is an error; for a capture it is the default `--home`.
    #[serde(default)]
    pub home: Option<String>,
    /// Default for every rule: do undecided flows count as violations?
    #[serde(default)]
    pub unknown: Unknown,
    /// Default for every rule: do flows that were never answered count?
    #[serde(default)]
    pub unanswered: Unanswered,
    /// What an incomplete input (damaged capture, interrupted run, dropped packets) does to
    /// the result.
    #[serde(default)]
    pub incomplete: Incomplete,
    /// The rules, in the order they are reported.
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
}

/// Whether a flow the evidence cannot decide (an `unknown` answer, an unknown zone, country,
/// provider or control) counts against a rule.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Unknown {
    /// Strict (the default): what cannot be shown to be allowed is a violation.
    #[default]
    Violation,
    /// Undecided flows are listed but not counted.
    Pass,
}

/// Whether remote flows that were never answered (a SYN to nowhere: no data exchanged) count.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Unanswered {
    /// Left out, as `summary.answer` leaves them out (the default).
    #[default]
    Ignore,
    /// Checked like answered flows.
    Count,
}

/// What an incomplete input does to the result.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Incomplete {
    /// Rules are checked on what was read; if none is violated the input is `incomplete`
    /// (exit 3), never `holds` (the default).
    #[default]
    Partial,
    /// An incomplete input is itself a violation (exit 4).
    Violation,
    /// An incomplete input is checked like a complete one (a warning is still printed).
    Accept,
}

/// One rule: the flows matching `where` and no `allow` entry are violations.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub description: String,
    /// Which flows the rule is about; empty: every remote flow.
    #[serde(default, rename = "where")]
    pub scope: Selector,
    /// Flows matching any of these are allowed (an allow-list; each entry can have its own
    /// `except`).
    #[serde(default)]
    pub allow: Vec<Selector>,
    /// Overrides the policy's `unknown`.
    #[serde(default)]
    pub unknown: Option<Unknown>,
    /// Overrides the policy's `unanswered`.
    #[serde(default)]
    pub unanswered: Option<Unanswered>,
    /// Limits: the rule is violated only when the counted flows exceed one of them; with no
    /// limit, any counted flow violates it.
    #[serde(default)]
    pub max_flows: Option<u64>,
    /// IP bytes sent to the remote side.
    #[serde(default)]
    pub max_bytes: Option<u64>,
    /// Transport payload sent to the remote side.
    #[serde(default)]
    pub max_payload: Option<u64>,
}

/// A set of conditions on a flow, all of which must hold; `except` entries carve flows out.
/// A condition left out is no condition.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// The answer "did it leave the home country" is yes (`true`) or no (`false`).
    pub left_home: Option<bool>,
    /// The answer "did it leave the EU/EEA" is yes (`true`) or no (`false`).
    pub left_eu_eea: Option<bool>,
    /// The basis of the EU/EEA answer is one of these.
    pub basis: Option<Vec<Basis>>,
    /// The destination's zone (by the databases' country) is one of these.
    pub zone: Option<Vec<Zone>>,
    /// The databases' country of the destination (ISO 3166-1 alpha-2) is one of these.
    pub country: Option<Vec<String>>,
    /// The controlling provider (the deciding operator) is one of these names.
    pub provider: Option<Vec<String>>,
    /// That provider's jurisdiction (its controlling parent's seat, ISO code) is one of these.
    pub jurisdiction: Option<Vec<String>>,
    /// That provider's controlling parent is outside the EU/EEA.
    pub non_eu_control: Option<bool>,
    /// That provider is under US jurisdiction (the CLOUD Act reaches it).
    pub cloud_act: Option<bool>,
    /// The flow's catalog service is one of these names.
    pub service: Option<Vec<String>>,
    /// The flow's catalog service id is one of these.
    pub service_id: Option<Vec<String>>,
    /// The flow's service category is one of these (`unclassified`: no service).
    pub category: Option<Vec<Category>>,
    /// The flow's host name matches one of these (`*.example.com`: any name below it).
    pub hostname: Option<Vec<String>>,
    /// Flows matching any of these are taken out of this selection.
    #[serde(default)]
    pub except: Vec<Selector>,
}

/// Service categories as the report names them, and `unclassified` (no service).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Media,
    Signalling,
    Telemetry,
    Auth,
    Web,
    Storage,
    Cdn,
    Other,
    Unclassified,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::Media => "media",
            Category::Signalling => "signalling",
            Category::Telemetry => "telemetry",
            Category::Auth => "auth",
            Category::Web => "web",
            Category::Storage => "storage",
            Category::Cdn => "cdn",
            Category::Other => "other",
            Category::Unclassified => "unclassified",
        }
    }
}

impl Policy {
    /// Parses and checks a policy: TOML errors name the line and column; the checks after it
    /// name the rule.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let mut policy: Policy = crate::user_file::parse_toml(text).map_err(PolicyError::Toml)?;
        policy.check()?;
        Ok(policy)
    }

    /// Whether any rule tests the home-country answer (the report then needs `--home`).
    pub fn uses_home(&self) -> bool {
        self.rules
            .iter()
            .any(|r| r.scope.uses_home() || r.allow.iter().any(Selector::uses_home))
    }

    fn check(&mut self) -> Result<(), PolicyError> {
        if self.rules.is_empty() {
            return Err(PolicyError::Invalid(
                "the policy has no rules: add at least one [[rule]] with an id and a description"
                    .to_string(),
            ));
        }
        if let Some(home) = &mut self.home {
            *home = country_code(home).map_err(|e| PolicyError::Invalid(format!("home: {e}")))?;
        }
        let mut ids = BTreeSet::new();
        for rule in &mut self.rules {
            let id = rule.id.trim();
            if id.is_empty() {
                return Err(PolicyError::Invalid(
                    "a rule has an empty id: give each rule a short unique id".to_string(),
                ));
            }
            if !ids.insert(id.to_string()) {
                return Err(PolicyError::Invalid(format!(
                    "two rules have the id `{id}`: ids must be unique"
                )));
            }
            let at = format!("rule `{id}`");
            rule.scope.check(&format!("{at}, where"))?;
            for (i, allow) in rule.allow.iter_mut().enumerate() {
                allow.check(&format!("{at}, allow[{i}]"))?;
            }
        }
        Ok(())
    }
}

impl Selector {
    fn uses_home(&self) -> bool {
        self.left_home.is_some() || self.except.iter().any(Selector::uses_home)
    }

    /// Normalises codes and patterns, refusing what could never match.
    fn check(&mut self, at: &str) -> Result<(), PolicyError> {
        let invalid = |what: String| PolicyError::Invalid(format!("{at}: {what}"));
        for (field, list) in [
            ("country", &mut self.country),
            ("jurisdiction", &mut self.jurisdiction),
        ] {
            if let Some(list) = list {
                for code in list.iter_mut() {
                    if field == "jurisdiction" && code.eq_ignore_ascii_case("unknown") {
                        *code = "unknown".to_string();
                        continue;
                    }
                    *code = country_code(code).map_err(|e| invalid(format!("{field}: {e}")))?;
                }
            }
        }
        for (field, list) in [
            ("provider", &self.provider),
            ("service", &self.service),
            ("service_id", &self.service_id),
            ("hostname", &self.hostname),
        ] {
            if list
                .as_ref()
                .is_some_and(|l| l.iter().any(|s| s.trim().is_empty()))
            {
                return Err(invalid(format!("{field}: an empty name")));
            }
        }
        if let Some(patterns) = &mut self.hostname {
            for p in patterns.iter_mut() {
                let normal = p.trim().trim_end_matches('.').to_ascii_lowercase();
                if normal.contains('*')
                    && !(normal.starts_with("*.") && normal[2..].find('*').is_none())
                {
                    return Err(invalid(format!(
                        "hostname `{p}`: `*` is allowed only as the first label (`*.example.com`)"
                    )));
                }
                *p = normal;
            }
        }
        for (i, except) in self.except.iter_mut().enumerate() {
            except.check(&format!("{at}, except[{i}]"))?;
        }
        Ok(())
    }
}

/// An ISO 3166-1 alpha-2 code of the embedded country table, upper-cased.
fn country_code(code: &str) -> Result<String, String> {
    let upper = code.trim().to_ascii_uppercase();
    if crate::place::countries::Countries::embedded().is_code(&upper) {
        Ok(upper)
    } else {
        Err(format!(
            "`{code}` is not an ISO 3166-1 alpha-2 country code (e.g. SE, DE, US)"
        ))
    }
}
