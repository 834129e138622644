//! The fields of a sign-in form, sent as `application/x-www-form-urlencoded` (an HTML form) or
//! as a JSON object of strings (a script).

use axum::http::{HeaderMap, header};

/// Largest form accepted: a password is at most 1024 characters, the rest is short.
pub(crate) const MAX_FORM_BYTES: usize = 16 * 1024;

/// Named text fields, in the order sent; a name may repeat (ticked checkboxes).
#[derive(Default)]
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    /// The fields of `body`, read as JSON when the content type says so, else as a URL-encoded
    /// form. `None` for a JSON body that is not an object (the caller answers `form-invalid`).
    pub(crate) fn parse(headers: &HeaderMap, body: &[u8]) -> Option<Fields> {
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"));
        if json {
            let value: serde_json::Value = serde_json::from_slice(body).ok()?;
            let fields = value
                .as_object()?
                .iter()
                .filter_map(|(k, v)| {
                    let text = v.as_str().map(str::to_owned).or_else(|| v.as_number().map(|n| n.to_string()));
                    text.map(|v| (k.clone(), v))
                })
                .collect();
            return Some(Fields(fields));
        }
        Some(Fields(form_urlencoded::parse(body).into_owned().collect()))
    }

    /// A field's (first) value, or `""` when it is missing (an empty field is refused like a
    /// wrong one).
    pub(crate) fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// Every field, in the order sent.
    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// Every value sent under `name`, in order.
    pub(crate) fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn forms_and_json_objects_give_the_same_fields() {
        let mut json = HeaderMap::new();
        json.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
        let a = Fields::parse(&json, br#"{"email":"a@b.c","password":"p w=&"}"#).unwrap();
        let b = Fields::parse(&HeaderMap::new(), b"email=a%40b.c&password=p+w%3D%26").unwrap();
        for f in [&a, &b] {
            assert_eq!((f.get("email"), f.get("password"), f.get("code")), ("a@b.c", "p w=&", ""));
        }
        assert!(Fields::parse(&json, b"[1]").is_none());
        let ticked = Fields::parse(&HeaderMap::new(), b"roles=nurse&roles=physician&email=x").unwrap();
        assert_eq!(ticked.values("roles").collect::<Vec<_>>(), ["nurse", "physician"]);
        assert_eq!(ticked.get("roles"), "nurse");
        assert!(Fields::parse(&json, b"not json").is_none());
    }
}
