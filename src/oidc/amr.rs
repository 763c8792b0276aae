//! Authentication method references (RFC 8176) as sessions record them (space-separated), and
//! what they mean for the `acr` and for clients that require two factors.

/// A one-time password (TOTP or a backup code).
pub const OTP: &str = "otp";
/// More than one factor was used.
pub const MFA: &str = "mfa";

/// Whether the methods include two factors: a password and a one-time code, a password and a
/// passkey, or a passkey that verified its user (possession plus a PIN or biometric).
pub fn is_multi_factor(amr: &str) -> bool {
    amr.split_whitespace().any(|m| m == OTP || m == MFA)
}

/// The methods a passkey proved. A credential that may be synchronised between devices
/// (backup eligible) is a software-held key (`swk`); a device-bound one a hardware-held key
/// (`hwk`). User verification (a PIN or biometric on the authenticator) is `user`, and with
/// the possession of the key makes two factors.
pub fn passkey(backup_eligible: bool, user_verified: bool) -> Vec<&'static str> {
    let mut methods = vec![if backup_eligible { "swk" } else { "hwk" }];
    if user_verified {
        methods.extend(["user", MFA]);
    }
    methods
}

/// A first factor (`pwd`, or `fed` for an upstream provider; the methods a session already
/// holds at a step-up) followed by a passkey as the second factor.
pub fn then_passkey(first: &str, backup_eligible: bool, user_verified: bool) -> String {
    let mut methods: Vec<&str> = Vec::new();
    for method in first
        .split_whitespace()
        .chain(passkey(backup_eligible, user_verified))
        .chain([MFA])
    {
        if !methods.contains(&method) {
            methods.push(method);
        }
    }
    // `mfa` last, as the other sign-ins write it.
    methods.retain(|m| *m != MFA);
    methods.push(MFA);
    methods.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_second_factor_or_a_verified_passkey_is_multi_factor() {
        assert!(!is_multi_factor("pwd"));
        assert!(is_multi_factor("pwd otp"));
        assert!(is_multi_factor(&passkey(false, true).join(" ")));
        assert!(!is_multi_factor(&passkey(true, false).join(" ")));
        assert_eq!(passkey(false, true), ["hwk", "user", "mfa"]);
        assert_eq!(passkey(true, true), ["swk", "user", "mfa"]);
        assert_eq!(then_passkey("pwd", false, false), "pwd hwk mfa");
        assert_eq!(then_passkey("pwd", true, true), "pwd swk user mfa");
        assert_eq!(then_passkey("fed", false, true), "fed hwk user mfa");
        // A step-up adds to what the session holds, once each.
        assert_eq!(
            then_passkey("pwd otp mfa", false, true),
            "pwd otp hwk user mfa"
        );
    }
}
