//! Running the real `residency` binary from the integration tests, as a user would.
// Each test binary that includes this module uses only part of it.
#![allow(dead_code)]

use serde_json::Value;
use std::process::Command;

/// What one run printed and how it ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Standard output as JSON (null when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or(Value::Null)
    }
}

/// Run `residency ARGS...` from the project root.
pub fn residency(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_residency"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run residency");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `residency analyze ARGS...`.
pub fn analyze(args: &[&str]) -> Run {
    residency(&[&["analyze"], args].concat())
}

/// The report's flow whose server is `ip`.
pub fn flow_to<'a>(report: &'a Value, ip: &str) -> &'a Value {
    report["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["server"]["ip"] == ip)
        .unwrap_or_else(|| panic!("no flow to {ip}"))
}
