//! One client's page: its settings and the form that edits them (a refusal shows it again as
//! submitted), rotating its secret and deleting it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::clients::{client_row, lines, words, ClientRow, ClientSettingsForm};
use super::{
    act, bad_request, confirmed, notice, once, page_with_status, refusal, ConfirmForm, DeleteForm,
    Nav, NoticeQuery, Posted, ViewerClock,
};
use crate::admin::{Actor, Permission};
use crate::client_registry::{optional_uri, ClientEdit};
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;
use crate::store::clients::Client;
use crate::web::see_other;

/// How long a rotated-out client secret keeps working when rotated from the console.
const ROTATION_OVERLAP_SECS: i64 = 0;

#[derive(Template)]
#[template(path = "admin_client.html")]
struct ClientPage {
    nav: Nav,
    client: ClientRow,
    redirect_uris: Vec<String>,
    post_logout_redirect_uris: Vec<String>,
    audiences: String,
    web_origins: Vec<String>,
    first_party: bool,
    require_mfa: bool,
    require_par: bool,
    require_dpop: bool,
    backchannel_logout_uri: Option<String>,
    backchannel_logout_session_required: bool,
    frontchannel_logout_uri: Option<String>,
    frontchannel_logout_session_required: bool,
    id_token_alg: String,
    created: String,
    has_secret: bool,
    can_write: bool,
    notice: Option<&'static str>,
    /// The edit form: the settings, or what was submitted when it was refused, and why.
    form: EditClientForm,
    error: Option<String>,
}

async fn load_client(state: &AppState, id: &str) -> Result<Client, AppError> {
    let id = id.to_string();
    Ok(state
        .store
        .run(move |conn| ops::clients::get(conn, &id))
        .await?)
}

pub async fn client(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<NoticeQuery>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let client = load_client(&state, &path).await?;
    let form = EditClientForm::of(&client);
    client_page(
        &req,
        &state,
        &actor,
        client,
        form,
        notice(&query.done),
        None,
    )
}

fn client_page(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    client: Client,
    form: EditClientForm,
    notice: Option<&'static str>,
    refused: Option<(StatusCode, String)>,
) -> Result<HttpResponse, AppError> {
    let can_write = actor.may(Permission::ClientsWrite);
    let (status, error) = match refused {
        Some((status, why)) => (status, Some(why)),
        None => (StatusCode::OK, None),
    };
    page_with_status(state, req, actor, status, |nav| {
        ClientPage {
            nav,
            redirect_uris: client.redirect_uri_list().unwrap_or_default(),
            post_logout_redirect_uris: client.post_logout_redirect_uri_list().unwrap_or_default(),
            audiences: client.audiences.clone(),
            web_origins: client.web_origins(),
            first_party: client.first_party,
            require_mfa: client.require_mfa,
            require_par: client.require_par,
            require_dpop: client.require_dpop,
            backchannel_logout_uri: client.backchannel_logout_uri.clone(),
            backchannel_logout_session_required: client.backchannel_logout_session_required,
            frontchannel_logout_uri: client.frontchannel_logout_uri.clone(),
            frontchannel_logout_session_required: client.frontchannel_logout_session_required,
            id_token_alg: client.id_token_alg.clone(),
            created: ViewerClock::of(req).when(client.created_at),
            has_secret: client.secret_hash.is_some(),
            client: client_row(&client),
            can_write,
            notice,
            form,
            error,
        }
        .render()
    })
}

#[derive(serde::Deserialize, Clone, Default)]
pub struct EditClientForm {
    csrf: Option<String>,
    #[serde(flatten)]
    pub settings: ClientSettingsForm,
}

super::csrf_forms!(EditClientForm);

impl EditClientForm {
    fn of(client: &Client) -> EditClientForm {
        let on = |flag: bool| flag.then(|| "on".to_string());
        EditClientForm {
            csrf: None,
            settings: ClientSettingsForm {
                name: client.name.clone(),
                redirect_uris: client.redirect_uri_list().unwrap_or_default().join("\n"),
                post_logout_redirect_uris: client
                    .post_logout_redirect_uri_list()
                    .unwrap_or_default()
                    .join("\n"),
                grant_types: client.grant_types.clone(),
                scopes: client.scopes.clone(),
                audiences: client.audiences.clone(),
                allowed_origins: client.allowed_origin_list().join("\n"),
                first_party: on(client.first_party),
                require_mfa: on(client.require_mfa),
                require_par: on(client.require_par),
                require_dpop: on(client.require_dpop),
                backchannel_logout_uri: client.backchannel_logout_uri.clone().unwrap_or_default(),
                backchannel_logout_session_required: on(client.backchannel_logout_session_required),
                frontchannel_logout_uri: client.frontchannel_logout_uri.clone().unwrap_or_default(),
                frontchannel_logout_session_required: on(
                    client.frontchannel_logout_session_required
                ),
            },
        }
    }

    /// Every setting as submitted (an unticked box is off).
    fn edit(&self) -> ClientEdit {
        let form = &self.settings;
        ClientEdit {
            name: Some(form.name.clone()),
            redirect_uris: Some(lines(&form.redirect_uris)),
            post_logout_redirect_uris: Some(lines(&form.post_logout_redirect_uris)),
            grant_types: Some(words(&form.grant_types)),
            scopes: Some(words(&form.scopes)),
            audiences: Some(words(&form.audiences)),
            allowed_origins: Some(lines(&form.allowed_origins)),
            first_party: Some(form.first_party.is_some()),
            require_mfa: Some(form.require_mfa.is_some()),
            require_par: Some(form.require_par.is_some()),
            require_dpop: Some(form.require_dpop.is_some()),
            backchannel_logout_uri: Some(optional_uri(&form.backchannel_logout_uri)),
            backchannel_logout_session_required: Some(
                form.backchannel_logout_session_required.is_some(),
            ),
            frontchannel_logout_uri: Some(optional_uri(&form.frontchannel_logout_uri)),
            frontchannel_logout_session_required: Some(
                form.frontchannel_logout_session_required.is_some(),
            ),
        }
    }
}

/// Saves the client's settings under the registration rules.
pub async fn edit_client(
    req: HttpRequest,
    path: web::Path<String>,
    Posted(form): Posted<EditClientForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (target, edit) = (id.clone(), form.edit());
    let saved = act(&state, &req, &actor, move |conn, ctx| {
        ops::clients::edit(conn, ctx, &target, edit)
    })
    .await;
    match saved {
        Ok(client) => Ok(see_other(&format!(
            "/admin/clients/{}?done=saved",
            client.id
        ))),
        Err(err) => {
            let refused = refusal(err)?;
            let client = load_client(&state, &id).await?;
            client_page(&req, &state, &actor, client, form, None, Some(refused))
        }
    }
}

pub async fn rotate_secret(
    req: HttpRequest,
    path: web::Path<String>,
    Posted(form): Posted<ConfirmForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let target = id.clone();
    let kek = state.kek();
    let secret = confirmed(
        &state,
        &req,
        &actor,
        &form.password,
        ("admin_client_rotate", &id),
        move |conn, ctx| {
            ops::clients::rotate_secret(conn, ctx, &kek, &target, ROTATION_OVERLAP_SECS)
        },
    )
    .await?;
    once(
        &state,
        &req,
        &actor,
        "Secret rotated",
        &format!("The old secret of {id} no longer works. Store the new one now: it is shown only this once."),
        "Client secret",
        secret,
        format!("/admin/clients/{id}"),
    )
}

pub async fn delete_client(
    req: HttpRequest,
    path: web::Path<String>,
    Posted(form): Posted<DeleteForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let client = load_client(&state, &path).await?;
    if form.confirm.trim() != client.id {
        return Err(bad_request("type the client id to confirm the deletion"));
    }
    let id = client.id.clone();
    confirmed(
        &state,
        &req,
        &actor,
        &form.password,
        ("admin_client_delete", &client.id),
        move |conn, ctx| ops::clients::remove(conn, ctx, &id),
    )
    .await?;
    Ok(see_other("/admin/clients"))
}
