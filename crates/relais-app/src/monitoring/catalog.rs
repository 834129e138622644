//! The programs in force: the defaults shipped in the binary, overridden by the clinicians'
//! files in `<data folder>/programs/*.toml` (one file per program, named by its id), held so
//! that an administrator's change replaces them in the running server (see `program_edit.rs`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use relais_clinical::program::{Catalog, ProgramError};

/// Why the programs could not be loaded; the server should not start on half of them.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The folder or a file could not be read.
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    /// A file is not a valid program (names the file and the field).
    #[error(transparent)]
    Program(#[from] ProgramError),
}

/// The programs in force, replaced whole when an administrator saves a change: an evaluation
/// under way keeps the program it started with, the next one takes the new.
#[derive(Clone)]
pub struct Programs(Arc<Shared>);

struct Shared {
    current: RwLock<Arc<Catalog>>,
    /// Where changes are written (`<data folder>/programs`); `None`: read only.
    folder: Option<PathBuf>,
    /// One change at a time: the version check, the write and the swap go together.
    saving: tokio::sync::Mutex<()>,
}

impl Programs {
    /// `catalog`, changed by writing into `folder` (the one it was loaded from), if any.
    pub fn new(catalog: Arc<Catalog>, folder: Option<PathBuf>) -> Self {
        Self(Arc::new(Shared { current: RwLock::new(catalog), folder, saving: tokio::sync::Mutex::new(()) }))
    }

    /// The programs in force now.
    pub fn current(&self) -> Arc<Catalog> {
        self.0.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub(super) fn replace(&self, catalog: Catalog) {
        *self.0.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(catalog);
    }

    pub(super) fn folder(&self) -> Option<&Path> {
        self.0.folder.as_deref()
    }

    pub(super) fn saving(&self) -> &tokio::sync::Mutex<()> {
        &self.0.saving
    }
}

impl From<Arc<Catalog>> for Programs {
    /// Programs that no page may change (tests, tools).
    fn from(catalog: Arc<Catalog>) -> Self {
        Self::new(catalog, None)
    }
}

/// The defaults, then every `*.toml` of `dir` (in name order). A missing folder means no
/// overrides.
pub fn load_catalog(dir: &Path) -> Result<Catalog, CatalogError> {
    Ok(Catalog::load(read_files(dir)?)?)
}

/// Every `*.toml` of `dir` as (file name, text), in name order; none for a missing folder.
pub(super) fn read_files(dir: &Path) -> Result<Vec<(String, String)>, CatalogError> {
    let read_error = |path: &Path, source| CatalogError::Read { path: path.display().to_string(), source };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(read_error(dir, e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| read_error(dir, e))?.path();
        if path.extension().is_some_and(|x| x == "toml") {
            let text = std::fs::read_to_string(&path).map_err(|e| read_error(&path, e))?;
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            files.push((name, text));
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clinicians_file_overrides_the_default_and_a_bad_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load_catalog(&dir.path().join("absent")).unwrap().get("copd").unwrap().version, 1);
        let shipped = relais_clinical::program::DEFAULT_PROGRAMS
            .iter()
            .find(|(name, _)| *name == "copd.toml")
            .map(|(_, text)| *text)
            .unwrap();
        std::fs::write(dir.path().join("copd.toml"), shipped.replacen("version = 1", "version = 4", 1))
            .unwrap();
        std::fs::write(dir.path().join("README.txt"), "not a program").unwrap();
        let catalog = load_catalog(dir.path()).unwrap();
        assert_eq!(catalog.get("copd").unwrap().version, 4);
        assert_eq!((catalog.file_of("copd"), catalog.file_of("diabetes")), (Some("copd.toml"), None));
        std::fs::write(dir.path().join("diabetes.toml"), "id = \"diabetes\"\nversion = 0\n").unwrap();
        let error = load_catalog(dir.path()).unwrap_err().to_string();
        assert!(error.starts_with("diabetes.toml: line"), "{error}");
    }
}
