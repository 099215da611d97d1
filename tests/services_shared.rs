//! Service categories on a real capture: nDPI's teams.pcap (`../shared/captures`, a public DPI
//! test suite's captures; `RESIDENCY_NDPI_CAPTURES` overrides the path). Its call fell back to
//! TCP 443 for part of the media: TLS to the transport relay euaz.tr.teams.microsoft.com and,
//! with the relay's address as server name, to 52.114.250.152 and 52.114.250.153. Those flows
//! are Teams media, not signalling. Without the captures the test prints why and passes.

mod cli;

use cli::analyze;
use serde_json::Value;

#[test]
fn teams_relays_over_tcp_443_are_media() {
    let Some(path) = cli::shared_capture("teams.pcap") else {
        return;
    };
    let run = analyze(&["--json", "-", path.to_str().expect("utf-8 path")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = run.json();
    let flows = r["flows"].as_array().expect("flows");
    // (server, hostname, rule) of every TCP/443 flow that is Teams media.
    let mut tcp_media: Vec<(String, String, String)> = flows
        .iter()
        .filter(|f| f["transport"] == "tcp" && f["service"]["category"] == "media")
        .map(|f| {
            (
                format!(
                    "{}:{}",
                    f["server"]["ip"].as_str().unwrap_or(""),
                    f["server"]["port"]
                ),
                f["hostname"]["name"].as_str().unwrap_or("").to_string(),
                f["service"]["rule"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    tcp_media.sort();
    let relay = |server: &str, name: &str, rule: &str| {
        (server.to_string(), name.to_string(), rule.to_string())
    };
    assert_eq!(
        tcp_media,
        [
            relay(
                "52.114.250.123:443",
                "euaz.tr.teams.microsoft.com",
                "name:*.tr.teams.microsoft.com"
            ),
            relay(
                "52.114.250.123:443",
                "euaz.tr.teams.microsoft.com",
                "name:*.tr.teams.microsoft.com"
            ),
            relay(
                "52.114.250.152:443",
                "52.114.250.152",
                "range:52.112.0.0/14 tcp/443"
            ),
            relay(
                "52.114.250.153:443",
                "52.114.250.153",
                "range:52.112.0.0/14 tcp/443"
            ),
        ]
    );
    let count = |name: &str, category: &str| {
        flows
            .iter()
            .filter(|f| f["service"]["name"] == name && f["service"]["category"] == category)
            .count()
    };
    // Before the relay rules: 20 signalling and 12 media flows.
    assert_eq!(count("Microsoft Teams", "signalling"), 16);
    assert_eq!(count("Microsoft Teams media", "media"), 16);
    let media: &Value = &r["summary"]["services"]["by_category"]["media"];
    assert_eq!(
        (&media["flows"], &media["bytes_to"], &media["bytes_from"]),
        (&Value::from(14), &Value::from(12906), &Value::from(36993))
    );
}
