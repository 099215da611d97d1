//! The HTML evidence report (`residency analyze --html PATH`): one self-contained page for
//! the people who decide (a DPO, an auditor, a supervisory authority), rendered from the
//! finished JSON report, so every figure on it is a field of that document (docs/html-report.md).
//!
//! Everything is inline (CSS, script, SVG map): the page opens from a USB stick or an e-mail
//! attachment and fetches nothing. The same JSON report gives the same bytes: nothing here
//! reads the clock, and every list is in a fixed order. Every string that comes from the
//! capture (host names, certificate names, STUN realms: chosen by whoever sent the packets) is
//! escaped for HTML on its way out ([`esc`], [`attr`]).

mod answer;
mod changes;
mod changes_lists;
mod diff_page;
mod map;
mod provenance;
mod tables;
pub mod view;

use super::units;
use crate::digest::HashingReader;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Read, Write};

pub use changes::{Compared, Counts, MAX_CHANGE_ROWS};
pub use map::MAX_CIRCLES;
pub use view::{MAX_ADDRESS_ROWS, MAX_FLOW_ROWS};

const STYLE: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("script.js");

/// Why a page could not be made.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    #[error("reading the JSON report: {0}")]
    Json(#[from] serde_json::Error),
    #[error("writing the HTML report: {0}")]
    Write(#[from] io::Error),
}

/// What was rendered, for the caller and the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Bytes of the page.
    pub bytes: usize,
    /// Destination markers on the map.
    pub markers: usize,
    /// SHA-256 of the JSON report the page was made from (printed in it).
    pub json_sha256: String,
}

/// Renders the JSON report read from `json` as one HTML page into `out`.
pub fn render(json: impl Read, out: &mut impl Write) -> Result<Rendered, HtmlError> {
    render_compared(json, None, out)
}

/// [`render`], with a section "Changes since the baseline" when `compared` is given: the diff
/// of a baseline report against the report read from `json` (which the caller read for the
/// diff from the same bytes), linked from the page's top.
pub fn render_compared(
    json: impl Read,
    compared: Option<&Compared>,
    out: &mut impl Write,
) -> Result<Rendered, HtmlError> {
    let mut reader = HashingReader::new(io::BufReader::new(json));
    let view = view::read(&mut reader)?;
    // Trailing whitespace is part of the document's bytes too.
    io::copy(&mut reader, &mut io::sink())?;
    let json_sha256 = reader.sha256_hex();
    let (page, markers) = page(&view, &json_sha256, compared);
    out.write_all(page.as_bytes())?;
    out.flush()?;
    Ok(Rendered {
        bytes: page.len(),
        markers,
        json_sha256,
    })
}

/// The stand-alone page of `residency diff --html`: the two reports' provenance and the
/// changes, without either report's own evidence tables. Returns the page's size in bytes.
pub fn render_diff(compared: &Compared, out: &mut impl Write) -> Result<usize, HtmlError> {
    let page = diff_page::page(compared);
    out.write_all(page.as_bytes())?;
    out.flush()?;
    Ok(page.len())
}

/// The page as a string, and the number of destination markers on its map.
fn page(
    view: &view::ReportView,
    json_sha256: &str,
    compared: Option<&Compared>,
) -> (String, usize) {
    let mut out = String::with_capacity(1 << 20);
    let inputs: Vec<&str> = view.inputs.as_array().map_or(Vec::new(), |a| {
        a.iter().filter_map(|i| i["path"].as_str()).collect()
    });
    let title = format!("residency evidence report: {}", inputs.join(", "));
    head(
        &mut out,
        &title,
        str_of(&view.tool["name"]),
        str_of(&view.tool["version"]),
    );
    let _ = writeln!(
        out,
        "<header><h1>Where did the data go?</h1><p class=\"sub\">{} — evidence from {} \
         captured {} to {}, by {} {}</p>",
        esc(&inputs.join(", ")),
        plural(
            view.inputs.as_array().map_or(0, Vec::len) as u64,
            "capture file"
        ),
        esc(str_of(&view.summary["first_packet"])),
        esc(str_of(&view.summary["last_packet"])),
        esc(str_of(&view.tool["name"])),
        esc(str_of(&view.tool["version"])),
    );
    if let Some(c) = compared {
        changes::top_line(&mut out, c);
    }
    out.push_str("</header>\n<main>\n");
    answer::write(&mut out, view);
    if let Some(c) = compared {
        changes::write(&mut out, c);
    }
    let markers = map::write(&mut out, view);
    tables::write(&mut out, view);
    provenance::write(&mut out, view, json_sha256);
    foot(&mut out);
    (out, markers)
}

/// The document's start up to `<body>`: inline style, a policy that forbids every fetch.
fn head(out: &mut String, title: &str, tool: &str, version: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{} {}\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        attr(tool),
        attr(version),
        esc(title)
    );
}

/// The document's end from `</main>`: the self-test's output and the page's script.
fn foot(out: &mut String) {
    out.push_str("</main>\n<pre id=\"selftest\" hidden></pre>\n<script>\n");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
}

/// HTML-escapes text for element content.
pub fn esc(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Escapes text for a quoted attribute value (the same escapes: quotes included).
pub fn attr(s: &str) -> Cow<'_, str> {
    esc(s)
}

/// A JSON string's text, or "" (a JSON null, or not a string).
fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// A JSON number as u64, or 0.
fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

/// "1 flow", "3 flows".
fn plural(count: u64, word: &str) -> String {
    if count == 1 {
        format!("1 {word}")
    } else {
        format!("{} {word}s", units::count(count))
    }
}

/// A table cell holding a number: shown formatted, sorted and tested by its exact value.
fn num_cell(out: &mut String, id: Option<&str>, value: u64, bytes: bool) {
    let shown = if bytes {
        units::bytes(value)
    } else {
        units::count(value)
    };
    match id {
        Some(id) => {
            let _ = write!(
                out,
                "<td class=\"num\" id=\"{}\" data-v=\"{value}\">{shown}</td>",
                attr(id)
            );
        }
        None => {
            let _ = write!(out, "<td class=\"num\" data-v=\"{value}\">{shown}</td>");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_escaped() {
        let hostile = "<script>alert('x')</script>\"&";
        assert_eq!(
            esc(hostile),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;"
        );
        assert!(matches!(esc("teams.microsoft.com"), Cow::Borrowed(_)));
    }
}
