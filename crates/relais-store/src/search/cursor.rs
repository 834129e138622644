//! Keyset paging cursors: the sort values and id of the row a page ends (or starts) at, so the
//! next page is "rows after this one in the requested order" — correct while resources are
//! written, unlike an offset. Opaque to clients (hex of a small JSON object) and bound to the
//! query they came from.

use relais_fhir::search::SearchQuery;
use serde_json::{Value, json};

use super::plan::ValueKind;

/// A sort value of one row: what `ORDER BY` compared.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SortValue {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// Which way from the boundary row a page goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Rows after the boundary (a `next` link).
    After,
    /// Rows before the boundary (a `previous` link).
    Before,
}

/// A decoded cursor.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cursor {
    pub direction: Direction,
    pub keys: Vec<SortValue>,
    pub id: String,
}

/// A fingerprint of what a cursor is valid for: the type, filters and sort order.
fn fingerprint(query: &SearchQuery) -> String {
    let text = format!("{}|{:?}|{:?}", query.resource_type, query.filters, query.sort);
    // FNV-1a: a cursor from another query is refused, not silently misapplied.
    let hash =
        text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    format!("{hash:016x}")
}

impl Cursor {
    pub(crate) fn encode(&self, query: &SearchQuery) -> String {
        let keys: Vec<Value> = self
            .keys
            .iter()
            .map(|k| match k {
                SortValue::Null => Value::Null,
                SortValue::Int(i) => json!({"i": i}),
                SortValue::Real(r) => json!({"r": r}),
                SortValue::Text(t) => json!({"t": t}),
            })
            .collect();
        let direction = match self.direction {
            Direction::After => "a",
            Direction::Before => "b",
        };
        let text = json!({"d": direction, "k": keys, "i": self.id, "q": fingerprint(query)}).to_string();
        text.bytes().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether each key is of the kind its sort column holds (or missing): a cursor this store
    /// made always is; one made up (its fingerprint copied) may not be, and binding text where
    /// PostgreSQL compares a number would fail the search rather than refuse the cursor.
    pub(crate) fn fits(&self, kinds: &[ValueKind]) -> bool {
        self.keys.len() == kinds.len()
            && self.keys.iter().zip(kinds).all(|(key, kind)| {
                matches!(
                    (key, kind),
                    (SortValue::Null, _)
                        | (SortValue::Int(_), ValueKind::Int)
                        | (SortValue::Real(_), ValueKind::Real)
                        | (SortValue::Text(_), ValueKind::Text)
                )
            })
    }

    /// `None` for anything this store did not hand out for `query`.
    pub(crate) fn decode(token: &str, query: &SearchQuery) -> Option<Cursor> {
        if !token.len().is_multiple_of(2) || token.len() > 8192 {
            return None;
        }
        let bytes: Option<Vec<u8>> = (0..token.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(token.get(at..at + 2)?, 16).ok())
            .collect();
        let value: Value = serde_json::from_slice(&bytes?).ok()?;
        if value.get("q")?.as_str()? != fingerprint(query) {
            return None;
        }
        let direction = match value.get("d")?.as_str()? {
            "a" => Direction::After,
            "b" => Direction::Before,
            _ => return None,
        };
        let keys: Option<Vec<SortValue>> = value
            .get("k")?
            .as_array()?
            .iter()
            .map(|k| {
                if k.is_null() {
                    return Some(SortValue::Null);
                }
                if let Some(i) = k.get("i") {
                    return i.as_i64().map(SortValue::Int);
                }
                if let Some(r) = k.get("r") {
                    return r.as_f64().map(SortValue::Real);
                }
                k.get("t")?.as_str().map(|t| SortValue::Text(t.to_owned()))
            })
            .collect();
        let keys = keys?;
        if keys.len() != query.sort.len() {
            return None;
        }
        Some(Cursor { direction, keys, id: value.get("i")?.as_str()?.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use relais_fhir::search::SortKey;

    fn query(sort: &str) -> SearchQuery {
        SearchQuery {
            resource_type: "Observation".into(),
            sort: vec![SortKey { param: sort.into(), descending: true }],
            ..SearchQuery::default()
        }
    }

    #[test]
    fn a_cursor_round_trips_for_its_own_query_only() {
        let cursor = Cursor {
            direction: Direction::Before,
            keys: vec![SortValue::Text("Gagné \"x\"".into())],
            id: "obs-1".into(),
        };
        let token = cursor.encode(&query("date"));
        assert!(token.chars().all(|c| c.is_ascii_hexdigit()), "safe in a URL as it is");
        assert_eq!(Cursor::decode(&token, &query("date")), Some(cursor));
        assert_eq!(Cursor::decode(&token, &query("code")), None, "another query's cursor");
        for garbage in ["", "zz", "7b7d", &token[..token.len() - 2], "abc"] {
            assert_eq!(Cursor::decode(garbage, &query("date")), None, "{garbage}");
        }
        let numbers =
            Cursor { direction: Direction::After, keys: vec![SortValue::Real(72.25)], id: "a".into() };
        assert_eq!(Cursor::decode(&numbers.encode(&query("x")), &query("x")), Some(numbers));
    }

    #[test]
    fn a_key_of_another_kind_than_its_column_does_not_fit() {
        let text = Cursor {
            direction: Direction::After,
            keys: vec![SortValue::Text("2026".into())],
            id: "a".into(),
        };
        assert!(text.fits(&[ValueKind::Text]));
        assert!(!text.fits(&[ValueKind::Int]), "text where an instant is compared");
        assert!(!text.fits(&[ValueKind::Text, ValueKind::Int]), "a key missing");
        let missing = Cursor { direction: Direction::After, keys: vec![SortValue::Null], id: "a".into() };
        assert!(missing.fits(&[ValueKind::Real]));
    }
}
