//! read and vread.

use relais_fhir::id::parse_version_id;
use relais_fhir::validate::check_url_id;
use relais_store::ResourceRow;

use super::{Fhir, FhirError};

impl Fhir {
    /// `GET /{type}/{id}`: the current version; 410 once deleted.
    pub async fn read(&self, resource_type: &str, id: &str) -> Result<ResourceRow, FhirError> {
        self.known_type(resource_type)?;
        check_url_id(id).map_err(|_| FhirError::NotFound(format!("{resource_type}/{id}")))?;
        match self.store.current(resource_type, id).await? {
            None => Err(FhirError::NotFound(format!("{resource_type}/{id}"))),
            Some(row) if row.deleted => Err(FhirError::Gone(format!("{resource_type}/{id}"))),
            Some(row) => Ok(row),
        }
    }

    /// `GET /{type}/{id}/_history/{vid}`: one version; 410 for the version that deleted it.
    pub async fn vread(
        &self,
        resource_type: &str,
        id: &str,
        version_id: &str,
    ) -> Result<ResourceRow, FhirError> {
        self.known_type(resource_type)?;
        let what = format!("{resource_type}/{id}/_history/{version_id}");
        check_url_id(id).map_err(|_| FhirError::NotFound(what.clone()))?;
        let version = parse_version_id(version_id).ok_or_else(|| FhirError::NotFound(what.clone()))?;
        match self.store.version(resource_type, id, version).await? {
            None => Err(FhirError::NotFound(what)),
            Some(row) if row.deleted => Err(FhirError::Gone(what)),
            Some(row) => Ok(row),
        }
    }
}
