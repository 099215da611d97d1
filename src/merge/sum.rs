//! Adding up parts of reports' summaries that are counters all the way down.
//!
//! Only called on parts whose every number is an additive count (flows, bytes, packets): a
//! ratio or a setting among them is refused as an error rather than summed into nonsense, so
//! a field added to the report later fails the merge's tests until it is given a rule.

use serde_json::{Map, Value};
use std::collections::HashMap;

/// Why two parts could not be added.
#[derive(Debug, thiserror::Error)]
#[error("`{path}`: {what}")]
pub struct SumError {
    pub path: String,
    pub what: String,
}

fn error(path: &str, what: impl Into<String>) -> SumError {
    SumError {
        path: path.to_string(),
        what: what.into(),
    }
}

/// Adds `from` into `into`, key by key: unsigned integers are summed; objects are added
/// recursively (a key only one side has is kept); equal strings, booleans and nulls stay; a
/// null takes the other side's value. Anything else is refused.
pub fn add(into: &mut Value, from: &Value, path: &str) -> Result<(), SumError> {
    match (into, from) {
        (into @ Value::Null, from) => {
            // The first report's part is checked as any other's would be.
            check(from, path)?;
            *into = from.clone();
            Ok(())
        }
        (_, Value::Null) => Ok(()),
        (Value::Object(a), Value::Object(b)) => add_objects(a, b, path),
        (Value::Number(a), Value::Number(b)) => match (a.as_u64(), b.as_u64()) {
            (Some(x), Some(y)) => {
                let sum = x
                    .checked_add(y)
                    .ok_or_else(|| error(path, "the sum overflows 64 bits"))?;
                *a = sum.into();
                Ok(())
            }
            _ => Err(error(path, "not a count (a fraction or a negative number)")),
        },
        (a @ (Value::String(_) | Value::Bool(_)), b) if *a == *b => Ok(()),
        (a, b) => Err(error(
            path,
            format!("cannot add {} and {}", kind(a), kind(b)),
        )),
    }
}

/// Whether `value` could be added to: counts, strings, booleans and nulls, in objects.
fn check(value: &Value, path: &str) -> Result<(), SumError> {
    match value {
        Value::Object(map) => map
            .iter()
            .try_for_each(|(key, v)| check(v, &format!("{path}.{key}"))),
        Value::Number(n) if n.as_u64().is_none() => {
            Err(error(path, "not a count (a fraction or a negative number)"))
        }
        Value::Array(_) => Err(error(path, "a list where counts were expected")),
        _ => Ok(()),
    }
}

fn add_objects(
    a: &mut Map<String, Value>,
    b: &Map<String, Value>,
    path: &str,
) -> Result<(), SumError> {
    for (key, value) in b {
        let here = format!("{path}.{key}");
        // A key only `b` has is added to nothing: checked the same way.
        add(a.entry(key.clone()).or_insert(Value::Null), value, &here)?;
    }
    Ok(())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Adds the rows of the list `from` into the list `into`: rows with the same values in the
/// `key` fields are one row, whose other fields are added with [`add`]; a new key is a new row.
/// The result is ordered by `order` (a count, largest first), then by the key fields' text.
pub fn add_rows(
    into: &mut Vec<Value>,
    from: &Value,
    key: &[&str],
    order: &str,
    path: &str,
) -> Result<(), SumError> {
    let rows = match from {
        Value::Null => return Ok(()),
        Value::Array(rows) => rows,
        other => {
            return Err(error(
                path,
                format!("{} where a list was expected", kind(other)),
            ));
        }
    };
    // A row's identity: its key fields as JSON text (unambiguous whatever they contain).
    let key_of = |row: &Value| -> String {
        let values: Vec<&Value> = key.iter().map(|k| &row[*k]).collect();
        serde_json::to_string(&values).unwrap_or_default()
    };
    let mut index: HashMap<String, usize> = into
        .iter()
        .enumerate()
        .map(|(i, row)| (key_of(row), i))
        .collect();
    for row in rows {
        if !row.is_object() {
            return Err(error(path, format!("a row is {}", kind(row))));
        }
        let wanted = key_of(row);
        let here = format!("{path}[{wanted}]");
        match index.get(&wanted) {
            Some(&i) => add(&mut into[i], row, &here)?,
            None => {
                let mut new = Value::Null;
                add(&mut new, row, &here)?;
                index.insert(wanted, into.len());
                into.push(new);
            }
        }
    }
    into.sort_by_cached_key(|r| (std::cmp::Reverse(r[order].as_u64().unwrap_or(0)), key_of(r)));
    Ok(())
}

/// Replaces the value of every key named `name`, at any depth, with null.
pub fn null_every(value: &mut Value, name: &str) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == name {
                    *v = Value::Null;
                } else {
                    null_every(v, name);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| null_every(v, name)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_add_key_by_key_and_new_keys_are_kept() {
        let mut a = json!({"flows": 2, "by": {"tcp": 1}, "name": "x"});
        add(
            &mut a,
            &json!({"flows": 3, "by": {"udp": 4}, "name": "x"}),
            "s",
        )
        .unwrap();
        assert_eq!(
            a,
            json!({"flows": 5, "by": {"tcp": 1, "udp": 4}, "name": "x"})
        );
    }

    #[test]
    fn what_is_not_a_count_is_refused_with_its_path() {
        let mut a = json!({"percent": 1.5});
        let e = add(&mut a, &json!({"percent": 2.0}), "s").unwrap_err();
        assert_eq!(e.path, "s.percent");
        let mut a = json!({"home": "SE"});
        let e = add(&mut a, &json!({"home": "NO"}), "s").unwrap_err();
        assert_eq!(e.to_string(), "`s.home`: cannot add a string and a string");
        let mut a = json!({"n": u64::MAX});
        assert!(add(&mut a, &json!({"n": 1}), "s").is_err());
        let mut a = json!({"l": [1]});
        assert!(add(&mut a, &json!({"l": [2]}), "s").is_err());
    }

    #[test]
    fn the_first_part_is_checked_too() {
        let mut a = Value::Null;
        assert_eq!(
            add(&mut a, &json!({"flows": -1}), "s").unwrap_err().path,
            "s.flows"
        );
        assert!(add(&mut a, &json!({"x": [1]}), "s").is_err());
        assert!(a.is_null());
        // A key only the second part has, too.
        let mut a = json!({"flows": 1});
        assert!(add(&mut a, &json!({"rate": 0.5}), "s").is_err());
    }

    #[test]
    fn rows_with_the_same_key_are_one_row_and_the_largest_comes_first() {
        let mut rows = vec![json!({"name": "A", "j": "US", "flows": 1})];
        add_rows(
            &mut rows,
            &json!([{"name": "B", "j": "US", "flows": 1}, {"name": "A", "j": "US", "flows": 2}]),
            &["name", "j"],
            "flows",
            "p",
        )
        .unwrap();
        assert_eq!(
            rows,
            vec![
                json!({"name": "A", "j": "US", "flows": 3}),
                json!({"name": "B", "j": "US", "flows": 1})
            ]
        );
    }

    #[test]
    fn a_key_is_nulled_at_every_depth() {
        let mut v = json!({"left_home": {"flows": 1}, "rows": [{"left_home": 2, "x": 1}]});
        null_every(&mut v, "left_home");
        assert_eq!(
            v,
            json!({"left_home": null, "rows": [{"left_home": null, "x": 1}]})
        );
    }
}
