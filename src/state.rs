//! The state every handler shares: settings, the store, keys, hashing, caches. It sits below
//! the handlers, which import it; the route table (app.rs) sits above them.

use std::sync::{Arc, RwLock};

use actix_web::HttpRequest;

use crate::config::Config;
use crate::crypto::kek::KeyEncryptionKey;
use crate::crypto::keys::KeySet;
use crate::crypto::password::{PasswordHasher, Verification};
use crate::crypto::rotation;
use crate::error::AppError;
use crate::ops;
use crate::readiness::Readiness;
use crate::security::in_flight::InFlight;
use crate::security::rate_limit::RateLimiter;
use crate::security::replay::ReplayCache;
use crate::store::audit;
use crate::store::{unix_now, Store};

/// The label the audit MAC key is derived from the KEK with (`audit verify` derives it too).
pub const AUDIT_KEY_LABEL: &str = "idp audit v1";

pub struct AppState {
    pub config: Config,
    pub store: Store,
    kek: Arc<KeyEncryptionKey>,
    keys: RwLock<Arc<KeySet>>,
    /// The discovery document, made once on first request (it depends only on settings and
    /// the algorithms, which rotation keeps).
    pub discovery: std::sync::OnceLock<String>,
    /// Keys the CSRF tokens and login tickets; derived from the KEK so every node agrees.
    pub csrf_key: [u8; 32],
    /// Use [`AppState::hash_password`] and [`AppState::verify_password`], which take a permit.
    pub hasher: Arc<PasswordHasher>,
    /// Password hashing is CPU- and memory-bound: at most one verification per core at a time,
    /// so that a burst of sign-ins queues instead of thrashing (and holding a block each).
    pub hashing: tokio::sync::Semaphore,
    /// Where one-time values (assertion `jti`s) are remembered: memory or Redis.
    pub replay: ReplayCache,
    pub limiter: RateLimiter,
    /// Requests in flight per client address.
    pub in_flight: InFlight,
    /// What `/readyz` answers, refreshed in the background.
    pub readiness: Readiness,
    /// The relay and the sender's shared state, when mail is configured.
    pub mail: Option<crate::mail::Mailer>,
    /// The WebAuthn relying party (the issuer's host and origin); `None` only if the issuer
    /// cannot be one, which the log says at start.
    pub webauthn: Option<Arc<webauthn_rs::prelude::Webauthn>>,
    /// The detection rules' distinct counts (see `security::monitor`).
    pub monitor_counts: crate::security::distinct_counts::DistinctCounts,
    /// Wakes this node's deliveries sender (`crate::delivery`); see [`AppState::deliveries_queued`].
    pub deliveries_wake: tokio::sync::Notify,
    /// The address blocks in force, as this node last read them.
    pub blocks: crate::security::blocks::BlockList,
    /// Keys the audit chain's MACs; derived from the KEK so every node (and `audit verify`) agrees.
    audit_key: [u8; 32],
    /// How far this node has verified the audit chain, and when it last verified all of it.
    audit_checked: std::sync::Mutex<(audit::Checkpoint, i64)>,
}

/// The console verifies the whole audit chain again at least this often (seconds); in between,
/// only what was added since.
const AUDIT_FULL_CHECK_SECS: i64 = 3_600;

impl AppState {
    pub fn new(
        config: Config,
        store: Store,
        kek: KeyEncryptionKey,
        keys: KeySet,
        hasher: PasswordHasher,
        replay: ReplayCache,
        limiter: RateLimiter,
    ) -> AppState {
        let webauthn = crate::crypto::webauthn::relying_party(
            &config.issuer,
            &config.settings.branding.product_name,
        )
        .map_err(|e| tracing::info!(event = "passkeys_unavailable", reason = %e))
        .ok()
        .map(Arc::new);
        AppState {
            webauthn,
            mail: None,
            csrf_key: kek.derive("idp csrf v1"),
            monitor_counts: crate::security::distinct_counts::DistinctCounts::new(
                kek.derive(crate::security::distinct_counts::MONITOR_KEY_LABEL),
            ),
            blocks: Default::default(),
            deliveries_wake: tokio::sync::Notify::new(),
            audit_key: kek.derive(AUDIT_KEY_LABEL),
            audit_checked: std::sync::Mutex::new((audit::Checkpoint::genesis(), 0)),
            readiness: Readiness::new(&replay),
            in_flight: InFlight::default(),
            limiter,
            hasher: Arc::new(hasher),
            hashing: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
            replay,
            config,
            store,
            kek: Arc::new(kek),
            keys: RwLock::new(Arc::new(keys)),
            discovery: std::sync::OnceLock::new(),
        }
    }

    /// Sends mail through `mail` (none: the flows that need mail are off).
    pub fn with_mail(mut self, mail: Option<crate::mail::Mailer>) -> AppState {
        self.mail = mail;
        self
    }

    /// The client's address, believing `X-Forwarded-For` only from trusted proxies.
    pub fn client_ip(&self, req: &HttpRequest) -> Option<std::net::IpAddr> {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        crate::security::client_ip::client_ip(
            req.peer_addr().map(|a| a.ip()),
            forwarded,
            &self.config.trusted_proxies,
        )
    }

    /// Hashes a password on the blocking pool, at most one hash or verification per core.
    pub async fn hash_password(&self, password: &str) -> Result<String, AppError> {
        let (hasher, password) = (Arc::clone(&self.hasher), password.to_string());
        self.hashing_work(move || hasher.hash(&password))
            .await?
            .map_err(AppError::from)
    }

    /// Checks a password against a stored hash (or, with `None`, spends the same time and
    /// fails), on the blocking pool, at most one hash or verification per core.
    pub async fn verify_password(
        &self,
        password: &str,
        hash: Option<&str>,
    ) -> Result<Verification, AppError> {
        let hasher = Arc::clone(&self.hasher);
        let (password, hash) = (password.to_string(), hash.map(str::to_string));
        self.hashing_work(move || match hash {
            Some(hash) => hasher.verify(&password, &hash),
            None => {
                hasher.verify_dummy(&password);
                Verification::Mismatch
            }
        })
        .await
    }

    async fn hashing_work<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self.hashing.acquire().await.map_err(AppError::failed)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(AppError::failed)
    }

    /// The context of an operation (see `ops`) done by `actor` through this request: the audit
    /// entry records the actor, the client IP and the user agent.
    /// The context of what the server does on its own (actor `system`, no request).
    pub fn system_context(&self) -> ops::Context {
        ops::Context::new(self.audit_key, "system")
    }

    pub fn ops_context(&self, req: &HttpRequest, actor: &str) -> ops::Context {
        let mut ctx = ops::Context::new(self.audit_key, actor);
        (ctx.client_ip, ctx.user_agent) = self.requester(req);
        ctx
    }

    /// Who sent the request, as the audit trail records it: the client's address (after
    /// trusted proxies) and its user agent, cut to 200 characters.
    pub fn requester(&self, req: &HttpRequest) -> (String, String) {
        let client_ip = self
            .client_ip(req)
            .map(|ip| ip.to_string())
            .unwrap_or_default();
        let user_agent = req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
        (client_ip, user_agent)
    }

    /// Records an audit event. A failure to record is logged, not shown to the person: the
    /// request it describes has already happened.
    pub async fn audit(&self, event: audit::Event) {
        let key = self.audit_key;
        let action = event.action.clone();
        let result = self
            .store
            .run(move |conn| audit::append(conn, &key, &event, unix_now()))
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, action, "could not record an audit event");
        }
    }

    /// Checks the audit chain with the audit key (which stays private), for the console:
    /// `Ok(n)` when all `n` entries fit, `Err(seq)` for the first one that does not. Only the
    /// entries added since this node's last check are read, once the entry that check ended at
    /// is found unchanged; the whole chain is read again hourly (`idp audit verify` always
    /// reads it all).
    pub async fn verify_audit(&self) -> Result<Result<i64, i64>, AppError> {
        let key = self.audit_key;
        let now = unix_now();
        let (checked, fully_at) = self
            .audit_checked
            .lock()
            .map_err(|_| AppError::Internal("audit checkpoint poisoned".into()))?
            .clone();
        let stale = now - fully_at >= AUDIT_FULL_CHECK_SECS;
        let (outcome, full) = self
            .store
            .run(move |conn| {
                // Where the last check ended must still be as it was; if not, or if the last
                // full check is old, the whole chain is checked again (a page at a time).
                let full = stale || !audit::holds(conn, &key, &checked)?;
                let from = match full {
                    true => audit::Checkpoint::genesis(),
                    false => checked,
                };
                Ok::<_, crate::store::StoreError>((
                    audit::verify_after(conn, &key, from, |_| {})?,
                    full,
                ))
            })
            .await?;
        let mut slot = self
            .audit_checked
            .lock()
            .map_err(|_| AppError::Internal("audit checkpoint poisoned".into()))?;
        Ok(match outcome {
            Ok(end) => {
                let seq = end.seq;
                let fully_at = if full { now } else { slot.1 };
                *slot = (end, fully_at);
                Ok(seq)
            }
            Err(broken) => {
                // Checked from the start next time, so the break stays reported until repaired.
                *slot = (audit::Checkpoint::genesis(), 0);
                Err(broken)
            }
        })
    }

    /// Seals a secret at rest with the KEK, bound to `context` (e.g. the user id).
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<String, AppError> {
        Ok(self.kek.seal(plaintext, context.as_bytes())?)
    }

    /// A message sealed for the mail queue (`store::mail_outbox::insert` it in the transaction
    /// of the change it reports, then call [`AppState::mail_queued`]).
    pub fn seal_mail(
        &self,
        outgoing: &crate::mail::Outgoing,
    ) -> Result<crate::store::mail_outbox::NewMail, AppError> {
        outgoing
            .seal(|plain, context| self.kek.seal(plain, context.as_bytes()))
            .map_err(AppError::failed)
    }

    /// A security notice to `user`'s address, sealed for the queue; `None` without mail or an
    /// address. `render(address, issuer, username)` makes the message.
    pub fn notice(
        &self,
        user: &crate::store::users::User,
        render: impl FnOnce(&str, &str, &str) -> Result<crate::mail::Outgoing, crate::mail::MailError>,
    ) -> Result<Option<crate::store::mail_outbox::NewMail>, AppError> {
        let (Some(_), Some(email)) = (&self.mail, &user.email) else {
            return Ok(None);
        };
        let outgoing =
            render(email, &self.config.issuer, &user.username).map_err(AppError::failed)?;
        Ok(Some(self.seal_mail(&outgoing)?))
    }

    /// Wakes this node's mail sender after a commit that queued mail.
    pub fn mail_queued(&self) {
        if let Some(mailer) = &self.mail {
            mailer.wake();
        }
    }

    /// Wakes this node's deliveries sender after a commit that queued posts (logout tokens,
    /// webhook alerts); other nodes find them at their next poll.
    pub fn deliveries_queued(&self) {
        self.deliveries_wake.notify_one();
    }

    pub fn open(&self, sealed: &str, context: &str) -> Option<Vec<u8>> {
        self.kek.open(sealed, context.as_bytes())
    }

    /// The KEK itself, for work that runs on a store thread (registering a client whose secret
    /// is kept sealed, checking its assertions).
    pub fn kek(&self) -> Arc<KeyEncryptionKey> {
        self.kek.clone()
    }

    /// The keys in force now; a rotation swaps the whole set at once.
    pub fn keys(&self) -> Arc<KeySet> {
        match self.keys.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Automatic rotation: any node may find keys due; one rotates (see `rotation::rotate_due`).
    pub async fn rotate_keys_when_due(self: &Arc<Self>) -> Result<(), AppError> {
        let period = self.config.settings.keys.rotate_after_secs;
        if period == 0 {
            return Ok(());
        }
        let state = Arc::clone(self);
        let timing = self.config.rotation_timing();
        let rotated = self
            .store
            .run(move |conn| {
                rotation::rotate_due(conn, &state.kek, period, unix_now(), timing)
                    .map_err(AppError::failed)
            })
            .await?;
        for key in rotated {
            tracing::info!(kid = %key.kid, alg = %key.alg, "signing key rotated automatically");
        }
        Ok(())
    }

    /// Picks up keys rotated by another process or node.
    pub async fn refresh_keys(self: &Arc<Self>) -> Result<(), AppError> {
        let state = Arc::clone(self);
        let current = self.keys();
        let fresh = self
            .store
            .run(move |conn| {
                rotation::reload(conn, &state.kek, Some(&current), unix_now())
                    .map_err(AppError::failed)
            })
            .await?;
        if let Some(fresh) = fresh {
            tracing::info!("signing keys changed; serving the new set");
            match self.keys.write() {
                Ok(mut guard) => *guard = Arc::new(fresh),
                Err(poisoned) => *poisoned.into_inner() = Arc::new(fresh),
            }
        }
        Ok(())
    }
}
