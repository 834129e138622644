//! A real SMTP server on a loopback port that keeps what it receives: enough of RFC 5321 for
//! lettre (greeting, EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT), so that
//! tests send email the way production does and read the messages back.
//!
//! `fail_next(n)` makes the next `n` messages be refused with a transient `451` after their
//! data, as a busy relay would, to test retries.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message as received.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The `MAIL FROM` address.
    pub from: String,
    /// The `RCPT TO` addresses.
    pub to: Vec<String>,
    /// Headers and body, CRLF line ends, dot-unstuffed.
    pub data: String,
}

impl ReceivedMail {
    /// The body: what follows the first empty line, decoded when the message says it is
    /// quoted-printable.
    pub fn body(&self) -> String {
        let (headers, body) = self.data.split_once("\r\n\r\n").unwrap_or(("", ""));
        if headers.to_ascii_lowercase().contains("content-transfer-encoding: quoted-printable") {
            decode_quoted_printable(body)
        } else {
            body.to_owned()
        }
    }

    /// The decoded content of the first MIME part whose `Content-Type` starts with
    /// `content_type` (`text/plain`, `text/calendar`), in a multipart message or a single part.
    pub fn part(&self, content_type: &str) -> Option<String> {
        let wanted = format!("content-type: {}", content_type.to_ascii_lowercase());
        // Parts (and the top level) are header blocks followed by an empty line.
        let mut rest = self.data.as_str();
        while let Some(at) = rest.to_ascii_lowercase().find(&wanted) {
            let block_start = rest[..at].rfind("\r\n\r\n").map_or(0, |i| i + 4);
            let after = &rest[at..];
            let body_at = after.find("\r\n\r\n")?;
            let headers = rest[block_start..at + body_at].to_ascii_lowercase();
            if headers.contains("multipart/") {
                rest = &after[body_at + 4..];
                continue;
            }
            let body = &after[body_at + 4..];
            let end = body.find("\r\n--").unwrap_or(body.len());
            let body = &body[..end];
            return Some(if headers.contains("content-transfer-encoding: base64") {
                let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes = data_encoding::BASE64.decode(compact.as_bytes()).ok()?;
                String::from_utf8_lossy(&bytes).into_owned()
            } else if headers.contains("content-transfer-encoding: quoted-printable") {
                decode_quoted_printable(body)
            } else {
                body.to_owned()
            });
        }
        None
    }

    /// The first `http://` or `https://` link in the body that contains `needle`.
    pub fn link_containing(&self, needle: &str) -> Option<String> {
        self.part("text/plain")
            .unwrap_or_else(|| self.body())
            .split_whitespace()
            .find(|word| {
                (word.starts_with("http://") || word.starts_with("https://")) && word.contains(needle)
            })
            .map(str::to_owned)
    }
}

/// A running sink; stops when dropped.
pub struct SmtpSink {
    /// The port it listens on at 127.0.0.1.
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    failing: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    /// Listens on a free loopback port.
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the SMTP sink");
        let port = listener.local_addr().expect("sink address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let failing = Arc::new(AtomicUsize::new(0));
        let (store, fail) = (received.clone(), failing.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (store, fail) = (store.clone(), fail.clone());
                tokio::spawn(async move {
                    let _ = session(stream, store, fail).await;
                });
            }
        });
        SmtpSink { port, received, failing, task }
    }

    /// Refuses the next `n` messages with `451` (a transient failure).
    pub fn fail_next(&self, n: usize) {
        self.failing.store(n, Ordering::SeqCst);
    }

    /// Every message accepted so far.
    pub fn received(&self) -> Vec<ReceivedMail> {
        self.received.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits until at least `count` messages were accepted (at most `timeout`), and answers them.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let got = self.received();
            if got.len() >= count || tokio::time::Instant::now() >= deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One SMTP conversation.
async fn session(
    stream: TcpStream,
    store: Arc<Mutex<Vec<ReceivedMail>>>,
    failing: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 relais-testkit SMTP sink\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-relais-testkit\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
            b"250 ok\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&command["MAIL FROM:".len()..]);
            to.clear();
            b"250 ok\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&command["RCPT TO:".len()..]));
            b"250 ok\r\n"
        } else if upper == "DATA" {
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let data = read_data(&mut lines).await?;
            let refuse =
                failing.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
            if refuse {
                b"451 try again later\r\n"
            } else {
                let mail = ReceivedMail { from: from.clone(), to: std::mem::take(&mut to), data };
                store.lock().unwrap_or_else(|p| p.into_inner()).push(mail);
                b"250 queued\r\n"
            }
        } else if upper.starts_with("RSET") {
            from.clear();
            to.clear();
            b"250 ok\r\n"
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"502 not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}

/// The lines of a DATA section up to the lone `.`, dot-unstuffed, CRLF-joined.
async fn read_data(lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> std::io::Result<String> {
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(data);
        }
        let text = line.trim_end_matches(['\r', '\n']);
        if text == "." {
            return Ok(data);
        }
        data.push_str(text.strip_prefix('.').unwrap_or(text));
        data.push_str("\r\n");
    }
}

/// Quoted-printable (RFC 2045 §6.7): `=` at a line end joins the lines, `=XX` is a byte.
fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|_| bytes[i] == b'=')
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `<a@b> SIZE=…` → `a@b`.
fn address(argument: &str) -> String {
    let argument = argument.trim();
    match (argument.find('<'), argument.find('>')) {
        (Some(open), Some(close)) if open < close => argument[open + 1..close].to_owned(),
        _ => argument.split_whitespace().next().unwrap_or_default().to_owned(),
    }
}
