//! Initial access tokens for dynamic client registration in the console: the list, making one
//! (shown once), revoking one.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{act, once, page_with_status, refusal, CsrfOnly, Nav, Posted, ViewerClock};
use crate::admin::{Actor, Permission};
use crate::error::AppError;
use crate::ops::dynamic_clients;
use crate::state::AppState;
use crate::store::unix_now;
use crate::web::see_other;

pub struct TokenRow {
    pub id: String,
    pub label: String,
    pub uses_left: String,
    pub expires: String,
    pub created_by: String,
    pub expired: bool,
}

#[derive(Template)]
#[template(path = "admin_registration_tokens.html")]
struct TokensPage<'a> {
    nav: Nav,
    rows: Vec<TokenRow>,
    enabled: bool,
    can_write: bool,
    notice: Option<&'a str>,
    error: Option<String>,
    ttl_hours: i64,
}

#[derive(serde::Deserialize)]
pub struct TokensQuery {
    #[serde(default)]
    done: String,
}

async fn list_page(
    state: &AppState,
    req: &HttpRequest,
    actor: &Actor,
    status: StatusCode,
    (notice, error): (Option<&str>, Option<String>),
) -> Result<HttpResponse, AppError> {
    let tokens = state
        .store
        .run(dynamic_clients::list_initial_tokens)
        .await
        .map_err(AppError::from)?;
    let (now, clock) = (unix_now(), ViewerClock::of(req));
    let rows = tokens
        .into_iter()
        .map(|t| TokenRow {
            expired: t.expires_at.is_some_and(|at| at <= now) || t.uses_left == Some(0),
            uses_left: t.uses_left.map_or("no limit".into(), |n| n.to_string()),
            expires: t.expires_at.map(|at| clock.when(at)).unwrap_or_default(),
            id: t.id,
            label: t.label,
            created_by: t.created_by,
        })
        .collect();
    let settings = &state.config.settings.client_registration;
    let (enabled, ttl_hours) = (settings.enabled, settings.initial_token_ttl_hours);
    let can_write = actor.may(Permission::ClientsWrite);
    page_with_status(state, req, actor, status, |nav| {
        TokensPage {
            nav,
            rows,
            enabled,
            can_write,
            notice,
            error,
            ttl_hours,
        }
        .render()
    })
}

pub async fn registration_tokens(
    req: HttpRequest,
    query: web::Query<TokensQuery>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let notice = (query.done == "revoked")
        .then_some("The token was revoked; clients registered with it stay.");
    list_page(&state, &req, &actor, StatusCode::OK, (notice, None)).await
}

#[derive(serde::Deserialize)]
pub struct CreateTokenForm {
    csrf: Option<String>,
    #[serde(default)]
    label: String,
    /// Empty: no limit.
    #[serde(default)]
    uses: String,
    #[serde(default)]
    ttl_hours: String,
}

super::csrf_forms!(CreateTokenForm);

/// A number typed into the form; empty is `None`.
fn number(text: &str, what: &str) -> Result<Option<i64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| format!("{what} must be a whole number"))
}

pub async fn create_registration_token(
    req: HttpRequest,
    Posted(form): Posted<CreateTokenForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let default_hours = state
        .config
        .settings
        .client_registration
        .initial_token_ttl_hours;
    let parsed = number(&form.uses, "Uses").and_then(|uses| {
        let hours = number(&form.ttl_hours, "Hours")?.unwrap_or(default_hours);
        Ok((uses, hours))
    });
    let refused = match parsed {
        Ok((uses, hours)) => {
            let label = form.label.clone();
            let made = act(&state, &req, &actor, move |conn, ctx| {
                dynamic_clients::create_initial_token(
                    conn,
                    ctx,
                    &label,
                    uses,
                    hours.saturating_mul(3600),
                )
            })
            .await;
            match made {
                Ok((_, token)) => {
                    return once(
                        &state,
                        &req,
                        &actor,
                        "Registration token made",
                        "Hand it to the developer now: it is shown only this once. They send it as a Bearer token to POST /register.",
                        "Initial access token",
                        token,
                        "/admin/registration-tokens".into(),
                    )
                }
                Err(err) => refusal(err)?,
            }
        }
        Err(why) => (StatusCode::BAD_REQUEST, why),
    };
    let (status, why) = refused;
    list_page(&state, &req, &actor, status, (None, Some(why))).await
}

pub async fn revoke_registration_token(
    req: HttpRequest,
    path: web::Path<String>,
    _: Posted<CsrfOnly>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    act(&state, &req, &actor, move |conn, ctx| {
        dynamic_clients::revoke_initial_token(conn, ctx, &id)
    })
    .await?;
    Ok(see_other("/admin/registration-tokens?done=revoked"))
}
