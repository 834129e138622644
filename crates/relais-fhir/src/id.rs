//! Logical ids and version ids as FHIR defines them.

/// Whether `id` is a valid FHIR logical id: `[A-Za-z0-9\-\.]{1,64}`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// Parses a version id as Relais assigns them (1, 2, 3, …).
pub fn parse_version_id(vid: &str) -> Option<i64> {
    if vid.is_empty() || vid.len() > 18 || !vid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    vid.parse().ok().filter(|v| *v >= 1)
}

/// Parses an ETag as sent in `If-Match` (`W/"3"`, `"3"` or `3`) into a version.
pub fn parse_etag_version(etag: &str) -> Option<i64> {
    let etag = etag.trim();
    let etag = etag.strip_prefix("W/").unwrap_or(etag);
    let etag = etag.strip_prefix('"').and_then(|e| e.strip_suffix('"')).unwrap_or(etag);
    parse_version_id(etag)
}

/// The weak ETag Relais sends for a version.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_fhir_id_syntax() {
        for ok in ["a", "123", "example", "A-b.c", &"x".repeat(64)] {
            assert!(is_valid_id(ok), "{ok}");
        }
        for bad in ["", "a b", "a/b", "é", "a_b", &"x".repeat(65), "a\u{0}"] {
            assert!(!is_valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn etags_parse_in_every_common_spelling() {
        assert_eq!(parse_etag_version("W/\"3\""), Some(3));
        assert_eq!(parse_etag_version("\"12\""), Some(12));
        assert_eq!(parse_etag_version("7"), Some(7));
        assert_eq!(parse_etag_version("W/\"abc\""), None);
        assert_eq!(parse_etag_version("W/\"0\""), None);
        assert_eq!(parse_etag_version("99999999999999999999"), None);
        assert_eq!(etag(4), "W/\"4\"");
    }
}
