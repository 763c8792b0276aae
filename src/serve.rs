//! `idp serve`: prepare the store, keys and first admin, then run the HTTP server.

use std::net::TcpListener;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::app;
use crate::config::Config;
use crate::crypto::kek::{KekSource, KeyEncryptionKey};
use crate::crypto::password::PasswordHasher;
use crate::crypto::rotation;
use crate::security::rate_limit::RateLimiter;
use crate::security::replay::{RedisHandle, ReplayCache};
use crate::state::AppState;
use crate::store::{purge, unix_now, DatabaseLocation, Store};

/// How often expired sessions, requests, codes and tokens are removed.
const PURGE_INTERVAL: Duration = Duration::from_secs(600);
use crate::{bootstrap, telemetry, CommandError};

pub fn run(config: Config) -> Result<(), CommandError> {
    telemetry::init(&config.settings.log);
    // The port first: a start that cannot listen must fail before it creates anything, above
    // all the first admin, whose one-time password is shown only by a start that got this far.
    let listener = TcpListener::bind(config.bind)
        .map_err(|e| CommandError(format!("cannot listen on {}: {e}", config.bind)))?;
    // The operator's logo and stylesheet files, before anything is created.
    crate::web::brand::init(&config.settings.branding).map_err(CommandError)?;
    let store = open_store(&config)?;
    let kek = load_kek(&config)?;
    let (replay, limiter) = shared_state(&config)?;
    let now = unix_now();
    let mut conn = store.conn()?;
    let created_keys = rotation::ensure_keys(&mut conn, &kek, now)?;
    let keys = rotation::reload(&mut conn, &kek, None, now)?
        .ok_or_else(|| CommandError("no signing keys could be loaded".into()))?;
    // After the signing keys opened: a wrong KEK stops the start before it encrypts anything.
    encrypt_personal_data(&mut conn, &kek)?;
    let hasher = PasswordHasher::new(config.settings.password.argon2)?;
    let mail = crate::mail::Mailer::new(&config)?;
    // Nothing that can fail stands between creating the admin and printing its password.
    let audit_key = kek.derive(crate::state::AUDIT_KEY_LABEL);
    let admin = bootstrap::first_admin(&mut conn, &hasher, audit_key)?;
    drop(conn);
    bootstrap::print_banner(&config, &created_keys, admin.as_ref());
    let refresh = Duration::from_secs(config.settings.keys.refresh_secs);
    let unverified_ttl = config.settings.registration.unverified_ttl_hours * 3_600;
    let state =
        Arc::new(AppState::new(config, store, kek, keys, hasher, replay, limiter).with_mail(mail));

    actix_web::rt::System::new().block_on(async move {
        // The first check before the first answer, so that readiness never reports a guess.
        state.readiness.check(&state.store, &state.replay).await;
        let (server, port) = app::build(Arc::clone(&state), listener)
            .map_err(|e| CommandError(format!("cannot start the server: {e}")))?;
        tracing::info!(port, issuer = %state.config.issuer, "listening");
        actix_web::rt::spawn(crate::mail::sender::run(Arc::clone(&state)));
        actix_web::rt::spawn(crate::delivery::run(Arc::clone(&state)));
        actix_web::rt::spawn(crate::security::response::run(Arc::clone(&state)));
        let drain_state = Arc::clone(&state);
        let checked = Arc::clone(&state);
        actix_web::rt::spawn(async move {
            loop {
                checked
                    .readiness
                    .check(&checked.store, &checked.replay)
                    .await;
                actix_web::rt::time::sleep(crate::readiness::CHECK_INTERVAL).await;
            }
        });
        let purging = Arc::clone(&state);
        actix_web::rt::spawn(async move {
            loop {
                actix_web::rt::time::sleep(PURGE_INTERVAL).await;
                purge_expired(&purging.store, unverified_ttl).await;
            }
        });
        actix_web::rt::spawn(async move {
            loop {
                actix_web::rt::time::sleep(refresh).await;
                if let Err(e) = state.rotate_keys_when_due().await {
                    tracing::warn!(error = %e, "could not rotate signing keys");
                }
                if let Err(e) = state.refresh_keys().await {
                    tracing::warn!(error = %e, "could not refresh signing keys");
                }
            }
        });
        let handle = server.handle();
        let draining = Arc::clone(&drain_state);
        actix_web::rt::spawn(async move {
            let reason = stop_signal().await;
            let drain = Duration::from_secs(draining.config.settings.server.drain_secs);
            tracing::info!(signal = reason, drain_secs = drain.as_secs(), "draining");
            draining.readiness.start_draining();
            actix_web::rt::time::sleep(drain).await;
            tracing::info!("stopping: finishing the requests in flight");
            handle.stop(true).await;
        });
        server
            .await
            .map_err(|e| CommandError(format!("server stopped: {e}")))
    })
}

/// One purge of what expired, a batch at a time on the blocking pool, the executor free
/// between batches. Its own task: a purge of millions of rows takes minutes, which must not
/// hold up key rotation.
async fn purge_expired(store: &Store, unverified_ttl: i64) {
    let now = unix_now();
    let mut progress = purge::Purge::new(now, now - unverified_ttl);
    loop {
        let mut current = progress;
        let step = store
            .run(move |conn| {
                let started = std::time::Instant::now();
                let more = current.step(conn)?;
                let pause = purge::pause_after(conn, started.elapsed());
                Ok::<_, crate::store::StoreError>((current, more, pause))
            })
            .await;
        match step {
            Ok((current, true, pause)) => {
                progress = current;
                actix_web::rt::task::yield_now().await;
                actix_web::rt::time::sleep(pause).await;
            }
            Ok((done, false, _)) => {
                let (removed, batches) = (done.removed, done.batches);
                tracing::debug!(removed, batches, "expired rows purged");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, removed = progress.removed, "could not purge expired rows");
                return;
            }
        }
    }
}

/// Waits for SIGTERM or SIGINT; names the one that came.
async fn stop_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        },
        _ => {
            // Without signal handlers the process can still be stopped; wait forever.
            tracing::error!("cannot listen for SIGTERM/SIGINT");
            std::future::pending().await
        }
    }
}

/// The replay cache and rate limiter: in memory, or in Redis when `redis.url` is set.
fn shared_state(config: &Config) -> Result<(ReplayCache, RateLimiter), CommandError> {
    Ok(match config.settings.redis.url.as_str() {
        "" => (ReplayCache::memory(), RateLimiter::memory()),
        url => {
            let redis = Arc::new(
                RedisHandle::new(url, &config.settings.redis.prefix)
                    .map_err(|e| CommandError(e.to_string()))?,
            );
            (
                ReplayCache::Redis(Arc::clone(&redis)),
                RateLimiter::Redis(redis),
            )
        }
    })
}

/// Opens the store (creating the data directory for the embedded default) and migrates it.
fn open_store(config: &Config) -> Result<Store, CommandError> {
    prepare_data_dir(config)?;
    let store = Store::open(&config.database, config.settings.database.pool_size)?;
    store.migrate()?;
    Ok(store)
}

/// The data directory, mode 0700, when the embedded store or the default KEK file lives there.
pub fn prepare_data_dir(config: &Config) -> Result<(), CommandError> {
    let needs_data_dir = matches!(config.database, DatabaseLocation::Sqlite(_))
        || matches!(config.kek_source, KekSource::Generated(_));
    if needs_data_dir {
        create_private_dir(&config.settings.data_dir)?;
    }
    Ok(())
}

pub fn load_kek(config: &Config) -> Result<KeyEncryptionKey, CommandError> {
    if let KekSource::Generated(_) = config.kek_source {
        create_private_dir(&config.settings.data_dir)?;
    }
    let kek = KeyEncryptionKey::load(&config.kek_source)?;
    crate::crypto::personal_data::install(&kek)?;
    Ok(kek)
}

/// Encrypts the personal data of rows written before it was encrypted (needs the KEK, so it
/// runs after the schema migrations, at every start; a start with nothing left does nothing).
/// The KEK must first open the stored signing keys: a wrong one encrypts nothing.
pub fn encrypt_personal_data(
    conn: &mut crate::store::AnyConnection,
    kek: &KeyEncryptionKey,
) -> Result<crate::store::personal_data::Encrypted, CommandError> {
    let published = crate::store::keys::published(conn, unix_now())?;
    if !published.is_empty() {
        crate::crypto::keys::KeySet::load(&published, kek)?;
    }
    let done = crate::store::personal_data::encrypt_plaintext(conn, |so_far| {
        tracing::info!(
            users = so_far.users,
            invitations = so_far.invitations,
            email_verifications = so_far.email_verifications,
            upstream_links = so_far.upstream_links,
            "encrypting personal data"
        )
    })?;
    if done.total() > 0 {
        tracing::info!(
            users = done.users,
            invitations = done.invitations,
            email_verifications = done.email_verifications,
            upstream_links = done.upstream_links,
            "personal data encrypted"
        );
        if !done.compacted {
            tracing::warn!(
                "the replaced plaintext could not be rewritten away now (the database is busy): \
                 run VACUUM (SQLite) or VACUUM FULL on the users table (PostgreSQL) when it is quiet"
            );
        }
    }
    Ok(done)
}

fn create_private_dir(dir: &Path) -> Result<(), CommandError> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| {
            CommandError(format!(
                "cannot create data directory {}: {e}",
                dir.display()
            ))
        })
}
