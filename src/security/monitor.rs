//! Detection on failed sign-ins, as they happen: credential stuffing (many distinct usernames
//! failing from one address or network) and password spraying (one password failing against
//! many accounts, or many addresses failing on one account). A rule that fires opens (or
//! counts on) an incident; stuffing and spraying from one address past `monitoring.block_at`
//! also block that address on every node.
//!
//! The rules count distinct members in fixed windows. With Redis every count is a Redis set,
//! shared by all nodes. Without it the counts are rows in the database (`monitor_marks`), so
//! nodes on one PostgreSQL still count together — except the one-password rule: the attempted
//! password is compared by an HMAC under a key derived from the KEK, and even that HMAC is
//! never written to the database; without Redis it is counted in this node's memory only.

use std::net::IpAddr;

use super::client_ip::{limit_subject, Cidr};
use super::distinct_counts::Keeping;
use crate::ops::security as ops_security;
use crate::state::AppState;
use crate::store::incidents::Sighting;

/// The network the address rules count `ip` by: IPv4 by `monitoring.ipv4_prefix`, IPv6 by /64.
pub fn watched_network(state: &AppState, ip: IpAddr) -> Cidr {
    match limit_subject(ip) {
        v4 @ IpAddr::V4(_) => Cidr::network_of(v4, state.config.settings.monitoring.ipv4_prefix),
        v6 => Cidr::network_of(v6, 64),
    }
}

/// Whether `ip` may never be blocked: a trusted proxy, or on `monitoring.allow`.
pub fn never_blocked(state: &AppState, ip: IpAddr) -> bool {
    let config = &state.config;
    config
        .trusted_proxies
        .iter()
        .chain(&config.monitoring_allow)
        .any(|cidr| cidr.contains(ip))
}

/// A failed sign-in as the rules see it.
pub struct Failure<'a> {
    pub ip: Option<IpAddr>,
    /// The name as typed, trimmed and in lower case.
    pub login: &'a str,
    /// The account the name is, when it is one.
    pub account: Option<&'a str>,
    /// The attempted password (a first-factor failure), compared only by its HMAC.
    pub password: Option<&'a str>,
    pub ctx: crate::ops::Context,
}

/// Runs the rules on one failed sign-in; opens or counts incidents and blocks the address
/// when the counts say so. Failures here are logged: the sign-in's answer does not wait on them.
pub async fn observe(state: &AppState, failure: Failure<'_>) {
    let settings = &state.config.settings.monitoring;
    let Some(ip) = failure.ip.filter(|_| settings.enabled) else {
        return;
    };
    let counts = &state.monitor_counts;
    let window = settings.window_secs;
    let add = |keeping, rule, subject, member| {
        counts.add(
            &state.limiter,
            &state.store,
            window,
            keeping,
            rule,
            subject,
            member,
        )
    };
    let network = watched_network(state, ip).to_string();
    let login = counts.mac("login", failure.login);
    let usernames = add(Keeping::Shared, "stuffing", network.clone(), login.clone()).await;
    let accounts_per_password = match failure.password.filter(|p| !p.is_empty()) {
        Some(password) => {
            let password = counts.mac("password", password);
            add(Keeping::Ephemeral, "spraying", password, login).await
        }
        None => 0,
    };
    let addresses_per_account = match failure.account {
        Some(account) => {
            let member = counts.mac("address", &network);
            add(Keeping::Shared, "targeted", account.to_string(), member).await
        }
        None => 0,
    };

    // One password over many names is spraying even when it also looks like stuffing.
    let from_address = if accounts_per_password >= settings.spraying_accounts {
        Some(("password_spraying", accounts_per_password))
    } else if usernames >= settings.stuffing_usernames {
        Some(("credential_stuffing", usernames))
    } else {
        None
    };
    if let Some((kind, distinct)) = from_address {
        let sighting = Sighting {
            kind,
            subject: &network,
            severity: "high",
            address: &network,
            account: failure.account,
            client: None,
        };
        let incident = record(state, &failure.ctx, &sighting).await;
        let blocks = settings.block_at > 0 && distinct >= settings.block_at;
        if let Some(incident) = incident {
            let blocked = blocks
                && !never_blocked(state, ip)
                && block(state, &failure.ctx, ip, kind, &incident.id).await;
            let incident = super::remediation::remediate(state, &failure.ctx, incident).await;
            super::alerts::incident_seen(state, &incident, blocked).await;
        }
    }
    if let (true, Some(account)) = (
        addresses_per_account >= settings.spraying_addresses,
        failure.account,
    ) {
        let subject = format!("account:{account}");
        let sighting = Sighting {
            kind: "password_spraying",
            subject: &subject,
            severity: "medium",
            address: &network,
            account: Some(account),
            client: None,
        };
        if let Some(incident) = record(state, &failure.ctx, &sighting).await {
            let incident = super::remediation::remediate(state, &failure.ctx, incident).await;
            super::alerts::incident_seen(state, &incident, false).await;
        }
    }
}

/// Records a sighting; the incident, when it was recorded.
pub(crate) async fn record(
    state: &AppState,
    ctx: &crate::ops::Context,
    sighting: &Sighting<'_>,
) -> Option<crate::store::incidents::Incident> {
    let (ctx, kind) = (ctx.clone(), sighting.kind.to_string());
    let owned = (
        sighting.subject.to_string(),
        sighting.severity.to_string(),
        sighting.address.to_string(),
        sighting.account.map(str::to_string),
        sighting.client.map(str::to_string),
    );
    let result = state
        .store
        .run(move |conn| {
            let (subject, severity, address, account, client) = &owned;
            let sighting = Sighting {
                kind: &kind,
                subject,
                severity,
                address,
                account: account.as_deref(),
                client: client.as_deref(),
            };
            ops_security::record_sighting(conn, &ctx, &sighting)
        })
        .await;
    match result {
        Ok((incident, opened)) => {
            if opened {
                crate::metrics::incident_opened(&incident.kind);
                tracing::warn!(
                    event = "incident_opened",
                    id = %incident.id,
                    kind = %incident.kind,
                    subject = %incident.subject
                );
            }
            Some(incident)
        }
        Err(e) => {
            tracing::error!(error = %e, "could not record an incident");
            None
        }
    }
}

/// Blocks the network `ip` is watched by, for `monitoring.block_secs`; whether it is blocked.
async fn block(
    state: &AppState,
    ctx: &crate::ops::Context,
    ip: IpAddr,
    kind: &str,
    incident: &str,
) -> bool {
    let network = watched_network(state, ip);
    let secs = state.config.settings.monitoring.block_secs;
    let (ctx, reason, incident_id) = (ctx.clone(), kind.replace('_', " "), incident.to_string());
    let result = state
        .store
        .run(move |conn| {
            ops_security::block(conn, &ctx, &network, secs, &reason, Some(&incident_id))
        })
        .await;
    match result {
        Ok(true) => {
            state.blocks.invalidate();
            tracing::warn!(event = "address_blocked", network = %network, secs);
            true
        }
        Ok(false) => true,
        Err(e) => {
            tracing::error!(error = %e, "could not block an address");
            false
        }
    }
}
