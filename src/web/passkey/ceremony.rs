//! Ceremonies between `begin` and `finish`: the library's state stored under the digest of a
//! random id, bound to this browser, claimed once within `CEREMONY_TTL_SECS`.

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::crypto::secrets::{random_token, sha256_hex};
use crate::crypto::webauthn::CEREMONY_TTL_SECS;
use crate::error::AppError;
use crate::oidc::authorize::pending::browser_binding;
use crate::state::AppState;
use crate::store::unix_now;
use crate::store::webauthn_ceremonies::{self, Ceremony};
use crate::web::with_cookie;

/// What a ceremony is for; one kind's ceremony never finishes another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Enrol,
    SignIn,
    SecondFactor,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Enrol => "enrol",
            Kind::SignIn => "sign-in",
            Kind::SecondFactor => "second-factor",
        }
    }
}

/// Stores the ceremony state and answers the browser its id and the options for
/// `navigator.credentials` (with the browser-binding cookie, if it had none yet).
pub async fn begin(
    state: &AppState,
    req: &HttpRequest,
    kind: Kind,
    user_id: Option<String>,
    ceremony_state: &impl Serialize,
    options: serde_json::Value,
) -> Result<HttpResponse, AppError> {
    let (browser_hash, cookie) = browser_binding(state, req);
    let id = random_token::<24>();
    let now = unix_now();
    let ceremony = Ceremony {
        id_hash: sha256_hex(id.as_bytes()),
        kind: kind.as_str().to_string(),
        user_id,
        browser_hash,
        state: serde_json::to_string(ceremony_state).map_err(AppError::failed)?,
        created_at: now,
        expires_at: now + CEREMONY_TTL_SECS,
        used_at: None,
    };
    state
        .store
        .run(move |conn| webauthn_ceremonies::insert(conn, &ceremony))
        .await?;
    let body = serde_json::json!({ "ceremony": id, "options": options });
    let response = HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(body);
    with_cookie(response, cookie)
}

/// A claimed ceremony: the account it was for (if it named one) and the library's state.
pub struct Claimed<S> {
    pub user_id: Option<String>,
    pub state: S,
}

/// Claims the ceremony `id` of this kind for this browser; `None` if it is unknown, expired,
/// already finished, of another kind or began in another browser.
pub async fn claim<S: DeserializeOwned>(
    state: &AppState,
    req: &HttpRequest,
    kind: Kind,
    id: &str,
) -> Result<Option<Claimed<S>>, AppError> {
    let Some(browser) = req.cookie(crate::oidc::authorize::pending::BROWSER_COOKIE) else {
        return Ok(None);
    };
    let browser_hash = sha256_hex(browser.value().as_bytes());
    let id_hash = sha256_hex(id.as_bytes());
    let claimed = state
        .store
        .run(move |conn| {
            webauthn_ceremonies::claim(conn, &id_hash, kind.as_str(), &browser_hash, unix_now())
        })
        .await?;
    let Some(ceremony) = claimed else {
        return Ok(None);
    };
    let parsed = serde_json::from_str(&ceremony.state)
        .map_err(|e| AppError::Internal(format!("stored WebAuthn ceremony unreadable: {e}")))?;
    Ok(Some(Claimed {
        user_id: ceremony.user_id,
        state: parsed,
    }))
}
