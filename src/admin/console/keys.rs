//! Admin API keys: the list, creating one (the key is shown once and stored hashed) and
//! revoking it.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{
    act, confirmed, forbidden, notice, once, page, CsrfOnly, Nav, NoticeQuery, Posted, ViewerClock,
};
use crate::admin::Actor;
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;
use crate::store::api_keys;
use crate::web::see_other;

pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub roles: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "admin_keys.html")]
struct KeysPage {
    nav: Nav,
    rows: Vec<KeyRow>,
    notice: Option<&'static str>,
}

pub async fn api_keys(
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let list = state.store.run(api_keys::list).await?;
    let clock = ViewerClock::of(&req);
    let rows = list
        .into_iter()
        .map(|k| KeyRow {
            id: k.id,
            name: k.name,
            roles: k.roles,
            created: clock.when(k.created_at),
            last_used: k
                .last_used_at
                .map(|at| clock.when(at))
                .unwrap_or_else(|| "never".into()),
            revoked: k.revoked,
        })
        .collect();
    page(&state, &req, &actor, |nav| {
        KeysPage {
            nav,
            rows,
            notice: notice(&query.done),
        }
        .render()
    })
}

#[derive(serde::Deserialize)]
pub struct CreateKeyForm {
    csrf: Option<String>,
    #[serde(default)]
    password: String,
    #[serde(default)]
    name: String,
    role_admin: Option<String>,
    role_user_manager: Option<String>,
    role_auditor: Option<String>,
}

super::csrf_forms!(CreateKeyForm);

/// Makes a key (shown once) with the roles ticked, which the admin must hold.
pub async fn create_api_key(
    req: HttpRequest,
    Posted(form): Posted<CreateKeyForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let Some(creator) = actor.user.clone() else {
        return Err(forbidden());
    };
    let roles: Vec<String> = [
        ("admin", form.role_admin.is_some()),
        ("user_manager", form.role_user_manager.is_some()),
        ("auditor", form.role_auditor.is_some()),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(r, _)| r.to_string())
    .collect();
    let name = form.name.clone();
    let (id, key) = confirmed(
        &state,
        &req,
        &actor,
        &form.password,
        ("admin_api_key_create", ""),
        move |conn, ctx| ops::api_keys::create(conn, ctx, &name, &roles, &creator),
    )
    .await?;
    let name = form.name.trim();
    once(
        &state,
        &req,
        &actor,
        "API key created",
        &format!("Key {id} ({name}). Send it as \"Authorization: Bearer KEY\". Store it now: it is shown only this once."),
        "API key",
        key,
        "/admin/api-keys".into(),
    )
}

pub async fn revoke_api_key(
    req: HttpRequest,
    path: web::Path<String>,
    _: Posted<CsrfOnly>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    act(&state, &req, &actor, move |conn, ctx| {
        ops::api_keys::revoke(conn, ctx, &id)
    })
    .await?;
    Ok(see_other("/admin/api-keys?done=revoked"))
}
