//! The audit log page: recent events, filtered by who, what and date range, a page at a time
//! (newest first; "older" continues below the last entry shown). Actors and targets are shown
//! by name — username, client name, API key name — with the recorded id on hover.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{non_empty, page, Nav, ViewerClock};
use crate::admin::Actor;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::admin::{self as queries, AuditFilter};
use crate::store::audit::Entry;
use crate::store::{activity, StoreError};

/// Entries per page unless the query asks for another number within the bounds.
const PAGE_SIZE: i64 = 50;
const PAGE_SIZES: std::ops::RangeInclusive<i64> = 10..=200;

/// An id as the trail recorded it, and the name it stands for now (if any).
pub struct Named {
    pub id: String,
    pub name: Option<String>,
}

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: Named,
    pub action: String,
    pub target: Named,
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
    /// The query string of the next (older) page, when there may be one.
    older: Option<String>,
    /// Whether this is a later page (a link back to the newest entries is shown).
    paged: bool,
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
    before: Option<i64>,
    n: Option<i64>,
}

pub async fn audit(
    req: HttpRequest,
    query: web::Query<AuditQuery>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let clock = ViewerClock::of(&req);
    let query = query.into_inner();
    let size = query
        .n
        .unwrap_or(PAGE_SIZE)
        .clamp(*PAGE_SIZES.start(), *PAGE_SIZES.end());
    let typed_actor = non_empty(&query.actor);
    let mut filter = AuditFilter {
        actors: typed_actor.clone().into_iter().collect(),
        action: non_empty(&query.action),
        from: clock.day_start(&query.from),
        // A date is the whole day, in the viewer's zone.
        to: clock.day_end(&query.to),
        before: query.before,
    };
    let (entries, names) = state
        .store
        .run(move |conn| {
            // An actor may be typed as the username it stands for.
            if let Some(typed) = &typed_actor {
                filter
                    .actors
                    .extend(activity::user_id_by_username(conn, typed)?);
            }
            let entries: Vec<Entry> = queries::audit_search(conn, &filter, size)?;
            let mut ids: Vec<String> = entries
                .iter()
                .flat_map(|e| [e.actor.clone(), e.target.clone()])
                .collect();
            ids.sort();
            ids.dedup();
            let names = activity::display_names(conn, &ids)?;
            Ok::<_, StoreError>((entries, names))
        })
        .await?;
    let chain = crate::security::response::verify_audit(&state).await?;
    let named = |id: String| Named {
        name: names.get(&id).cloned(),
        id,
    };
    let older = (entries.len() as i64 == size)
        .then(|| entries.last().map(|e| older_query(&query, e.seq, size)))
        .flatten();
    let rows = entries
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            at: clock.when(e.at),
            actor: named(e.actor),
            action: e.action,
            target: named(e.target),
            outcome: e.outcome,
            client_ip: e.client_ip,
            detail: e.detail,
        })
        .collect();
    page(&state, &req, &actor, |nav| {
        AuditPage {
            nav,
            paged: query.before.is_some(),
            actor: query.actor,
            action: query.action,
            from: query.from,
            to: query.to,
            chain,
            rows,
            older,
        }
        .render()
    })
}

/// The same filters, from the entry before `seq` on.
fn older_query(query: &AuditQuery, seq: i64, size: i64) -> String {
    let mut params = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("actor", &query.actor),
        ("action", &query.action),
        ("from", &query.from),
        ("to", &query.to),
    ] {
        if !value.is_empty() {
            params.append_pair(name, value);
        }
    }
    params.append_pair("before", &seq.to_string());
    if size != PAGE_SIZE {
        params.append_pair("n", &size.to_string());
    }
    params.finish()
}
