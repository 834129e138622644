//! A real `relais serve` process on a free loopback port.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::TestDb;

/// A running server. Killed (SIGKILL) when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `binary serve` on `db` (its folder is the data folder), with extra flags/env.
    pub fn start(binary: &Path, db: &TestDb, extra_args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut command = Command::new(binary);
        command
            .arg("serve")
            .args(["--bind", "127.0.0.1:0", "--database-url", db.url()])
            .arg("--data-dir")
            .arg(db.dir())
            // Text logs unless the test's own flags ask otherwise (flags override the environment).
            .env("RELAIS_LOG_FORMAT", "text")
            .args(extra_args)
            .current_dir(db.dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (found_tx, found) = mpsc::channel();
        for stream in [
            child.stdout.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child.stderr.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let logs = logs.clone();
            let found_tx = found_tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Some(at) = line.find("listening on http://") {
                        // Text or JSON log line: the URL ends at a space or a quote.
                        let rest = &line[at + "listening on ".len()..];
                        let end = rest.find(|c: char| c.is_whitespace() || c == '"').unwrap_or(rest.len());
                        let url = rest[..end].to_owned();
                        let _ = found_tx.send(url);
                    }
                    logs.lock().unwrap_or_else(|p| p.into_inner()).push(line);
                }
            });
        }
        drop(found_tx);
        let url = match found.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let lines = logs.lock().unwrap_or_else(|p| p.into_inner()).join("\n");
                panic!("the server did not start listening:\n{lines}");
            }
        };
        Server { child, url, logs }
    }

    /// The FHIR base URL.
    pub fn fhir(&self) -> String {
        format!("{}/fhir", self.url)
    }

    /// Every log line so far.
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: the process dies at once, mid-write if it was writing.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for the process to exit.
    pub fn terminate(mut self) -> ExitStatus {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        self.child.wait().expect("wait for the server")
    }

    /// Sends SIGTERM without waiting.
    pub fn send_sigterm(&self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
    }

    /// Waits for the process to exit (after a signal).
    pub fn wait(mut self) -> ExitStatus {
        self.child.wait().expect("wait for the server")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
