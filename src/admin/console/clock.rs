//! Console times in the viewer's own time zone: the IANA zone they chose on the time-zone page
//! (kept in a cookie of their browser), UTC until they choose. Every console time is written
//! one way, `2026-11-18 12:06 CET`, so a glance tells both the moment and the zone.

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::{page, Nav, Posted};
use crate::admin::Actor;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{see_other, with_cookie};

const COOKIE: &str = "idp_console_tz";

/// The viewer's zone, read from their cookie.
#[derive(Clone)]
pub struct ViewerClock {
    name: String,
    zone: TimeZone,
}

impl ViewerClock {
    pub fn utc() -> ViewerClock {
        ViewerClock {
            name: "UTC".into(),
            zone: TimeZone::UTC,
        }
    }

    /// The zone this request's viewer chose; UTC when none (or one no longer known).
    pub fn of(req: &HttpRequest) -> ViewerClock {
        req.cookie(COOKIE)
            .and_then(|c| named(c.value()))
            .unwrap_or_else(ViewerClock::utc)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `2026-11-18 12:06 CET`.
    pub fn when(&self, unix: i64) -> String {
        match Timestamp::from_second(unix) {
            Ok(at) => at
                .to_zoned_datetime(self.zone.clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string(),
            Err(_) => unix.to_string(),
        }
    }

    /// The hour of day at `unix`, `14:00`, for chart labels.
    pub fn hour(&self, unix: i64) -> String {
        match Timestamp::from_second(unix) {
            Ok(at) => at
                .to_zoned_datetime(self.zone.clone())
                .strftime("%H:%M")
                .to_string(),
            Err(_) => unix.to_string(),
        }
    }

    /// The first second of a `YYYY-MM-DD` day in this zone, or unix seconds as they are.
    pub fn day_start(&self, text: &str) -> Option<i64> {
        let text = text.trim();
        if let Ok(unix) = text.parse::<i64>() {
            return Some(unix);
        }
        let date: Date = text.parse().ok()?;
        let start = date
            .to_zoned_datetime(self.zone.clone())
            .ok()?
            .start_of_day()
            .ok()?;
        Some(start.timestamp().as_second())
    }

    /// The last second of that day (a day's length varies where clocks change).
    pub fn day_end(&self, text: &str) -> Option<i64> {
        let text = text.trim();
        if let Ok(unix) = text.parse::<i64>() {
            return Some(unix);
        }
        let date: Date = text.parse().ok()?;
        let next = date
            .tomorrow()
            .ok()?
            .to_zoned_datetime(self.zone.clone())
            .ok()?;
        Some(next.start_of_day().ok()?.timestamp().as_second() - 1)
    }
}

/// The zone called `name` in the time-zone database (case as the database spells it).
fn named(name: &str) -> Option<ViewerClock> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 {
        return None;
    }
    let zone = jiff::tz::db().get(name).ok()?;
    let name = zone.iana_name().unwrap_or(name).to_string();
    Some(ViewerClock { name, zone })
}

#[derive(Template)]
#[template(path = "admin_time_zone.html")]
struct TimeZonePage {
    nav: Nav,
    current: String,
    zones: Vec<String>,
    error: Option<String>,
    typed: String,
}

fn zones() -> Vec<String> {
    let mut zones: Vec<String> = jiff::tz::db()
        .available()
        .map(|name| name.to_string())
        .filter(|name| name.contains('/') || name == "UTC")
        .collect();
    zones.sort();
    zones
}

/// `GET /admin/time-zone`: the viewer's zone and a field to choose another.
pub async fn time_zone_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let current = ViewerClock::of(&req).name().to_string();
    page(&state, &req, &actor, |nav| {
        TimeZonePage {
            nav,
            typed: current.clone(),
            current,
            zones: zones(),
            error: None,
        }
        .render()
    })
}

#[derive(serde::Deserialize)]
pub struct TimeZoneForm {
    csrf: Option<String>,
    #[serde(default)]
    zone: String,
}

super::csrf_forms!(TimeZoneForm);

/// `POST /admin/time-zone`: remembers the zone in this browser (a year), then the overview.
pub async fn choose_time_zone(
    req: HttpRequest,
    Posted(form): Posted<TimeZoneForm>,
    state: web::Data<AppState>,
    actor: Actor,
) -> Result<HttpResponse, AppError> {
    let Some(chosen) = named(&form.zone) else {
        let current = ViewerClock::of(&req).name().to_string();
        return super::page_with_status(
            &state,
            &req,
            &actor,
            actix_web::http::StatusCode::BAD_REQUEST,
            |nav| {
                TimeZonePage {
                    nav,
                    current,
                    zones: zones(),
                    error: Some(
                        "That is not a time zone name. Pick one from the list, such as Europe/Berlin."
                            .into(),
                    ),
                    typed: form.zone.chars().take(64).collect(),
                }
                .render()
            },
        );
    };
    let cookie = Cookie::build(COOKIE, chosen.name().to_string())
        .path("/admin")
        .http_only(true)
        .secure(state.config.issuer_is_https)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::days(365))
        .finish();
    with_cookie(see_other("/admin?done=time-zone"), Some(cookie))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_the_chosen_zone_with_its_name() {
        let utc = ViewerClock::utc();
        assert_eq!(utc.when(0), "1970-01-01 00:00 UTC");
        let berlin = named("europe/berlin").unwrap();
        assert_eq!(berlin.name(), "Europe/Berlin");
        // 2026-07-01 10:00Z is summer time in Berlin, 2026-01-15 10:00Z winter time.
        assert_eq!(berlin.when(1_782_900_000), "2026-07-01 12:00 CEST");
        assert_eq!(berlin.when(1_768_471_200), "2026-01-15 11:00 CET");
        assert_eq!(berlin.hour(1_768_471_200), "11:00");
        assert!(named("Mars/Olympus_Mons").is_none());
        assert!(named("").is_none());
    }

    #[test]
    fn a_day_is_the_viewers_day() {
        let utc = ViewerClock::utc();
        assert_eq!(utc.day_start("1970-01-02"), Some(86_400));
        assert_eq!(utc.day_end("1970-01-02"), Some(2 * 86_400 - 1));
        assert_eq!(utc.day_start("12345"), Some(12_345));
        assert_eq!(utc.day_start("nonsense"), None);
        let berlin = named("Europe/Berlin").unwrap();
        // Midnight in Berlin in winter is 23:00 UTC the day before.
        assert_eq!(berlin.day_start("1970-01-02"), Some(86_400 - 3_600));
        // The day clocks go forward has 23 hours.
        let start = berlin.day_start("2026-03-29").unwrap();
        assert_eq!(
            berlin.day_end("2026-03-29").unwrap() - start + 1,
            23 * 3_600
        );
    }
}
