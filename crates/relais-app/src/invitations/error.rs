//! Why an invitation use case refused, as a stable code and an HTTP status.

use relais_store::StoreError;

/// A refused or failed invitation operation.
#[derive(Debug, thiserror::Error)]
pub enum InvitationError {
    /// The link is unknown, expired, revoked or used up: one answer for all. 404
    /// `invitation-invalid`.
    #[error("invitation-invalid")]
    InvalidLink,
    /// The caller's roles may not invite to this purpose, or may not revoke this invitation.
    /// 403 `invitation-forbidden`.
    #[error("invitation-forbidden")]
    Forbidden,
    /// The caller is not entitled to the named patient's record. 403 `invitation-not-entitled`.
    #[error("invitation-not-entitled")]
    NotEntitled,
    /// No invitation has this id. 404 `invitation-not-found`.
    #[error("invitation-not-found")]
    NotFound,
    /// Bad input: the code and the field concerned. 400.
    #[error("{code}")]
    Invalid { code: &'static str, field: &'static str },
    /// The use could not be recorded on the audit trail, so it is refused. 503
    /// `audit-unavailable`.
    #[error("audit-unavailable")]
    AuditUnavailable,
    /// The store failed. 500, never shown.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Something else on our side. 500.
    #[error("{0}")]
    Internal(&'static str),
}

impl InvitationError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidLink => "invitation-invalid",
            Self::Forbidden => "invitation-forbidden",
            Self::NotEntitled => "invitation-not-entitled",
            Self::NotFound => "invitation-not-found",
            Self::Invalid { code, .. } => code,
            Self::AuditUnavailable => "audit-unavailable",
            Self::Store(_) | Self::Internal(_) => "internal-error",
        }
    }

    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidLink | Self::NotFound => 404,
            Self::Forbidden | Self::NotEntitled => 403,
            Self::Invalid { .. } => 400,
            Self::AuditUnavailable => 503,
            Self::Store(_) | Self::Internal(_) => 500,
        }
    }

    /// The input field concerned, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}
