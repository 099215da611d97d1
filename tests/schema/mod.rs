//! The JSON Schema of the report, docs/report.schema.json, checked with a real validator (the
//! `jsonschema` crate, draft 2020-12, `format` keywords asserted). Any test binary can check a
//! report it made: `mod schema;` then `schema::validate_report(&report)?`.
// Each test binary that includes this module uses only part of it.
#![allow(dead_code)]

use jsonschema::Validator;
use jsonschema::error::{ValidationError, ValidationErrorKind};
use serde_json::Value;
use std::sync::OnceLock;

/// Where the schema lives, from the project root.
pub const SCHEMA_PATH: &str = "docs/report.schema.json";

/// The schema as JSON, read once.
pub fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA_PATH);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
    })
}

/// The compiled validator (the schema checked against the draft 2020-12 meta-schema first).
pub fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(schema())
            .unwrap_or_else(|e| panic!("{SCHEMA_PATH} is not a valid JSON Schema: {e}"))
    })
}

/// Checks `json` against docs/report.schema.json. On failure, every error, one a line: the
/// instance path (JSON Pointer into the report), the message, and the schema path that failed.
/// A failed `oneOf`/`anyOf` (a nullable field, say) is told by the errors of its branches, less
/// the bare type mismatches (`... is not of type "null"`), so the line names the field at fault.
pub fn validate_report(json: &Value) -> Result<(), String> {
    errors(validator(), json)
}

/// Every error of `json` against `validator`, one a line (see [`validate_report`]).
fn errors(validator: &Validator, json: &Value) -> Result<(), String> {
    let mut lines = Vec::new();
    for error in validator.iter_errors(json) {
        describe(&error, &mut lines);
    }
    if lines.is_empty() {
        Ok(())
    } else {
        Err(lines.join("\n"))
    }
}

fn describe(error: &ValidationError<'_>, lines: &mut Vec<String>) {
    if let ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } =
        error.kind()
    {
        let branches: Vec<_> = context
            .iter()
            .filter(|branch| !is_type_mismatch_only(branch, error))
            .collect();
        if !branches.is_empty() {
            for branch in branches {
                for e in branch {
                    describe(e, lines);
                }
            }
            return;
        }
    }
    let at = error.instance_path().to_string();
    lines.push(format!(
        "at {:?}: {error} (schema {})",
        if at.is_empty() { "/" } else { at.as_str() },
        error.schema_path()
    ));
}

/// A branch that failed only because the value is of another type than the branch is for.
fn is_type_mismatch_only(branch: &[ValidationError<'_>], parent: &ValidationError<'_>) -> bool {
    branch.len() == 1
        && matches!(branch[0].kind(), ValidationErrorKind::Type { .. })
        && branch[0].instance_path() == parent.instance_path()
}

/// Where the merged document's schema lives, from the project root.
pub const MERGE_SCHEMA_PATH: &str = "docs/merge.schema.json";

/// The validator of docs/merge.schema.json, which refers to the report's schema by its `$id`
/// (`urn:residency:report:2`): that schema is registered under it, so nothing is fetched.
pub fn merge_validator() -> &'static Validator {
    static REGISTRY: OnceLock<jsonschema::Registry<'static>> = OnceLock::new();
    static MERGE: OnceLock<Value> = OnceLock::new();
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let registry = REGISTRY.get_or_init(|| {
            jsonschema::Registry::new()
                .add("urn:residency:report:2", schema().clone())
                .expect("the report schema's id is a URI")
                .prepare()
                .expect("the report schema registers")
        });
        let merge = MERGE.get_or_init(|| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(MERGE_SCHEMA_PATH);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
        });
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .with_registry(registry)
            .build(merge)
            .unwrap_or_else(|e| panic!("{MERGE_SCHEMA_PATH} is not a valid JSON Schema: {e}"))
    })
}

/// Checks a merged document against docs/merge.schema.json; every error, one a line.
pub fn validate_merge(json: &Value) -> Result<(), String> {
    errors(merge_validator(), json)
}
