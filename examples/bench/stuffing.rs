//! The `stuffing` scenario: an attacker trying leaked pairs (a new random name and password on
//! every attempt) at the login form, from its own loopback address (`--local-address`, e.g.
//! 127.0.0.2), so that the server can tell it from the people signing in from 127.0.0.1 and
//! block it alone. An attempt is one POST /login; the login page (for its CSRF token) is
//! fetched again only when the server stops taking the one the worker has.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode, Url};

use super::{hidden_input, random_b64url, Failure};

/// One attacker's connection and the CSRF token it reuses.
pub struct Attacker {
    client: Client,
    login: Url,
    csrf: Option<String>,
    /// Attempts answered 429 (the address is blocked), over all workers.
    pub blocked: Arc<AtomicU64>,
}

impl Attacker {
    pub fn new(base: &Url, from: IpAddr, blocked: Arc<AtomicU64>) -> Result<Attacker, String> {
        let client = Client::builder()
            .redirect(Policy::none())
            .no_proxy()
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(10))
            .local_address(from)
            .cookie_store(true)
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        let login = base.join("/login").map_err(|e| format!("/login: {e}"))?;
        Ok(Attacker {
            client,
            login,
            csrf: None,
            blocked,
        })
    }

    /// One attempt: answered 401 (refused) or 429 (blocked); anything else is an error.
    pub async fn once(&mut self) -> Result<(), Failure> {
        let csrf = match self.csrf.take() {
            Some(csrf) => csrf,
            None => {
                let step = "GET /login";
                let response = self.client.get(self.login.clone()).send().await;
                // Blocked: nothing to post with.
                let Some(page) = self.answer(step, response, StatusCode::OK).await? else {
                    return Ok(());
                };
                hidden_input(&page, "csrf")
                    .ok_or_else(|| Failure::new(format!("{step}: no csrf input"), ""))?
            }
        };
        let step = "POST /login";
        let (name, password) = (random_b64url::<9>(), random_b64url::<12>());
        let response = self
            .client
            .post(self.login.clone())
            .form(&[
                ("username", name.as_str()),
                ("password", password.as_str()),
                ("req", ""),
                ("csrf", csrf.as_str()),
            ])
            .send()
            .await;
        // The page shown again after a 401 carries the token to send next; a 429 keeps ours.
        self.csrf = match self
            .answer(step, response, StatusCode::UNAUTHORIZED)
            .await?
        {
            Some(page) => hidden_input(&page, "csrf"),
            None => Some(csrf),
        };
        Ok(())
    }

    /// The page of an `expected` answer; `None` for a 429 (counted as blocked).
    async fn answer(
        &self,
        step: &str,
        response: reqwest::Result<reqwest::Response>,
        expected: StatusCode,
    ) -> Result<Option<String>, Failure> {
        let response = response.map_err(|e| Failure::transport(step, e))?;
        let status = response.status();
        if status != expected && status != StatusCode::TOO_MANY_REQUESTS {
            return Err(Failure::status(step, response).await);
        }
        let page = response
            .text()
            .await
            .map_err(|e| Failure::transport(step, e))?;
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.blocked.fetch_add(1, Ordering::Relaxed);
            return Ok(None);
        }
        Ok(Some(page))
    }
}
