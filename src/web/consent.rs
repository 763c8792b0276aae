//! The consent page: the client's name and the requested scopes in plain words; allow or deny.
//! "Allow" is only recorded on the pending request; the authorization pipeline decides, when it
//! resumes, whether a code may follow. "Deny" ends the request with `access_denied`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{csrf, render, see_other, session, with_cookie};
use crate::error::AppError;
use crate::oidc::authorize::{self, pending};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage<'a> {
    client_name: &'a str,
    username: &'a str,
    /// What each scope allows, in the request's language.
    scopes: Vec<String>,
    req: &'a str,
    csrf: &'a str,
}

/// The catalog message that says what `scope` allows.
pub fn describe(scope: &str) -> &'static str {
    match scope {
        "openid" => crate::msg!("scope-openid"),
        "profile" => crate::msg!("scope-profile"),
        "email" => crate::msg!("scope-email"),
        "offline_access" => crate::msg!("scope-offline-access"),
        "roles" => crate::msg!("scope-roles"),
        _ => crate::msg!("scope-other"),
    }
}

#[derive(serde::Deserialize)]
pub struct ConsentQuery {
    req: String,
}

pub async fn page(
    req: HttpRequest,
    query: web::Query<ConsentQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let pending = pending::load(&state, &req, &query.req).await?;
    let Some(signed_in) = session::current(&state, &req).await? else {
        return Ok(see_other(&format!("/login?req={}", pending.id)));
    };
    let token = csrf::issue(&state, &req);
    let mut ids: Vec<&'static str> = pending.request.scopes.iter().map(|s| describe(s)).collect();
    ids.dedup();
    let scopes = ids.into_iter().map(crate::i18n::t).collect();
    let page = ConsentPage {
        client_name: &pending.request.client.name,
        username: &signed_in.user.username,
        scopes,
        req: &pending.id,
        csrf: &token.form_value,
    };
    with_cookie(render(StatusCode::OK, &page)?, token.cookie)
}

#[derive(serde::Deserialize)]
pub struct ConsentForm {
    req: String,
    csrf: Option<String>,
    decision: String,
}

pub async fn decide(
    req: HttpRequest,
    form: web::Form<ConsentForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !csrf::verify(&state, &req, form.csrf.as_deref()) {
        return Err(super::csrf_refused());
    }
    let pending = pending::load(&state, &req, &form.req).await?;
    let Some(signed_in) = session::current(&state, &req).await? else {
        return Ok(see_other(&format!("/login?req={}", pending.id)));
    };
    if form.decision != "allow" {
        return authorize::decline(&req, &state, pending, &signed_in.user.id).await;
    }
    pending::record_consent(&state, &pending, &signed_in.user.id).await?;
    Ok(see_other(&format!("/authorize/resume?req={}", pending.id)))
}
