//! OAuth clients: the list, registering (`register_client` is shared with the API), one
//! client's page, rotating its secret and deleting it (`remove_client` is shared with the API).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{
    bad_request, check_csrf, client_error, confirm_password, non_empty, not_found, notice, once,
    page, record, when, ConfirmForm, DeleteForm, Nav, NoticeQuery,
};
use crate::admin::{Actor, Permission};
use crate::client_registry::{self, NewClient};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::clients::{self, Client};
use crate::store::{unix_now, StoreError};
use crate::web::see_other;

/// How long a rotated-out client secret keeps working when rotated from the console.
const ROTATION_OVERLAP_SECS: i64 = 0;

pub struct ClientRow {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub grants: String,
    pub scopes: String,
}

fn kind(client: &Client) -> &'static str {
    match client.auth_method() {
        clients::AuthMethod::Secret => "confidential",
        clients::AuthMethod::PrivateKeyJwt => "private_key_jwt",
        clients::AuthMethod::None => "public",
    }
}

#[derive(Template)]
#[template(path = "admin_clients.html")]
struct ClientsPage {
    nav: Nav,
    rows: Vec<ClientRow>,
    can_write: bool,
}

pub async fn clients(
    req: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let list = state.store.run(clients::list).await?;
    let rows = list
        .iter()
        .map(|c| ClientRow {
            id: c.id.clone(),
            name: c.name.clone(),
            kind: kind(c),
            grants: c.grant_types.clone(),
            scopes: c.scopes.clone(),
        })
        .collect();
    let can_write = actor.may(Permission::ClientsWrite);
    page(&state, &req, &actor, |nav| {
        ClientsPage {
            nav,
            rows,
            can_write,
        }
        .render()
    })
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(String::from).collect()
}

#[derive(serde::Deserialize, Default)]
pub struct CreateClientForm {
    csrf: Option<String>,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    /// `confidential` or `public`.
    #[serde(default)]
    kind: String,
    #[serde(default)]
    redirect_uris: String,
    #[serde(default)]
    post_logout_redirect_uris: String,
    #[serde(default)]
    grant_types: String,
    #[serde(default)]
    scopes: String,
    #[serde(default)]
    audiences: String,
    first_party: Option<String>,
    require_mfa: Option<String>,
}

impl CreateClientForm {
    pub fn into_new_client(self) -> NewClient {
        let grants = words(&self.grant_types);
        NewClient {
            id: non_empty(&self.id),
            name: self.name,
            public: self.kind == "public",
            redirect_uris: words(&self.redirect_uris),
            post_logout_redirect_uris: words(&self.post_logout_redirect_uris),
            first_party: self.first_party.is_some(),
            grant_types: if grants.is_empty() {
                vec!["authorization_code".into()]
            } else {
                grants
            },
            scopes: words(&self.scopes),
            audiences: words(&self.audiences),
            jwks: None,
            id_token_alg: "RS256".into(),
            require_mfa: self.require_mfa.is_some(),
        }
    }
}

/// Registers a client with the CLI's rules; returns it and its secret (shown once).
pub async fn register_client(
    state: &AppState,
    new: NewClient,
) -> Result<(Client, Option<String>), AppError> {
    state
        .store
        .run(move |conn| Ok::<_, StoreError>(client_registry::register(conn, new, unix_now())))
        .await?
        .map_err(client_error)
}

pub async fn create_client(
    req: HttpRequest,
    form: web::Form<CreateClientForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&state, &req, &form.csrf)?;
    let (client, secret) = match register_client(&state, form.into_new_client()).await {
        Ok(created) => created,
        Err(e) => {
            record(&req, &state, &actor, "admin_client_create", "", "failure").await;
            return Err(e);
        }
    };
    record(
        &req,
        &state,
        &actor,
        "admin_client_create",
        &client.id,
        "success",
    )
    .await;
    match secret {
        Some(secret) => once(
            &state,
            &req,
            &actor,
            "Client created",
            &format!(
                "Client id: {}. Store its secret now: it is shown only this once.",
                client.id
            ),
            "Client secret",
            secret,
            format!("/admin/clients/{}", client.id),
        ),
        None => Ok(see_other(&format!("/admin/clients/{}", client.id))),
    }
}

#[derive(Template)]
#[template(path = "admin_client.html")]
struct ClientPage {
    nav: Nav,
    client: ClientRow,
    redirect_uris: Vec<String>,
    post_logout_redirect_uris: Vec<String>,
    audiences: String,
    first_party: bool,
    require_mfa: bool,
    id_token_alg: String,
    created: String,
    has_secret: bool,
    can_write: bool,
    notice: Option<&'static str>,
}

async fn load_client(state: &AppState, id: &str) -> Result<Client, AppError> {
    let id = id.to_string();
    state
        .store
        .run(move |conn| clients::find(conn, &id))
        .await
        .map_err(not_found)
}

pub async fn client(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<NoticeQuery>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let client = load_client(&state, &path).await?;
    let can_write = actor.may(Permission::ClientsWrite);
    page(&state, &req, &actor, |nav| {
        ClientPage {
            nav,
            redirect_uris: client.redirect_uri_list().unwrap_or_default(),
            post_logout_redirect_uris: client.post_logout_redirect_uri_list().unwrap_or_default(),
            audiences: client.audiences.clone(),
            first_party: client.first_party,
            require_mfa: client.require_mfa,
            id_token_alg: client.id_token_alg.clone(),
            created: when(client.created_at),
            has_secret: client.secret_hash.is_some(),
            client: ClientRow {
                id: client.id.clone(),
                name: client.name.clone(),
                kind: kind(&client),
                grants: client.grant_types.clone(),
                scopes: client.scopes.clone(),
            },
            can_write,
            notice: notice(&query.done),
        }
        .render()
    })
}

pub async fn rotate_secret(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<ConfirmForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    check_csrf(&state, &req, &form.csrf)?;
    let client = load_client(&state, &path).await?;
    confirm_password(
        &req,
        &state,
        &actor,
        &form.password,
        "admin_client_rotate",
        &client.id,
    )
    .await?;
    let id = client.id.clone();
    let secret = state
        .store
        .run(move |conn| {
            Ok::<_, StoreError>(client_registry::rotate_secret(
                conn,
                &id,
                ROTATION_OVERLAP_SECS,
                unix_now(),
            ))
        })
        .await?
        .map_err(client_error)?;
    record(
        &req,
        &state,
        &actor,
        "admin_client_rotate",
        &client.id,
        "success",
    )
    .await;
    once(
        &state,
        &req,
        &actor,
        "Secret rotated",
        &format!("The old secret of {} no longer works. Store the new one now: it is shown only this once.", client.id),
        "Client secret",
        secret,
        format!("/admin/clients/{}", client.id),
    )
}

/// Deletes a client (its grants, codes, refresh tokens and consents go with it).
pub async fn remove_client(state: &AppState, id: &str) -> Result<(), AppError> {
    let id = id.to_string();
    state
        .store
        .run(move |conn| clients::remove(conn, &id))
        .await
        .map_err(not_found)
}

pub async fn delete_client(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<DeleteForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&state, &req, &form.csrf)?;
    let client = load_client(&state, &path).await?;
    if form.confirm.trim() != client.id {
        return Err(bad_request("type the client id to confirm the deletion"));
    }
    confirm_password(
        &req,
        &state,
        &actor,
        &form.password,
        "admin_client_delete",
        &client.id,
    )
    .await?;
    remove_client(&state, &client.id).await?;
    record(
        &req,
        &state,
        &actor,
        "admin_client_delete",
        &client.id,
        "success",
    )
    .await;
    Ok(see_other("/admin/clients"))
}
