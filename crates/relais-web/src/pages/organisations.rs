//! Organisations and sites as a page (issue 5 "Administration"): `/admin/organisations` lists
//! the FHIR Organizations with the Locations each manages, and creates either (`POST
//! /admin/organisations`, the hidden field `form` saying which: both forms post to the page's
//! own address, so its navigation and language switch keep working after an error). Everything goes through the use cases of
//! `relais_app::organisations` as the signed-in administrator: the access policy decides, what
//! is written is validated FHIR R4, and every read and write is audited.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use relais_access::policy::Role;
use relais_app::FhirError;
use relais_app::access::Caller;
use relais_app::organisations::{DirectoryError, NewOrganisation, NewSite, Organisation};
use relais_views::Tr;
use relais_views::organisations::{AdminOrganisationsPage, DirectoryValues, OrganisationRow, SiteRow};
use relais_views::pages::FormErrors;
use relais_views::queues::Choice;
use serde::Deserialize;

use super::render::{Posted, Visitor, caller, forbidden, html, redirect, server_error};
use crate::session::form::Fields;
use crate::state::AppState;

/// The signed-in administrator as a caller of the use cases, or the answer for anyone else.
async fn administrator(state: &AppState, visitor: &Visitor) -> Result<Caller, Response> {
    let caller = caller(state, visitor).await?;
    if !caller.principal.roles.contains(&Role::Administrator) {
        return Err(forbidden(visitor));
    }
    Ok(caller)
}

/// What a page shows besides the list: the forms' errors and values, and a notice.
#[derive(Default)]
struct Forms {
    org_errors: FormErrors,
    site_errors: FormErrors,
    values: DirectoryValues,
    /// The organisation chosen for a new site.
    chosen: String,
    notice: String,
}

async fn page(
    state: &AppState,
    visitor: &Visitor,
    caller: &Caller,
    status: StatusCode,
    forms: Forms,
) -> Response {
    let organisations = match state.fhir.organisations_as(caller).await {
        Ok(found) => found,
        Err(FhirError::Forbidden(_)) => return forbidden(visitor),
        Err(e) => {
            tracing::error!(error = %e, "cannot list the organisations");
            return server_error(visitor.tr);
        }
    };
    let choices = organisations
        .iter()
        .map(|o| Choice { value: o.id.clone(), label: o.name.clone(), selected: o.id == forms.chosen })
        .collect();
    let page = AdminOrganisationsPage {
        chrome: visitor.chrome(),
        organisations: organisations.into_iter().map(row).collect(),
        choices,
        org_errors: forms.org_errors,
        site_errors: forms.site_errors,
        values: forms.values,
        notice: forms.notice,
    };
    html(status, &page)
}

fn row(organisation: Organisation) -> OrganisationRow {
    OrganisationRow {
        id: organisation.id,
        name: organisation.name,
        identifier: organisation.identifier,
        sites: organisation
            .sites
            .into_iter()
            .map(|s| SiteRow { id: s.id, name: s.name, address: s.address })
            .collect(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct DoneQuery {
    /// What was just created (`organisation`, `site`).
    #[serde(default)]
    done: String,
}

/// `GET /admin/organisations`.
pub(super) async fn list(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<DoneQuery>,
) -> Response {
    let caller = match administrator(&state, &visitor).await {
        Ok(caller) => caller,
        Err(answer) => return answer,
    };
    let notice = match query.done.as_str() {
        done @ ("organisation" | "site") => visitor.tr.t(&format!("orgs-done-{done}")),
        _ => String::new(),
    };
    page(&state, &visitor, &caller, StatusCode::OK, Forms { notice, ..Forms::default() }).await
}

/// The errors to show for a refused creation, or the whole answer (403, 500).
// The refusal is the handler's whole answer, returned at once: boxing it would buy nothing.
#[allow(clippy::result_large_err)]
fn refused(visitor: &Visitor, error: DirectoryError) -> Result<(StatusCode, FormErrors), Response> {
    let tr: Tr = visitor.tr;
    match error {
        DirectoryError::Invalid { field, code } => {
            Ok((StatusCode::BAD_REQUEST, FormErrors::field(field, tr.t(&format!("error-{code}")))))
        }
        DirectoryError::Fhir(FhirError::Forbidden(_)) => Err(forbidden(visitor)),
        // The resource built from the form failed validation: said about the form, nothing
        // written.
        DirectoryError::Fhir(FhirError::Invalid(_) | FhirError::Unprocessable(_)) => {
            Ok((StatusCode::BAD_REQUEST, FormErrors::whole(tr.t("error-form-invalid"))))
        }
        DirectoryError::Fhir(e) => {
            tracing::error!(error = %e, "cannot create an organisation or a site");
            Err(server_error(tr))
        }
    }
}

/// `POST /admin/organisations`: `form=organisation` (`org_name`, `org_identifier`) or
/// `form=site` (`site_name`, `site_line`, `site_city`, `site_organisation`).
pub(super) async fn create(
    State(state): State<AppState>,
    visitor: Visitor,
    Posted(fields): Posted,
) -> Response {
    let caller = match administrator(&state, &visitor).await {
        Ok(caller) => caller,
        Err(answer) => return answer,
    };
    if fields.get("form") == "site" {
        create_site(&state, &visitor, &caller, &fields).await
    } else {
        create_organisation(&state, &visitor, &caller, &fields).await
    }
}

async fn create_organisation(
    state: &AppState,
    visitor: &Visitor,
    caller: &Caller,
    fields: &Fields,
) -> Response {
    let typed = NewOrganisation {
        name: fields.get("org_name").to_owned(),
        identifier: fields.get("org_identifier").to_owned(),
    };
    match state.fhir.create_organisation_as(caller, &typed).await {
        Ok(_) => redirect("/admin/organisations?done=organisation", &[]),
        Err(e) => match refused(visitor, e) {
            Ok((status, org_errors)) => {
                let values = DirectoryValues {
                    org_name: typed.name,
                    org_identifier: typed.identifier,
                    ..DirectoryValues::default()
                };
                page(state, visitor, caller, status, Forms { org_errors, values, ..Forms::default() }).await
            }
            Err(answer) => answer,
        },
    }
}

async fn create_site(state: &AppState, visitor: &Visitor, caller: &Caller, fields: &Fields) -> Response {
    let typed = NewSite {
        name: fields.get("site_name").to_owned(),
        line: fields.get("site_line").to_owned(),
        city: fields.get("site_city").to_owned(),
        organisation: fields.get("site_organisation").to_owned(),
    };
    match state.fhir.create_site_as(caller, &typed).await {
        Ok(_) => redirect("/admin/organisations?done=site", &[]),
        Err(e) => match refused(visitor, e) {
            Ok((status, site_errors)) => {
                let values = DirectoryValues {
                    site_name: typed.name,
                    site_line: typed.line,
                    site_city: typed.city,
                    ..DirectoryValues::default()
                };
                let forms = Forms { site_errors, values, chosen: typed.organisation, ..Forms::default() };
                page(state, visitor, caller, status, forms).await
            }
            Err(answer) => answer,
        },
    }
}
