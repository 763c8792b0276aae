//! Upstream identity providers in the console: the list, registering one (a refusal shows the
//! form again, filled in, the secret excepted) and removing one (password and id typed again).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{act, confirmed, page_with_status, refusal, DeleteForm, Nav, Posted, ViewerClock};
use crate::admin::{Actor, Permission};
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;
use crate::store::upstream::Provider;
use crate::upstream::NewProvider;
use crate::web::see_other;

pub struct UpstreamRow {
    pub id: String,
    pub display_name: String,
    pub issuer: String,
    pub matching: String,
    pub scopes: String,
    pub created: String,
}

fn upstream_row(provider: &Provider, clock: &ViewerClock) -> UpstreamRow {
    UpstreamRow {
        id: provider.id.clone(),
        display_name: provider.display_name.clone(),
        issuer: provider.issuer.clone(),
        matching: provider.matching.clone(),
        scopes: provider.scopes.clone(),
        created: clock.when(provider.created_at),
    }
}

#[derive(Template)]
#[template(path = "admin_upstreams.html")]
struct UpstreamsPage {
    nav: Nav,
    rows: Vec<UpstreamRow>,
    can_write: bool,
    form: CreateUpstreamForm,
    callback_url: String,
    error: Option<String>,
}

#[derive(serde::Deserialize, Clone)]
pub struct CreateUpstreamForm {
    csrf: Option<String>,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub client_id: String,
    /// Never shown again, not even in a refused form.
    #[serde(default)]
    pub client_secret: String,
    #[serde(default)]
    pub icon_url: String,
    #[serde(default)]
    pub scopes: String,
    #[serde(default)]
    pub matching: String,
}

super::csrf_forms!(CreateUpstreamForm);

impl Default for CreateUpstreamForm {
    /// The form as first shown: only accounts linked beforehand.
    fn default() -> Self {
        CreateUpstreamForm {
            csrf: None,
            id: String::new(),
            display_name: String::new(),
            issuer: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            icon_url: String::new(),
            scopes: "email profile".into(),
            matching: "linked".into(),
        }
    }
}

pub async fn upstreams(
    req: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    upstreams_page(&req, &state, &actor, CreateUpstreamForm::default(), None).await
}

async fn upstreams_page(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    mut form: CreateUpstreamForm,
    refused: Option<(StatusCode, String)>,
) -> Result<HttpResponse, AppError> {
    form.client_secret.clear();
    let list = state.store.run(ops::upstream::list).await?;
    let clock = ViewerClock::of(req);
    let rows = list.iter().map(|p| upstream_row(p, &clock)).collect();
    let can_write = actor.may(Permission::ClientsWrite);
    let (status, error) = match refused {
        Some((status, why)) => (status, Some(why)),
        None => (StatusCode::OK, None),
    };
    let callback_url = crate::upstream::callback_url(&state.config);
    page_with_status(state, req, actor, status, |nav| {
        UpstreamsPage {
            nav,
            rows,
            can_write,
            form,
            callback_url,
            error,
        }
        .render()
    })
}

pub async fn create_upstream(
    req: HttpRequest,
    Posted(form): Posted<CreateUpstreamForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let new = NewProvider {
        id: form.id.clone(),
        display_name: form.display_name.clone(),
        icon_url: Some(form.icon_url.clone()),
        issuer: form.issuer.clone(),
        client_id: form.client_id.clone(),
        client_secret: form.client_secret.clone(),
        scopes: form.scopes.split_whitespace().map(String::from).collect(),
        matching: form.matching.clone(),
    };
    let kek = state.kek();
    let added = act(&state, &req, &actor, move |conn, ctx| {
        ops::upstream::add(conn, ctx, &kek, new)
    })
    .await;
    match added {
        Ok(_) => Ok(see_other("/admin/upstreams")),
        Err(err) => {
            let refused = refusal(err)?;
            upstreams_page(&req, &state, &actor, form, Some(refused)).await
        }
    }
}

pub async fn delete_upstream(
    req: HttpRequest,
    path: web::Path<String>,
    Posted(form): Posted<DeleteForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    if form.confirm.trim() != id {
        return Err(AppError::page(
            StatusCode::BAD_REQUEST,
            "Not done",
            "Type the provider id to confirm the removal.",
        ));
    }
    let target = id.clone();
    confirmed(
        &state,
        &req,
        &actor,
        &form.password,
        ("admin_upstream_delete", &target),
        move |conn, ctx| ops::upstream::remove(conn, ctx, &id),
    )
    .await?;
    Ok(see_other("/admin/upstreams"))
}
