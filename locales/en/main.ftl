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

## Connecting a device (RFC 8628)
device-title = Connect a device
device-explain = Enter the code your device shows.
device-check = Check that this is the code your device shows, then continue.
device-code = Code
device-unknown = This code is not valid or has expired. Check it, or start again on the device.
device-approved-title = Device connected
device-approved = { $client } can now use your account. You can return to your device.
device-denied-title = Device not connected
device-denied = { $client } was not given access. You can close this page.

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
signed-out-apps = The applications you used while signed in are being told that you signed out.
signed-out-frame-title = Signing out of { $client }
signed-out-continue = Continue to the application

## Error pages
error-go-start = Go to the start page
error-go-account = Sign in to your account
error-unavailable-title = Temporarily unavailable
error-unavailable-message = Please try again shortly.
error-too-many-title = Too many attempts
error-too-many-message = Wait a minute, then try again.
error-blocked-title = Access from your network is paused
error-blocked-message = Too many failed sign-ins came from your network, so sign-ins from it are paused for about { $minutes } more { $minutes ->
        [one] minute
       *[other] minutes
    }. Try again later, or ask your administrator.
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

## Account
account-username = Username
account-email-none = none
account-email-unconfirmed = (not confirmed)
account-details = Your details
account-name = Name
account-save-name = Save the name
account-email-not-confirmed = Your address is not confirmed yet.
account-send-confirmation = Send a confirmation link
account-change-email = Change your email address
account-new-email = New email address
account-new-email-hint = We send a link there; your address changes when you follow it, and the old one is told.
account-current-password = Current password
account-password-hint = At least { $min } { $min ->
        [one] character
       *[other] characters
    }; a phrase of several words is easy to remember. Changing it signs you out everywhere else.
account-change-password = Change password
account-two-step = Two-step sign-in
account-two-step-on = On: you sign in with your password and a code from your authenticator app.
account-backup-codes-left = Backup codes left: { $count }.
account-new-backup-codes = New backup codes
account-current-code = Current code from your authenticator
account-make-backup-codes = Make new backup codes
account-turn-off = Turn off
account-or-password = or your password
account-turn-off-two-step = Turn off two-step sign-in
account-two-step-off = Off. With an authenticator app, a password alone is not enough to sign in as you.
account-set-up = Set up
account-passkeys = Passkeys
account-passkeys-explain = A passkey signs you in with your device's screen lock or security key instead of your password, and cannot be used by a look-alike site.
account-passkey-synced = (synced between your devices)
account-passkey-dates = added { $added }, last used { $used }.
account-your-password = Your password
account-passkey-remove = Remove { $name }
account-add-passkey = Add a passkey
account-passkey-name = Name it (e.g. the device it is on)
account-passkey-default-name = Passkey
account-passkey-needs-javascript = Adding a passkey needs JavaScript.
account-sessions = Where you are signed in
account-session = Signed in { $since }, last active { $seen }.
account-session-two-steps = Signed in { $since } with two steps, last active { $seen }.
account-this-browser = This browser.
account-end-here = End (sign out here)
account-end = End
account-end-all = Sign out everywhere
account-apps = Apps you allowed
account-none-yet = None yet.
account-app-may = { $client } may:
account-withdraw = Withdraw
account-links = Linked sign-in providers
account-none = None.
account-unlink = Unlink
account-time-unknown = unknown
account-never = never
account-codes-explain = Save these backup codes. Each works once, if you lose your authenticator. They are shown only now: print them or keep them somewhere safe. Any codes you had before no longer work.
account-back = Back to your account
account-totp-title = Set up two-step sign-in
account-turn-on = Turn on
account-totp-on-title = Two-step sign-in is on
account-new-codes-title = Your new backup codes
account-done-password = Your password was changed. You were signed out everywhere else.
account-done-name = Your name was saved.
account-done-email-sent = A link is on its way to the new address. Your address changes when you follow it.
account-done-totp-off = Two-step sign-in is off.
account-done-session = That session was ended.
account-done-consent = The app can no longer use your account until you allow it again.
account-done-passkey = Your passkey was added. You can sign in with it instead of your password.
account-done-passkey-removed = That passkey was removed.
account-done-unlinked = That account can no longer sign you in here.
account-current-password-wrong = Your current password is not right.
account-email-mail-off = Mail is not set up here, so an administrator changes addresses.
account-email-same = That is already your address.
account-totp-off-proof = Enter a code from your authenticator, or your password.
account-totp-current-code = Enter the current code from your authenticator app.
account-passkey-password-needed = Enter your password to remove a passkey.
password-wrong = That password is not right.
email-invalid = Enter an email address like name@example.com.
account-new-passwords-differ = The two new passwords differ.

## Sign-up, confirming an address, invitations
signup-title = Create an account
signup-explain = We send a link to your email address to confirm it is yours.
signup-username-hint = Letters, digits, '.', '_' or '-'; you sign in with it.
signup-domains-hint = An address at { $domains }.
signup-domains-only = Sign-up here takes only addresses at { $domains }.
password-hint = At least { $min } { $min ->
        [one] character
       *[other] characters
    }; a phrase of several words is easy to remember.
signup-submit = Create the account
signup-have-account = I have an account
signup-sent-explain = We sent a mail to the address you gave. Follow its link within { $hours } { $hours ->
        [one] hour
       *[other] hours
    } to confirm the address and finish making your account.
signup-sent-no-mail = No mail after a few minutes? Look in your spam folder, or sign up again.
verify-title = Confirm your email address
verify-change = Make { $email } the address of your account. Mail for the account then goes there, and the old address is told.
verify-confirm = Confirm that { $email } is your address.
verify-submit = Confirm
verify-done-title = Address confirmed
verify-done-change = Your account's address is now { $email }.
verify-done-account = { $email } is confirmed, and your account is ready.
verify-needed-title = Confirm your email address first
verify-needed-explain = Before you can sign in to apps with this account, follow the link we sent to { $email }. Then continue here.
verify-send-again = Send the link again
verify-link-resent = A new link is on its way. Earlier links no longer work.
invitation-title = Make your account
invitation-explain = You were invited with { $email }. Choose how you sign in.
invitation-username-hint = Letters, digits, '.', '_' or '-'.
invitation-submit = Make the account
invitation-done-title = Your account is ready
invitation-done-explain = Sign in as { $username } with the password you chose.
error-verify-link-message = It has expired or was already used. Sign in to have a new one sent.
error-address-taken-title = This address has an account
error-address-taken-message = Another account here already uses this address, so it cannot become yours. Sign in to that account, or choose another address.
error-verify-mail-off-message = Mail is not set up here. Ask your administrator to confirm your address.
error-signup-closed-message = You cannot make your own account here. Ask your administrator for one.
error-invitation-title = This invitation no longer works
error-invitation-message = It has expired, was revoked or was already used. Ask whoever invited you for a new one.

## Upstream providers
error-upstream-unknown-title = Unknown sign-in provider
error-upstream-unknown-message = Go back and choose another way to sign in.
error-upstream-unreachable-title = That sign-in provider did not answer
error-upstream-unreachable-message = Try again later, or choose another way to sign in.
error-upstream-incomplete-title = The sign-in did not complete
error-upstream-incomplete-message = { $provider } did not sign you in. Try again, or choose another way to sign in.
error-upstream-unverified-title = The sign-in could not be verified
error-upstream-unverified-message = The answer from { $provider } was not accepted. Start signing in again.
error-upstream-refused-title = You cannot sign in this way
upstream-not-linked = Your { $provider } account is not linked to an account here. Sign in another way, or ask an administrator to link it.
upstream-email-unverified = { $provider } has not confirmed your email address, so it cannot be matched to an account here.
upstream-no-account-with-email = No account here has the email address of your { $provider } account.
upstream-email-taken = An account with your email address exists already: sign in to it another way.
upstream-disabled = This account cannot sign in.

## More mails
mail-within-hours = within { $hours } { $hours ->
        [one] hour
       *[other] hours
    }.
mail-open-link-hours = Open this link within { $hours } { $hours ->
        [one] hour
       *[other] hours
    }:
mail-not-you-ignore = If it was not you, ignore this mail.
mail-admin-advice = If you did not ask for this, tell your administrator.
mail-email-changed-subject = Your email address was changed
mail-email-changed-body = The email address of your account { $username } at { $issuer } was changed.
mail-email-changed-new = The new address is { $address }: mail for the account, password reset links included, now goes there.
mail-email-changed-advice = If you did this, there is nothing more to do. If you did not, tell your administrator at once.
mail-invitation-subject = You are invited
mail-invitation-intro = You are invited to make an account at { $issuer } for this address.
mail-invitation-open-link = To choose your username and password, open this link within { $hours } { $hours ->
        [one] hour
       *[other] hours
    }:
mail-invitation-link = Choose your username and password
mail-invitation-ignore = If you did not expect this, ignore this mail.
mail-passkey-removed-subject = A passkey was removed from your account
mail-passkey-removed-body = An administrator removed the passkey "{ $passkey }" from your account { $username }.
mail-at-issuer-no-longer = It no longer signs you in at { $issuer }.
mail-factor-removed-subject = The second factor of your account was removed
mail-factor-removed-body = An administrator turned off the second factor (authenticator app and backup codes) of your account { $username } at { $issuer }. Until you set one up again, your password alone signs you in.
mail-signup-attempt-subject = Someone tried to sign up with your address
mail-signup-attempt-body = Someone tried to sign up at { $issuer } with this address, which already belongs to your account { $username }. No new account was made.
mail-signup-attempt-open-link = If that was you and you no longer know your password, choose a new one with this link within { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    }:
mail-signup-attempt-if-you = If that was you and you no longer know your password:
mail-signup-attempt-ignore = If it was not you, ignore this mail: your account stays as it is.
mail-username-taken-subject = Choose another username
mail-username-taken-body = Someone asked to sign up at { $issuer } with this address and the username { $username }, which is already taken. No account was made.
mail-username-taken-choose = To sign up, choose another username here:
mail-username-taken-link = Choose another username
mail-verify-account-subject = Confirm your email address
mail-verify-account-body = Welcome to { $issuer }. To finish making your account { $username }, confirm that this address is yours.
mail-verify-account-link = Confirm my address
mail-verify-account-ignore = If you did not sign up, ignore this mail: an account that is never confirmed is deleted.
mail-verify-new-subject = Confirm your new email address
mail-verify-new-body = Someone asked to use this address for the account { $username } at { $issuer }.
mail-verify-new-open-link = To confirm that it is yours and make it the account's address, open this link within { $hours } { $hours ->
        [one] hour
       *[other] hours
    }:
mail-verify-new-link = Confirm my new address
mail-verify-new-within = within { $hours } { $hours ->
        [one] hour
       *[other] hours
    } to make it the account's address.
mail-verify-new-ignore = If it was not you, ignore this mail: nothing changes.

## Passkeys (the script's words and the server's answers to it)
passkey-unreachable = The server could not be reached. Try again.
passkey-failed = That did not work. Try again.
passkey-none-chosen = No passkey was chosen.
passkey-cancelled = The passkey request was cancelled or timed out.
passkey-expired = This passkey request has expired. Try again.
passkey-page-expired = This page has expired. Reload it and try again.
passkey-unreadable = The passkey's answer could not be read. Try again.
passkey-unavailable = Passkeys are not available on this server.
passkey-sign-in-to-add = Sign in to add a passkey.
passkey-sign-in-again-to-add = Sign in again to add a passkey.
passkey-not-added = That passkey could not be added. Try again.
passkey-not-approved = This service accepts only the security keys your organisation approved, and that one is not among them.
passkey-registered-already = That passkey is registered already.
passkey-code-needed-for-new-password = Enter a code to continue: you must choose a new password.
passkey-none-on-account = This account has no passkey.
passkey-not-accepted = That passkey was not accepted.

## Returning to the application (response_mode=form_post)
form-post-title = Returning to the application
form-post-explain = If nothing happens, continue by hand.
