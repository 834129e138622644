//! An administrator changes a program from `/admin/programs` (docs/programs.md): the values a
//! clinician tunes, never the structure of its rules.
//!
//! The change is checked by the same code that checks every file at start, together with the
//! other files of the folder, so what is saved is what a restart would load. It is written to
//! `<data folder>/programs/<id>.toml` whole (a temporary file renamed over the old one: a reader
//! never sees half a file), recorded on the audit trail (who, which program, old → new version,
//! why), and put in force at once: the next reading is evaluated under it. Alerts raised before
//! keep naming the version they were raised under (their Provenance).
//!
//! Two administrators editing at once: the form carries the version it was made from, and a
//! save over a newer version is refused rather than silently undoing the other's change.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use relais_access::audit::{Outcome, action};
use relais_access::policy::{Denied, Role};
use relais_clinical::program::{Catalog, FieldError, Program, edit_program, editable_values};
use relais_fhir::{Issue, IssueType};

use super::Monitoring;
use super::catalog::read_files;
use crate::access::Caller;
use crate::audit::Access;
use crate::fhir::FhirError;

/// A change to one program, as the form sends it.
#[derive(Debug, Clone)]
pub struct EditProgram {
    /// The program's id.
    pub program: String,
    /// The version the form was made from.
    pub from_version: u32,
    /// Why (required; on the audit trail).
    pub reason: String,
    /// (field path, typed value): `rules[3].when` = `> 180`.
    pub changes: Vec<(String, String)>,
}

/// A saved change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedProgram {
    pub program: String,
    pub old_version: u32,
    pub version: u32,
    /// The rules changed: id, old version, new version.
    pub rules: Vec<(String, u32, u32)>,
}

/// A program as its edit form starts: the program, and its editable values as the file writes
/// them, by field path.
pub struct ToEdit {
    pub program: Arc<Program>,
    pub values: BTreeMap<String, String>,
}

fn refused(field: Option<&str>, code: &'static str, message: impl Into<String>) -> FhirError {
    let issue = Issue::error(IssueType::BusinessRule, code, message);
    FhirError::Unprocessable(vec![match field {
        Some(field) => issue.at(field),
        None => issue,
    }])
}

/// The form's refusals, each on its field (the form's whole when it names none).
fn field_refusals(errors: Vec<FieldError>) -> FhirError {
    if errors.is_empty() {
        return refused(None, "program-unchanged", "Nothing was changed");
    }
    let issues = errors
        .into_iter()
        .map(|e| {
            let issue = Issue::error(IssueType::Invalid, e.code, e.message);
            if e.field.is_empty() { issue } else { issue.at(e.field) }
        })
        .collect();
    FhirError::Unprocessable(issues)
}

impl Monitoring {
    /// Records `caller`'s `access` to the program `id` and refuses anyone but an administrator.
    async fn administrator_only(
        &self,
        caller: &Caller,
        act: &'static str,
        id: &str,
        query: String,
    ) -> Result<(), FhirError> {
        let allowed = caller.principal.roles.contains(&Role::Administrator);
        let access = Access {
            action: act,
            outcome: if allowed { Outcome::Success } else { Outcome::Denied },
            resource_type: Some("PlanDefinition"),
            resource_id: Some(id),
            query: Some(query),
            patients: Vec::new(),
        };
        self.fhir.audit(caller, access).await?;
        if allowed { Ok(()) } else { Err(FhirError::Forbidden(Denied::RoleForbids.code())) }
    }

    /// The program `id` and its editable values, for an administrator's form (the viewing on
    /// the trail).
    ///
    /// # Errors
    /// 403 `role-forbids` for anyone but an administrator; 404 for an unknown program.
    pub async fn program_to_edit(&self, caller: &Caller, id: &str) -> Result<ToEdit, FhirError> {
        self.administrator_only(caller, action::READ, id, "monitoring-program-edit".to_owned()).await?;
        let catalog = self.programs.current();
        let (Some(program), Some(source)) = (catalog.shared(id), catalog.source_of(id)) else {
            return Err(FhirError::NotFound(format!("program {id}")));
        };
        Ok(ToEdit { program, values: editable_values(source) })
    }

    /// Saves `edit` as `caller`: checked, written to the data folder, on the audit trail, and in
    /// force for the next reading.
    ///
    /// # Errors
    /// 403 `role-forbids` for anyone but an administrator (refused on the trail); 404 for an
    /// unknown program; 422 `reason-required` (field `reason`), each refused value on its field
    /// (`limit-invalid`, `whole-number`, `number`, `plausible-invalid`, `text-required`,
    /// `severity-invalid`, `not-editable`, `program-invalid`), and on the whole form
    /// `program-stale` (saved over since the form was made), `program-unchanged`,
    /// `programs-read-only` (no data folder), `programs-folder-invalid` (another file of the
    /// folder is wrong), `program-not-written` (the file could not be written). Nothing is
    /// written or changed then.
    pub async fn edit_program(&self, caller: &Caller, edit: &EditProgram) -> Result<SavedProgram, FhirError> {
        let reason = edit.reason.trim();
        if !caller.principal.roles.contains(&Role::Administrator) {
            let query = format!("monitoring-program-update from-version={}", edit.from_version);
            self.administrator_only(caller, action::UPDATE, &edit.program, query).await?;
        }
        if reason.is_empty() || reason.chars().count() > 1000 {
            return Err(refused(Some("reason"), "reason-required", "Say why the program changes"));
        }
        let Some(folder) = self.programs.folder() else {
            return Err(refused(None, "programs-read-only", "This server has no data folder for programs"));
        };
        // The version check, the write and the swap, one change at a time.
        let _saving = self.programs.saving().lock().await;
        let catalog = self.programs.current();
        let (Some(program), Some(source)) = (catalog.get(&edit.program), catalog.source_of(&edit.program))
        else {
            return Err(FhirError::NotFound(format!("program {}", edit.program)));
        };
        if program.version != edit.from_version {
            return Err(refused(
                None,
                "program-stale",
                format!(
                    "Version {} was saved since this form was made from version {}",
                    program.version, edit.from_version
                ),
            ));
        }
        let file = format!("{}.toml", edit.program);
        let edited = edit_program(&file, source, &edit.changes).map_err(field_refusals)?;
        let next = whole_set(folder, &file, &edited.text)?;
        let temporary = folder.join(format!(".{file}.saving"));
        write_temporary(folder, &temporary, &edited.text)?;
        let rules: Vec<String> =
            edited.rules.iter().map(|(id, old, new)| format!("{id} {old}->{new}")).collect();
        let query = format!(
            "monitoring-program-update version {}->{}; rules: {}; reason: {reason}",
            edited.old_version,
            edited.program.version,
            rules.join(", ")
        );
        // On the trail before it takes effect: a change the trail cannot record is not made.
        if let Err(e) = self.administrator_only(caller, action::UPDATE, &edit.program, query).await {
            let _ = std::fs::remove_file(&temporary);
            return Err(e);
        }
        std::fs::rename(&temporary, folder.join(&file)).map_err(|e| not_written(folder, &e))?;
        self.programs.replace(next);
        Ok(SavedProgram {
            program: edit.program.clone(),
            old_version: edited.old_version,
            version: edited.program.version,
            rules: edited.rules,
        })
    }
}

/// The programs the folder would hold with `text` as `file`: every other file checked too, as
/// at start, so a change never leaves a folder the next start would refuse.
fn whole_set(folder: &Path, file: &str, text: &str) -> Result<Catalog, FhirError> {
    let mut files = read_files(folder)
        .map_err(|e| refused(None, "programs-folder-invalid", e.to_string()))?
        .into_iter()
        .filter(|(name, _)| name != file)
        .collect::<Vec<_>>();
    files.push((file.to_owned(), text.to_owned()));
    files.sort();
    Catalog::load(files).map_err(|e| refused(None, "programs-folder-invalid", e.to_string()))
}

/// Writes `text` to `temporary` in `folder` (created if need be), flushed to disk.
fn write_temporary(folder: &Path, temporary: &Path, text: &str) -> Result<(), FhirError> {
    use std::io::Write;
    std::fs::create_dir_all(folder).map_err(|e| not_written(folder, &e))?;
    let mut out = std::fs::File::create(temporary).map_err(|e| not_written(folder, &e))?;
    out.write_all(text.as_bytes()).and_then(|()| out.sync_all()).map_err(|e| {
        let _ = std::fs::remove_file(temporary);
        not_written(folder, &e)
    })
}

fn not_written(folder: &Path, e: &std::io::Error) -> FhirError {
    // A path and an IO error: no personal information.
    tracing::error!(folder = %folder.display(), error = %e, "a program could not be written");
    refused(None, "program-not-written", "The program file could not be written")
}
