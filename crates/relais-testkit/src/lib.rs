//! Test support for Relais: throw-away SQLite files and PostgreSQL databases, a real `relais`
//! server process on a free port, API credentials for it, an SMTP sink that keeps the email it
//! receives, and the official HL7 FHIR R4 examples.
//!
//! Used only by tests and benchmarks. PostgreSQL comes from `TEST_DATABASE_URL` (default: the
//! local server at 127.0.0.1:5432); a test that needs it fails loudly when it is not there.

// Test support fails loudly: a panic with a message is the right answer to a broken fixture.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod credentials;
mod db;
mod server;
mod smtp;

use std::path::PathBuf;

pub use credentials::{ClientCredentials, access_token, create_client};
pub use db::{Engine, TestDb, pg_admin_url};
pub use server::Server;
pub use smtp::{ReceivedMail, SmtpSink};

/// `engine_tests!(case, …)`: for each `async fn case(Engine)` in scope, a module `case` with one
/// `#[tokio::test]` per engine, `case::sqlite` and `case::postgres`.
#[macro_export]
macro_rules! engine_tests {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$case($crate::Engine::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$case($crate::Engine::Postgres).await;
            }
        }
    )*};
}

/// The repository's `testdata/` folder.
pub fn testdata() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata"))
}

/// The 56 official HL7 R4 example resources: (file name, resource).
pub fn fhir_examples() -> Vec<(String, serde_json::Value)> {
    let dir = testdata().join("fhir-r4/examples");
    let mut examples: Vec<(String, serde_json::Value)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("directory entry").path();
            let bytes = std::fs::read(&path).expect("example file");
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            (name, serde_json::from_slice(&bytes).expect("example JSON"))
        })
        .collect();
    examples.sort_by(|a, b| a.0.cmp(&b.0));
    examples
}
