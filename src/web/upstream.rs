//! Signing in through an upstream provider, in the browser: the login page's button starts it
//! (the state, nonce and PKCE verifier kept server-side, bound to this browser), the upstream
//! sends the browser back to the callback, which claims that sign-in once, checks the ID token
//! and finds the account; the session then carries `amr=fed` back to `/authorize/resume`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::signin::{check_destination, event, sign_in};
use super::{csrf, see_other, with_cookie};
use crate::crypto::secrets::{constant_time_eq, sha256_hex};
use crate::error::AppError;
use crate::oidc::authorize::pending::{self, BROWSER_COOKIE};
use crate::state::AppState;
use crate::store::upstream::{self as stored, PendingLogin, Provider};
use crate::store::{unix_now, StoreError};
use crate::upstream::matching::{self, Refusal, Resolution};
use crate::upstream::{callback_url, open_secret, relying_party, AMR_FEDERATED, LOGIN_TTL_SECS};

#[derive(serde::Deserialize)]
pub struct StartForm {
    #[serde(default)]
    req: String,
    csrf: Option<String>,
    #[serde(default)]
    provider: String,
}

/// The login page's button: sends the browser to the upstream's authorization endpoint.
pub async fn start(
    req: HttpRequest,
    form: web::Form<StartForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::verify(&state, &req, form.csrf.as_deref()) {
        return Err(super::csrf_refused());
    }
    check_destination(&state, &req, &form.req).await?;
    let provider = find_provider(&state, &form.provider).await?;
    let secret = open_secret(&state.kek(), &provider)
        .ok_or_else(|| AppError::Internal("an upstream client secret does not open".into()))?;
    let started = relying_party::start(&provider, &secret, &callback_url(&state.config))
        .await
        .map_err(|e| {
            tracing::warn!(provider = %provider.id, error = %e, "upstream sign-in not started");
            unreachable_upstream()
        })?;
    let (browser_hash, cookie) = pending::browser_binding(&state, &req);
    let state_hash = sha256_hex(started.state.as_bytes());
    let login = PendingLogin {
        pkce_verifier: state.seal(started.pkce_verifier.as_bytes(), &state_hash)?,
        state_hash,
        provider_id: provider.id.clone(),
        nonce: started.nonce,
        browser_hash,
        pending_id: form.req,
        expires_at: unix_now() + LOGIN_TTL_SECS,
        used_at: None,
    };
    state
        .store
        .run(move |conn| stored::insert_login(conn, &login))
        .await?;
    with_cookie(see_other(&started.authorization_url), cookie)
}

async fn find_provider(state: &AppState, id: &str) -> Result<Provider, AppError> {
    let id = id.to_string();
    let found = state
        .store
        .run(move |conn| match stored::find_provider(conn, &id) {
            Ok(provider) => Ok(Some(provider)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        })
        .await?;
    found.ok_or_else(|| {
        AppError::shown(
            StatusCode::NOT_FOUND,
            "error-upstream-unknown-title",
            "error-upstream-unknown-message",
        )
    })
}

fn unreachable_upstream() -> AppError {
    AppError::shown(
        StatusCode::BAD_GATEWAY,
        "error-upstream-unreachable-title",
        "error-upstream-unreachable-message",
    )
}

fn expired_upstream() -> AppError {
    AppError::shown(
        StatusCode::BAD_REQUEST,
        "error-expired-title",
        "error-start-again-message",
    )
}

#[derive(serde::Deserialize)]
pub struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

/// Where the upstream sends the browser back.
pub async fn callback(
    req: HttpRequest,
    query: web::Query<CallbackQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let state_hash = sha256_hex(query.state.unwrap_or_default().as_bytes());
    let claim_hash = state_hash.clone();
    let login = state
        .store
        .run(move |conn| stored::claim_login(conn, &claim_hash, unix_now()))
        .await?;
    // Unknown, used (a replay) or expired; or another browser's (a code planted in ours).
    let presented = req
        .cookie(BROWSER_COOKIE)
        .map(|c| sha256_hex(c.value().as_bytes()));
    let login = login.filter(|login| {
        presented
            .as_deref()
            .is_some_and(|p| constant_time_eq(p.as_bytes(), login.browser_hash.as_bytes()))
    });
    let Some(login) = login else {
        refused(
            &req,
            &state,
            "unknown",
            "state unknown, used, expired or another browser's",
        )
        .await;
        return Err(expired_upstream());
    };
    let provider = find_provider(&state, &login.provider_id).await?;
    if query.error.is_some() {
        refused(&req, &state, &provider.id, "the upstream answered an error").await;
        return Err(AppError::shown_with(
            StatusCode::FORBIDDEN,
            "error-upstream-incomplete-title",
            crate::i18n::t1(
                "error-upstream-incomplete-message",
                "provider",
                &provider.display_name,
            ),
        ));
    }
    let code = query.code.unwrap_or_default();
    let secret = open_secret(&state.kek(), &provider)
        .ok_or_else(|| AppError::Internal("an upstream client secret does not open".into()))?;
    let verifier = state
        .open(&login.pkce_verifier, &state_hash)
        .and_then(|v| String::from_utf8(v).ok())
        .ok_or_else(|| AppError::Internal("an upstream PKCE verifier does not open".into()))?;
    let redirect_uri = callback_url(&state.config);
    let finished = relying_party::finish(
        &provider,
        &secret,
        &redirect_uri,
        &code,
        &verifier,
        &login.nonce,
    )
    .await;
    let identity = match finished {
        Ok(identity) => identity,
        Err(e) => {
            tracing::warn!(provider = %provider.id, error = %e, "upstream sign-in refused");
            refused(&req, &state, &provider.id, &e.to_string()).await;
            return Err(AppError::shown_with(
                StatusCode::FORBIDDEN,
                "error-upstream-unverified-title",
                crate::i18n::t1(
                    "error-upstream-unverified-message",
                    "provider",
                    &provider.display_name,
                ),
            ));
        }
    };
    let ctx = state.ops_context(&req, &format!("upstream:{}", provider.id));
    let matched = provider.clone();
    let resolution = state
        .store
        .run(move |conn| matching::resolve(conn, &ctx, &matched, &identity))
        .await?;
    let user = match resolution {
        Resolution::Account(user) => user,
        Resolution::Refused(refusal) => {
            refused(&req, &state, &provider.id, refusal.reason()).await;
            return Err(refusal_page(refusal, &provider));
        }
    };
    if user.totp_enabled {
        // The account's own second factor applies to every way in: the code page, as after a
        // right password, with `fed` as the factor already passed.
        return super::second_factor::login_code_page(
            &req,
            &state,
            &user,
            &login.pending_id,
            AMR_FEDERATED,
            None,
        )
        .await;
    }
    crate::metrics::signin(true);
    let mut success = event(&req, &state, &user.id, "login", &user.id, "success");
    success.detail = format!("upstream {}", provider.id);
    state.audit(success).await;
    tracing::info!(event = "login", user_id = %user.id, amr = AMR_FEDERATED, provider = %provider.id);
    sign_in(&req, &state, &user.id, AMR_FEDERATED, &login.pending_id).await
}

/// A failed upstream sign-in: counted, audited and logged without the state or code.
async fn refused(req: &HttpRequest, state: &AppState, provider: &str, reason: &str) {
    crate::metrics::signin(false);
    let mut failure = event(
        req,
        state,
        "anonymous",
        "login",
        &format!("upstream:{provider}"),
        "failure",
    );
    failure.detail = reason.chars().take(200).collect();
    state.audit(failure).await;
    tracing::info!(event = "login_failed", provider, reason);
}

fn refusal_page(refusal: Refusal, provider: &Provider) -> AppError {
    let id = match refusal {
        Refusal::NotLinked => crate::msg!("upstream-not-linked"),
        Refusal::EmailUnverified => crate::msg!("upstream-email-unverified"),
        Refusal::NoAccountWithEmail => crate::msg!("upstream-no-account-with-email"),
        Refusal::EmailTaken => crate::msg!("upstream-email-taken"),
        Refusal::Disabled => crate::msg!("upstream-disabled"),
    };
    let message = crate::i18n::t1(id, "provider", &provider.display_name);
    AppError::shown_with(
        StatusCode::FORBIDDEN,
        "error-upstream-refused-title",
        message,
    )
}
