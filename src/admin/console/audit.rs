//! The audit log page: recent events, filtered by who, what, outcome and date range.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{non_empty, page, parse_day, when, Nav};
use crate::admin::Actor;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::admin::{self as queries, AuditFilter};
use crate::store::audit::Entry;

const AUDIT_LIMIT: i64 = 200;

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub client_ip: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    nav: Nav,
    actor: String,
    action: String,
    from: String,
    to: String,
    chain: Result<i64, i64>,
    rows: Vec<AuditRow>,
    limit: i64,
}

#[derive(serde::Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

pub async fn audit(
    req: HttpRequest,
    query: web::Query<AuditQuery>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let filter = AuditFilter {
        actor: non_empty(&query.actor),
        action: non_empty(&query.action),
        from: parse_day(&query.from),
        // A date is the whole day.
        to: parse_day(&query.to).map(|t| {
            if query.to.contains('-') {
                t + 86_399
            } else {
                t
            }
        }),
    };
    let entries: Vec<Entry> = state
        .store
        .run(move |conn| queries::audit_search(conn, &filter, AUDIT_LIMIT))
        .await?;
    let chain = state.verify_audit().await?;
    let rows = entries
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            at: when(e.at),
            actor: e.actor,
            action: e.action,
            target: e.target,
            outcome: e.outcome,
            client_ip: e.client_ip,
            detail: e.detail,
        })
        .collect();
    page(&state, &req, &actor, |nav| {
        AuditPage {
            nav,
            actor: query.actor,
            action: query.action,
            from: query.from,
            to: query.to,
            chain,
            rows,
            limit: AUDIT_LIMIT,
        }
        .render()
    })
}
