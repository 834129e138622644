//! The organisations page (`/admin/organisations`): each organisation with its sites, and the
//! forms creating an organisation and a site, with what was typed and its errors.

use askama::Template;

use crate::pages::{Chrome, FormErrors};
use crate::queues::Choice;

/// A site under its organisation.
#[derive(Debug, Clone)]
pub struct SiteRow {
    pub id: String,
    pub name: String,
    /// One line, empty if none.
    pub address: String,
}

/// An organisation with its sites.
#[derive(Debug, Clone)]
pub struct OrganisationRow {
    pub id: String,
    pub name: String,
    /// Its identifiers, joined; empty if none.
    pub identifier: String,
    pub sites: Vec<SiteRow>,
}

/// What was typed in the two forms.
#[derive(Debug, Clone, Default)]
pub struct DirectoryValues {
    pub org_name: String,
    pub org_identifier: String,
    pub site_name: String,
    pub site_line: String,
    pub site_city: String,
}

/// `/admin/organisations`.
#[derive(Template)]
#[template(path = "admin_organisations.html")]
pub struct AdminOrganisationsPage {
    pub chrome: Chrome,
    pub organisations: Vec<OrganisationRow>,
    /// The organisation a new site belongs to: every organisation, the chosen one selected.
    pub choices: Vec<Choice>,
    /// Errors of the organisation form, and of the site form (kept apart: both forms are on
    /// the page, and only the one sent shows its errors).
    pub org_errors: FormErrors,
    pub site_errors: FormErrors,
    pub values: DirectoryValues,
    /// What was just done, translated; empty if nothing.
    pub notice: String,
}
