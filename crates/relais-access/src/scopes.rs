//! SMART-style scopes (SMART App Launch v1 syntax): what a bearer token lets its holder do, on
//! top of (never instead of) the access policy.
//!
//! A scope is `context/type.access`:
//! - `context`: `system` — a client acting on its own (a device gateway, an integration engine),
//!   not a person; `user` — a person, within what the policy lets them see; `patient` — a person,
//!   within the record of the patient in context (a patient's own record, or what they share
//!   with a caregiver);
//! - `type`: a resource type, or `*` for any (the audit trail is never reached through `*`: it
//!   must be named, `system/AuditEvent.read`);
//! - `access`: `read` (read, vread, search, history), `write` (create, update, delete) or `*`.
//!
//! Parsing refuses anything else with the offending scope named, so a client learns at once
//! that `system/Observation.rs` (SMART v2) or `openid` is not understood, instead of getting a
//! token that silently allows less than it asked for.

use std::collections::BTreeSet;
use std::fmt;

/// Whose data a scope reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Context {
    System,
    User,
    Patient,
}

impl Context {
    fn code(self) -> &'static str {
        match self {
            Context::System => "system",
            Context::User => "user",
            Context::Patient => "patient",
        }
    }
}

/// What a scope allows on its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    Read,
    Write,
    All,
}

/// One scope.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Scope {
    pub context: Context,
    /// A resource type, or `None` for `*`.
    pub resource_type: Option<String>,
    pub access: Access,
}

impl Scope {
    fn permits(&self, resource_type: &str, writes: bool) -> bool {
        let type_fits = match &self.resource_type {
            Some(t) => t == resource_type,
            None => resource_type != "AuditEvent",
        };
        let access_fits = match self.access {
            Access::All => true,
            Access::Read => !writes,
            Access::Write => writes,
        };
        type_fits && access_fits
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let access = match self.access {
            Access::Read => "read",
            Access::Write => "write",
            Access::All => "*",
        };
        write!(f, "{}/{}.{access}", self.context.code(), self.resource_type.as_deref().unwrap_or("*"))
    }
}

/// A set of scopes, as a token carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes(BTreeSet<Scope>);

/// A scope string that is not one Relais understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid-scope: {0}")]
pub struct InvalidScope(pub String);

impl Scopes {
    /// Parses a space-separated scope list (`system/Observation.write system/Patient.read`).
    /// `is_type` says which names are resource types.
    ///
    /// # Errors
    /// [`InvalidScope`] naming the first scope that is not `context/type.access`.
    pub fn parse(text: &str, is_type: impl Fn(&str) -> bool) -> Result<Scopes, InvalidScope> {
        let mut scopes = BTreeSet::new();
        for word in text.split_ascii_whitespace() {
            scopes.insert(parse_one(word, &is_type).ok_or_else(|| InvalidScope(word.to_owned()))?);
        }
        Ok(Scopes(scopes))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }

    /// Whether any scope of `context` permits the action on `resource_type`.
    pub fn permits(&self, context: Context, resource_type: &str, writes: bool) -> bool {
        self.0.iter().any(|s| s.context == context && s.permits(resource_type, writes))
    }

    /// Whether the set holds a scope of `context`.
    pub fn has_context(&self, context: Context) -> bool {
        self.0.iter().any(|s| s.context == context)
    }

    /// The scopes of `self` that `allowed` also grants (a token never carries more than its
    /// client was registered for): each requested scope is kept if some allowed scope of the same
    /// context covers its type and access.
    pub fn within(&self, allowed: &Scopes) -> Scopes {
        Scopes(self.0.iter().filter(|s| allowed.covers(s)).cloned().collect())
    }

    fn covers(&self, wanted: &Scope) -> bool {
        self.0.iter().any(|s| {
            s.context == wanted.context
                && match (&s.resource_type, &wanted.resource_type) {
                    (None, Some(t)) => t != "AuditEvent",
                    (None, None) => true,
                    (Some(a), Some(b)) => a == b,
                    (Some(_), None) => false,
                }
                && (s.access == Access::All || s.access == wanted.access)
        })
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for scope in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            write!(f, "{scope}")?;
        }
        Ok(())
    }
}

fn parse_one(word: &str, is_type: &impl Fn(&str) -> bool) -> Option<Scope> {
    let (context, rest) = word.split_once('/')?;
    let context = match context {
        "system" => Context::System,
        "user" => Context::User,
        "patient" => Context::Patient,
        _ => return None,
    };
    let (resource_type, access) = rest.split_once('.')?;
    let resource_type = match resource_type {
        "*" => None,
        t if is_type(t) => Some(t.to_owned()),
        _ => return None,
    };
    let access = match access {
        "read" => Access::Read,
        "write" => Access::Write,
        "*" => Access::All,
        _ => return None,
    };
    Some(Scope { context, resource_type, access })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(t: &str) -> bool {
        matches!(t, "Observation" | "Patient" | "AuditEvent")
    }

    fn scopes(text: &str) -> Scopes {
        Scopes::parse(text, types).unwrap()
    }

    #[test]
    fn parses_smart_v1_scopes_and_prints_them_back() {
        let s = scopes("system/Observation.write  user/*.read patient/*.*");
        assert_eq!(s.to_string(), "system/Observation.write user/*.read patient/*.*");
        assert!(s.permits(Context::System, "Observation", true));
        assert!(!s.permits(Context::System, "Observation", false), "write is not read");
        assert!(!s.permits(Context::System, "Patient", true));
        assert!(s.permits(Context::User, "Patient", false));
        assert!(!s.permits(Context::User, "Patient", true));
        assert!(s.permits(Context::Patient, "Observation", true));
    }

    #[test]
    fn refuses_what_it_does_not_understand_naming_it() {
        for bad in
            ["openid", "system/Observation.rs", "system/Nonsense.read", "device/*.read", "system/*", "*/*.*"]
        {
            assert_eq!(
                Scopes::parse(&format!("user/*.read {bad}"), types),
                Err(InvalidScope(bad.into())),
                "{bad}"
            );
        }
        assert!(Scopes::parse("", types).unwrap().is_empty());
    }

    #[test]
    fn the_audit_trail_is_never_reached_through_a_wildcard() {
        assert!(!scopes("system/*.*").permits(Context::System, "AuditEvent", false));
        assert!(scopes("system/AuditEvent.read").permits(Context::System, "AuditEvent", false));
    }

    #[test]
    fn a_request_is_narrowed_to_what_the_client_may_have() {
        let allowed = scopes("system/*.read system/Observation.write");
        let asked = scopes(
            "system/Patient.read system/Observation.* system/Observation.write user/*.read system/AuditEvent.read",
        );
        assert_eq!(asked.within(&allowed).to_string(), "system/Observation.write system/Patient.read");
        assert_eq!(scopes("system/*.*").within(&scopes("system/*.*")).to_string(), "system/*.*");
    }
}
