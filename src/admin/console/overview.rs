//! The console's overview: what needs attention (locked accounts, the audit chain, signing keys
//! due for rotation), sign-ins per hour over the last day and tokens issued per grant, as charts
//! drawn on the server. Each part is shown to the roles that may see what it summarises.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::charts::{self, BarChart, Row, Series};
use super::{page, Nav, ViewerClock};
use crate::admin::{Actor, Permission};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{activity, clients, keys, unix_now, users, StoreError};

/// Hours of sign-ins the chart covers, the current one last.
const HOURS: i64 = 24;

/// The newest signing key of one algorithm, and when the next rotation is due.
pub struct KeyAge {
    pub alg: String,
    pub created: String,
    pub next_rotation: String,
    pub due: bool,
}

#[derive(Template)]
#[template(path = "admin_home.html")]
struct HomePage {
    nav: Nav,
    users: i64,
    clients: i64,
    locked: i64,
    chain: Option<Result<i64, i64>>,
    keys: Vec<KeyAge>,
    signins: Option<BarChart>,
    tokens: BarChart,
}

struct Counts {
    users: i64,
    clients: i64,
    locked: i64,
    hourly: std::collections::HashMap<i64, (u64, u64)>,
    keys: Vec<keys::StoredKey>,
}

pub async fn home(
    req: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let now = unix_now();
    let first_hour = now.div_euclid(3600) - (HOURS - 1);
    let audit = actor.may(Permission::AuditRead);
    let counts = state
        .store
        .run(move |conn| {
            Ok::<_, StoreError>(Counts {
                users: users::count(conn)?,
                clients: clients::count(conn)?,
                locked: activity::locked_accounts(conn, now)?,
                hourly: match audit {
                    true => activity::logins_per_hour(conn, first_hour * 3600)?,
                    false => Default::default(),
                },
                keys: keys::published(conn, now)?,
            })
        })
        .await?;
    let chain = match audit {
        true => Some(crate::security::response::verify_audit(&state).await?),
        false => None,
    };
    let rotate_after = state.config.settings.keys.rotate_after_secs;
    let clock = ViewerClock::of(&req);
    let signins = audit.then(|| signin_chart(&counts.hourly, first_hour, &clock));
    page(&state, &req, &actor, |nav| {
        HomePage {
            nav,
            users: counts.users,
            clients: counts.clients,
            locked: counts.locked,
            chain,
            keys: key_ages(&counts.keys, rotate_after, now, &clock),
            signins,
            tokens: token_chart(),
        }
        .render()
    })
}

fn signin_chart(
    hourly: &std::collections::HashMap<i64, (u64, u64)>,
    first_hour: i64,
    clock: &ViewerClock,
) -> BarChart {
    let rows = (first_hour..first_hour + HOURS)
        .map(|hour| {
            let (ok, failed) = hourly.get(&hour).copied().unwrap_or_default();
            Row {
                label: clock.hour(hour * 3600),
                values: vec![ok, failed],
            }
        })
        .collect();
    charts::grouped(
        "signins",
        format!("Sign-ins per hour, last 24 hours ({})", clock.name()),
        vec![
            Series {
                name: "succeeded",
                class: "bar-ok",
            },
            Series {
                name: "failed",
                class: "bar-failed",
            },
        ],
        rows,
        3,
    )
}

fn token_chart() -> BarChart {
    let rows = crate::metrics::tokens_issued()
        .into_iter()
        .map(|(grant, count)| Row {
            // The device grant by the last part of its URN: the whole would not fit a bar.
            label: grant.rsplit(':').next().unwrap_or(grant).to_string(),
            values: vec![count],
        })
        .collect();
    charts::grouped(
        "tokens",
        "Tokens issued by this node since it started, per grant",
        vec![Series {
            name: "tokens",
            class: "bar-tokens",
        }],
        rows,
        1,
    )
}

/// Per algorithm, the newest published key: rotation is due `rotate_after` seconds after it
/// was made (0: automatic rotation is off).
fn key_ages(
    published: &[keys::StoredKey],
    rotate_after: i64,
    now: i64,
    clock: &ViewerClock,
) -> Vec<KeyAge> {
    let mut newest: Vec<&keys::StoredKey> = Vec::new();
    for key in published {
        match newest.iter_mut().find(|k| k.alg == key.alg) {
            Some(k) if k.created_at < key.created_at => *k = key,
            Some(_) => {}
            None => newest.push(key),
        }
    }
    newest.sort_by(|a, b| a.alg.cmp(&b.alg));
    newest
        .into_iter()
        .map(|key| {
            let due_at = key.created_at + rotate_after;
            KeyAge {
                alg: key.alg.clone(),
                created: clock.when(key.created_at),
                next_rotation: match rotate_after {
                    0 => "by hand (automatic rotation is off)".into(),
                    _ => clock.when(due_at),
                },
                due: rotate_after > 0 && due_at <= now,
            }
        })
        .collect()
}
