//! The user list: searching and paging through accounts, and creating new ones (with a
//! one-time password). `create_account` is shared with the API.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{
    account_error, bad_request, check_csrf, non_empty, once, page, record, temporary_password, Nav,
};
use crate::accounts::{self, NewUser};
use crate::admin::{Actor, Permission};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::admin as queries;
use crate::store::unix_now;
use crate::store::users::User;

const PAGE_SIZE: i64 = 25;

pub struct UserRow {
    pub id: String,
    pub username: String,
    pub name: String,
    pub email: String,
    pub roles: String,
    pub status: String,
}

fn status(user: &User) -> String {
    let mut parts = Vec::new();
    if user.disabled {
        parts.push("disabled");
    } else {
        parts.push("active");
    }
    if user.locked_until.is_some_and(|t| t > unix_now()) {
        parts.push("locked");
    }
    if user.must_change_password {
        parts.push("must change password");
    }
    if user.totp_enabled {
        parts.push("two-step on");
    }
    parts.join(", ")
}

pub(super) fn row(user: &User) -> UserRow {
    UserRow {
        id: user.id.clone(),
        username: user.username.clone(),
        name: user.name.clone().unwrap_or_default(),
        email: user.email.clone().unwrap_or_default(),
        roles: user.roles.clone(),
        status: status(user),
    }
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    nav: Nav,
    q: String,
    rows: Vec<UserRow>,
    page: i64,
    pages: i64,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
    can_write: bool,
}

#[derive(serde::Deserialize)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<i64>,
}

fn page_link(q: &str, page: i64) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", q)
        .append_pair("page", &page.to_string())
        .finish();
    format!("/admin/users?{query}")
}

pub async fn users(
    req: HttpRequest,
    query: web::Query<UsersQuery>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let UsersQuery { q, page: number } = query.into_inner();
    let number = number.unwrap_or(1).max(1);
    let search = q.clone();
    let (found, total) = state
        .store
        .run(move |conn| queries::search_users(conn, &search, (number - 1) * PAGE_SIZE, PAGE_SIZE))
        .await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let rows = found.iter().map(row).collect();
    let prev = (number > 1).then(|| page_link(&q, number - 1));
    let next = (number < pages).then(|| page_link(&q, number + 1));
    let can_write = actor.may(Permission::UsersWrite);
    page(&state, &req, &actor, |nav| {
        UsersPage {
            nav,
            q,
            rows,
            page: number,
            pages,
            total,
            prev,
            next,
            can_write,
        }
        .render()
    })
}

#[derive(serde::Deserialize)]
pub struct CreateUserForm {
    csrf: Option<String>,
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
}

/// Creates a user with a temporary password (shown once) that must be changed at first sign-in.
pub async fn create_user(
    req: HttpRequest,
    form: web::Form<CreateUserForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    check_csrf(&state, &req, &form.csrf)?;
    let user = create_account(&state, &form.username, &form.email, &form.name, None).await;
    let user = match user {
        Ok(created) => created,
        Err(e) => {
            record(
                &req,
                &state,
                &actor,
                "admin_user_create",
                &form.username,
                "failure",
            )
            .await;
            return Err(e);
        }
    };
    record(
        &req,
        &state,
        &actor,
        "admin_user_create",
        &user.0.id,
        "success",
    )
    .await;
    once(
        &state,
        &req,
        &actor,
        "User created",
        &format!("Give {} this temporary password; they choose their own at first sign-in. It is shown only now.", user.0.username),
        "Temporary password",
        user.1,
        format!("/admin/users/{}", user.0.id),
    )
}

/// Validates and creates an account; returns it with its one-time password. `password` is the
/// caller's choice (API), else a temporary one is made. Either way it must be changed at first
/// sign-in.
pub async fn create_account(
    state: &web::Data<AppState>,
    username: &str,
    email: &str,
    name: &str,
    password: Option<String>,
) -> Result<(User, String), AppError> {
    let username = accounts::normalize_username(username).map_err(account_error)?;
    let email = match non_empty(email) {
        Some(e) => Some(accounts::normalize_email(&e).map_err(account_error)?),
        None => None,
    };
    let name = non_empty(name);
    if name.as_ref().is_some_and(|n| n.chars().count() > 200) {
        return Err(bad_request("a name has at most 200 characters"));
    }
    let password = password.unwrap_or_else(temporary_password);
    let worker = Arc::clone(state);
    let secret = password.clone();
    let user = tokio::task::spawn_blocking(move || {
        let mut conn = worker.store.conn().map_err(AppError::from)?;
        let new = NewUser {
            username,
            email,
            name,
            roles: Vec::new(),
            must_change_password: true,
            email_verified: false,
        };
        let min_length = worker.config.settings.password.min_length;
        accounts::create(
            &mut conn,
            &worker.hasher,
            min_length,
            new,
            &secret,
            unix_now(),
        )
        .map_err(account_error)
    })
    .await
    .map_err(|e| AppError::Internal(format!("create user: {e}")))??;
    Ok((user, password))
}
