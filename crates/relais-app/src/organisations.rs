//! Organisations and their sites for the administration pages (issue 5 "Administration"): the
//! FHIR Organizations and, under each, the Locations it manages (`managingOrganization`).
//! They are read with searches as the administrator and created with [`Fhir::create_as`], so
//! the access policy decides (only administrators write them: `ADMINISTERED` in
//! `relais_access::policy`), what is written is validated FHIR R4, and every read and write
//! is on the audit trail.

use serde_json::{Map, Value, json};

use crate::access::Caller;
use crate::fhir::{Fhir, FhirError};

/// Most organisations, and most sites, one page lists.
pub const MAX_LISTED: u32 = 500;

/// The longest name or address part accepted: a name, not a document.
const MAX_TEXT_CHARS: usize = 200;

/// A site as listed under its organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub id: String,
    pub name: String,
    /// Its address on one line (`1000 rue Sherbrooke, Montréal`), empty if none.
    pub address: String,
}

/// An organisation and its sites, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    /// Its identifiers' values, joined.
    pub identifier: String,
    pub sites: Vec<Site>,
}

/// A new organisation, as typed.
#[derive(Debug, Clone, Default)]
pub struct NewOrganisation {
    pub name: String,
    pub identifier: String,
}

/// A new site, as typed.
#[derive(Debug, Clone, Default)]
pub struct NewSite {
    pub name: String,
    pub line: String,
    pub city: String,
    /// The managing Organization's id.
    pub organisation: String,
}

/// Why an organisation or site was not created.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// What was typed in `field` is refused; `code` says why (`required`, `text-too-long`,
    /// `organisation-unknown`).
    #[error("{field}: {code}")]
    Invalid { field: &'static str, code: &'static str },
    #[error(transparent)]
    Fhir(#[from] FhirError),
}

/// `text` trimmed, or the refusal for `field`.
fn checked(text: &str, field: &'static str, required: bool) -> Result<String, DirectoryError> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(DirectoryError::Invalid { field, code: "required" });
    }
    if text.chars().count() > MAX_TEXT_CHARS || text.chars().any(char::is_control) {
        return Err(DirectoryError::Invalid { field, code: "text-too-long" });
    }
    Ok(text.to_owned())
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

fn matches(bundle: &Value) -> impl Iterator<Item = &Value> {
    bundle
        .get("entry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| e.pointer("/search/mode").and_then(Value::as_str).is_none_or(|m| m == "match"))
        .filter_map(|e| e.get("resource"))
}

fn address(location: &Value) -> String {
    let Some(address) = location.get("address") else { return String::new() };
    let lines = address.get("line").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str);
    lines.chain([str_at(address, "/city")]).filter(|part| !part.is_empty()).collect::<Vec<_>>().join(", ")
}

impl Fhir {
    /// The organisations `caller` may read, by name, each with its sites by name. Sites of no
    /// listed organisation are not shown (they belong to none the administrator manages here).
    ///
    /// # Errors
    /// The searches' errors (`Forbidden` for a role that may not search them).
    pub async fn organisations_as(&self, caller: &Caller) -> Result<Vec<Organisation>, FhirError> {
        let count = [("_count".to_owned(), MAX_LISTED.to_string())];
        let organisations = self.search_as(caller, "Organization", &count, false, "").await?;
        let locations = self.search_as(caller, "Location", &count, false, "").await?;
        let mut listed: Vec<Organisation> = matches(&organisations)
            .map(|o| Organisation {
                id: str_at(o, "/id").to_owned(),
                name: str_at(o, "/name").to_owned(),
                identifier: o
                    .get("identifier")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|i| i.get("value").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join(", "),
                sites: Vec::new(),
            })
            .collect();
        for location in matches(&locations) {
            let manager = str_at(location, "/managingOrganization/reference");
            let Some(id) = manager.strip_prefix("Organization/") else { continue };
            if let Some(organisation) = listed.iter_mut().find(|o| o.id == id) {
                organisation.sites.push(Site {
                    id: str_at(location, "/id").to_owned(),
                    name: str_at(location, "/name").to_owned(),
                    address: address(location),
                });
            }
        }
        let by_name = |a: &str, b: &str| a.to_lowercase().cmp(&b.to_lowercase());
        listed.sort_by(|a, b| by_name(&a.name, &b.name));
        for organisation in &mut listed {
            organisation.sites.sort_by(|a, b| by_name(&a.name, &b.name));
        }
        Ok(listed)
    }

    /// Creates an active Organization named `form.name`, with `form.identifier` if typed.
    /// Returns its id.
    ///
    /// # Errors
    /// [`DirectoryError::Invalid`] for what was typed (nothing written); the write's errors
    /// (`Forbidden` for anyone but an administrator).
    pub async fn create_organisation_as(
        &self,
        caller: &Caller,
        form: &NewOrganisation,
    ) -> Result<String, DirectoryError> {
        let name = checked(&form.name, "org_name", true)?;
        let identifier = checked(&form.identifier, "org_identifier", false)?;
        let mut organisation = json!({"resourceType": "Organization", "active": true, "name": name});
        if !identifier.is_empty() {
            organisation["identifier"] = json!([{"value": identifier}]);
        }
        let written =
            self.create_as(caller, "Organization", organisation.to_string().as_bytes(), None).await?;
        Ok(written.row.id)
    }

    /// Creates an active Location named `form.name` managed by the Organization
    /// `form.organisation`, with its address if typed. Returns its id.
    ///
    /// # Errors
    /// [`DirectoryError::Invalid`] for what was typed, an organisation that does not exist
    /// included (nothing written); the write's errors.
    pub async fn create_site_as(&self, caller: &Caller, form: &NewSite) -> Result<String, DirectoryError> {
        let name = checked(&form.name, "site_name", true)?;
        let line = checked(&form.line, "site_line", false)?;
        let city = checked(&form.city, "site_city", false)?;
        let organisation = checked(&form.organisation, "site_organisation", true)?;
        match self.read_as(caller, "Organization", &organisation).await {
            Ok(_) => {}
            Err(FhirError::NotFound(_) | FhirError::Gone(_) | FhirError::Invalid(_)) => {
                return Err(DirectoryError::Invalid {
                    field: "site_organisation",
                    code: "organisation-unknown",
                });
            }
            Err(e) => return Err(e.into()),
        }
        let mut address = Map::new();
        if !line.is_empty() {
            address.insert("line".to_owned(), json!([line]));
        }
        if !city.is_empty() {
            address.insert("city".to_owned(), json!(city));
        }
        let mut location = json!({
            "resourceType": "Location", "status": "active", "name": name,
            "managingOrganization": {"reference": format!("Organization/{organisation}")},
        });
        if !address.is_empty() {
            location["address"] = Value::Object(address);
        }
        let written = self.create_as(caller, "Location", location.to_string().as_bytes(), None).await?;
        Ok(written.row.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_is_trimmed_and_bounded() {
        assert_eq!(checked("  CISSS  ", "org_name", true).unwrap(), "CISSS");
        assert!(matches!(
            checked("   ", "org_name", true),
            Err(DirectoryError::Invalid { field: "org_name", code: "required" })
        ));
        assert_eq!(checked("", "site_city", false).unwrap(), "");
        assert!(matches!(
            checked(&"x".repeat(201), "site_line", false),
            Err(DirectoryError::Invalid { code: "text-too-long", .. })
        ));
        let site = json!({"address": {"line": ["1000 rue Sherbrooke"], "city": "Montréal"}});
        assert_eq!(address(&site), "1000 rue Sherbrooke, Montréal");
        assert_eq!(address(&json!({})), "");
    }
}
