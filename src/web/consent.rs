//! The consent page: the client's name and the requested scopes in plain words; allow or deny.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{csrf, render, see_other, session, with_cookie};
use crate::error::AppError;
use crate::oidc::authorize::checks::ValidRequest;
use crate::oidc::authorize::{load_pending, respond};
use crate::state::AppState;
use crate::store::users::User;
use crate::store::{auth_requests, consents, unix_now};

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage<'a> {
    client_name: &'a str,
    username: &'a str,
    scopes: Vec<&'static str>,
    req: &'a str,
    csrf: &'a str,
}

fn describe(scope: &str) -> &'static str {
    match scope {
        "openid" => "Sign you in with your account",
        "profile" => "See your name and username",
        "email" => "See your email address",
        "offline_access" => "Keep access while you are not using it",
        "roles" => "See the roles you hold here",
        _ => "Use another permission you hold",
    }
}

pub fn page(
    req: &HttpRequest,
    state: &AppState,
    request: &ValidRequest,
    pending_id: &str,
    user: &User,
) -> Result<HttpResponse, AppError> {
    let token = csrf::issue(state, req);
    let mut scopes: Vec<&'static str> = request.scopes.iter().map(|s| describe(s)).collect();
    scopes.dedup();
    let page = ConsentPage {
        client_name: &request.client.name,
        username: &user.username,
        scopes,
        req: pending_id,
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
    let Some(signed_in) = session::current(&state, &req).await? else {
        return Ok(see_other(&format!("/login?req={}", form.req)));
    };
    let ((request, pending_id), _) = load_pending(&state, form.req).await?;
    if form.decision != "allow" {
        let id = pending_id.clone();
        state
            .store
            .run(move |conn| auth_requests::delete(conn, &id))
            .await?;
        return respond::error_redirect(
            &state,
            &request.redirect_uri,
            request.state.as_deref(),
            "access_denied",
            "the person declined",
        );
    }
    let (user_id, client_id) = (signed_in.user.id.clone(), request.client.id.clone());
    let scopes = request.scopes.clone();
    state
        .store
        .run(move |conn| {
            let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
            consents::remember(conn, &user_id, &client_id, &scopes, unix_now())
        })
        .await?;
    respond::issue_code(&state, &request, Some(pending_id), &signed_in.session).await
}
