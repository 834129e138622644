//! Monitoring programs as configuration.
//!
//! A program is one TOML file (see `programs/*.toml` and docs/programs.md): what the patient
//! measures and answers, which rules raise alerts and how severe they are, what advice the patient
//! sees at once, and who is told when an alert waits. The file is read into [`raw`] structures
//! (unknown keys refused), then [`validate`]d into the typed [`Program`] the engine uses, so a
//! mistake is reported once, at load, naming the file and the field — never at 3 a.m. in a rule.

mod catalog;
mod edit;
mod limit;
mod model;
mod questionnaire;
pub use questionnaire::questionnaire_url;
mod raw;
mod validate;
mod validate_rule;

pub use catalog::{Catalog, DEFAULT_PROGRAMS, ProgramError, parse_program};
pub use edit::{Edited, FieldError, edit_program, editable_values};
pub use limit::{Limit, Op};
pub use model::*;

#[cfg(test)]
mod tests;
