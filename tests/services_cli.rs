//! `--services PATH`: a catalog of the user's replaces the embedded one, and the report says so.

mod cli;

use std::path::PathBuf;

const CATALOG: &str = r#"
catalog_date = "2026-11-30"

[[service]]
id = "example"
name = "Example service"
provider = "Microsoft"
category = "other"
names = ["example.com"]
source = "a test catalog"
date = "2026-11-30"
"#;

fn write(name: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("services_cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn run(args: &[&str]) -> (i32, String, String) {
    let run = cli::residency(args);
    (run.code, run.stdout, run.stderr)
}

#[test]
fn a_user_catalog_replaces_the_embedded_one() {
    let path = write("catalog.toml", CATALOG);
    let path_str = path.to_str().unwrap();
    let (code, out, err) = run(&[
        "analyze",
        "--services",
        path_str,
        "--json",
        "-",
        "captures/names.pcap",
    ]);
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let table = &r["geo"]["services_table"];
    assert_eq!(table["file"], path_str);
    assert_eq!(table["date"], "2026-11-30");
    assert_eq!(table["entries"], 1);
    assert_eq!(
        table["sha256"],
        residency::digest::sha256_hex(CATALOG.as_bytes())
    );
    let services: Vec<&str> = r["flows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["service"]["id"].as_str())
        .collect();
    // Only the QUIC flow (SNI example.com) matches; the embedded Teams rules are gone.
    assert_eq!(services, ["example"]);
}

#[test]
fn a_bad_catalog_is_an_error_naming_the_file_and_the_entry() {
    let bad = CATALOG.replace("category = \"other\"", "category = \"gossip\"");
    let path = write("bad.toml", &bad);
    let (code, out, err) = run(&[
        "analyze",
        "--services",
        path.to_str().unwrap(),
        "captures/names.pcap",
    ]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(
        err.contains("--services") && err.contains("bad.toml"),
        "{err}"
    );
    assert!(
        err.contains("\"example\"") && err.contains("category"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "analyze",
        "--services",
        "no/such/catalog.toml",
        "captures/names.pcap",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot read the service catalog"), "{err}");
}
