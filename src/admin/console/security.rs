//! The Security page: open incidents and the address blocks in force, with forms to
//! acknowledge or resolve an incident and to add or lift a block (each through
//! `ops::security`, audited); auditors see it, admins change it.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::charts::{self, BarChart, Row, Series};
use super::{act, notice, page, CsrfOnly, Nav, NoticeQuery, Posted, ViewerClock};
use crate::admin::{Actor, Permission};
use crate::error::AppError;
use crate::ops::security as ops;
use crate::state::AppState;
use crate::store::{activity, address_blocks, incidents, unix_now};

/// Hours of failed sign-ins the chart covers, the current one last.
const HOURS: i64 = 24;
use crate::web::see_other;

pub struct IncidentRow {
    pub id: String,
    pub kind: String,
    pub severity: String,
    pub subject: String,
    pub addresses: String,
    pub count: i64,
    pub first_seen: String,
    pub last_seen: String,
    pub state: String,
    /// What was done about it beyond alerting, and to which accounts; empty if nothing.
    pub remediation: String,
}

pub struct BlockRow {
    pub network: String,
    pub until: String,
    pub by: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "admin_security.html")]
struct SecurityPage {
    nav: Nav,
    incidents: Vec<IncidentRow>,
    blocks: Vec<BlockRow>,
    failures: BarChart,
    /// The viewer may change incidents and blocks (an admin), not only read them.
    may_change: bool,
    notice: Option<&'static str>,
}

pub async fn security(
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let now = unix_now();
    let first_hour = now.div_euclid(3600) - (HOURS - 1);
    let (open, blocks, hourly) = state
        .store
        .run(move |conn| {
            Ok::<_, crate::store::StoreError>((
                incidents::list(conn, false, 200)?,
                address_blocks::active(conn, now)?,
                activity::logins_per_hour(conn, first_hour * 3600)?,
            ))
        })
        .await?;
    let clock = ViewerClock::of(&req);
    let rows = (first_hour..first_hour + HOURS)
        .map(|hour| Row {
            label: clock.hour(hour * 3600),
            values: vec![hourly.get(&hour).map_or(0, |(_, failed)| *failed)],
        })
        .collect();
    let failures = charts::grouped(
        "failures",
        format!("Failed sign-ins per hour, last 24 hours ({})", clock.name()),
        vec![Series {
            name: "failed",
            class: "bar-failed",
        }],
        rows,
        3,
    );
    let incidents = open
        .into_iter()
        .map(|i| IncidentRow {
            remediation: match i.remediation.as_str() {
                "" => String::new(),
                done if i.remediated.is_empty() => done.replace('_', " "),
                done => format!("{}: {}", done.replace('_', " "), i.remediated),
            },
            kind: i.kind.replace('_', " "),
            first_seen: clock.when(i.first_seen),
            last_seen: clock.when(i.last_seen),
            id: i.id,
            severity: i.severity,
            subject: i.subject,
            addresses: i.addresses,
            count: i.count,
            state: i.state,
        })
        .collect();
    let blocks = blocks
        .into_iter()
        .map(|b| BlockRow {
            until: clock.when(b.expires_at),
            network: b.network,
            by: b.created_by,
            reason: b.reason,
        })
        .collect();
    page(&state, &req, &actor, |nav| {
        SecurityPage {
            nav,
            incidents,
            blocks,
            failures,
            may_change: actor.may(Permission::SecurityWrite),
            notice: notice(&query.done),
        }
        .render()
    })
}

async fn set_state(
    req: HttpRequest,
    id: String,
    state: web::Data<AppState>,
    actor: Actor,
    to: &'static str,
) -> Result<HttpResponse, AppError> {
    act(&state, &req, &actor, move |conn, ctx| {
        ops::set_incident_state(conn, ctx, &id, to)
    })
    .await?;
    Ok(see_other(&format!("/admin/security?done={to}")))
}

pub async fn acknowledge_incident(
    req: HttpRequest,
    path: web::Path<String>,
    _: Posted<CsrfOnly>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    set_state(req, path.into_inner(), state, actor, "acknowledged").await
}

pub async fn resolve_incident(
    req: HttpRequest,
    path: web::Path<String>,
    _: Posted<CsrfOnly>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    set_state(req, path.into_inner(), state, actor, "resolved").await
}

#[derive(serde::Deserialize)]
pub struct BlockForm {
    csrf: Option<String>,
    #[serde(default)]
    network: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    reason: String,
}

super::csrf_forms!(BlockForm);

pub async fn add_block(
    req: HttpRequest,
    Posted(form): Posted<BlockForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let network = ops::parse_network(&form.network)?;
    let secs = ops::parse_duration(&form.duration)?;
    act(&state, &req, &actor, move |conn, ctx| {
        ops::block(conn, ctx, &network, secs, &form.reason, None)
    })
    .await?;
    state.blocks.invalidate();
    Ok(see_other("/admin/security?done=blocked"))
}

pub async fn lift_block(
    req: HttpRequest,
    Posted(form): Posted<BlockForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let network = ops::parse_network(&form.network)?;
    act(&state, &req, &actor, move |conn, ctx| {
        ops::unblock(conn, ctx, &network)
    })
    .await?;
    state.blocks.invalidate();
    Ok(see_other("/admin/security?done=lifted"))
}
