//! A small WebDriver client for the web tests: Debian's headless Chromium driven through
//! chromedriver's W3C WebDriver HTTP API (plain JSON over hyper). `bash .ci/test` installs
//! `chromium` and `chromium-driver` when they are missing.
//!
//! Every browser starts with a fresh profile directory and without network side traffic; a
//! screenshot is written under the target directory and its path printed, so a failing test can
//! be looked at.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

/// The W3C key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The first of these that exists.
fn find(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

/// A headless Chromium session.
pub(crate) struct Browser {
    driver: Child,
    base: String,
    session: String,
    client: Client<HttpConnector, Full<Bytes>>,
    _profile: tempfile::TempDir,
}

/// A found element.
#[derive(Debug, Clone)]
pub(crate) struct Element(String);

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a headless Chromium session.
    pub(crate) async fn start() -> Self {
        let chromium = find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]).expect(
            "chromium is not installed: `bash .ci/test` installs chromium and chromium-driver",
        );
        let chromedriver = find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"])
            .expect("chromedriver is not installed: `bash .ci/test` installs chromium-driver");
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let profile = tempfile::tempdir().unwrap();
        let mut browser = Self {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            session: String::new(),
            client: Client::builder(TokioExecutor::new()).build_http(),
            _profile: profile,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(status) = browser.raw("GET", "/status", None).await
                && status["value"]["ready"] == true
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=1280,1000".to_owned(),
            format!("--user-data-dir={}", browser._profile.path().display()),
        ];
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
        }}});
        let created = browser
            .raw("POST", "/session", Some(capabilities))
            .await
            .unwrap();
        browser.session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_owned();
        browser
    }

    async fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(
                body.map(|b| b.to_string()).unwrap_or_default(),
            )))
            .map_err(|e| e.to_string())?;
        let response = tokio::time::timeout(Duration::from_secs(60), self.client.request(request))
            .await
            .map_err(|_| format!("{method} {path}: no answer"))?
            .map_err(|e| e.to_string())?;
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    }

    /// A WebDriver command of this session; its `value`, or a panic naming the error.
    async fn command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        let answer = self.raw(method, &path, body).await.unwrap();
        if answer["value"].get("error").is_some() {
            panic!("{method} {path}: {}", answer["value"]);
        }
        answer["value"].clone()
    }

    /// Opens `url`.
    pub(crate) async fn open(&self, url: &str) {
        self.command("POST", "/url", Some(json!({ "url": url })))
            .await;
    }

    /// The first element matching the CSS selector, waiting up to `timeout` for it.
    pub(crate) async fn wait_for(&self, css: &str, timeout: Duration) -> Element {
        let deadline = Instant::now() + timeout;
        loop {
            let path = format!("/session/{}/element", self.session);
            let body = json!({ "using": "css selector", "value": css });
            let answer = self.raw("POST", &path, Some(body)).await.unwrap();
            if let Some(id) = answer["value"][ELEMENT].as_str() {
                return Element(id.to_owned());
            }
            if Instant::now() >= deadline {
                let shot = self.screenshot("missing-element").await;
                panic!(
                    "no element {css:?} within {timeout:?} ({}); screenshot {}",
                    answer["value"],
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits up to `timeout` for the page to navigate away from `from` (after a click that submits
    /// a form), so that what is looked for next is on the new page, not the old one.
    pub(crate) async fn wait_for_navigation(&self, from: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.url().await == from {
            if Instant::now() >= deadline {
                let shot = self.screenshot("no-navigation").await;
                panic!(
                    "still on {from} after {timeout:?}; screenshot {}",
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The first element matching the CSS selector.
    pub(crate) async fn find(&self, css: &str) -> Element {
        self.wait_for(css, Duration::from_secs(5)).await
    }

    /// Clicks it.
    pub(crate) async fn click(&self, element: &Element) {
        self.command(
            "POST",
            &format!("/element/{}/click", element.0),
            Some(json!({})),
        )
        .await;
    }

    /// Replaces its value with `text` (an input).
    pub(crate) async fn type_into(&self, element: &Element, text: &str) {
        self.command(
            "POST",
            &format!("/element/{}/clear", element.0),
            Some(json!({})),
        )
        .await;
        self.command(
            "POST",
            &format!("/element/{}/value", element.0),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// Its visible text.
    pub(crate) async fn text(&self, element: &Element) -> String {
        let value = self
            .command("GET", &format!("/element/{}/text", element.0), None)
            .await;
        value.as_str().unwrap_or_default().to_owned()
    }

    /// The page's visible text.
    pub(crate) async fn page_text(&self) -> String {
        let body = self.find("body").await;
        self.text(&body).await
    }

    /// The current URL.
    pub(crate) async fn url(&self) -> String {
        self.command("GET", "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Saves a PNG screenshot as `target/browser-screenshots/{name}.png`, prints and returns
    /// its path.
    pub(crate) async fn screenshot(&self, name: &str) -> PathBuf {
        let value = self.command("GET", "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(value.as_str().unwrap_or_default())
            .unwrap();
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
        path
    }
}

/// `$CARGO_TARGET_DIR/browser-screenshots` (the test binary lives in `target/debug/deps`).
pub(crate) fn screenshot_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target = exe
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "deps"))
        .and_then(Path::parent)
        .and_then(Path::parent)
        .map_or_else(std::env::temp_dir, Path::to_path_buf);
    target.join("browser-screenshots")
}

impl Browser {
    /// One WebDriver request without the async runtime (for `Drop`): the answer's body.
    fn blocking(&self, method: &str, path: &str) -> Option<Vec<u8>> {
        use std::io::{BufRead as _, Read as _, Write as _};
        let authority = self.base.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(authority).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .ok()?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 0\r\n\r\n"
        )
        .ok()?;
        // chromedriver keeps the connection open: read the headers, then Content-Length bytes.
        let mut reader = std::io::BufReader::new(stream);
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).ok()?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().ok()?;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        Some(body)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            // A failed test leaves a screenshot of where it stopped.
            if std::thread::panicking() {
                let shot = self
                    .blocking("GET", &format!("/session/{}/screenshot", self.session))
                    .and_then(|body| serde_json::from_slice::<Value>(&body).ok())
                    .and_then(|v| {
                        base64::engine::general_purpose::STANDARD
                            .decode(v["value"].as_str()?)
                            .ok()
                    });
                if let Some(png) = shot {
                    let dir = screenshot_dir();
                    let path = dir.join("failure.png");
                    if std::fs::create_dir_all(&dir).is_ok() && std::fs::write(&path, png).is_ok() {
                        eprintln!("screenshot at the failure: {}", path.display());
                    }
                }
            }
            // Deleting the session stops Chromium (killing chromedriver alone would orphan it).
            let _ = self.blocking("DELETE", &format!("/session/{}", self.session));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
