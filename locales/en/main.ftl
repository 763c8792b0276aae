# English: the reference catalog. Every other catalog has exactly these message ids.

## Every page
language-label = Language
language-submit = Change
continue = Continue
save = Save
save-and-continue = Save and continue
email = Email
back-to-sign-in = Back to sign-in

## Start page
home-title = Start
home-signed-in-as = You are signed in as { $username }.
home-account = Your account
home-account-what = password, second factor, sessions and apps
home-console = The admin console
home-intro = Applications send you here to sign in. You can also manage your own account.

## Sign-in
login-title = Sign in
login-continue-to = to continue to { $client }
login-your-account = your account
login-username = Username or email
login-password = Password
login-submit = Sign in
login-passkey = Sign in with a passkey
login-upstream-intro = Or sign in with
login-forgot = Forgot your password?
login-no-account = No account yet?
login-create-account = Create one
login-failed = Incorrect username or password.

## Consent
consent-title = Allow { $client }?
consent-signed-in-as = Signed in as { $username }.
consent-would-like = { $client } would like to:
consent-allow = Allow
consent-deny = Deny
scope-openid = Sign you in with your account
scope-profile = See your name and username
scope-email = See your email address
scope-offline-access = Keep access while you are not using it
scope-roles = See the roles you hold here
scope-other = Use another permission you hold

## Second factor
second-factor-title = Second factor
backup-codes-title = Save your backup codes
backup-codes-explain = Each code works once, if you lose your authenticator. They are shown only now: print them or keep them somewhere safe.
totp-enrol-title = Set up your authenticator
totp-enrol-explain = Scan this code with an authenticator app, or type the key below, then enter the six-digit code it shows.
totp-qr-alt = QR code of your authenticator key
totp-key = Key:
second-factor-passkey-title = Confirm with your passkey
second-factor-passkey-explain = This app asks for a second step: use one of your passkeys.
second-factor-code-title = Enter your code
second-factor-code-explain = Open your authenticator app and enter the six-digit code, or use one of your backup codes.
second-factor-code-explain-passkey = Open your authenticator app and enter the six-digit code, or use one of your backup codes, or one of your passkeys.
second-factor-code = Code
second-factor-use-passkey = Use a passkey
passkey-needs-javascript = Passkeys need JavaScript.
code-invalid = That code is not valid.

## Passwords
new-password-title = Choose a new password
new-password = New password
new-password-again = New password again
passwords-differ = The two passwords differ.
forced-password-explain = Your password was set for one use only. Choose your own to continue (at least { $min } { $min ->
        [one] character
       *[other] characters
    }; a phrase of several words is easy to remember).
reset-for-account = For the account { $username }:
reset-explain = at least { $min } { $min ->
        [one] character
       *[other] characters
    }; a phrase of several words is easy to remember. Every session of the account ends.
password-changed-title = Password changed
reset-done-explain = Your new password is set and every earlier session has ended.

## Forgot password
forgot-explain = Enter the email address of your account. We send a link to choose a new password there.
forgot-submit = Send the link
check-mailbox-title = Check your mailbox
forgot-sent-explain = If an account has this address, a link to choose a new password is on its way. It works once, for { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    }.

## Sign-out
logout-title = Sign out?
logout-explain = You will be signed out of this sign-in service.
logout-submit = Sign out
signed-out-title = You are signed out
signed-out-message = You can close this window, or sign in again.

## Error pages
error-go-start = Go to the start page
error-go-account = Sign in to your account
error-unavailable-title = Temporarily unavailable
error-unavailable-message = Please try again shortly.
error-too-many-title = Too many attempts
error-too-many-message = Wait a minute, then try again.
error-in-flight-title = Too many requests at once
error-in-flight-message = Wait a moment, then try again.
error-timeout-title = Request timed out
error-timeout-message = The request took too long to arrive. Try again.
error-failed-title = Something went wrong
error-failed-message = The request could not be completed.
error-not-found-title = Not found
error-not-found-message = There is nothing at this address.
error-expired-title = This sign-in has expired
error-link-expired-title = This sign-in link has expired
error-start-again-message = Go back to the application and start signing in again.
error-form-expired-title = This form has expired
error-form-expired-message = Reload the page and try again.
error-invalid-form-title = Invalid form
error-invalid-form-message = The form was incomplete. Go back and try again.
error-unknown-language = There is no such language here.
error-invalid-address-title = Invalid address
error-invalid-address-message = This address is incomplete. Go back to the application and try again.
error-request-refused-title = Sign-in request refused
error-unknown-client = The application that sent you here is not registered.
error-request-unavailable = The sign-in service is temporarily unavailable. Please try again.
error-unregistered-redirect = The application sent you here with an unregistered return address.
error-client-damaged = The application's registration is damaged.
error-logout-refused-title = Logout request refused
error-logout-malformed = The logout form is malformed.
error-logout-hint-invalid = The id_token_hint is not valid.
error-logout-unregistered-return = The return address is not registered for this application.
error-not-available-title = Not available
error-reset-off-message = Password reset by mail is not set up here. Ask your administrator.
error-link-title = This link no longer works
error-reset-link-message = It has expired or was already used. Ask for a new one from the sign-in page.
error-not-email-title = Not an email address
error-not-email-message = Go back and enter the email address of your account.

## Mails
mail-reset-subject = Reset your password
mail-reset-intro = Someone asked to reset the password of your account at { $issuer }.
mail-reset-open-link = To choose a new password, open this link within { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    }:
mail-reset-link = Choose a new password
mail-reset-within = within { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    }.
mail-reset-once = The link works once.
mail-reset-ignore = If you did not ask for it, ignore this mail: your password stays as it is.
mail-password-changed-subject = Your password was changed
mail-password-changed-body = The password of your account { $username } at { $issuer } was just changed, and the account's other sessions and app sign-ins were ended.
mail-password-changed-advice = If you did this, there is nothing more to do. If you did not, reset your password now and tell your administrator.
