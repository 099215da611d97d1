//! Load errors: every refusal names the entry and field at fault; ambiguous rules are refused;
//! mutated and arbitrary catalog text gives an error, never a panic.

use super::tests::{catalog, entry};
use super::*;
use proptest::prelude::*;

fn load_error(entries: &[String]) -> String {
    catalog(entries)
        .expect_err("catalog must be refused")
        .to_string()
}

#[test]
fn load_errors_name_the_entry_and_field() {
    let e = load_error(&[
        entry("a", "web", r#"names = ["x.example"]"#),
        entry("b", "web", r#"names = ["x.example"]"#),
    ]);
    assert!(
        e.contains("\"x.example\"") && e.contains("\"a\"") && e.contains("\"b\""),
        "{e}"
    );
    let e = load_error(&[entry(
        "a",
        "web",
        r#"names = ["*.x.example", "*.x.example"]"#,
    )]);
    assert!(e.contains("listed by both \"a\" and \"a\""), "{e}");
    let e = load_error(&[entry("a", "web", r#"ranges = ["52.112.0.0/33"]"#)]);
    assert!(
        e.contains("service \"a\": ranges") && e.contains("not a CIDR"),
        "{e}"
    );
    let e = load_error(&[entry("a", "web", r#"ranges = ["52.112.1.0/14"]"#)]);
    assert!(
        e.contains("host bits set") && e.contains("52.112.0.0/14"),
        "{e}"
    );
    let e = load_error(&[entry("a", "video", r#"names = ["x.example"]"#)]);
    assert!(
        e.contains("service \"a\": category") && e.contains("\"video\""),
        "{e}"
    );
    let no_source =
        entry("a", "web", r#"names = ["x.example"]"#).replace("source = \"test\"\n", "");
    assert!(load_error(&[no_source]).contains("service \"a\": source: missing"));
    let no_date =
        entry("a", "web", r#"names = ["x.example"]"#).replace("date = \"2026-11-29\"\n", "");
    assert!(load_error(&[no_date]).contains("service \"a\": date: missing"));
    let bad_date =
        entry("a", "web", r#"names = ["x.example"]"#).replace("2026-11-29", "2026-02-30");
    assert!(load_error(&[bad_date]).contains("date: \"2026-02-30\""));
    assert!(
        load_error(&[entry("a", "web", ""), entry("a", "web", "")]).contains("matches nothing")
    );
    let e = load_error(&[
        entry("a", "web", r#"names = ["x.example"]"#),
        entry("a", "web", r#"names = ["y.example"]"#),
    ]);
    assert!(e.contains("\"a\" is listed twice"), "{e}");
    assert!(
        load_error(&[entry(
            "a",
            "web",
            "ports = [\"443\"]\nranges = [\"192.0.2.0/24\"]"
        )])
        .contains("needs a protocol")
    );
    assert!(
        load_error(&[entry(
            "a",
            "web",
            "protocol = \"tcp\"\nnames = [\"x.example\"]"
        )])
        .contains("cannot have them")
    );
    assert!(
        load_error(&[entry(
            "a",
            "web",
            "protocol = \"sctp\"\nranges = [\"192.0.2.0/24\"]"
        )])
        .contains("protocol")
    );
    assert!(
        load_error(&[entry("a", "web", "names = [\"x.example\"]\ncolour = 1")])
            .contains("unknown field")
    );
    let e = Catalog::from_toml("catalog_date = \"soon\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("catalog_date"), "{e}");
}

#[test]
fn ambiguous_rules_are_refused() {
    let udp = |id: &str, ports: &str| {
        entry(
            id,
            "media",
            &format!("ranges = [\"192.0.2.0/24\"]\nprotocol = \"udp\"\nports = [{ports}]"),
        )
    };
    let e = load_error(&[udp("a", "\"3478-3481\""), udp("b", "\"3481\"")]);
    assert!(
        e.contains("range:192.0.2.0/24 udp/3481") && e.contains("\"a\""),
        "{e}"
    );
    // Same prefix, disjoint ports, or different precedence: accepted.
    assert!(catalog(&[udp("a", "\"3478\""), udp("b", "\"3479\"")]).is_ok());
    assert!(
        catalog(&[
            udp("a", "\"3478\""),
            entry("b", "web", "ranges = [\"192.0.2.0/24\"]")
        ])
        .is_ok()
    );
    let portless = |id: &str| entry(id, "web", "ranges = [\"2001:db8::/32\"]");
    assert!(load_error(&[portless("a"), portless("b")]).contains("same precedence"));
    let port = |id: &str, ports: &str| {
        entry(
            id,
            "media",
            &format!("protocol = \"udp\"\nports = [{ports}]"),
        )
    };
    assert!(
        load_error(&[port("a", "\"3478\""), port("b", "\"3000-4000\"")]).contains("shares a port")
    );
    assert!(
        catalog(&[
            port("a", "\"3478\""),
            entry("b", "media", "protocol = \"tcp\"\nports = [\"3478\"]")
        ])
        .is_ok()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The loader on mutated catalogs (bytes overwritten, a slice cut out): it answers with a
    /// catalog or an error, never a panic.
    #[test]
    fn the_loader_survives_mutated_text(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        cut_len in 0usize..200,
    ) {
        let mut bytes = SERVICES_TOML.as_bytes().to_vec();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let start = cut.index(bytes.len());
        let end = (start + cut_len).min(bytes.len());
        bytes.drain(start..end);
        let text = String::from_utf8_lossy(&bytes);
        let _ = Catalog::from_toml(&text);
    }

    /// Arbitrary text is refused, not a panic.
    #[test]
    fn the_loader_survives_arbitrary_text(text in ".{0,400}") {
        prop_assert!(Catalog::from_toml(&text).is_err() || text.contains("catalog_date"));
    }
}
