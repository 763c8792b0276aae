//! The user list: searching and paging through accounts, and creating new ones (with a
//! one-time password). `create_account` is shared with the API.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{once, page_with_status, refusal, temporary_password, Nav, Posted};
use crate::accounts::{self, NewUser};
use crate::admin::{Actor, Permission};
use crate::error::AppError;
use crate::ops::{self, OpsError};
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
    /// How many pages and users, or "more than …" past the search's count cap.
    pages: String,
    total: String,
    prev: Option<String>,
    next: Option<String>,
    can_write: bool,
    /// The new-user form as submitted, and why it was refused.
    form: CreateUserForm,
    error: Option<String>,
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
    let form = CreateUserForm::default();
    users_page(&req, &state, &actor, q, number, form, None).await
}

async fn users_page(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
    q: String,
    number: Option<i64>,
    form: CreateUserForm,
    refused: Option<(StatusCode, String)>,
) -> Result<HttpResponse, AppError> {
    let number = number.unwrap_or(1).max(1);
    let search = q.clone();
    let (found, total) = state
        .store
        .run(move |conn| queries::search_users(conn, &search, (number - 1) * PAGE_SIZE, PAGE_SIZE))
        .await?;
    let capped = total > queries::COUNT_CAP;
    let pages = ((total.min(queries::COUNT_CAP) + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let more = match capped {
        true => found.len() as i64 == PAGE_SIZE,
        false => number < pages,
    };
    let (total, pages) = match capped {
        true => (
            format!("More than {}", queries::COUNT_CAP),
            format!("more than {pages}"),
        ),
        false => (total.to_string(), pages.to_string()),
    };
    let rows = found.iter().map(row).collect();
    let prev = (number > 1).then(|| page_link(&q, number - 1));
    let next = more.then(|| page_link(&q, number + 1));
    let can_write = actor.may(Permission::UsersWrite);
    let (status, error) = match refused {
        Some((status, why)) => (status, Some(why)),
        None => (StatusCode::OK, None),
    };
    page_with_status(state, req, actor, status, |nav| {
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
            form,
            error,
        }
        .render()
    })
}

#[derive(serde::Deserialize, Default)]
pub struct CreateUserForm {
    csrf: Option<String>,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
}

super::csrf_forms!(CreateUserForm);

/// Creates a user with a temporary password (shown once) that must be changed at first
/// sign-in; a refusal shows the form again, filled in, with the reason.
pub async fn create_user(
    req: HttpRequest,
    Posted(form): Posted<CreateUserForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let mut ctx = state.ops_context(&req, &actor.id);
    ctx.acting_user = actor.user.as_ref().map(|u| u.id.clone());
    let created = create_account(&state, ctx, &form.username, &form.email, &form.name).await;
    let (user, password) = match created {
        Ok(created) => created,
        Err(err) => {
            let refused = refusal(err)?;
            return users_page(
                &req,
                &state,
                &actor,
                String::new(),
                None,
                form,
                Some(refused),
            )
            .await;
        }
    };
    once(
        &state,
        &req,
        &actor,
        "User created",
        &format!("Give {} this temporary password; they choose their own at first sign-in. It is shown only now.", user.username),
        "Temporary password",
        password,
        format!("/admin/users/{}", user.id),
    )
}

/// Checks and creates an account with a temporary password, which it returns (shown once)
/// and which must be changed at first sign-in. Shared with the API.
pub async fn create_account(
    state: &AppState,
    ctx: ops::Context,
    username: &str,
    email: &str,
    name: &str,
) -> Result<(User, String), AppError> {
    let mut new = NewUser::checked(username, email, name, &[]).map_err(OpsError::from)?;
    new.must_change_password = true;
    let password = temporary_password();
    let min_length = state.config.settings.password.min_length;
    accounts::check_password(&password, min_length, &new.username, new.email.as_deref())
        .map_err(OpsError::from)?;
    let hash = state.hash_password(&password).await?;
    let user = state
        .store
        .run(move |conn| ops::users::create(conn, &ctx, new, hash))
        .await?;
    Ok((user, password))
}
