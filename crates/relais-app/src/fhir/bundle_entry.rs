//! The checks of a Bundle entry that need no store: its type and id, the method's requirements,
//! and its resource against the schema and the server's rules.

use relais_fhir::bundle::{EntryMethod, RequestEntry};
use relais_fhir::validate::{IdRule, check_resource, check_rules, check_url_id};
use relais_fhir::{Issue, IssueType};
use serde_json::Value;

use super::{Fhir, FhirError};

impl Fhir {
    /// Checks what can be checked of an entry without the store; returns its resource.
    pub(super) fn checked_entry_resource(&self, entry: &RequestEntry) -> Result<Option<Value>, FhirError> {
        let t = &entry.target.resource_type;
        self.known_type(t)?;
        if let Some(id) = &entry.target.id {
            check_url_id(id)?;
        }
        let needs_id = matches!(entry.method, EntryMethod::Put | EntryMethod::Delete | EntryMethod::Get);
        if needs_id && entry.target.id.is_none() {
            return Err(FhirError::Invalid(vec![Issue::error(
                IssueType::NotSupported,
                "unsupported-entry",
                format!(
                    "{:?} {t} without an id (search or conditional form) is not supported in a Bundle",
                    entry.method
                ),
            )]));
        }
        match (&entry.resource, entry.method) {
            (Some(resource), EntryMethod::Post) => {
                check_resource(&self.schema, resource, t, IdRule::Assigned).map_err(FhirError::Invalid)?;
                check_rules(&self.schema, resource).map_err(FhirError::Unprocessable)?;
                Ok(Some(resource.clone()))
            }
            (Some(resource), EntryMethod::Put) => {
                let id = entry.target.id.as_deref().unwrap_or_default();
                check_resource(&self.schema, resource, t, IdRule::MustBe(id)).map_err(FhirError::Invalid)?;
                check_rules(&self.schema, resource).map_err(FhirError::Unprocessable)?;
                Ok(Some(resource.clone()))
            }
            _ => Ok(None),
        }
    }
}
