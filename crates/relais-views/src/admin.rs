//! The administration pages: the accounts, their roles and state, and the form creating one.

use askama::Template;

use crate::pages::{Chrome, FormErrors};
use crate::queues::Choice;

/// One account as a row.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: String,
    pub name: String,
    pub email: String,
    /// The FHIR resources it is linked to, for reading (`Practitioner/…`).
    pub links: String,
    /// Translated, joined.
    pub roles: String,
    /// "Yes"/"No", translated.
    pub second_factor: String,
    pub has_second_factor: bool,
    /// Active, or disabled since a date; translated.
    pub status: String,
    pub disabled: bool,
}

/// `/admin/users`.
#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct AdminUsersPage {
    pub chrome: Chrome,
    pub rows: Vec<AccountRow>,
    /// How many accounts there are, in words (`12 comptes`).
    pub caption: String,
    /// What was just done, or why it was refused; translated.
    pub notice: String,
    pub error: String,
}

/// What was typed in the new-account form (the password never comes back).
#[derive(Debug, Clone, Default)]
pub struct NewAccountValues {
    pub display_name: String,
    pub email: String,
    pub specialty: String,
    pub organisation: String,
    pub practitioner_id: String,
    pub patient_id: String,
    pub related_person_id: String,
}

/// `/admin/users/new`.
#[derive(Template)]
#[template(path = "admin_user_new.html")]
pub struct AdminNewUserPage {
    pub chrome: Chrome,
    pub errors: FormErrors,
    pub values: NewAccountValues,
    /// Every role, the ones ticked selected.
    pub roles: Vec<Choice>,
    pub min_chars: String,
}

/// The page answering a chart that is not open to the clinician — the same whether the record
/// exists or not — with the emergency access form (break-the-glass).
#[derive(Template)]
#[template(path = "break_glass.html")]
pub struct BreakGlassPage {
    pub chrome: Chrome,
    pub errors: FormErrors,
    pub patient_id: String,
    /// What was typed as the reason.
    pub reason: String,
    /// How long the access lasts.
    pub durations: Vec<Choice>,
}

/// `/admin/users/{id}/roles`: an account's roles, every role a checkbox.
#[derive(Template)]
#[template(path = "admin_user_roles.html")]
pub struct AdminRolesPage {
    pub chrome: Chrome,
    pub errors: FormErrors,
    pub id: String,
    /// Whose roles these are.
    pub name: String,
    pub email: String,
    /// Every role, the account's (or the ones just ticked) selected.
    pub roles: Vec<Choice>,
    pub specialty: String,
}

/// One token of a device, as the devices page lists it (never the token itself).
#[derive(Debug, Clone)]
pub struct DeviceTokenRow {
    pub id: String,
    pub label: String,
    /// When it was issued, for reading and for `<time>`.
    pub issued: String,
    pub issued_iso: String,
    /// `active`, or when it was revoked, translated.
    pub state: String,
    pub active: bool,
}

/// `/admin/devices`: a device's tokens, issuing one (shown once) and revoking.
#[derive(Template)]
#[template(path = "admin_devices.html")]
pub struct AdminDevicesPage {
    pub chrome: Chrome,
    /// What was just done, translated.
    pub notice: String,
    pub errors: FormErrors,
    /// The Device id looked at (typed), and the label typed.
    pub device: String,
    pub label: String,
    /// Whether `device` names a Device (its tokens are listed).
    pub found: bool,
    pub tokens: Vec<DeviceTokenRow>,
    /// The token just issued: shown this once, never again.
    pub issued: String,
}
