//! API credentials for tests and benchmarks: a client registered with the real
//! `relais admin create-client` command, and an access token from the real `/auth/token`.

use std::path::Path;
use std::process::Command;

use crate::TestDb;

/// A registered client's id and secret.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub id: String,
    pub secret: String,
}

/// Registers a client with `scope` on `db` (for the account with `account_email`, if given) by
/// running `binary admin create-client`.
pub fn create_client(
    binary: &Path,
    db: &TestDb,
    scope: &str,
    account_email: Option<&str>,
) -> ClientCredentials {
    let mut command = Command::new(binary);
    command
        .args(["admin", "create-client", "--name", "tests", "--scope", scope, "--database-url", db.url()])
        .arg("--data-dir")
        .arg(db.dir())
        .current_dir(db.dir());
    if let Some(email) = account_email {
        command.args(["--account", email]);
    }
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "create-client failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("no {name} in: {stdout}"))
    };
    ClientCredentials { id: field("client_id:"), secret: field("client_secret:") }
}

/// An access token for `credentials` from the server at `base_url` (`http://127.0.0.1:PORT`).
pub async fn access_token(base_url: &str, credentials: &ClientCredentials) -> String {
    let response = reqwest::Client::new()
        .post(format!("{base_url}/auth/token"))
        .basic_auth(&credentials.id, Some(&credentials.secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("token request sent");
    let status = response.status();
    let body: serde_json::Value = response.json().await.expect("token response is JSON");
    assert_eq!(status, 200, "token refused: {body}");
    body["access_token"].as_str().expect("access_token").to_owned()
}
