//! `/`: where a person who comes to the service itself lands: sign in, their account, and the
//! console for those who hold a role.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{render, session};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    username: Option<String>,
    console: bool,
}

pub async fn show(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let signed_in = session::current(&state, &req).await?;
    let page = HomePage {
        console: signed_in.as_ref().is_some_and(|s| !s.user.roles.is_empty()),
        username: signed_in.map(|s| s.user.username),
    };
    render(StatusCode::OK, &page)
}
