//! A tiny HTTP receiver on a free loopback port, standing for a webhook's or a relying party's
//! endpoint: it records every request (method, target, headers, body) and answers each with the
//! status its `answer` function picks, with `connection: close`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The query's parameters.
    pub fn query(&self) -> std::collections::HashMap<String, String> {
        let query = self.target.split_once('?').map_or("", |(_, q)| q);
        url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect()
    }

    /// The body's parameters, for a form post.
    pub fn form(&self) -> std::collections::HashMap<String, String> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .into_owned()
            .collect()
    }
}

type Answer = dyn Fn(&Request, usize) -> u16 + Send + Sync;

#[derive(Clone)]
pub struct Receiver {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    received: Arc<Mutex<Vec<Request>>>,
}

impl Receiver {
    /// Starts a receiver answering every request 200.
    pub async fn ok() -> Receiver {
        Receiver::start(|_, _| 200).await
    }

    /// Starts a receiver; `answer(request, earlier)` is the status for a request, given how
    /// many requests to the same path came before it.
    pub async fn start(
        answer: impl Fn(&Request, usize) -> u16 + Send + Sync + 'static,
    ) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let received: Arc<Mutex<Vec<Request>>> = Arc::default();
        let log = Arc::clone(&received);
        let answer: Arc<Answer> = Arc::new(answer);
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let (log, answer) = (Arc::clone(&log), Arc::clone(&answer));
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut stream).await else {
                        return;
                    };
                    let status = {
                        let mut log = log.lock().unwrap();
                        let earlier = log.iter().filter(|r| r.path() == request.path()).count();
                        let status = answer(&request, earlier);
                        log.push(request);
                        status
                    };
                    let body = if status == 200 {
                        "<!doctype html><title>ok</title>"
                    } else {
                        ""
                    };
                    let answer = format!(
                        "HTTP/1.1 {status} {}\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\
                         cache-control: no-store\r\nconnection: close\r\n\r\n{body}",
                        reason(status),
                        body.len()
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                });
            }
        });
        Receiver { base, received }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Every request so far to `path`, in order.
    pub fn at(&self, path: &str) -> Vec<Request> {
        let log = self.received.lock().unwrap();
        log.iter().filter(|r| r.path() == path).cloned().collect()
    }

    /// Every request so far.
    pub fn all(&self) -> Vec<Request> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `path` got `count` requests (at most `within`); returns them.
    pub async fn wait_for(&self, path: &str, count: usize, within: Duration) -> Vec<Request> {
        let start = Instant::now();
        loop {
            let got = self.at(path);
            if got.len() >= count {
                return got;
            }
            assert!(
                start.elapsed() < within,
                "{count} requests to {path} not seen in {within:?}; got {:?}",
                self.all()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        302 => "Found",
        400 => "Bad Request",
        _ => "Internal Server Error",
    }
}

/// One request, or `None` if the client went away first.
async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Request> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let mut lines = head.lines();
    let mut request_line = lines.next()?.split_whitespace();
    let (method, target) = (
        request_line.next()?.to_string(),
        request_line.next()?.to_string(),
    );
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| {
            let (n, v) = line.split_once(':')?;
            Some((n.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().unwrap_or(0));
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    }
    let body = String::from_utf8_lossy(&data[head_end..head_end + length]).into_owned();
    Some(Request {
        method,
        target,
        headers,
        body,
    })
}
