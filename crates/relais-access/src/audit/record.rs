//! An audit record and its canonical byte encoding, the input of its hash.

use sha2::{Digest, Sha256};

/// Action codes Relais records. The field is a string so a new action needs no migration; these
/// constants keep the spellings in one place.
pub mod action {
    /// FHIR read.
    pub const READ: &str = "read";
    /// FHIR vread (a past version).
    pub const VREAD: &str = "vread";
    /// FHIR history.
    pub const HISTORY: &str = "history";
    /// FHIR search (the query goes in `query`).
    pub const SEARCH: &str = "search";
    /// FHIR create.
    pub const CREATE: &str = "create";
    /// FHIR update.
    pub const UPDATE: &str = "update";
    /// FHIR delete.
    pub const DELETE: &str = "delete";
    /// Export or print of a record.
    pub const EXPORT: &str = "export";
    /// Successful sign-in.
    pub const SIGN_IN: &str = "sign-in";
    /// Refused sign-in (wrong password, wrong code, locked out).
    pub const SIGN_IN_FAILED: &str = "sign-in-failed";
    /// Sign-out.
    pub const SIGN_OUT: &str = "sign-out";
    /// Sign-out of every session of the account at once.
    pub const SIGN_OUT_EVERYWHERE: &str = "sign-out-everywhere";
    /// Repeated failures locked the account for a while.
    pub const LOCK_OUT: &str = "lock-out";
    /// A password reset link was asked for (recorded whether or not the email is known).
    pub const PASSWORD_RESET_REQUEST: &str = "password-reset-request";
    /// A password was reset through an emailed link.
    pub const PASSWORD_RESET: &str = "password-reset";
    /// A second factor (TOTP) was set up.
    pub const TOTP_ENROL: &str = "totp-enrol";
    /// An invitation link was used.
    pub const INVITATION_USE: &str = "invitation-use";
    /// A clinician opened a record outside their care team, giving a reason (in `purpose`).
    pub const BREAK_GLASS: &str = "break-glass";
    /// The privacy officer listed the break-the-glass grants for review.
    pub const BREAK_GLASS_REVIEW_LIST: &str = "break-glass-review-list";
    /// The privacy officer marked a break-the-glass grant reviewed (its id in `resource_id`).
    pub const BREAK_GLASS_REVIEW: &str = "break-glass-review";
    /// An account was created (its id in `resource_id`).
    pub const ACCOUNT_CREATE: &str = "account-create";
    /// The accounts were listed by an administrator.
    pub const ACCOUNT_LIST: &str = "account-list";
    /// An account was disabled (and its sessions ended).
    pub const ACCOUNT_DISABLE: &str = "account-disable";
    /// A disabled account was enabled again.
    pub const ACCOUNT_ENABLE: &str = "account-enable";
    /// An account's second factor was removed (and its sessions ended): it must enrol again.
    pub const ACCOUNT_RESET_SECOND_FACTOR: &str = "account-reset-second-factor";
    /// An account's roles were replaced (the new ones in `query`).
    pub const ACCOUNT_SET_ROLES: &str = "account-set-roles";
    /// A person chose their UI language (in `query`).
    pub const ACCOUNT_SET_LOCALE: &str = "account-set-locale";
    /// An OAuth2 client of the API was disabled (its id in `resource_id`).
    pub const CLIENT_DISABLE: &str = "client-disable";
    /// A home device's token was issued (the Device in `resource_id`, the token's id in `query`).
    pub const DEVICE_TOKEN_ISSUE: &str = "device-token-issue";
    /// A home device's token was revoked (its id in `query`).
    pub const DEVICE_TOKEN_REVOKE: &str = "device-token-revoke";
    /// Someone joined a video room or its lobby, or was refused at the door (`resource_id`: the
    /// room; `purpose`: the role, or why refused).
    pub const VIDEO_JOIN: &str = "video-join";
    /// A host let someone in from the lobby (`purpose`: whom, as an actor id).
    pub const VIDEO_ADMIT: &str = "video-admit";
    /// A host turned someone away from the lobby.
    pub const VIDEO_REFUSE: &str = "video-refuse";
    /// A host made someone leave.
    pub const VIDEO_REMOVE: &str = "video-remove";
    /// A host silenced someone's microphone.
    pub const VIDEO_MUTE: &str = "video-mute";
    /// A host stopped someone's camera.
    pub const VIDEO_STOP_CAMERA: &str = "video-stop-camera";
    /// A host ended the room for everyone.
    pub const VIDEO_END: &str = "video-end";
    /// A host sent some people to talk apart in a side room (`purpose`: whom, comma-separated).
    pub const VIDEO_SIDE_ROOM: &str = "video-side-room";
    /// The host, or one of its people, brought a side room back to the main room.
    pub const VIDEO_SIDE_ROOM_END: &str = "video-side-room-end";
    /// A clinician opened a video room.
    pub const VIDEO_OPEN: &str = "video-open";
}

/// How the action ended. Maps onto AuditEvent.outcome (0, 4, 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Done.
    Success,
    /// Refused by access policy or authentication.
    Denied,
    /// Attempted and failed for another reason (invalid input, server error).
    Failed,
}

impl Outcome {
    /// Every outcome, for tests and for mapping stored codes back.
    pub const ALL: [Outcome; 3] = [Self::Success, Self::Denied, Self::Failed];

    /// Stable code, as stored and as hashed.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Denied => "denied",
            Self::Failed => "failed",
        }
    }

    /// The outcome whose [`Outcome::code`] is `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.code() == code)
    }
}

/// What happened, before it takes its place in the chain. Built by the use-case layer; the
/// instant comes from its `Clock`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditDraft {
    /// When, in microseconds since 1970-01-01T00:00:00Z.
    pub recorded: i64,
    /// Who acted: a user id, an OAuth client id, or `anonymous`.
    pub actor: String,
    /// For whom, when the actor acts for someone else (a caregiver for a patient, a device for
    /// its owner).
    pub on_behalf_of: Option<String>,
    /// What was done: one of [`action`].
    pub action: String,
    /// How it ended.
    pub outcome: Outcome,
    /// FHIR resource type touched, if any.
    pub resource_type: Option<String>,
    /// Id of the resource touched, if any.
    pub resource_id: Option<String>,
    /// Whose record it is, so a patient can see who accessed theirs.
    pub patient_id: Option<String>,
    /// The query string of a search.
    pub query: Option<String>,
    /// The client's network address.
    pub source_address: Option<String>,
    /// Purpose of use, or the reason given for breaking the glass.
    pub purpose: Option<String>,
    /// The access was allowed only by a break-the-glass grant: the privacy officer reviews it.
    pub break_glass: bool,
}

/// A sealed record: a draft with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the chain, from 1, without gaps.
    pub seq: u64,
    /// See [`AuditDraft::recorded`].
    pub recorded: i64,
    /// See [`AuditDraft::actor`].
    pub actor: String,
    /// See [`AuditDraft::on_behalf_of`].
    pub on_behalf_of: Option<String>,
    /// See [`AuditDraft::action`].
    pub action: String,
    /// See [`AuditDraft::outcome`].
    pub outcome: Outcome,
    /// See [`AuditDraft::resource_type`].
    pub resource_type: Option<String>,
    /// See [`AuditDraft::resource_id`].
    pub resource_id: Option<String>,
    /// See [`AuditDraft::patient_id`].
    pub patient_id: Option<String>,
    /// See [`AuditDraft::query`].
    pub query: Option<String>,
    /// See [`AuditDraft::source_address`].
    pub source_address: Option<String>,
    /// See [`AuditDraft::purpose`].
    pub purpose: Option<String>,
    /// See [`AuditDraft::break_glass`].
    pub break_glass: bool,
    /// The previous record's `hash`, or 64 zeros for the first record.
    pub prev_hash: String,
    /// [`chain_hash`] of this record: lowercase hex SHA-256.
    pub hash: String,
}

/// Tag at the start of every encoding: hashes of audit records can never be confused with hashes
/// of anything else Relais encodes, and a future layout gets a new tag.
const FORMAT_TAG: &str = "relais-audit-v1";

/// The canonical encoding of a record's contents (everything but `prev_hash` and `hash`).
///
/// Layout, in this order, with no separators:
/// - the tag `relais-audit-v1` as a string;
/// - `seq` as 8 bytes big-endian, `recorded` as 8 bytes big-endian two's complement;
/// - `actor`, `on_behalf_of`, `action`, outcome code, `resource_type`, `resource_id`,
///   `patient_id`, `query`, `source_address`, `purpose`.
///
/// A string is its UTF-8 length as 8 bytes big-endian followed by its bytes. An optional string is
/// one byte 0 when absent, or one byte 1 followed by the string.
///
/// Fields added after v1 are appended only when they differ from their default, so every record
/// sealed before they existed keeps its hash: `break_glass`, when set, adds the one byte 1 at the
/// end. (v1 fields are self-delimiting, so "nothing more" and "one more byte" cannot be confused.)
///
/// Why two different records never encode the same: reading from the start, the field order is
/// fixed, integers have a fixed width, every string announces its length before its bytes and
/// every option announces its presence, so the bytes can be decoded back into exactly one record.
/// That is what plain concatenation lacks (`"ab"+"c"` = `"a"+"bc"`) and what JSON only has with
/// a canonicalization (key order, escapes, number forms) that a serializer upgrade could change;
/// this layout is also a few lines to reimplement in an independent verifier.
pub fn canonical_bytes(record: &AuditRecord) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    put_str(&mut out, FORMAT_TAG);
    out.extend_from_slice(&record.seq.to_be_bytes());
    out.extend_from_slice(&record.recorded.to_be_bytes());
    put_str(&mut out, &record.actor);
    put_opt(&mut out, record.on_behalf_of.as_deref());
    put_str(&mut out, &record.action);
    put_str(&mut out, record.outcome.code());
    for field in [
        &record.resource_type,
        &record.resource_id,
        &record.patient_id,
        &record.query,
        &record.source_address,
        &record.purpose,
    ] {
        put_opt(&mut out, field.as_deref());
    }
    if record.break_glass {
        out.push(1);
    }
    out
}

/// The hash a record must carry: SHA-256 of its `prev_hash` (encoded as a string, like every
/// other field, so that even a malformed one cannot run into the contents) followed by
/// [`canonical_bytes`], in lowercase hex.
pub fn chain_hash(record: &AuditRecord) -> String {
    let mut prefix = Vec::with_capacity(72);
    put_str(&mut prefix, &record.prev_hash);
    let mut hasher = Sha256::new();
    hasher.update(&prefix);
    hasher.update(canonical_bytes(record));
    data_encoding::HEXLOWER.encode(&hasher.finalize())
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    // usize → u64 is lossless on every platform Rust supports.
    out.extend_from_slice(&(s.len() as u64).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
    }
}
