//! The admin console (HTML under `/admin`) and the admin API (JSON under `/admin/api/`).
//!
//! Every route is listed once, in [`ROUTES`], with the permission it needs; the router registers
//! exactly those routes, each behind [`gate`], which authenticates (a recent browser session for
//! the console, an API key for the API) and checks the permission before any handler runs.

pub mod api;
pub mod api_audit;
pub mod api_registration;
pub mod api_upstream;
pub mod console;
pub mod invitations;

use std::future::Future;
use std::pin::Pin;

use actix_web::body::BoxBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use crate::error::AppError;
use crate::state::AppState;
use crate::store::users::User;

pub const CONSOLE_PREFIX: &str = "/admin";
pub const API_PREFIX: &str = "/admin/api/";
pub const OPENAPI_PATH: &str = "/admin/api/openapi.json";

/// The roles there are, in the order the console shows them.
pub use crate::accounts::ROLES;

/// What a route needs the caller's roles to allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Any console role: the overview page.
    Console,
    UsersRead,
    UsersWrite,
    /// Changing a user's roles.
    Roles,
    ClientsRead,
    ClientsWrite,
    AuditRead,
    /// Creating and revoking admin API keys.
    ApiKeys,
    /// Any console role, changing only how the console looks to them (their time zone).
    OwnView,
    /// Acknowledging and resolving incidents, adding and lifting address blocks.
    SecurityWrite,
}

impl Permission {
    /// Whether the permission only reads.
    pub fn is_read(self) -> bool {
        matches!(
            self,
            Permission::Console
                | Permission::UsersRead
                | Permission::ClientsRead
                | Permission::AuditRead
        )
    }
}

/// `admin` may do everything; `user_manager` manages users but not clients or roles; `auditor`
/// reads everything, the audit log included, and changes nothing.
pub fn role_allows(role: &str, permission: Permission) -> bool {
    use Permission::*;
    match role {
        "admin" => true,
        "user_manager" => matches!(permission, Console | OwnView | UsersRead | UsersWrite),
        "auditor" => matches!(
            permission,
            Console | OwnView | UsersRead | ClientsRead | AuditRead
        ),
        _ => false,
    }
}

/// Whether any of the space-separated `roles` allows `permission`.
pub fn allows(roles: &str, permission: Permission) -> bool {
    roles.split_whitespace().any(|r| role_allows(r, permission))
}

/// One console page or API call: method, path pattern and the permission it needs.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    /// Lower-case HTTP method: `get`, `post` or `delete`.
    pub method: &'static str,
    /// The path pattern; `{id}` stands for a user, client or key id.
    pub path: &'static str,
    pub permission: Permission,
}

impl RouteSpec {
    pub fn is_api(&self) -> bool {
        self.path.starts_with(API_PREFIX)
    }
}

/// Defines [`ROUTES`] and [`configure`] from one list, so the router cannot serve a route the
/// table (and the tests that walk it) does not know, nor serve one without its check.
macro_rules! admin_routes {
    ($($method:ident $guard:ident $path:literal $permission:ident => $handler:path;)*) => {
        pub const ROUTES: &[RouteSpec] = &[$(RouteSpec {
            method: stringify!($method),
            path: $path,
            permission: Permission::$permission,
        }),*];

        /// Registers every admin route behind its gate, and the public OpenAPI document.
        pub fn configure(cfg: &mut web::ServiceConfig) {
            cfg.route(OPENAPI_PATH, web::get().to(api::openapi));
            $(cfg.service(
                web::resource($path)
                    .guard(actix_web::guard::$guard())
                    .wrap(actix_web::middleware::from_fn(
                        move |req: ServiceRequest, next: Next<BoxBody>| {
                            gate(Permission::$permission, req, next)
                        },
                    ))
                    .to($handler),
            );)*
        }
    };
}

admin_routes! {
    get Get "/admin" Console => console::home;
    get Get "/admin/time-zone" Console => console::time_zone_page;
    post Post "/admin/time-zone" OwnView => console::choose_time_zone;
    get Get "/admin/users" UsersRead => console::users;
    post Post "/admin/users" UsersWrite => console::create_user;
    get Get "/admin/users/{id}" UsersRead => console::user;
    post Post "/admin/users/{id}/profile" UsersWrite => console::update_profile;
    post Post "/admin/users/{id}/disable" UsersWrite => console::disable_user;
    post Post "/admin/users/{id}/enable" UsersWrite => console::enable_user;
    post Post "/admin/users/{id}/unlock" UsersWrite => console::unlock_user;
    post Post "/admin/users/{id}/password" UsersWrite => console::reset_password;
    post Post "/admin/users/{id}/totp-reset" UsersWrite => console::reset_totp;
    post Post "/admin/users/{id}/passkeys/{passkey}/remove" UsersWrite => console::remove_passkey;
    post Post "/admin/users/{id}/roles" Roles => console::set_roles;
    post Post "/admin/users/{id}/delete" UsersWrite => console::delete_user;
    post Post "/admin/users/{id}/sessions/end" UsersWrite => console::end_sessions;
    get Get "/admin/invitations" UsersRead => console::invitations_page;
    post Post "/admin/invitations" UsersWrite => console::create_invitation;
    post Post "/admin/invitations/{id}/revoke" UsersWrite => console::revoke_invitation;
    get Get "/admin/clients" ClientsRead => console::clients;
    post Post "/admin/clients" ClientsWrite => console::create_client;
    get Get "/admin/clients/{id}" ClientsRead => console::client;
    post Post "/admin/clients/{id}/edit" ClientsWrite => console::edit_client;
    post Post "/admin/clients/{id}/rotate" ClientsWrite => console::rotate_secret;
    post Post "/admin/clients/{id}/delete" ClientsWrite => console::delete_client;
    get Get "/admin/registration-tokens" ClientsRead => console::registration_tokens;
    post Post "/admin/registration-tokens" ClientsWrite => console::create_registration_token;
    post Post "/admin/registration-tokens/{id}/revoke" ClientsWrite => console::revoke_registration_token;
    get Get "/admin/upstreams" ClientsRead => console::upstreams;
    post Post "/admin/upstreams" ClientsWrite => console::create_upstream;
    post Post "/admin/upstreams/{id}/delete" ClientsWrite => console::delete_upstream;
    get Get "/admin/audit" AuditRead => console::audit;
    get Get "/admin/security" AuditRead => console::security;
    post Post "/admin/security/incidents/{id}/acknowledge" SecurityWrite => console::acknowledge_incident;
    post Post "/admin/security/incidents/{id}/resolve" SecurityWrite => console::resolve_incident;
    post Post "/admin/security/blocks" SecurityWrite => console::add_block;
    post Post "/admin/security/blocks/lift" SecurityWrite => console::lift_block;
    get Get "/admin/api-keys" ApiKeys => console::api_keys;
    post Post "/admin/api-keys" ApiKeys => console::create_api_key;
    post Post "/admin/api-keys/{id}/revoke" ApiKeys => console::revoke_api_key;
    get Get "/admin/api/users" UsersRead => api::list_users;
    post Post "/admin/api/users" UsersWrite => api::create_user;
    post Post "/admin/api/users/{id}/disable" UsersWrite => api::disable_user;
    post Post "/admin/api/users/{id}/enable" UsersWrite => api::enable_user;
    delete Delete "/admin/api/users/{id}" UsersWrite => api::delete_user;
    post Post "/admin/api/users/{id}/sessions/end" UsersWrite => api::end_sessions;
    get Get "/admin/api/invitations" UsersRead => invitations::api_list;
    post Post "/admin/api/invitations" UsersWrite => invitations::api_create;
    delete Delete "/admin/api/invitations/{id}" UsersWrite => invitations::api_revoke;
    get Get "/admin/api/clients" ClientsRead => api::list_clients;
    post Post "/admin/api/clients" ClientsWrite => api::create_client;
    delete Delete "/admin/api/clients/{id}" ClientsWrite => api::delete_client;
    get Get "/admin/api/upstreams" ClientsRead => api_upstream::list_upstreams;
    post Post "/admin/api/upstreams" ClientsWrite => api_upstream::create_upstream;
    delete Delete "/admin/api/upstreams/{id}" ClientsWrite => api_upstream::delete_upstream;
    get Get "/admin/api/audit" AuditRead => api_audit::list;
    get Get "/admin/api/registration-tokens" ClientsRead => api_registration::list_tokens;
    post Post "/admin/api/registration-tokens" ClientsWrite => api_registration::create_token;
    delete Delete "/admin/api/registration-tokens/{id}" ClientsWrite => api_registration::revoke_token;
}

/// Who is acting: a signed-in person in the console, or an API key.
#[derive(Debug, Clone)]
pub struct Actor {
    /// What the audit trail records as the actor: the user id, or `apikey:{key id}`.
    pub id: String,
    /// The signed-in person (console only).
    pub user: Option<User>,
    /// The session's stored id digest (console only).
    pub session_id_hash: Option<String>,
    pub roles: String,
    /// For an API key, the roles its creator holds now: the key may do only what they allow
    /// too (nothing once the creator is disabled or gone).
    pub ceiling: Option<String>,
}

impl Actor {
    pub fn may(&self, permission: Permission) -> bool {
        allows(&self.roles, permission)
            && self
                .ceiling
                .as_deref()
                .is_none_or(|ceiling| allows(ceiling, permission))
    }
}

impl FromRequest for Actor {
    type Error = AppError;
    type Future = std::future::Ready<Result<Actor, AppError>>;

    /// Set only by [`gate`]: a handler reached without it refuses (fails closed).
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            req.extensions()
                .get::<Actor>()
                .cloned()
                .ok_or_else(console::forbidden),
        )
    }
}

/// Authenticates the caller of an admin route and checks `permission`; only then runs it.
fn gate(
    permission: Permission,
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Pin<Box<dyn Future<Output = Result<ServiceResponse<BoxBody>, actix_web::Error>>>> {
    Box::pin(async move {
        let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
            return Err(AppError::no_state().into());
        };
        let is_api = req.path().starts_with(API_PREFIX);
        let authenticated = if is_api {
            api::authenticate(&state, req.request()).await
        } else {
            console::authenticate(&state, req.request()).await
        };
        let actor = match authenticated {
            Ok(actor) => actor,
            Err(response) => return Ok(req.into_response(response)),
        };
        if !actor.may(permission) {
            let path = req.path().to_string();
            let event = crate::web::signin::event(
                req.request(),
                &state,
                &actor.id,
                "admin_access",
                &path,
                "denied",
            );
            state.audit(event).await;
            let response = if is_api {
                actix_web::ResponseError::error_response(&crate::error::ApiError::forbidden())
            } else {
                actix_web::ResponseError::error_response(&console::forbidden())
            };
            return Ok(req.into_response(response));
        }
        req.extensions_mut().insert(actor);
        next.call(req).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles() {
        assert!(allows("admin", Permission::Roles));
        assert!(allows("user_manager", Permission::UsersWrite));
        assert!(!allows("user_manager", Permission::ClientsRead));
        assert!(!allows("user_manager", Permission::Roles));
        assert!(allows("auditor", Permission::AuditRead));
        assert!(!allows("auditor", Permission::UsersWrite));
        assert!(!allows("", Permission::Console));
        assert!(!allows("administrator", Permission::Console));
        let key = |ceiling: &str| Actor {
            id: "apikey:k".into(),
            user: None,
            session_id_hash: None,
            roles: "admin".into(),
            ceiling: Some(ceiling.into()),
        };
        assert!(key("auditor").may(Permission::UsersRead));
        assert!(!key("auditor").may(Permission::UsersWrite));
        assert!(key("admin").may(Permission::ApiKeys));
        assert!(!key("").may(Permission::Console));
        for route in ROUTES {
            assert!(route.path.starts_with(CONSOLE_PREFIX));
            if route.method != "get" {
                assert!(
                    !route.permission.is_read(),
                    "a change needs more than reading: {route:?}"
                );
            }
        }
    }
}
