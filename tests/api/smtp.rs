//! A real SMTP server for the tests: Debian's aiosmtpd with the handler in smtp_sink.py, which
//! stores each accepted message as JSON (decoded text and HTML parts) in a directory of its own.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::random_suffix;

/// The Python that has python3-aiosmtpd (Debian's; a `python3` on PATH may be another one).
pub const PYTHON: &str = "/usr/bin/python3";

/// Whether Debian's aiosmtpd is installed for [`PYTHON`].
pub fn aiosmtpd_installed() -> bool {
    Command::new(PYTHON)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub struct MailSink {
    child: Option<Child>,
    pub port: u16,
    pub dir: PathBuf,
}

impl MailSink {
    /// A mail server's address and mailbox, not yet listening (see [`MailSink::run`]).
    pub fn on_port(port: u16) -> MailSink {
        let dir = std::env::temp_dir().join(format!("idp-mail-{}", random_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        MailSink {
            child: None,
            port,
            dir,
        }
    }

    /// Starts listening and waits until it accepts connections.
    pub async fn run(&mut self) {
        let handler_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api");
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "smtp_sink.Sink"])
            .arg(&self.dir)
            .env("PYTHONPATH", handler_dir)
            .stdin(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops listening (messages received so far stay readable).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The relay URL for `email.smtp_url`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                out.push(serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap());
            }
        }
        out
    }

    /// Waits until at least `count` messages have arrived, for at most `within`.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + within;
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {count} mails arrived within {within:?}",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The one message to `to` (waiting for it up to `within`).
    pub async fn message_to(&self, to: &str, within: Duration) -> serde_json::Value {
        let deadline = Instant::now() + within;
        loop {
            let mut found: Vec<_> = self
                .messages()
                .into_iter()
                .filter(|m| m["envelope_to"][0] == to)
                .collect();
            if found.len() == 1 {
                return found.remove(0);
            }
            assert!(found.len() < 2, "{} mails to {to}", found.len());
            assert!(
                Instant::now() < deadline,
                "no mail to {to} within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for `count` mails to `to` and returns them (in no particular order).
    pub async fn messages_to(
        &self,
        to: &str,
        count: usize,
        within: Duration,
    ) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + within;
        loop {
            let found: Vec<_> = self
                .messages()
                .into_iter()
                .filter(|m| m["envelope_to"][0] == to)
                .collect();
            assert!(found.len() <= count, "{} mails to {to}", found.len());
            if found.len() == count {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {count} mails to {to} within {within:?}",
                found.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
