//! The server secret: from the `secret_key` setting, or from `secret.key` in the data folder,
//! created on first start (readable by the server's user only). See `relais_access::keys`.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use relais_access::OsEntropy;
use relais_access::keys::ServerSecret;

use crate::settings::Settings;

const FILE_NAME: &str = "secret.key";

/// The secret the settings name, or the data folder's (made if there is none yet).
pub(crate) fn load_or_create(settings: &Settings) -> anyhow::Result<ServerSecret> {
    if !settings.secret_key.is_empty() {
        return ServerSecret::parse(&settings.secret_key).context("the secret_key setting");
    }
    let path = settings.data_dir.join(FILE_NAME);
    match std::fs::read_to_string(&path) {
        Ok(text) => ServerSecret::parse(&text).with_context(|| format!("{}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn create(path: &Path) -> anyhow::Result<ServerSecret> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let secret = ServerSecret::generate(&OsEntropy).context("no randomness for the server secret")?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = match options.open(path) {
        Ok(file) => file,
        // Another process (a concurrent `relais serve`) made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path)?;
            return ServerSecret::parse(&text).with_context(|| format!("{}", path.display()));
        }
        Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
    };
    file.write_all(format!("{}\n", secret.encode()).as_bytes())?;
    file.sync_all()?;
    if ServerSecret::parse(&std::fs::read_to_string(path)?).ok() != Some(secret.clone()) {
        bail!("{} did not read back as written", path.display());
    }
    tracing::info!(path = %path.display(), "created the server secret");
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_in_the_data_folder_then_reused_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings { data_dir: dir.path().join("data"), ..Settings::default() };
        let first = load_or_create(&settings).unwrap();
        assert_eq!(load_or_create(&settings).unwrap(), first, "the same secret after a restart");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("data/secret.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "readable by others: {mode:o}");
        }
        let configured =
            Settings { secret_key: first.encode(), data_dir: dir.path().join("other"), ..settings };
        assert_eq!(load_or_create(&configured).unwrap(), first);
        assert!(!dir.path().join("other/secret.key").exists(), "a configured secret makes no file");
        let broken = Settings { secret_key: "short".into(), ..configured };
        assert!(load_or_create(&broken).is_err());
    }
}
