//! residency's side: running the binary on a capture and summing its `flows[]` per
//! direction-free 5-tuple.

use crate::keys::{Counts, Endpoint, TupleKey, has_ports, transport_name, transport_number};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::net::IpAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// A run of residency over one capture longer than this counts as a hang.
const RESIDENCY_TIMEOUT: Duration = Duration::from_secs(180);
/// Exit codes residency may use when it produced a report.
pub const EXIT_COMPLETE: i32 = 0;
pub const EXIT_PARTIAL: i32 = 3;

pub struct ResidencySide {
    pub exit: i32,
    pub flows: usize,
    pub input_packets: Option<u64>,
    pub input_errors: usize,
    pub counts: BTreeMap<TupleKey, Counts>,
}

/// Runs the binary with a time limit; returns (exit code or None if killed by a signal,
/// stdout, stderr).
fn run_with_timeout(
    mut cmd: Command,
    limit: Duration,
) -> Result<(Option<i32>, Vec<u8>, String), String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("no exit after {limit:?}: hang? (killed)"));
            }
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for the child failed: {e}")),
        }
    };
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    Ok((status.code(), out, err))
}

pub fn run_residency(capture: &Path) -> Result<ResidencySide, String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_residency"));
    cmd.arg("analyze").arg("--json").arg("-").arg(capture);
    let (code, stdout, stderr) = run_with_timeout(cmd, RESIDENCY_TIMEOUT)?;
    let stderr_tail: String = stderr.lines().rev().take(15).collect::<Vec<_>>().join("\n");
    let exit = match code {
        Some(c @ (EXIT_COMPLETE | EXIT_PARTIAL)) => c,
        Some(c) => {
            return Err(format!(
                "exit code {c} (expected 0 or 3); stderr:\n{stderr_tail}"
            ));
        }
        None => {
            return Err(format!(
                "killed by a signal (crash?); stderr:\n{stderr_tail}"
            ));
        }
    };
    let report: Value = serde_json::from_slice(&stdout).map_err(|e| {
        let head = String::from_utf8_lossy(&stdout[..stdout.len().min(300)]).into_owned();
        format!("exit {exit} but stdout is not JSON ({e}); stdout starts: {head:?}")
    })?;
    if report.get("schema").and_then(Value::as_str) != Some("residency.report/2") {
        return Err(format!("unexpected `schema`: {:?}", report.get("schema")));
    }
    let flows = report
        .get("flows")
        .and_then(Value::as_array)
        .ok_or("report has no `flows` array")?;
    let input = report
        .get("inputs")
        .and_then(Value::as_array)
        .and_then(|i| i.first());
    let mut side = ResidencySide {
        exit,
        flows: flows.len(),
        input_packets: input.and_then(|i| i.get("packets")).and_then(Value::as_u64),
        input_errors: input
            .and_then(|i| i.get("errors"))
            .and_then(Value::as_array)
            .map_or(0, Vec::len),
        counts: BTreeMap::new(),
    };
    for (i, flow) in flows.iter().enumerate() {
        let f = residency_flow(flow).map_err(|e| format!("flows[{i}]: {e}: {flow}"))?;
        let slot = side.counts.entry(f.key).or_default();
        let same_endpoint = f.key.a == f.key.b;
        // to_server is client→server; with identical endpoints both go to A→B.
        slot.add(f.client_is_a, f.packets[0], f.bytes[0]);
        slot.add(!f.client_is_a || same_endpoint, f.packets[1], f.bytes[1]);
    }
    Ok(side)
}

/// One of residency's flows, keyed like the oracle's tuples.
struct ResidencyFlow {
    key: TupleKey,
    /// Whether the client is endpoint A.
    client_is_a: bool,
    /// [to_server, to_client]
    packets: [u64; 2],
    bytes: [u64; 2],
}

fn residency_flow(flow: &Value) -> Result<ResidencyFlow, String> {
    let transport = flow
        .get("transport")
        .and_then(Value::as_str)
        .ok_or("no `transport`")?;
    let proto = match flow.get("ip_protocol").and_then(Value::as_u64) {
        Some(p) => u8::try_from(p).map_err(|_| format!("ip_protocol {p} out of range"))?,
        None => transport_number(transport).ok_or("transport `other` without `ip_protocol`")?,
    };
    if transport_name(proto) != transport {
        return Err(format!(
            "transport {transport:?} disagrees with ip_protocol {proto}"
        ));
    }
    let endpoint = |role: &str| -> Result<Endpoint, String> {
        let v = flow.get(role).ok_or(format!("no `{role}`"))?;
        let ip = v
            .get("ip")
            .and_then(Value::as_str)
            .ok_or(format!("no `{role}.ip`"))?
            .parse::<IpAddr>()
            .map_err(|e| format!("`{role}.ip`: {e}"))?;
        let port = match v.get("port") {
            None | Some(Value::Null) => None,
            Some(p) => Some(
                p.as_u64()
                    .and_then(|p| u16::try_from(p).ok())
                    .ok_or(format!("`{role}.port` is not a port"))?,
            ),
        };
        if port.is_some() && !has_ports(proto) {
            return Err(format!("`{role}.port` set for transport {transport}"));
        }
        Ok(Endpoint { ip, port })
    };
    let client = endpoint("client")?;
    let server = endpoint("server")?;
    let number = |group: &str, dir: &str| -> Result<u64, String> {
        flow.get(group)
            .and_then(|g| g.get(dir))
            .and_then(Value::as_u64)
            .ok_or(format!("no `{group}.{dir}`"))
    };
    let (key, client_is_a) = TupleKey::new(proto, client, server);
    Ok(ResidencyFlow {
        key,
        client_is_a,
        packets: [
            number("packets", "to_server")?,
            number("packets", "to_client")?,
        ],
        bytes: [number("bytes", "to_server")?, number("bytes", "to_client")?],
    })
}
