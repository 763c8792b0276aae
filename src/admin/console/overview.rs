//! The console's overview page: how many users and clients there are.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{page, Nav};
use crate::admin::Actor;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::clients;
use crate::store::users;
use crate::store::StoreError;

#[derive(Template)]
#[template(path = "admin_home.html")]
struct HomePage {
    nav: Nav,
    users: i64,
    clients: usize,
}

pub async fn home(
    req: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let (users, clients) = state
        .store
        .run(|conn| Ok::<_, StoreError>((users::count(conn)?, clients::list(conn)?.len())))
        .await?;
    page(&state, &req, &actor, |nav| {
        HomePage {
            nav,
            users,
            clients,
        }
        .render()
    })
}
