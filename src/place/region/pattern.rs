//! Name patterns of geo/regions.toml and their matcher.
//!
//! A pattern is a list of labels matched right to left against a host name's labels, whole
//! label against whole label: `*.{region}.amazonaws.com` matches `s3.eu-north-1.amazonaws.com`
//! but not `eu-north-1x.amazonaws.com` or `europe.example.com`. A label is literal text and
//! placeholders: `{region}` (a region code of the rule's family, tested against the table),
//! `{n}` (one or more ASCII digits), `{any}` (one or more characters). `*` as the first label
//! stands for one or more labels.
//!
//! Cost: names are at most [`MAX_NAME_LEN`] bytes, a label at most 63; a label pattern has at
//! most two placeholders, separated by literal text, so matching one label tries at most
//! 63 × 63 splits, each a hash probe at most. No recursion deeper than the number of pieces.

/// The host-name limits of the service catalog (RFC 1035: 253 characters as text, labels of
/// at most 63).
pub use crate::services::names::{MAX_LABEL_LEN, MAX_NAME_LEN};

/// One piece of a label pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Lit(String),
    Region,
    Digits,
    Any,
}

/// A parsed pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// The leading `*`: one or more labels before the fixed ones.
    wildcard: bool,
    /// The fixed labels, in name order.
    labels: Vec<Vec<Piece>>,
    /// Whether some label holds `{region}`.
    has_region: bool,
}

impl Pattern {
    /// Parses a pattern; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        if text.is_empty() || text.len() > MAX_NAME_LEN {
            return Err("empty, or longer than a host name".into());
        }
        let mut parts: Vec<&str> = text.split('.').collect();
        let wildcard = parts.first() == Some(&"*");
        if wildcard {
            parts.remove(0);
        }
        if parts.len() < 2 {
            return Err("needs at least two labels after any `*`".into());
        }
        let mut labels = Vec::with_capacity(parts.len());
        let mut regions = 0;
        for part in &parts {
            let pieces = label(part)?;
            regions += pieces.iter().filter(|p| **p == Piece::Region).count();
            labels.push(pieces);
        }
        if regions > 1 {
            return Err("`{region}` appears more than once".into());
        }
        if !matches!(labels.last().map(Vec::as_slice), Some([Piece::Lit(_)])) {
            return Err("the last label must be literal".into());
        }
        Ok(Pattern {
            wildcard,
            labels,
            has_region: regions == 1,
        })
    }

    pub fn has_region(&self) -> bool {
        self.has_region
    }

    /// Matches lower-case name labels (in name order). `is_region` says whether a text is a
    /// region code of the rule's family. Returns the text `{region}` stood for ("" for a
    /// pattern without it).
    pub fn matches<'n>(
        &self,
        name: &[&'n str],
        is_region: &dyn Fn(&str) -> bool,
    ) -> Option<&'n str> {
        let fixed = self.labels.len();
        let fits = if self.wildcard {
            name.len() > fixed
        } else {
            name.len() == fixed
        };
        if !fits {
            return None;
        }
        let mut region = "";
        let tail = &name[name.len() - fixed..];
        // Right to left: the literal suffix fails fastest.
        for (pieces, text) in self.labels.iter().zip(tail).rev() {
            let mut found = None;
            if !match_pieces(pieces, text, is_region, &mut found) {
                return None;
            }
            if let Some(r) = found {
                region = r;
            }
        }
        Some(region)
    }
}

/// Parses one label pattern.
fn label(text: &str) -> Result<Vec<Piece>, String> {
    if text.is_empty() || text.len() > MAX_LABEL_LEN {
        return Err(format!("label {text:?} is empty or longer than 63 bytes"));
    }
    let mut pieces = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('{') {
            let (name, next) = after
                .split_once('}')
                .ok_or_else(|| format!("label {text:?}: `{{` without `}}`"))?;
            let piece = match name {
                "region" => Piece::Region,
                "n" => Piece::Digits,
                "any" => Piece::Any,
                _ => return Err(format!("label {text:?}: unknown placeholder {{{name}}}")),
            };
            if pieces.last().is_some_and(|p| !matches!(p, Piece::Lit(_))) {
                return Err(format!(
                    "label {text:?}: two placeholders need literal text between them"
                ));
            }
            pieces.push(piece);
            rest = next;
        } else {
            let end = rest.find('{').unwrap_or(rest.len());
            let (lit, next) = rest.split_at(end);
            if !lit
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(format!(
                    "label {text:?}: literal text must be lower-case letters, digits and `-`"
                ));
            }
            pieces.push(Piece::Lit(lit.to_string()));
            rest = next;
        }
    }
    let placeholders = pieces
        .iter()
        .filter(|p| !matches!(p, Piece::Lit(_)))
        .count();
    if placeholders > 2 {
        return Err(format!("label {text:?}: more than two placeholders"));
    }
    Ok(pieces)
}

/// Whether `text` is exactly `pieces`; the first split that works wins (shortest
/// placeholder first), so the answer is the same every time.
fn match_pieces<'n>(
    pieces: &[Piece],
    text: &'n str,
    is_region: &dyn Fn(&str) -> bool,
    region: &mut Option<&'n str>,
) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return text.is_empty();
    };
    match first {
        Piece::Lit(lit) => text
            .strip_prefix(lit.as_str())
            .is_some_and(|after| match_pieces(rest, after, is_region, region)),
        Piece::Region | Piece::Digits | Piece::Any => {
            // Every split at a character boundary, shortest first (non-empty).
            for (end, _) in text.char_indices().skip(1).chain([(text.len(), ' ')]) {
                if end == 0 {
                    break;
                }
                let (head, tail) = text.split_at(end);
                let ok = match first {
                    Piece::Region => is_region(head),
                    Piece::Digits => head.bytes().all(|b| b.is_ascii_digit()),
                    _ => true,
                };
                if ok && match_pieces(rest, tail, is_region, region) {
                    if *first == Piece::Region {
                        *region = Some(head);
                    }
                    return true;
                }
                if *first == Piece::Digits && !ok {
                    // Digits only grow: a longer head has the same non-digit.
                    return false;
                }
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions(text: &str) -> bool {
        matches!(text, "eu-north-1" | "westeurope" | "europe-north1" | "us")
    }

    fn m(pattern: &str, name: &str) -> Option<String> {
        let p = Pattern::parse(pattern).unwrap();
        let labels: Vec<&str> = name.split('.').collect();
        p.matches(&labels, &regions).map(str::to_string)
    }

    #[test]
    fn whole_labels_only() {
        let p = "*.{region}.amazonaws.com";
        assert_eq!(
            m(p, "s3.eu-north-1.amazonaws.com").as_deref(),
            Some("eu-north-1")
        );
        assert_eq!(
            m(p, "a.b.eu-north-1.amazonaws.com").as_deref(),
            Some("eu-north-1")
        );
        assert_eq!(
            m(p, "eu-north-1.amazonaws.com"),
            None,
            "`*` is one or more labels"
        );
        assert_eq!(m(p, "s3.eu-north-1x.amazonaws.com"), None);
        assert_eq!(m(p, "s3.xeu-north-1.amazonaws.com"), None);
        assert_eq!(m(p, "eu-north-1.s3.amazonaws.com"), None);
        assert_eq!(m(p, "s3.eu-north-1.amazonaws.com.evil.org"), None);
    }

    #[test]
    fn dash_parts() {
        assert_eq!(
            m("s3-{region}.amazonaws.com", "s3-eu-north-1.amazonaws.com").as_deref(),
            Some("eu-north-1")
        );
        assert_eq!(
            m("s3-{region}.amazonaws.com", "s3-eu-north-12.amazonaws.com"),
            None
        );
        let gcp = "{region}-{any}.pkg.dev";
        assert_eq!(
            m(gcp, "europe-north1-docker.pkg.dev").as_deref(),
            Some("europe-north1")
        );
        assert_eq!(m(gcp, "us-docker.pkg.dev").as_deref(), Some("us"));
        assert_eq!(m(gcp, "europe-docker.pkg.dev"), None);
        assert_eq!(
            m("{region}-{n}.x.com", "westeurope-05.x.com").as_deref(),
            Some("westeurope")
        );
        assert_eq!(m("{region}-{n}.x.com", "westeurope-0a.x.com"), None);
        // A fixed pattern without a region.
        assert_eq!(m("a-{any}.x.com", "a-b.x.com").as_deref(), Some(""));
        assert_eq!(m("a-{any}.x.com", "a-.x.com"), None);
    }

    #[test]
    fn bad_patterns_are_refused() {
        for (text, why) in [
            ("amazonaws", "at least two labels"),
            ("*.com", "at least two labels"),
            ("{region}{any}.x.com", "literal text between"),
            ("{region}.{region}.com", "more than once"),
            ("{region}.x.{any}", "last label must be literal"),
            ("{bad}.x.com", "unknown placeholder"),
            ("{region.x.com", "without"),
            ("A.x.com", "lower-case"),
            ("a..com", "empty"),
            ("{n}-{any}-{n}.x.com", "more than two"),
        ] {
            let err = Pattern::parse(text).unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
    }
}
