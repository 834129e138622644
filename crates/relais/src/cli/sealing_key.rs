//! The 32-byte key that seals TOTP secrets and queued email at rest — until the server secret
//! (`relais_access::keys`, the lead's branch) lands, when it becomes
//! `secret.derive(Purpose::TotpEncryption)` and this file goes.
//!
//! Kept in `<data_dir>/sealing.key` (base64, created on first start, readable by the owner
//! only). Every node of a cluster must hold the same file.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use data_encoding::BASE64;
use relais_access::{Entropy, OsEntropy};

/// Reads the key from `data_dir`, creating it if missing.
pub(crate) fn load_or_create(data_dir: &Path) -> anyhow::Result<[u8; 32]> {
    let path = data_dir.join("sealing.key");
    if path.exists() {
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let bytes = BASE64.decode(text.trim().as_bytes()).ok().filter(|b| b.len() == 32);
        let Some(bytes) = bytes else { bail!("{} is not 32 bytes of base64", path.display()) };
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes);
        return Ok(key);
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create {}", data_dir.display()))?;
    let mut key = [0u8; 32];
    OsEntropy.fill(&mut key).context("no randomness for the sealing key")?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(BASE64.encode(&key).as_bytes())?;
    file.sync_all()?;
    Ok(key)
}
