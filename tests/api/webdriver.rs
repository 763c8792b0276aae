//! A minimal W3C WebDriver client over reqwest, driving Debian's chromium through chromedriver:
//! enough to open pages, fill forms, click, read the URL and take screenshots.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    profile: PathBuf,
}

impl Browser {
    pub async fn start() -> Browser {
        Browser::start_with(&[]).await
    }

    /// A browser with extra Chromium flags, e.g. `--blink-settings=scriptEnabled=false`.
    pub async fn start_with(extra_args: &[&str]) -> Browser {
        let port = crate::support::free_port();
        // Its own process group, so that the Chromium it starts can be ended with it.
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = std::env::temp_dir().join(format!("idp-chromium-{port}"));
        // Flags keep a headless Chromium off the network: this machine reaches no outside host.
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1024,900",
        ]
        .iter()
        .chain(extra_args)
        .map(|a| a.to_string())
        .collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args }
        }}});
        let response: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .unwrap();
        let session = response["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {response}"))
            .to_string();
        Browser {
            driver,
            base,
            session,
            http,
            profile,
        }
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        if let Some(error) = response["value"].get("error") {
            panic!(
                "WebDriver {path}: {error}: {}",
                response["value"]["message"]
            );
        }
        response["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    pub async fn current_url(&self) -> String {
        let value = self.command(reqwest::Method::GET, "/url", None).await;
        value.as_str().unwrap().to_string()
    }

    pub async fn page_source(&self) -> String {
        let value = self.command(reqwest::Method::GET, "/source", None).await;
        value.as_str().unwrap().to_string()
    }

    async fn find(&self, css: &str) -> String {
        let value = self
            .command(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        value[ELEMENT_KEY].as_str().unwrap().to_string()
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// The current value of a form field (what a person would read in it).
    pub async fn value_of(&self, css: &str) -> String {
        let element = self.find(css).await;
        let value = self
            .command(
                reqwest::Method::GET,
                &format!("/element/{element}/property/value"),
                None,
            )
            .await;
        value.as_str().unwrap_or_default().to_string()
    }

    /// Saves a PNG of the viewport under `target/browser-screenshots/`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        self.screenshot_in("target/browser-screenshots", name).await
    }

    /// Saves a PNG of the viewport as `dir/name.png`, `dir` relative to the crate.
    pub async fn screenshot_in(&self, dir: &str, name: &str) -> PathBuf {
        let value = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(value.as_str().unwrap())
            .unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page; returns its value.
    pub async fn execute(&self, script: &str, args: Value) -> Value {
        let body = json!({ "script": script, "args": args });
        self.command(reqwest::Method::POST, "/execute/sync", Some(body))
            .await
    }

    /// Runs `script` until it calls its last argument with a result; returns that result.
    pub async fn execute_async(&self, script: &str, args: Value) -> Value {
        let body = json!({ "script": script, "args": args });
        self.command(reqwest::Method::POST, "/execute/async", Some(body))
            .await
    }

    /// A Chrome DevTools Protocol command through chromedriver's `goog/cdp/execute` extension,
    /// e.g. `Emulation.setEmulatedMedia`; its effect lasts across navigations in this tab.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let body = json!({ "cmd": cmd, "params": params });
        self.command(reqwest::Method::POST, "/goog/cdp/execute", Some(body))
            .await
    }

    /// Adds a virtual authenticator (the W3C WebAuthn WebDriver extension): a platform
    /// authenticator (CTAP2, internal transport) that keeps discoverable credentials and
    /// verifies its user (as a fingerprint or PIN would) without asking; returns its id.
    pub async fn add_virtual_authenticator(&self) -> String {
        self.add_virtual_authenticator_speaking("ctap2").await
    }

    /// A virtual authenticator of CTAP `protocol` (`ctap2`, or `ctap2_1` for one that also
    /// honours extensions such as credProtect, as security keys handed out by organisations do).
    pub async fn add_virtual_authenticator_speaking(&self, protocol: &str) -> String {
        let options = json!({
            "protocol": protocol,
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserVerified": true,
            "isUserConsenting": true,
        });
        let value = self
            .command(
                reqwest::Method::POST,
                "/webauthn/authenticator",
                Some(options),
            )
            .await;
        value.as_str().expect("authenticator id").to_string()
    }

    /// Makes the pages opened from now on see a browser without conditional mediation (no
    /// passkeys in the username field's autofill), so that only a button starts a ceremony.
    pub async fn without_passkey_autofill(&self) {
        let source = "if (window.PublicKeyCredential) { \
            PublicKeyCredential.isConditionalMediationAvailable = async () => false; }";
        self.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )
        .await;
    }

    /// The credentials the virtual authenticator holds.
    pub async fn authenticator_credentials(&self, authenticator: &str) -> Vec<Value> {
        let path = format!("/webauthn/authenticator/{authenticator}/credentials");
        let value = self.command(reqwest::Method::GET, &path, None).await;
        value.as_array().cloned().unwrap_or_default()
    }

    /// The browser's cookie `name` for the current page (HttpOnly ones too).
    pub async fn cookie(&self, name: &str) -> Option<String> {
        let value = self.command(reqwest::Method::GET, "/cookie", None).await;
        value
            .as_array()?
            .iter()
            .find(|c| c["name"] == name)
            .and_then(|c| c["value"].as_str())
            .map(str::to_string)
    }

    /// Forgets the cookie `name` of the current page's site.
    pub async fn delete_cookie(&self, name: &str) {
        self.command(reqwest::Method::DELETE, &format!("/cookie/{name}"), None)
            .await;
    }

    /// Waits until the element `id` is in the page and not hidden (static/passkey.js shows the
    /// passkey forms once it can run their ceremonies).
    pub async fn wait_until_shown(&self, id: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let shown = self
                .execute(
                    "const e = document.getElementById(arguments[0]); return !!e && !e.hidden;",
                    json!([id]),
                )
                .await;
            if shown == json!(true) {
                return;
            }
            assert!(Instant::now() < deadline, "{id} never shown");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page's source contains `text`.
    pub async fn wait_for_text(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.page_source().await.contains(text) {
            assert!(
                Instant::now() < deadline,
                "{text:?} never appeared at {}",
                self.current_url().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Follows the page's "Sign in" link to the account page and signs in there.
    pub async fn sign_in_to_account(&self, username: &str, password: &str) {
        self.click("a[href='/login?next=/account']").await;
        self.wait_for_url(|u| u.contains("/login")).await;
        self.type_into("#username", username).await;
        self.type_into("#password", password).await;
        self.click("button[type=submit]").await;
        self.wait_for_url(|u| u.ends_with("/account") && !u.contains("/login?"))
            .await;
    }

    /// Waits until the URL satisfies `done`; returns it.
    pub async fn wait_for_url(&self, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let url = self.current_url().await;
            if done(&url) {
                return url;
            }
            assert!(Instant::now() < deadline, "browser stuck at {url}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Browser {
    /// Ends the session (Chromium quits), then the driver's whole process group: killing the
    /// driver alone left each test's Chromium running, about 300 MB apiece, until the machine
    /// ran out of memory.
    fn drop(&mut self) {
        let _ = self.quit_session();
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Browser {
    /// `DELETE /session/{id}`, blocking (a drop cannot await), within ten seconds.
    fn quit_session(&self) -> std::io::Result<()> {
        use std::io::{Read, Write};
        let address = self.base.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            stream,
            "DELETE /session/{} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n",
            self.session
        )?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        Ok(())
    }
}

/// What a relying party's callback received: the request target and, for a POST, the body.
pub struct Callback {
    pub target: String,
    pub body: String,
}

/// A relying party's callback on loopback (`http://127.0.0.1:PORT/callback`): answers every
/// request with a small page and hands over each one to `/callback`, GET or POST.
pub fn callback_listener() -> (String, std::sync::mpsc::Receiver<Callback>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!(
        "http://127.0.0.1:{}/callback",
        listener.local_addr().unwrap().port()
    );
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap_or(0);
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap_or(());
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n<h1>Signed in</h1>",
            );
            let target = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or("")
                .to_string();
            if target.starts_with("/callback") {
                let body = String::from_utf8_lossy(&body).into_owned();
                // Every callback is handed over, in order (a test may sign in more than once).
                let _ = sender.send(Callback { target, body });
            }
        }
    });
    (uri, receiver)
}
