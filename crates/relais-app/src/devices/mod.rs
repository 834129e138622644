//! Home devices (issue 7): their tokens, and their readings in.
//!
//! A device is a FHIR Device lent to a patient through an active DeviceUseStatement (enrolment
//! writes both). It gets a token — shown once, stored hashed, revocable — and presents it with
//! each message, over HTTP (`POST /devices/readings`) or MQTT. The token stands for a caller
//! that holds one grant (`Basis::Device`): to write Observations into the record of the patient
//! the device is assigned to *now*, and nothing else. Each reading goes through
//! [`Monitoring::record_reading`] as that caller, so it is policy-checked, audited (actor
//! `device:<id>`), counted once per message id, and evaluated by the patient's program.
//!
//! Ending the loan (the DeviceUseStatement no longer active, or its period over) stops the
//! device at once, token or not; revoking the token does too.

mod ingest;
pub mod payload;

use std::collections::BTreeSet;

use jiff::Timestamp;
use relais_access::audit::{AuditDraft, Outcome as AuditOutcome, action};
use relais_access::policy::{Basis, Grant, Principal};
use relais_access::token::{Token, token_hash};
use relais_store::DeviceTokenRow;
use serde_json::Value;

pub use ingest::{ItemOutcome, Submitted};

use crate::access::Caller;
use crate::fhir::{Fhir, FhirError};
use crate::monitoring::Monitoring;
use payload::device_label;

const BASE: &str = "https://relais.invalid/fhir";
/// Device statuses that may send readings (a Device without a status counts as active).
const WORKING: [&str; 1] = ["active"];

/// Why a device, or a token operation, was refused.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// No token presented. 401 `token-missing`.
    #[error("token-missing")]
    TokenMissing,
    /// Unknown or revoked token. 401 `token-invalid`.
    #[error("token-invalid")]
    TokenInvalid,
    /// The Device is gone or not active. 403 `device-inactive`.
    #[error("device-inactive")]
    Inactive,
    /// No active DeviceUseStatement assigns the device to a patient (or several do). 403
    /// `device-not-assigned`.
    #[error("device-not-assigned")]
    NotAssigned,
    /// No Device has this id (issuing a token). 404 `device-not-found`.
    #[error("device-not-found")]
    UnknownDevice,
    /// No working token has this id (revoking). 404 `device-token-not-found`.
    #[error("device-token-not-found")]
    UnknownToken,
    /// The message as a whole is not readings. 400 with the payload's code.
    #[error("{code}")]
    Message { code: &'static str, message: String },
    /// The MQTT topic names another device than the token's. 403 `topic-mismatch`.
    #[error("topic-mismatch")]
    TopicMismatch,
    #[error("server-error")]
    Fhir(#[from] FhirError),
    #[error("server-error")]
    Store(#[from] relais_store::StoreError),
    #[error("server-error")]
    Entropy,
}

impl DeviceError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            DeviceError::TokenMissing => "token-missing",
            DeviceError::TokenInvalid => "token-invalid",
            DeviceError::Inactive => "device-inactive",
            DeviceError::NotAssigned => "device-not-assigned",
            DeviceError::UnknownDevice => "device-not-found",
            DeviceError::UnknownToken => "device-token-not-found",
            DeviceError::Message { code, .. } => code,
            DeviceError::TopicMismatch => "topic-mismatch",
            DeviceError::Fhir(_) | DeviceError::Store(_) | DeviceError::Entropy => "server-error",
        }
    }

    /// The HTTP status it is answered with.
    pub fn status(&self) -> u16 {
        match self {
            DeviceError::TokenMissing | DeviceError::TokenInvalid => 401,
            DeviceError::Inactive | DeviceError::NotAssigned | DeviceError::TopicMismatch => 403,
            DeviceError::UnknownDevice | DeviceError::UnknownToken => 404,
            DeviceError::Message { .. } => 400,
            DeviceError::Fhir(_) | DeviceError::Store(_) | DeviceError::Entropy => 500,
        }
    }

    /// Words for the device's developer (never a patient's data).
    pub fn message(&self) -> String {
        match self {
            DeviceError::TokenMissing => "Send the device token: Authorization: Bearer <token>".into(),
            DeviceError::TokenInvalid => "This device token is unknown or revoked".into(),
            DeviceError::Inactive => "This device is not active".into(),
            DeviceError::NotAssigned => "This device is not lent to a patient now".into(),
            DeviceError::UnknownDevice => "No device has this id".into(),
            DeviceError::UnknownToken => "No working device token has this id".into(),
            DeviceError::Message { message, .. } => message.clone(),
            DeviceError::TopicMismatch => "The topic names another device than the token".into(),
            _ => "The server could not record the readings; send them again later".into(),
        }
    }
}

/// A token just issued: give `token` to the device once; only its hash is kept.
#[derive(Debug)]
pub struct IssuedDeviceToken {
    pub row: DeviceTokenRow,
    pub token: Token,
}

/// A device authenticated by its token, as the caller its readings are written as.
#[derive(Debug, Clone)]
pub struct DeviceCaller {
    pub device: String,
    /// What a nurse knows the device by (its serial number, else its name), shown beside its
    /// readings instead of the record's id.
    pub label: Option<String>,
    pub patient: String,
    pub caller: Caller,
}

/// The device use cases.
#[derive(Clone)]
pub struct Devices {
    fhir: Fhir,
    monitoring: Monitoring,
}

impl Devices {
    pub fn new(fhir: Fhir, monitoring: Monitoring) -> Self {
        Self { fhir, monitoring }
    }

    fn now(&self) -> Timestamp {
        self.fhir.clock().now()
    }

    /// Issues a token for Device `device`, labelled `label`, by `issued_by` (an account id, or
    /// `cli` for the operator's command line). Audited.
    ///
    /// # Errors
    /// [`DeviceError::UnknownDevice`]; storage errors.
    pub async fn issue_token(
        &self,
        device: &str,
        label: &str,
        issued_by: &str,
    ) -> Result<IssuedDeviceToken, DeviceError> {
        let result = async {
            if !self.known_device(device).await? {
                return Err(DeviceError::UnknownDevice);
            }
            let token = Token::generate().map_err(|_| DeviceError::Entropy)?;
            let row = DeviceTokenRow {
                id: self.fhir.ids().new_id(),
                device_id: device.to_owned(),
                token_hash: token.hash(),
                label: label.trim().to_owned(),
                created_by: issued_by.to_owned(),
                created_at: self.now(),
                revoked_at: None,
            };
            self.fhir.store().create_device_token(&row).await?;
            Ok(IssuedDeviceToken { row, token })
        }
        .await;
        let id = result.as_ref().ok().map(|t| t.row.id.clone());
        self.record(issued_by, action::DEVICE_TOKEN_ISSUE, device, id, result.is_ok()).await?;
        result
    }

    /// Whether `device` is the id of a Device (not deleted): only its existence is looked at.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn known_device(&self, device: &str) -> Result<bool, DeviceError> {
        if !relais_fhir::id::is_valid_id(device) {
            return Ok(false);
        }
        match self.fhir.read("Device", device).await {
            Ok(row) => Ok(!row.deleted),
            Err(FhirError::NotFound(_) | FhirError::Gone(_)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The id of the Device `id_or_serial` names: its id, or the serial number enrolment
    /// registered it under (`urn:relais:device-serial`) when exactly one Device has it.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn find_device(&self, id_or_serial: &str) -> Result<Option<String>, DeviceError> {
        if self.known_device(id_or_serial).await? {
            return Ok(Some(id_or_serial.to_owned()));
        }
        let token = format!("{}|{id_or_serial}", crate::monitoring::enrolment::DEVICE_SERIAL);
        let query = [("identifier".to_owned(), token), ("_elements".to_owned(), "id".to_owned())];
        let found = self.fhir.search("Device", &query, true, "").await?;
        let ids: Vec<&str> = found
            .get("entry")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.pointer("/resource/id").and_then(serde_json::Value::as_str))
            .collect();
        Ok(match ids.as_slice() {
            [one] => Some((*one).to_owned()),
            _ => None,
        })
    }

    /// Revokes the token `id` by `revoked_by`: the device is refused from now on. Audited.
    ///
    /// # Errors
    /// [`DeviceError::UnknownToken`] if no working token has this id; storage errors.
    pub async fn revoke_token(&self, id: &str, revoked_by: &str) -> Result<(), DeviceError> {
        let done = self.fhir.store().revoke_device_token(id, self.now()).await?;
        self.record(revoked_by, action::DEVICE_TOKEN_REVOKE, "", Some(id.to_owned()), done).await?;
        if done { Ok(()) } else { Err(DeviceError::UnknownToken) }
    }

    /// The tokens of `device`, revoked ones included (never the tokens themselves).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn tokens_of(&self, device: &str) -> Result<Vec<DeviceTokenRow>, DeviceError> {
        Ok(self.fhir.store().device_tokens_of(device).await?)
    }

    async fn record(
        &self,
        actor: &str,
        what: &str,
        device: &str,
        token: Option<String>,
        success: bool,
    ) -> Result<(), DeviceError> {
        let draft = AuditDraft {
            recorded: self.now().as_microsecond(),
            actor: actor.to_owned(),
            on_behalf_of: None,
            action: what.to_owned(),
            outcome: if success { AuditOutcome::Success } else { AuditOutcome::Failed },
            resource_type: (!device.is_empty()).then(|| "Device".to_owned()),
            resource_id: (!device.is_empty()).then(|| device.to_owned()),
            patient_id: None,
            query: token.map(|t| format!("token={t}")),
            source_address: None,
            purpose: None,
            break_glass: false,
        };
        self.fhir.store().append_audit(draft).await?;
        Ok(())
    }

    /// The device a presented token stands for, and the caller it writes as: the token must be
    /// working, the Device active, and lent to exactly one patient now.
    ///
    /// # Errors
    /// [`DeviceError::TokenInvalid`], [`DeviceError::Inactive`], [`DeviceError::NotAssigned`];
    /// storage errors.
    pub async fn authenticate(
        &self,
        token: &str,
        address: Option<&str>,
    ) -> Result<DeviceCaller, DeviceError> {
        let row = self.fhir.store().device_token_by_hash(&token_hash(token)).await?;
        let Some(row) = row.filter(|r| r.revoked_at.is_none()) else { return Err(DeviceError::TokenInvalid) };
        let device = match self.fhir.read("Device", &row.device_id).await {
            Ok(found) => found.content.and_then(|c| serde_json::from_str::<Value>(&c).ok()),
            Err(FhirError::NotFound(_) | FhirError::Gone(_)) => None,
            Err(e) => return Err(e.into()),
        };
        let working = device
            .as_ref()
            .is_some_and(|d| d.get("status").and_then(Value::as_str).is_none_or(|s| WORKING.contains(&s)));
        if !working {
            return Err(DeviceError::Inactive);
        }
        let label = device.as_ref().and_then(device_label);
        let patient = self.assigned_patient(&row.device_id).await?;
        let grant = Grant {
            patient: patient.clone(),
            basis: Basis::Device,
            resource_types: Some(BTreeSet::from(["Observation".to_owned()])),
            write: true,
            expires: None,
            only: None,
        };
        let principal = Principal {
            id: format!("device:{}", row.device_id),
            grants: vec![grant],
            ..Principal::default()
        };
        let caller = Caller { principal, address: address.map(str::to_owned), purpose: None };
        Ok(DeviceCaller { device: row.device_id, label, patient, caller })
    }

    /// The one patient an active DeviceUseStatement lends `device` to now.
    async fn assigned_patient(&self, device: &str) -> Result<String, DeviceError> {
        let pairs =
            [("device".to_owned(), format!("Device/{device}")), ("_count".to_owned(), "50".to_owned())];
        let bundle = self.fhir.search("DeviceUseStatement", &pairs, true, BASE).await?;
        let now = self.now();
        let mut patients: Vec<String> = bundle
            .get("entry")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("resource"))
            .filter(|s| s.get("status").and_then(Value::as_str) == Some("active"))
            .filter(|s| {
                let instant =
                    |p: &str| s.pointer(p).and_then(Value::as_str).and_then(|t| t.parse::<Timestamp>().ok());
                instant("/timingPeriod/start").is_none_or(|start| start <= now)
                    && instant("/timingPeriod/end").is_none_or(|end| now < end)
            })
            .filter_map(|s| s.pointer("/subject/reference").and_then(Value::as_str))
            .filter_map(|r| r.strip_prefix("Patient/"))
            .map(str::to_owned)
            .collect();
        patients.sort();
        patients.dedup();
        match patients.as_slice() {
            [one] => Ok(one.clone()),
            // None, or lent to two patients at once: a mistake to fix in the record, not a
            // reason to write into one of them.
            _ => Err(DeviceError::NotAssigned),
        }
    }
}
