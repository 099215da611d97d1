//! Evaluating rules on a report's flows, in three-valued logic: a condition is true, false or
//! undecided (the evidence cannot tell), and the rule's `unknown` decides what an undecided
//! flow counts as. docs/policy.md gives the exact rules.

use super::PolicyError;
use super::input::{Facts, Report, remote_flows};
use super::model::{Incomplete, Policy, Rule, Selector, Unanswered, Unknown};
use super::outcome::{FlowEvidence, InputOutcome, Limits, RuleOutcome, Status, Volume};

/// Kleene's three values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    Yes,
    No,
    Undecided,
}

impl Tri {
    fn from_bool(b: bool) -> Tri {
        if b { Tri::Yes } else { Tri::No }
    }

    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Yes, Tri::Yes) => Tri::Yes,
            _ => Tri::Undecided,
        }
    }

    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::No, Tri::No) => Tri::No,
            _ => Tri::Undecided,
        }
    }

    pub fn negate(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            Tri::Undecided => Tri::Undecided,
        }
    }
}

/// A condition's value and, when it is not false, what made it so (for the output's `why`).
struct Cond {
    value: Tri,
    why: String,
}

/// An answer (`yes`/`no`/`unknown`, absent without `--home`) against `want`.
fn answer_cond(field: &str, answer: Option<&str>, basis: Option<&str>, want: bool) -> Cond {
    let basis = basis.unwrap_or("-");
    match answer {
        Some("yes") => Cond {
            value: Tri::from_bool(want),
            why: format!("{field} yes ({basis})"),
        },
        Some("no") => Cond {
            value: Tri::from_bool(!want),
            why: format!("{field} no ({basis})"),
        },
        other => Cond {
            value: Tri::Undecided,
            why: format!("{field} {} ({basis})", other.unwrap_or("unknown")),
        },
    }
}

/// A value (`None`: unknown) in a list; `unknown` in the list matches an unknown value.
fn list_cond(field: &str, value: Option<&str>, list: &[String], fold_case: bool) -> Cond {
    let eq = |a: &str, b: &str| {
        if fold_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    match value {
        Some(v) => Cond {
            value: Tri::from_bool(list.iter().any(|l| eq(l, v))),
            why: format!("{field} {v}"),
        },
        None if list.iter().any(|l| l == "unknown") => Cond {
            value: Tri::Yes,
            why: format!("{field} unknown"),
        },
        None => Cond {
            value: Tri::Undecided,
            why: format!("{field} unknown"),
        },
    }
}

/// `*.example.com` matches every name below example.com; anything else matches exactly.
pub fn hostname_matches(pattern: &str, name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => name.len() > suffix.len() + 1 && name.ends_with(&format!(".{suffix}")),
        None => name == pattern,
    }
}

/// The conditions of `sel` on `f`, each with its reason.
fn conditions(sel: &Selector, f: &Facts<'_>) -> Vec<Cond> {
    let mut out = Vec::new();
    let a = &f.answer;
    if let Some(want) = sel.left_home {
        out.push(answer_cond(
            "left_home",
            a.left_home.as_deref(),
            a.basis_home.as_deref(),
            want,
        ));
    }
    if let Some(want) = sel.left_eu_eea {
        out.push(answer_cond(
            "left_eu_eea",
            Some(&a.left_eu_eea),
            Some(&a.basis),
            want,
        ));
    }
    if let Some(list) = &sel.basis {
        out.push(Cond {
            value: Tri::from_bool(list.iter().any(|b| b.name() == a.basis)),
            why: format!("basis {}", a.basis),
        });
    }
    if let Some(list) = &sel.zone {
        let listed = list.iter().any(|z| z.name() == f.zone);
        out.push(Cond {
            value: if listed {
                Tri::Yes
            } else if f.zone == "unknown" {
                Tri::Undecided
            } else {
                Tri::No
            },
            why: format!("zone {}", f.zone),
        });
    }
    // A non-routable destination is a machine of this network: no country, no provider, no
    // foreign control; that is known, not undecided.
    let private = |field: &str| Cond {
        value: Tri::No,
        why: format!("{field}: none (private address)"),
    };
    if let Some(list) = &sel.country {
        out.push(if f.private {
            private("country")
        } else {
            list_cond("country", f.country.as_deref(), list, false)
        });
    }
    if let Some(list) = &sel.provider {
        out.push(if f.private {
            private("provider")
        } else {
            list_cond("provider", f.provider.as_deref(), list, true)
        });
    }
    if let Some(list) = &sel.jurisdiction {
        out.push(if f.private {
            private("jurisdiction")
        } else {
            list_cond("jurisdiction", f.jurisdiction.as_deref(), list, false)
        });
    }
    if let Some(want) = sel.non_eu_control {
        out.push(if f.private {
            Cond {
                value: Tri::from_bool(!want),
                why: "non_eu_control: none (private address)".to_string(),
            }
        } else {
            match f.non_eu_control {
                Some(v) => Cond {
                    value: Tri::from_bool(v == want),
                    why: format!("non_eu_control {v}"),
                },
                None => Cond {
                    value: Tri::Undecided,
                    why: "non_eu_control unknown".to_string(),
                },
            }
        });
    }
    if let Some(want) = sel.cloud_act {
        out.push(if f.private {
            Cond {
                value: Tri::from_bool(!want),
                why: "cloud_act: none (private address)".to_string(),
            }
        } else {
            match f.jurisdiction.as_deref() {
                Some(j) => Cond {
                    value: Tri::from_bool((j == "US") == want),
                    why: format!("cloud_act {} (jurisdiction {j})", j == "US"),
                },
                None => Cond {
                    value: Tri::Undecided,
                    why: "cloud_act unknown (no jurisdiction)".to_string(),
                },
            }
        });
    }
    let service = f.flow.service.as_ref();
    if let Some(list) = &sel.service {
        let name = service.map(|s| s.name.as_str());
        out.push(Cond {
            value: Tri::from_bool(name.is_some_and(|n| list.iter().any(|l| l == n))),
            why: format!("service {}", name.unwrap_or("none")),
        });
    }
    if let Some(list) = &sel.service_id {
        let id = service.map(|s| s.id.as_str());
        out.push(Cond {
            value: Tri::from_bool(id.is_some_and(|n| list.iter().any(|l| l == n))),
            why: format!("service_id {}", id.unwrap_or("none")),
        });
    }
    if let Some(list) = &sel.category {
        let category = service.map_or("unclassified", |s| s.category.as_str());
        out.push(Cond {
            value: Tri::from_bool(list.iter().any(|c| c.name() == category)),
            why: format!("category {category}"),
        });
    }
    if let Some(patterns) = &sel.hostname {
        let name = f.flow.hostname.as_ref().map(|h| h.name.as_str());
        out.push(Cond {
            value: Tri::from_bool(
                name.is_some_and(|n| patterns.iter().any(|p| hostname_matches(p, n))),
            ),
            why: format!("hostname {}", name.unwrap_or("none")),
        });
    }
    out
}

/// A selector's value: every condition, and no `except` entry.
pub fn select(sel: &Selector, f: &Facts<'_>) -> Tri {
    let own = conditions(sel, f)
        .iter()
        .fold(Tri::Yes, |acc, c| acc.and(c.value));
    let excepted = sel
        .except
        .iter()
        .fold(Tri::No, |acc, e| acc.or(select(e, f)));
    own.and(excepted.negate())
}

/// A rule's value on a flow: in its `where`, in no `allow` entry; with the reasons.
pub fn judge(rule: &Rule, f: &Facts<'_>) -> (Tri, Vec<String>) {
    let scope = select(&rule.scope, f);
    if scope == Tri::No {
        return (Tri::No, Vec::new());
    }
    let allowed = rule
        .allow
        .iter()
        .fold(Tri::No, |acc, a| acc.or(select(a, f)));
    let value = scope.and(allowed.negate());
    if value == Tri::No {
        return (value, Vec::new());
    }
    let mut why: Vec<String> = conditions(&rule.scope, f)
        .into_iter()
        .map(|c| match c.value {
            Tri::Undecided => format!("{} (undecided)", c.why),
            _ => c.why,
        })
        .collect();
    if !rule.allow.is_empty() {
        why.push(match allowed {
            Tri::Undecided => "allow: undecided".to_string(),
            _ => "allow: no entry matches".to_string(),
        });
    }
    (value, why)
}

/// Checks one report against the policy. Fails when the report cannot answer the policy's
/// questions (another home country, or none where a rule asks about it).
pub fn evaluate(
    policy: &Policy,
    report: &Report,
    path: &str,
    kind: &'static str,
) -> Result<InputOutcome, PolicyError> {
    let home = report.geo.home.clone();
    if let Some(want) = &policy.home
        && home.as_deref() != Some(want.as_str())
    {
        return Err(PolicyError::Home(format!(
            "the policy is for home {want}, the report was made with {}: analyse with --home {want}",
            home.as_deref()
                .map_or_else(|| "no --home".to_string(), |h| format!("--home {h}"))
        )));
    }
    if home.is_none() && policy.uses_home() {
        return Err(PolicyError::Home(
            "a rule tests left_home, and the report was made without --home: analyse with --home CC (or set `home` in the policy)".to_string(),
        ));
    }
    let flows = remote_flows(report);
    let rules = policy
        .rules
        .iter()
        .map(|rule| evaluate_rule(policy, rule, &flows, report))
        .collect::<Vec<_>>();
    let mut incomplete = report.summary.incomplete.clone();
    if !report.summary.complete && incomplete.is_empty() {
        incomplete.push("incomplete".to_string());
    }
    let complete = incomplete.is_empty() && report.inputs.iter().all(|i| i.complete);
    if !complete && incomplete.is_empty() {
        incomplete.push("damaged-input".to_string());
    }
    let violated = rules.iter().any(|r| r.status == Status::Violated);
    let status = if violated || (!complete && policy.incomplete == Incomplete::Violation) {
        Status::Violated
    } else if !complete && policy.incomplete == Incomplete::Partial {
        Status::Incomplete
    } else {
        Status::Holds
    };
    Ok(InputOutcome {
        path: path.to_string(),
        kind,
        status,
        error: None,
        home,
        complete: Some(complete),
        incomplete,
        report_inputs: report.inputs.iter().map(|i| i.path.clone()).collect(),
        remote_flows: u64::try_from(flows.len()).unwrap_or(u64::MAX),
        rules,
    })
}

fn evaluate_rule(
    policy: &Policy,
    rule: &Rule,
    flows: &[Facts<'_>],
    report: &Report,
) -> RuleOutcome {
    let unknown = rule.unknown.unwrap_or(policy.unknown);
    let unanswered = rule.unanswered.unwrap_or(policy.unanswered);
    let mut violations = Volume::default();
    let mut undecided = Volume::default();
    let mut listed = Vec::new();
    for f in flows {
        if unanswered == Unanswered::Ignore && !f.flow.answer.answered {
            continue;
        }
        let (value, why) = judge(rule, f);
        match value {
            Tri::No => continue,
            Tri::Yes => violations.add(f),
            Tri::Undecided => undecided.add(f),
        }
        listed.push(FlowEvidence::new(f, value == Tri::Yes, why, report));
    }
    let counted = match unknown {
        Unknown::Violation => violations.plus(&undecided),
        Unknown::Pass => violations.clone(),
    };
    let limits = Limits {
        max_flows: rule.max_flows,
        max_bytes: rule.max_bytes,
        max_payload: rule.max_payload,
    };
    let violated = limits.exceeded_by(&counted);
    // Violations first, then most bytes, then by flow id: the same report lists the same way.
    listed.sort_by(|a, b| {
        b.counts(unknown)
            .cmp(&a.counts(unknown))
            .then(b.bytes_to_remote.cmp(&a.bytes_to_remote))
            .then(a.id.cmp(&b.id))
    });
    RuleOutcome {
        id: rule.id.clone(),
        description: rule.description.clone(),
        status: if violated {
            Status::Violated
        } else {
            Status::Holds
        },
        unknown,
        unanswered,
        limits,
        counted,
        violations,
        undecided,
        flows: listed,
    }
}

#[cfg(test)]
#[path = "eval_tests.rs"]
mod tests;
