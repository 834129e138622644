//! The account form and its checks: what a person typed on the admin page, or an operator on
//! the command line, turned into an account to store — or the first field that is wrong, with
//! its code. Everything is checked before anything is written or hashed.

use std::fmt;

use relais_access::password;
use relais_access::policy::Role;
use relais_store::{AccountRole, normalise_email};

use super::AccountError;

/// The UI languages a person may choose; French is the default when none is chosen.
pub const LOCALES: [&str; 2] = ["fr", "en"];

/// An account to create, as typed. Optional text fields left blank count as absent.
#[derive(Clone, Default)]
pub struct NewAccountForm {
    /// The sign-in name; stored lower-cased and trimmed.
    pub email: String,
    /// The name shown to others.
    pub display_name: String,
    /// The password in clear, checked against `relais_access::password::check_rule` and hashed
    /// (Argon2id); never stored, shown or logged.
    pub password: String,
    /// Role codes (`nurse`, `specialist`, …), each kept once.
    pub roles: Vec<String>,
    /// The specialist's specialty (`dermatology`); only with the `specialist` role.
    pub specialty: Option<String>,
    pub organisation: Option<String>,
    /// The FHIR Practitioner of a staff member.
    pub practitioner_id: Option<String>,
    /// The FHIR Patient of a patient account; required with the `patient` role.
    pub patient_id: Option<String>,
    /// The FHIR RelatedPerson of a caregiver account; required with the `caregiver` role.
    pub related_person_id: Option<String>,
    /// `fr` or `en`; absent: not chosen yet.
    pub locale: Option<String>,
}

impl fmt::Debug for NewAccountForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAccountForm")
            .field("email", &self.email)
            .field("display_name", &self.display_name)
            .field("password", &"<redacted>")
            .field("roles", &self.roles)
            .field("specialty", &self.specialty)
            .field("organisation", &self.organisation)
            .field("practitioner_id", &self.practitioner_id)
            .field("patient_id", &self.patient_id)
            .field("related_person_id", &self.related_person_id)
            .field("locale", &self.locale)
            .finish()
    }
}

/// A form that passed every check (the password not hashed yet).
pub(crate) struct CheckedForm {
    pub email: String,
    pub display_name: String,
    pub roles: Vec<AccountRole>,
    pub organisation: Option<String>,
    pub practitioner_id: Option<String>,
    pub patient_id: Option<String>,
    pub related_person_id: Option<String>,
    pub locale: Option<String>,
}

/// Checks `form` field by field, in the form's order; the first field that is wrong is the
/// error.
pub(crate) fn check(form: &NewAccountForm) -> Result<CheckedForm, AccountError> {
    let email = checked_email(&form.email)?;
    let display_name = form.display_name.trim();
    if display_name.is_empty() {
        return Err(AccountError::invalid("display_name", "display-name-required"));
    }
    if display_name.chars().count() > 200 || display_name.chars().any(char::is_control) {
        return Err(AccountError::invalid("display_name", "display-name-invalid"));
    }
    password::check_rule(&form.password).map_err(AccountError::PasswordRejected)?;
    let roles = checked_roles(&form.roles, form.specialty.as_deref())?;
    let holds = |role: Role| roles.iter().any(|r| r.role == role.code());
    let practitioner_id = checked_id(form.practitioner_id.as_deref(), "practitioner_id")?;
    let patient_id = checked_id(form.patient_id.as_deref(), "patient_id")?;
    if holds(Role::Patient) && patient_id.is_none() {
        return Err(AccountError::invalid("patient_id", "patient-id-required"));
    }
    let related_person_id = checked_id(form.related_person_id.as_deref(), "related_person_id")?;
    if holds(Role::Caregiver) && related_person_id.is_none() {
        return Err(AccountError::invalid("related_person_id", "related-person-id-required"));
    }
    let locale = match optional(form.locale.as_deref()) {
        None => None,
        Some(locale) => Some(checked_locale(&locale)?),
    };
    Ok(CheckedForm {
        email,
        display_name: display_name.to_owned(),
        roles,
        organisation: optional(form.organisation.as_deref()),
        practitioner_id,
        patient_id,
        related_person_id,
        locale,
    })
}

/// The email, trimmed and lower-cased, if it looks like one ([`looks_like_email`]).
/// Deliverability is not checked.
pub(crate) fn checked_email(raw: &str) -> Result<String, AccountError> {
    let email = normalise_email(raw);
    if !looks_like_email(&email) {
        return Err(AccountError::invalid("email", "email-invalid"));
    }
    Ok(email)
}

/// `local@domain.tld`: one `@` with something on each side, a dot inside the domain, at most
/// 254 characters, no spaces, control characters or the characters that separate addresses in a
/// mail header (`<>,;"`). Enough to catch a typing slip; the relay decides the rest.
pub(crate) fn looks_like_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    email.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"'))
}

/// The roles named by `codes`, each once, in the order given, the specialty on the specialist
/// role. At least one; an unknown code is named in the error.
pub(crate) fn checked_roles(
    codes: &[String],
    specialty: Option<&str>,
) -> Result<Vec<AccountRole>, AccountError> {
    let mut roles: Vec<Role> = Vec::new();
    for code in codes {
        let Some(role) = Role::from_code(code.trim()) else {
            return Err(AccountError::UnknownRole(code.trim().to_owned()));
        };
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    if roles.is_empty() {
        return Err(AccountError::invalid("roles", "roles-required"));
    }
    let specialty = optional(specialty);
    if specialty.is_some() && !roles.contains(&Role::Specialist) {
        return Err(AccountError::invalid("specialty", "specialty-without-specialist"));
    }
    Ok(roles
        .into_iter()
        .map(|role| AccountRole {
            role: role.code().to_owned(),
            specialty: if role == Role::Specialist { specialty.clone() } else { None },
        })
        .collect())
}

/// A language of [`LOCALES`], lower-cased.
pub(crate) fn checked_locale(raw: &str) -> Result<String, AccountError> {
    let locale = raw.trim().to_ascii_lowercase();
    if LOCALES.contains(&locale.as_str()) {
        Ok(locale)
    } else {
        Err(AccountError::invalid("locale", "locale-unsupported"))
    }
}

/// A FHIR resource id (`[A-Za-z0-9-.]{1,64}`), or none when blank.
fn checked_id(raw: Option<&str>, field: &'static str) -> Result<Option<String>, AccountError> {
    match optional(raw) {
        Some(id) if !relais_fhir::id::is_valid_id(&id) => Err(AccountError::invalid(field, "id-invalid")),
        id => Ok(id),
    }
}

/// `None` for an absent or blank value.
fn optional(value: Option<&str>) -> Option<String> {
    value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> NewAccountForm {
        NewAccountForm {
            email: " Marie@CHUM.qc.ca ".into(),
            display_name: "Marie".into(),
            password: "Bonjour-le-monde-42".into(),
            roles: vec!["nurse".into()],
            ..NewAccountForm::default()
        }
    }

    fn refusal(f: NewAccountForm) -> (Option<&'static str>, &'static str) {
        let e = check(&f).err().unwrap_or(AccountError::Internal("accepted"));
        (e.field(), e.code())
    }

    #[test]
    fn a_good_form_is_normalised() {
        let checked = check(&NewAccountForm { locale: Some(" EN ".into()), ..form() }).unwrap_or_else(|e| {
            panic!("refused: {e}");
        });
        assert_eq!(checked.email, "marie@chum.qc.ca");
        assert_eq!(checked.locale.as_deref(), Some("en"));
        assert_eq!(checked.roles, [AccountRole { role: "nurse".into(), specialty: None }]);
    }

    #[test]
    fn emails_are_checked() {
        for bad in [
            "",
            "marie",
            "marie@",
            "@chum.qc.ca",
            "ma rie@chum.qc.ca",
            "a@b@chum.qc.ca",
            "marie@chum",
            "m@.ca",
        ] {
            assert_eq!(
                refusal(NewAccountForm { email: bad.into(), ..form() }),
                (Some("email"), "email-invalid")
            );
        }
    }

    #[test]
    fn each_field_is_named_with_its_code() {
        let cases = [
            (NewAccountForm { display_name: "  ".into(), ..form() }, "display_name", "display-name-required"),
            (NewAccountForm { password: "short".into(), ..form() }, "password", "password-too-short"),
            (NewAccountForm { roles: vec![], ..form() }, "roles", "roles-required"),
            (NewAccountForm { roles: vec!["surgeon".into()], ..form() }, "roles", "role-unknown"),
            (
                NewAccountForm { specialty: Some("derm".into()), ..form() },
                "specialty",
                "specialty-without-specialist",
            ),
            (NewAccountForm { roles: vec!["patient".into()], ..form() }, "patient_id", "patient-id-required"),
            (
                NewAccountForm { roles: vec!["caregiver".into()], ..form() },
                "related_person_id",
                "related-person-id-required",
            ),
            (NewAccountForm { patient_id: Some("a/b".into()), ..form() }, "patient_id", "id-invalid"),
            (NewAccountForm { locale: Some("de".into()), ..form() }, "locale", "locale-unsupported"),
        ];
        for (f, field, code) in cases {
            assert_eq!(refusal(f), (Some(field), code));
        }
    }

    #[test]
    fn debug_never_shows_the_password() {
        let shown = format!("{:?}", form());
        assert!(shown.contains("marie@chum.qc.ca") || shown.contains("Marie@CHUM"), "{shown}");
        assert!(!shown.contains("Bonjour-le-monde-42"), "{shown}");
    }
}
