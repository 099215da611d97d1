//! A JSON report as `residency diff`, `check` (given a report), `merge` and `analyze --html
//! --baseline` read one: an auditor opens reports that others produced. The four readers,
//! then what each does with what it read: the diff of the report with itself (and its JSON),
//! the HTML page, a policy's evaluation, and the merge of the report with a second reading
//! of itself (refused when it names a capture; its counts doubled when it names none).
#![no_main]

use libfuzzer_sys::fuzz_target;
use residency::diff::{compare, read, write_json};
use residency::merge;
use residency::policy::eval::evaluate;
use residency::policy::input::Report;
use residency::policy::model::Policy;
use residency::report::html;
use std::path::Path;
use std::sync::OnceLock;

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        Policy::parse(include_str!("../../../docs/policies/eu-operator-only.toml"))
            .expect("the example policy parses")
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = read::from_reader(Path::new("fuzz.json"), data) {
        let diff = compare::diff(&report, &report);
        let _ = write_json(&diff, &mut std::io::sink());
    }
    let _ = html::render(data, &mut std::io::sink());
    if let (Ok(a), Ok(b)) = (
        merge::read_from(Path::new("a.json"), data),
        merge::read_from(Path::new("b.json"), data),
    ) && let Ok(merged) = merge::merge([a, b])
    {
        let _ = merge::terminal::write(&merged, &mut std::io::sink());
    }
    if let Ok(report) = Report::from_reader(data) {
        let _ = std::hint::black_box(evaluate(policy(), &report, "fuzz.json", "report"));
    }
});
