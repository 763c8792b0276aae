// Hand-written and shared by SQLite and PostgreSQL: only types both backends map the same way.

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        email -> Nullable<Text>,
        name -> Nullable<Text>,
        password_hash -> Text,
        roles -> Text,
        disabled -> Bool,
        must_change_password -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
        email_verified -> Bool,
        failed_logins -> BigInt,
        locked_until -> Nullable<BigInt>,
        totp_secret -> Nullable<Text>,
        totp_enabled -> Bool,
        totp_last_step -> Nullable<BigInt>,
        email_index -> Nullable<Text>,
        personal_data_version -> Nullable<BigInt>,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        name -> Text,
        secret_hash -> Nullable<Text>,
        redirect_uris -> Text,
        grant_types -> Text,
        scopes -> Text,
        audiences -> Text,
        created_at -> BigInt,
        post_logout_redirect_uris -> Text,
        first_party -> Bool,
        jwks -> Text,
        previous_secret_hash -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<BigInt>,
        id_token_alg -> Text,
        require_mfa -> Bool,
        require_par -> Bool,
        require_dpop -> Bool,
        allowed_origins -> Text,
        sealed_secret -> Nullable<Text>,
        previous_sealed_secret -> Nullable<Text>,
        backchannel_logout_uri -> Nullable<Text>,
        backchannel_logout_session_required -> Bool,
        frontchannel_logout_uri -> Nullable<Text>,
        frontchannel_logout_session_required -> Bool,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        alg -> Text,
        public_jwk -> Text,
        private_key -> Text,
        created_at -> BigInt,
        retired_at -> Nullable<BigInt>,
        activates_at -> BigInt,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        sid -> Text,
        user_id -> Text,
        auth_time -> BigInt,
        amr -> Text,
        created_at -> BigInt,
        last_seen_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    authorization_requests (id) {
        id -> Text,
        client_id -> Text,
        redirect_uri -> Text,
        scope -> Text,
        state -> Nullable<Text>,
        nonce -> Nullable<Text>,
        code_challenge -> Nullable<Text>,
        prompt -> Text,
        max_age -> Nullable<BigInt>,
        login_hint -> Nullable<Text>,
        created_at -> BigInt,
        expires_at -> BigInt,
        acr_values -> Nullable<Text>,
        browser_hash -> Text,
        consented_by -> Nullable<Text>,
        response_mode -> Text,
        ui_locale -> Nullable<Text>,
        device_id -> Nullable<Text>,
    }
}

diesel::table! {
    grants (id) {
        id -> Text,
        user_id -> Text,
        client_id -> Text,
        sid -> Text,
        scope -> Text,
        auth_time -> BigInt,
        amr -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
        dpop_jkt -> Nullable<Text>,
    }
}

diesel::table! {
    authorization_codes (code_hash) {
        code_hash -> Text,
        grant_id -> Text,
        redirect_uri -> Text,
        nonce -> Nullable<Text>,
        code_challenge -> Nullable<Text>,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        grant_id -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
        successor_sealed -> Nullable<Text>,
    }
}

diesel::table! {
    consents (user_id, client_id) {
        user_id -> Text,
        client_id -> Text,
        scope -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    revoked_tokens (jti) {
        jti -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    backup_codes (user_id, code_hash) {
        user_id -> Text,
        code_hash -> Text,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> BigInt,
        at -> BigInt,
        actor -> Text,
        action -> Text,
        target -> Text,
        outcome -> Text,
        client_ip -> Text,
        user_agent -> Text,
        detail -> Text,
        mac -> Text,
    }
}

diesel::table! {
    admin_api_keys (id) {
        id -> Text,
        name -> Text,
        key_hash -> Text,
        roles -> Text,
        created_by -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
        revoked -> Bool,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(grants -> users (user_id));
diesel::joinable!(authorization_codes -> grants (grant_id));
diesel::joinable!(refresh_tokens -> grants (grant_id));

diesel::table! {
    pushed_requests (uri_hash) {
        uri_hash -> Text,
        client_id -> Text,
        params -> Text,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    device_authorizations (id) {
        id -> Text,
        device_code_hash -> Text,
        user_code_hash -> Text,
        client_id -> Text,
        scope -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        interval_secs -> BigInt,
        last_polled_at -> Nullable<BigInt>,
        status -> Text,
        grant_id -> Nullable<Text>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Text,
        recipient_hint -> Text,
        sealed -> Text,
        created_at -> BigInt,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<BigInt>,
        failed_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    password_resets (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    email_verifications (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        email -> Text,
        purpose -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    self_registrations (user_id) {
        user_id -> Text,
        registered_at -> BigInt,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        token_hash -> Text,
        email -> Text,
        invited_by -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        accepted_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
        user_id -> Nullable<Text>,
        email_index -> Nullable<Text>,
    }
}

diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(email_verifications -> users (user_id));
diesel::joinable!(self_registrations -> users (user_id));

diesel::table! {
    passkeys (id) {
        id -> Text,
        user_id -> Text,
        user_handle -> Text,
        credential_id -> Text,
        name -> Text,
        credential -> Text,
        sign_count -> BigInt,
        backup_eligible -> Bool,
        backed_up -> Bool,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(passkeys -> users (user_id));

diesel::table! {
    webauthn_ceremonies (id_hash) {
        id_hash -> Text,
        kind -> Text,
        user_id -> Nullable<Text>,
        browser_hash -> Text,
        state -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    upstream_providers (id) {
        id -> Text,
        display_name -> Text,
        icon_url -> Nullable<Text>,
        issuer -> Text,
        client_id -> Text,
        sealed_secret -> Text,
        scopes -> Text,
        matching -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    upstream_links (provider_id, subject) {
        provider_id -> Text,
        subject -> Text,
        user_id -> Text,
        email -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    upstream_logins (state_hash) {
        state_hash -> Text,
        provider_id -> Text,
        nonce -> Text,
        pkce_verifier -> Text,
        browser_hash -> Text,
        pending_id -> Text,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    security_incidents (id) {
        id -> Text,
        kind -> Text,
        subject -> Text,
        severity -> Text,
        addresses -> Text,
        accounts -> Text,
        clients -> Text,
        first_seen -> BigInt,
        last_seen -> BigInt,
        count -> BigInt,
        state -> Text,
        updated_at -> BigInt,
        updated_by -> Text,
        alerted_at -> Nullable<BigInt>,
        remediation -> Text,
        remediated -> Text,
    }
}

diesel::table! {
    second_factor_demands (user_id) {
        user_id -> Text,
        incident_id -> Text,
        created_at -> BigInt,
    }
}

diesel::joinable!(second_factor_demands -> users (user_id));

diesel::table! {
    deliveries (id) {
        id -> Text,
        kind -> Text,
        about -> Text,
        body -> Text,
        created_at -> BigInt,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<BigInt>,
        failed_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    address_blocks (network) {
        network -> Text,
        reason -> Text,
        incident_id -> Nullable<Text>,
        created_by -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    monitor_marks (rule, subject, member, window_start) {
        rule -> Text,
        subject -> Text,
        member -> Text,
        window_start -> BigInt,
    }
}

diesel::joinable!(upstream_links -> upstream_providers (provider_id));

diesel::table! {
    registration_tokens (id) {
        id -> Text,
        token_hash -> Text,
        kind -> Text,
        client_id -> Nullable<Text>,
        label -> Text,
        auth_method -> Nullable<Text>,
        uses_left -> Nullable<BigInt>,
        expires_at -> Nullable<BigInt>,
        created_by -> Text,
        created_at -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    upstream_providers,
    upstream_links,
    upstream_logins,
    users,
    clients,
    signing_keys,
    sessions,
    authorization_requests,
    grants,
    authorization_codes,
    refresh_tokens,
    consents,
    revoked_tokens,
    backup_codes,
    audit_events,
    admin_api_keys,
    pushed_requests,
    device_authorizations,
    mail_outbox,
    password_resets,
    passkeys,
    webauthn_ceremonies,
    email_verifications,
    self_registrations,
    invitations,
    security_incidents,
    deliveries,
    address_blocks,
    monitor_marks,
    registration_tokens,
    second_factor_demands,
);
