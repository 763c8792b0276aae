//! OAuth clients: the list and registering one (a refusal shows the form again, filled in).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{act, non_empty, once, page_with_status, refusal, Nav, Posted};
use crate::admin::{Actor, Permission};
use crate::client_registry::{optional_uri, NewClient};
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;
use crate::store::clients::{self, Client};
use crate::web::see_other;

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
        clients::AuthMethod::SecretJwt => "client_secret_jwt",
        clients::AuthMethod::PrivateKeyJwt => "private_key_jwt",
        clients::AuthMethod::None => "public",
    }
}

pub(super) fn client_row(client: &Client) -> ClientRow {
    ClientRow {
        id: client.id.clone(),
        name: client.name.clone(),
        kind: kind(client),
        grants: client.grant_types.clone(),
        scopes: client.scopes.clone(),
    }
}

#[derive(Template)]
#[template(path = "admin_clients.html")]
struct ClientsPage {
    nav: Nav,
    rows: Vec<ClientRow>,
    can_write: bool,
    form: CreateClientForm,
    error: Option<String>,
}

pub async fn clients(
    req: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    clients_page(&req, &state, &actor, CreateClientForm::default(), None).await
}

async fn clients_page(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    form: CreateClientForm,
    refused: Option<(StatusCode, String)>,
) -> Result<HttpResponse, AppError> {
    let list = state.store.run(clients::list).await?;
    let rows = list.iter().map(client_row).collect();
    let can_write = actor.may(Permission::ClientsWrite);
    let (status, error) = match refused {
        Some((status, why)) => (status, Some(why)),
        None => (StatusCode::OK, None),
    };
    page_with_status(state, req, actor, status, |nav| {
        ClientsPage {
            nav,
            rows,
            can_write,
            form,
            error,
        }
        .render()
    })
}

pub(super) fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(String::from).collect()
}

/// A list the form labels "one per line": split on line breaks only, so that a URI typed with
/// a space in it reaches the registration rules whole (and is refused there) rather than
/// silently becoming two URIs.
pub(super) fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(String::from)
        .collect()
}

/// The settings a client is registered and edited with, as typed into the console (lists one
/// per line where the label says so, otherwise space-separated; a ticked box is `Some`). The create and the edit form share
/// them, and `templates/admin_client_settings.html` shows them.
#[derive(serde::Deserialize, Clone, Default)]
pub struct ClientSettingsForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub redirect_uris: String,
    #[serde(default)]
    pub post_logout_redirect_uris: String,
    #[serde(default)]
    pub grant_types: String,
    #[serde(default)]
    pub scopes: String,
    #[serde(default)]
    pub audiences: String,
    #[serde(default)]
    pub allowed_origins: String,
    pub first_party: Option<String>,
    pub require_mfa: Option<String>,
    pub require_par: Option<String>,
    pub require_dpop: Option<String>,
    #[serde(default)]
    pub backchannel_logout_uri: String,
    pub backchannel_logout_session_required: Option<String>,
    #[serde(default)]
    pub frontchannel_logout_uri: String,
    pub frontchannel_logout_session_required: Option<String>,
}

#[derive(serde::Deserialize, Clone)]
pub struct CreateClientForm {
    csrf: Option<String>,
    #[serde(default)]
    pub id: String,
    /// `confidential`, `secret_jwt` (confidential, signing assertions with its secret) or
    /// `public`.
    #[serde(default)]
    pub kind: String,
    #[serde(flatten)]
    pub settings: ClientSettingsForm,
}

super::csrf_forms!(CreateClientForm);

impl Default for CreateClientForm {
    /// The form as first shown: a confidential web app.
    fn default() -> Self {
        CreateClientForm {
            csrf: None,
            id: String::new(),
            kind: "confidential".into(),
            settings: ClientSettingsForm {
                grant_types: "authorization_code".into(),
                scopes: "openid profile email".into(),
                ..ClientSettingsForm::default()
            },
        }
    }
}

impl CreateClientForm {
    pub fn into_new_client(self) -> NewClient {
        let settings = self.settings;
        let grants = words(&settings.grant_types);
        NewClient {
            id: non_empty(&self.id),
            name: settings.name,
            public: self.kind == "public",
            secret_jwt: self.kind == "secret_jwt",
            redirect_uris: lines(&settings.redirect_uris),
            post_logout_redirect_uris: lines(&settings.post_logout_redirect_uris),
            first_party: settings.first_party.is_some(),
            grant_types: if grants.is_empty() {
                vec!["authorization_code".into()]
            } else {
                grants
            },
            scopes: words(&settings.scopes),
            audiences: words(&settings.audiences),
            allowed_origins: lines(&settings.allowed_origins),
            jwks: None,
            id_token_alg: "RS256".into(),
            require_mfa: settings.require_mfa.is_some(),
            require_par: settings.require_par.is_some(),
            require_dpop: settings.require_dpop.is_some(),
            backchannel_logout_uri: optional_uri(&settings.backchannel_logout_uri),
            backchannel_logout_session_required: settings
                .backchannel_logout_session_required
                .is_some(),
            frontchannel_logout_uri: optional_uri(&settings.frontchannel_logout_uri),
            frontchannel_logout_session_required: settings
                .frontchannel_logout_session_required
                .is_some(),
        }
    }
}

pub async fn create_client(
    req: HttpRequest,
    Posted(form): Posted<CreateClientForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let new = form.clone().into_new_client();
    let kek = state.kek();
    let registered = act(&state, &req, &actor, move |conn, ctx| {
        ops::clients::register(conn, ctx, &kek, new)
    })
    .await;
    let (client, secret) = match registered {
        Ok(registered) => registered,
        Err(err) => {
            let refused = refusal(err)?;
            return clients_page(&req, &state, &actor, form, Some(refused)).await;
        }
    };
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
