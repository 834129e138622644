//! Who is asking, for one request: the person or client the policy decides for, and what the
//! audit trail records beside them (where the request came from, and why).

use relais_access::policy::Principal;

/// The caller of a use case that reads or changes personal health information.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    /// Whom the policy decides for.
    pub principal: Principal,
    /// The network address the request came from (IPv4 or IPv6 text), for the audit trail.
    pub address: Option<String>,
    /// The stated purpose of use (a v3 ActReason code such as `TREAT`), for the audit trail.
    pub purpose: Option<String>,
}

impl Caller {
    /// `principal`, from no known address, with no stated purpose.
    pub fn new(principal: Principal) -> Self {
        Self { principal, address: None, purpose: None }
    }
}
