//! Relais clinical: the home-monitoring rules a clinician owns, as pure functions.
//!
//! This crate owns
//! - [`program`]: monitoring programs (heart failure, COPD, hypertension, diabetes,
//!   post-operative) as TOML configuration — measurements (LOINC, UCUM, how often),
//!   questionnaires (rendered as FHIR Questionnaire resources), alert rules with their thresholds,
//!   severities and versions, advice texts in French and English, escalation chains — loaded and
//!   validated with errors that name the file and the field;
//! - [`units`]: readings normalisation — conversion to the unit the program expects (lb→kg,
//!   °F→°C, mg/dL→mmol/L for glucose) and plausibility ranges, with the reason a value is refused;
//! - [`news2`]: the NEWS2 score (RCP 2017) and its clinical-risk band;
//! - [`engine`]: the rules engine — thresholds with per-patient overrides, change over a window,
//!   averages, NEWS2, symptom answers, composite rules and missing data, evaluated at an injected
//!   `now` and returning findings with a stable key so a persisting condition updates its alert;
//! - [`escalation`]: who an unacknowledged alert belongs to at a given instant.
//!
//! It does no IO: no files, no database, no network, no clock. The default programs are embedded
//! in the binary; overrides are handed in as text by the caller, which reads them from the data
//! folder. It must not depend on `relais-store`, `relais-app`, `relais-web` or any HTTP or SQL crate.

pub mod engine;
pub mod escalation;
pub mod news2;
pub mod program;
pub mod units;

pub use engine::{Answer, Detail, Finding, Input, PatientOverrides, Reading, evaluate};
pub use program::{Catalog, Program, ProgramError, Severity};
