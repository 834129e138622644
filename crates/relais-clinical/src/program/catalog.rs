//! Loading programs: the defaults shipped in the binary, then the clinicians' overrides.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::model::Program;
use super::raw::RawProgram;
use super::validate::validate;

/// The programs shipped with Relais: `(file name, TOML text)`.
pub const DEFAULT_PROGRAMS: &[(&str, &str)] = &[
    ("heart-failure.toml", include_str!("../../programs/heart-failure.toml")),
    ("copd.toml", include_str!("../../programs/copd.toml")),
    ("hypertension.toml", include_str!("../../programs/hypertension.toml")),
    ("diabetes.toml", include_str!("../../programs/diabetes.toml")),
    ("post-operative.toml", include_str!("../../programs/post-operative.toml")),
];

/// Why a program file was refused; always names the file, and the field or the position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProgramError {
    /// Not valid TOML, or a key that does not exist or has the wrong type.
    #[error("{file}: line {line}, column {column}: {message}")]
    Syntax { file: String, line: usize, column: usize, message: String },
    /// Valid TOML whose content breaks a rule of the format.
    #[error("{file}: {field}: {message}")]
    Invalid { file: String, field: String, message: String },
}

/// Parses and validates one program file. `file` is its name (`heart-failure.toml`); the
/// program's `id` must match it so an override cannot silently replace another program.
pub fn parse_program(file: &str, text: &str) -> Result<Program, ProgramError> {
    let raw: RawProgram = toml::from_str(text).map_err(|error| {
        let (line, column) = error.span().map(|span| position(text, span.start)).unwrap_or((0, 0));
        ProgramError::Syntax { file: file.to_owned(), line, column, message: error.message().to_owned() }
    })?;
    let stem = file.rsplit(['/', '\\']).next().unwrap_or(file).trim_end_matches(".toml");
    if raw.id != stem {
        return Err(ProgramError::Invalid {
            file: file.to_owned(),
            field: "id".to_owned(),
            message: format!("`{}` must match the file name `{stem}`", raw.id),
        });
    }
    validate(raw).map_err(|invalid| ProgramError::Invalid {
        file: file.to_owned(),
        field: invalid.field,
        message: invalid.message,
    })
}

/// 1-based line and column of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |tail| tail.chars().count()) + 1;
    (line, column)
}

/// The programs in force: the defaults, each replaced by an override of the same id.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Shared, so an evaluation keeps its program while the catalog is replaced.
    programs: BTreeMap<String, Arc<Program>>,
    /// The file each program came from when not the shipped default, by id.
    files: BTreeMap<String, String>,
    /// Each program's text as loaded, by id: what an edit starts from.
    sources: BTreeMap<String, String>,
}

impl Catalog {
    /// The programs shipped with Relais.
    pub fn defaults() -> Result<Self, ProgramError> {
        Self::load(std::iter::empty::<(&str, &str)>())
    }

    /// The defaults, then `overrides` (file name, TOML text), read by the caller from the data
    /// folder. An override replaces the default of the same id, or adds a new program. One bad
    /// file refuses the whole set: running on half a configuration would hide the mistake.
    pub fn load<I, N, T>(overrides: I) -> Result<Self, ProgramError>
    where
        I: IntoIterator<Item = (N, T)>,
        N: AsRef<str>,
        T: AsRef<str>,
    {
        let mut programs = BTreeMap::new();
        let mut files = BTreeMap::new();
        let mut sources = BTreeMap::new();
        for (file, text) in DEFAULT_PROGRAMS {
            let program = parse_program(file, text)?;
            sources.insert(program.id.clone(), (*text).to_owned());
            programs.insert(program.id.clone(), Arc::new(program));
        }
        for (file, text) in overrides {
            let program = parse_program(file.as_ref(), text.as_ref())?;
            files.insert(program.id.clone(), file.as_ref().to_owned());
            sources.insert(program.id.clone(), text.as_ref().to_owned());
            programs.insert(program.id.clone(), Arc::new(program));
        }
        Ok(Self { programs, files, sources })
    }

    /// A program by id.
    pub fn get(&self, id: &str) -> Option<&Program> {
        self.programs.get(id).map(Arc::as_ref)
    }

    /// A program by id, shared: it stays whole however the catalog changes after.
    pub fn shared(&self, id: &str) -> Option<Arc<Program>> {
        self.programs.get(id).cloned()
    }

    /// The text a program was loaded from (the shipped file's, or the data folder's).
    pub fn source_of(&self, id: &str) -> Option<&str> {
        self.sources.get(id).map(String::as_str)
    }

    /// The file a program was loaded from, when it is not the shipped default (the
    /// administration page says which is in force).
    pub fn file_of(&self, id: &str) -> Option<&str> {
        self.files.get(id).map(String::as_str)
    }

    /// Every program, by id.
    pub fn programs(&self) -> impl Iterator<Item = &Program> {
        self.programs.values().map(Arc::as_ref)
    }
}
