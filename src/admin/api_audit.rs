//! The admin API's view of the audit trail: `GET /admin/api/audit`, newest first, filtered by
//! actor, action and time, a page at a time (`before` continues below the last entry).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::Actor;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::activity;
use crate::store::admin::{self as queries, AuditFilter};
use crate::store::audit::Entry;

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

/// The query, checked: each parameter at most once, numbers that parse, nothing unknown (a
/// misspelt filter would otherwise list everything).
fn parse(query: &str) -> Result<(AuditFilter, i64), ApiError> {
    let mut filter = AuditFilter::default();
    let mut limit = None;
    let mut seen = Vec::new();
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if seen.contains(&name) {
            return Err(ApiError::invalid_request(&format!("{name} is given twice")));
        }
        seen.push(name.clone());
        let number = || {
            value.parse::<i64>().map_err(|_| {
                ApiError::invalid_request(&format!("{name} must be an integer, not {value:?}"))
            })
        };
        match &*name {
            "actor" if !value.is_empty() => filter.actors.push(value.to_string()),
            "action" if !value.is_empty() => filter.action = Some(value.to_string()),
            "actor" | "action" => {}
            "from" => filter.from = Some(number()?),
            "to" => filter.to = Some(number()?),
            "before" => filter.before = Some(number()?),
            "limit" => {
                let n = number()?;
                if !(1..=MAX_LIMIT).contains(&n) {
                    return Err(ApiError::invalid_request(&format!(
                        "limit must be between 1 and {MAX_LIMIT}"
                    )));
                }
                limit = Some(n);
            }
            other => {
                return Err(ApiError::invalid_request(&format!(
                    "unknown parameter {other:?}: use actor, action, from, to, before or limit"
                )))
            }
        }
    }
    Ok((filter, limit.unwrap_or(DEFAULT_LIMIT)))
}

fn entry_json(entry: &Entry) -> Value {
    json!({
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "outcome": entry.outcome,
        "client_ip": entry.client_ip,
        "user_agent": entry.user_agent,
        "detail": entry.detail,
    })
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    _actor: Actor,
) -> Result<HttpResponse, ApiError> {
    let (mut filter, limit) = parse(req.query_string())?;
    let entries = state
        .store
        .run(move |conn| {
            // As in the console, an actor may be given as the username it stands for.
            if let Some(typed) = filter.actors.first().cloned() {
                filter
                    .actors
                    .extend(activity::user_id_by_username(conn, &typed)?);
            }
            queries::audit_search(conn, &filter, limit)
        })
        .await?;
    let next_before = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "entries": entries.iter().map(entry_json).collect::<Vec<_>>(),
            "next_before": next_before,
            "limit": limit,
        })))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_and_refuses() {
        let (filter, limit) = parse("actor=bob&action=login_success&from=1&to=2&before=9").unwrap();
        assert_eq!(filter.actors, ["bob"]);
        assert_eq!(filter.action.as_deref(), Some("login_success"));
        assert_eq!(
            (filter.from, filter.to, filter.before),
            (Some(1), Some(2), Some(9))
        );
        assert_eq!(limit, 100);
        assert!(parse("").unwrap().0.actors.is_empty());
        for bad in [
            "limit=0",
            "limit=1001",
            "from=yesterday",
            "actor=a&actor=b",
            "who=bob",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
