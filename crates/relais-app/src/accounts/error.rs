//! Why an account administration use case refused, as a stable code, the form field it concerns
//! and an HTTP status; the page translates the code (French and English), next to the field.

use relais_access::password::PasswordRejected;
use relais_store::StoreError;

/// A refused or failed account operation.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The actor is not an active administrator. 403 `not-administrator`.
    #[error("not-administrator")]
    NotAdministrator,
    /// An administrator tried to disable their own account. 409 `cannot-disable-self`.
    #[error("cannot-disable-self")]
    CannotDisableSelf,
    /// An administrator tried to remove their own administrator role. 409
    /// `cannot-remove-own-administrator`.
    #[error("cannot-remove-own-administrator")]
    CannotRemoveOwnAdministrator,
    /// The change would leave no active administrator. 409 `last-administrator`.
    #[error("last-administrator")]
    LastAdministrator,
    /// No account has this id. 404 `account-not-found`.
    #[error("account-not-found")]
    NotFound,
    /// A field of the form is refused: 400 (409 for `email-taken`), with the field's name and
    /// the rule's code (see [`AccountError::code`]).
    #[error("{code} ({field})")]
    Invalid { field: &'static str, code: &'static str },
    /// A role code no version of Relais knows (the code is in the message, for the command
    /// line). 400 `role-unknown`, field `roles`.
    #[error("role-unknown: {0}")]
    UnknownRole(String),
    /// The password breaks the rule. 400 with the rule's code, field `password`.
    #[error("{0}")]
    PasswordRejected(PasswordRejected),
    /// The audit trail could not be written: the change is refused (or, if it was already made,
    /// reported as failed). 503 `audit-unavailable`.
    #[error("audit-unavailable")]
    AuditUnavailable,
    /// The store failed. 500, never shown.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Something else on our side (hashing the password). 500.
    #[error("{0}")]
    Internal(&'static str),
}

impl AccountError {
    /// A refused field.
    pub(crate) const fn invalid(field: &'static str, code: &'static str) -> Self {
        Self::Invalid { field, code }
    }

    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAdministrator => "not-administrator",
            Self::CannotDisableSelf => "cannot-disable-self",
            Self::CannotRemoveOwnAdministrator => "cannot-remove-own-administrator",
            Self::LastAdministrator => "last-administrator",
            Self::NotFound => "account-not-found",
            Self::Invalid { code, .. } => code,
            Self::UnknownRole(_) => "role-unknown",
            Self::PasswordRejected(rule) => rule.code(),
            Self::AuditUnavailable => "audit-unavailable",
            Self::Store(_) | Self::Internal(_) => "server-error",
        }
    }

    /// The form field the refusal concerns, if one: `email`, `display_name`, `password`,
    /// `roles`, `specialty`, `patient_id`, `practitioner_id`, `related_person_id`, `locale`,
    /// `client_id`.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            Self::UnknownRole(_) | Self::CannotRemoveOwnAdministrator => Some("roles"),
            Self::PasswordRejected(_) => Some("password"),
            _ => None,
        }
    }

    /// HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Self::NotAdministrator => 403,
            Self::NotFound | Self::Invalid { code: "client-not-found", .. } => 404,
            Self::Invalid { code: "email-taken", .. } => 409,
            Self::CannotDisableSelf | Self::CannotRemoveOwnAdministrator | Self::LastAdministrator => 409,
            Self::Invalid { .. } | Self::UnknownRole(_) | Self::PasswordRejected(_) => 400,
            Self::AuditUnavailable => 503,
            Self::Store(_) | Self::Internal(_) => 500,
        }
    }
}
