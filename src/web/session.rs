//! The browser session: a random id in an HttpOnly cookie, stored only as its digest, with an
//! idle and an absolute lifetime. A sign-in always starts a new one (no fixation).

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::HttpRequest;

use crate::crypto::secrets::{random_id, random_token, sha256_hex};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::sessions::{self, Session};
use crate::store::users::{self, User};
use crate::store::{unix_now, AnyConnection, StoreError};

pub const SESSION_COOKIE: &str = "idp_session";

/// Writing `last_seen_at` on every request would make each page a database write.
const TOUCH_INTERVAL_SECS: i64 = 60;

pub struct SignedIn {
    pub session: Session,
    pub user: User,
}

/// The signed-in person behind the request's cookie, if the session is still alive.
pub async fn current(state: &AppState, req: &HttpRequest) -> Result<Option<SignedIn>, AppError> {
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Ok(None);
    };
    let id_hash = sha256_hex(cookie.value().as_bytes());
    let idle = state.config.settings.session.idle_secs;
    let signed_in = state
        .store
        .run(move |conn| {
            let now = unix_now();
            let Some(session) = sessions::find(conn, &id_hash)? else {
                return Ok::<_, StoreError>(None);
            };
            if session.expires_at <= now || session.last_seen_at + idle <= now {
                sessions::delete(conn, &id_hash)?;
                return Ok(None);
            }
            let Some(user) = users::get(conn, &session.user_id)?.filter(|u| !u.disabled) else {
                return Ok(None);
            };
            if now - session.last_seen_at >= TOUCH_INTERVAL_SECS {
                sessions::touch(conn, &id_hash, now)?;
            }
            Ok(Some(SignedIn { session, user }))
        })
        .await?;
    Ok(signed_in)
}

/// The session's `amr` once a second factor is proved: the first factor stays what it was (a
/// password, or `fed` for a sign-in through an upstream provider).
pub fn with_second_factor(amr: &str) -> String {
    if amr.split_whitespace().any(|m| m == "otp") {
        amr.to_string()
    } else {
        format!("{amr} otp").trim_start().to_string()
    }
}

/// Whether the sign-in behind the session is recent enough for a sensitive step.
pub fn is_recent(state: &AppState, session: &Session) -> bool {
    session.auth_time + state.config.settings.session.reauth_secs >= unix_now()
}

/// Starts a new session for `user`, ending the one the browser had; returns the cookie value.
pub fn start(
    conn: &mut AnyConnection,
    absolute_secs: i64,
    previous_cookie: Option<&str>,
    user_id: &str,
    amr: &str,
    now: i64,
) -> Result<String, StoreError> {
    if let Some(previous) = previous_cookie {
        sessions::delete(conn, &sha256_hex(previous.as_bytes()))?;
    }
    let value = random_token::<32>();
    sessions::insert(
        conn,
        &Session {
            id_hash: sha256_hex(value.as_bytes()),
            sid: random_id::<16>(),
            user_id: user_id.to_string(),
            auth_time: now,
            amr: amr.to_string(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + absolute_secs,
        },
    )?;
    Ok(value)
}

pub fn cookie(state: &AppState, value: String) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, value)
        .path("/")
        .http_only(true)
        .secure(state.config.issuer_is_https)
        .same_site(SameSite::Lax)
        .finish()
}

pub fn removal_cookie(state: &AppState) -> Cookie<'static> {
    let mut cookie = cookie(state, String::new());
    cookie.set_max_age(CookieDuration::ZERO);
    cookie
}
