//! Admin API keys: the list, creating one (the key is shown once and stored hashed) and
//! revoking it.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{
    bad_request, check_csrf, confirm_password, not_found, notice, once, page, record, when,
    CsrfForm, Nav, NoticeQuery,
};
use crate::admin::Actor;
use crate::crypto::secrets::{hash_secret, random_id, random_token};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::api_keys::{self, ApiKey};
use crate::store::{unix_now, StoreError};
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
    let rows = list
        .into_iter()
        .map(|k| KeyRow {
            id: k.id,
            name: k.name,
            roles: k.roles,
            created: when(k.created_at),
            last_used: k.last_used_at.map(when).unwrap_or_else(|| "never".into()),
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

/// Makes a key with `roles`: returns its id and the key itself (shown once, stored hashed).
pub fn new_api_key(
    conn: &mut crate::store::AnyConnection,
    name: &str,
    roles: &[&str],
    created_by: &str,
    now: i64,
) -> Result<(String, String), StoreError> {
    let id = random_id::<8>();
    let key = format!("idpk_{}", random_token::<32>());
    api_keys::insert(
        conn,
        &ApiKey {
            id: id.clone(),
            name: name.to_string(),
            key_hash: hash_secret(&key),
            roles: roles.join(" "),
            created_by: created_by.to_string(),
            created_at: now,
            last_used_at: None,
            revoked: false,
            revoked_at: None,
        },
    )?;
    Ok((id, key))
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

pub async fn create_api_key(
    req: HttpRequest,
    form: web::Form<CreateKeyForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&state, &req, &form.csrf)?;
    confirm_password(
        &req,
        &state,
        &actor,
        &form.password,
        "admin_api_key_create",
        "",
    )
    .await?;
    let roles: Vec<&'static str> = [
        ("admin", form.role_admin.is_some()),
        ("user_manager", form.role_user_manager.is_some()),
        ("auditor", form.role_auditor.is_some()),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(r, _)| *r)
    .collect();
    if roles.is_empty() {
        return Err(bad_request("choose at least one role for the key"));
    }
    let name = form.name.trim().chars().take(100).collect::<String>();
    if name.is_empty() {
        return Err(bad_request("give the key a name"));
    }
    let created_by = actor.id.clone();
    let key_name = name.clone();
    let (id, key) = state
        .store
        .run(move |conn| new_api_key(conn, &key_name, &roles, &created_by, unix_now()))
        .await?;
    record(&req, &state, &actor, "admin_api_key_create", &id, "success").await;
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
    form: web::Form<CsrfForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    check_csrf(&state, &req, &form.csrf)?;
    let id = path.to_string();
    state
        .store
        .run(move |conn| api_keys::revoke(conn, &id, unix_now()))
        .await
        .map_err(not_found)?;
    record(
        &req,
        &state,
        &actor,
        "admin_api_key_revoke",
        &path,
        "success",
    )
    .await;
    Ok(see_other("/admin/api-keys?done=revoked"))
}
