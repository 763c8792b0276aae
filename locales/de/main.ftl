# Deutsch (förmliche Anrede „Sie“). Dieselben Nachrichten-IDs wie locales/en/main.ftl.

## Every page
language-label = Sprache
language-submit = Ändern
continue = Weiter
save = Speichern
save-and-continue = Speichern und weiter
email = E-Mail-Adresse
back-to-sign-in = Zurück zur Anmeldung

## Start page
home-title = Start
home-signed-in-as = Sie sind als { $username } angemeldet.
home-account = Ihr Konto
home-account-what = Passwort, zweiter Faktor, Sitzungen und Apps
home-console = Die Verwaltungskonsole
home-intro = Anwendungen leiten Sie zur Anmeldung hierher. Sie können hier auch Ihr eigenes Konto verwalten.

## Sign-in
login-title = Anmelden
login-continue-to = um mit { $client } fortzufahren
login-your-account = Ihr Konto
login-username = Benutzername oder E-Mail-Adresse
login-password = Passwort
login-submit = Anmelden
login-passkey = Mit einem Passkey anmelden
login-upstream-intro = Oder anmelden mit
login-forgot = Passwort vergessen?
login-no-account = Noch kein Konto?
login-create-account = Jetzt erstellen
login-failed = Benutzername oder Passwort ist falsch.

## Consent
consent-title = { $client } erlauben?
consent-signed-in-as = Angemeldet als { $username }.
consent-would-like = { $client } möchte:
consent-allow = Erlauben
consent-deny = Ablehnen
scope-openid = Sie mit Ihrem Konto anmelden
scope-profile = Ihren Namen und Benutzernamen sehen
scope-email = Ihre E-Mail-Adresse sehen
scope-offline-access = Zugriff behalten, auch wenn Sie die Anwendung nicht nutzen
scope-roles = Ihre Rollen hier sehen
scope-other = Eine weitere Berechtigung nutzen, die Sie besitzen

## Second factor
second-factor-title = Zweiter Faktor
backup-codes-title = Speichern Sie Ihre Sicherungscodes
backup-codes-explain = Jeder Code funktioniert einmal, falls Sie Ihre Authenticator-App verlieren. Die Codes werden nur jetzt angezeigt: Drucken Sie sie aus oder bewahren Sie sie an einem sicheren Ort auf.
totp-enrol-title = Authenticator-App einrichten
totp-enrol-explain = Scannen Sie diesen Code mit einer Authenticator-App oder geben Sie den Schlüssel unten ein. Geben Sie dann den sechsstelligen Code ein, den die App anzeigt.
totp-qr-alt = QR-Code Ihres Authenticator-Schlüssels
totp-key = Schlüssel:
second-factor-passkey-title = Mit Ihrem Passkey bestätigen
second-factor-passkey-explain = Diese Anwendung verlangt einen zweiten Schritt: Verwenden Sie einen Ihrer Passkeys.
second-factor-code-title = Code eingeben
second-factor-code-explain = Öffnen Sie Ihre Authenticator-App und geben Sie den sechsstelligen Code ein, oder verwenden Sie einen Ihrer Sicherungscodes.
second-factor-code-explain-passkey = Öffnen Sie Ihre Authenticator-App und geben Sie den sechsstelligen Code ein, oder verwenden Sie einen Ihrer Sicherungscodes oder einen Ihrer Passkeys.
second-factor-code = Code
second-factor-use-passkey = Passkey verwenden
passkey-needs-javascript = Passkeys benötigen JavaScript.
code-invalid = Dieser Code ist nicht gültig.

## Passwords
new-password-title = Neues Passwort wählen
new-password = Neues Passwort
new-password-again = Neues Passwort wiederholen
passwords-differ = Die beiden Passwörter stimmen nicht überein.
forced-password-explain = Ihr Passwort wurde nur für eine einmalige Verwendung festgelegt. Wählen Sie ein eigenes, um fortzufahren (mindestens { $min } { $min ->
        [one] Zeichen
       *[other] Zeichen
    }; ein Satz aus mehreren Wörtern ist leicht zu merken).
reset-for-account = Für das Konto { $username }:
reset-explain = mindestens { $min } { $min ->
        [one] Zeichen
       *[other] Zeichen
    }; ein Satz aus mehreren Wörtern ist leicht zu merken. Alle Sitzungen des Kontos werden beendet.
password-changed-title = Passwort geändert
reset-done-explain = Ihr neues Passwort ist gesetzt, und alle früheren Sitzungen wurden beendet.

## Forgot password
forgot-explain = Geben Sie die E-Mail-Adresse Ihres Kontos ein. Wir senden Ihnen dorthin einen Link, mit dem Sie ein neues Passwort wählen können.
forgot-submit = Link senden
check-mailbox-title = Sehen Sie in Ihr Postfach
forgot-sent-explain = Falls ein Konto diese Adresse hat, ist ein Link zum Wählen eines neuen Passworts unterwegs. Er funktioniert einmal und { $minutes ->
        [one] eine Minute
       *[other] { $minutes } Minuten
    } lang.

## Sign-out
logout-title = Abmelden?
logout-explain = Sie werden von diesem Anmeldedienst abgemeldet.
logout-submit = Abmelden
signed-out-title = Sie sind abgemeldet
signed-out-message = Sie können dieses Fenster schließen oder sich erneut anmelden.

## Error pages
error-go-start = Zur Startseite
error-go-account = Bei Ihrem Konto anmelden
error-unavailable-title = Vorübergehend nicht verfügbar
error-unavailable-message = Bitte versuchen Sie es in Kürze erneut.
error-too-many-title = Zu viele Versuche
error-too-many-message = Warten Sie eine Minute und versuchen Sie es dann erneut.
error-in-flight-title = Zu viele gleichzeitige Anfragen
error-in-flight-message = Warten Sie einen Moment und versuchen Sie es dann erneut.
error-timeout-title = Zeitüberschreitung der Anfrage
error-timeout-message = Die Anfrage hat zu lange gebraucht. Versuchen Sie es erneut.
error-failed-title = Etwas ist schiefgelaufen
error-failed-message = Die Anfrage konnte nicht ausgeführt werden.
error-not-found-title = Nicht gefunden
error-not-found-message = Unter dieser Adresse gibt es nichts.
error-expired-title = Diese Anmeldung ist abgelaufen
error-link-expired-title = Dieser Anmeldelink ist abgelaufen
error-start-again-message = Kehren Sie zur Anwendung zurück und beginnen Sie die Anmeldung erneut.
error-form-expired-title = Dieses Formular ist abgelaufen
error-form-expired-message = Laden Sie die Seite neu und versuchen Sie es erneut.
error-invalid-form-title = Ungültiges Formular
error-invalid-form-message = Das Formular war unvollständig. Gehen Sie zurück und versuchen Sie es erneut.
error-unknown-language = Diese Sprache gibt es hier nicht.
error-invalid-address-title = Ungültige Adresse
error-invalid-address-message = Diese Adresse ist unvollständig. Kehren Sie zur Anwendung zurück und versuchen Sie es erneut.
error-request-refused-title = Anmeldeanfrage abgelehnt
error-unknown-client = Die Anwendung, die Sie hierher geschickt hat, ist nicht registriert.
error-request-unavailable = Der Anmeldedienst ist vorübergehend nicht verfügbar. Bitte versuchen Sie es erneut.
error-unregistered-redirect = Die Anwendung hat Sie mit einer nicht registrierten Rücksprungadresse hierher geschickt.
error-client-damaged = Die Registrierung der Anwendung ist beschädigt.
error-logout-refused-title = Abmeldeanfrage abgelehnt
error-logout-malformed = Das Abmeldeformular ist fehlerhaft.
error-logout-hint-invalid = Der id_token_hint ist nicht gültig.
error-logout-unregistered-return = Die Rücksprungadresse ist für diese Anwendung nicht registriert.
error-not-available-title = Nicht verfügbar
error-reset-off-message = Das Zurücksetzen des Passworts per E-Mail ist hier nicht eingerichtet. Wenden Sie sich an Ihre Administration.
error-link-title = Dieser Link funktioniert nicht mehr
error-reset-link-message = Er ist abgelaufen oder wurde bereits verwendet. Fordern Sie auf der Anmeldeseite einen neuen an.
error-not-email-title = Keine E-Mail-Adresse
error-not-email-message = Gehen Sie zurück und geben Sie die E-Mail-Adresse Ihres Kontos ein.

## Mails
mail-reset-subject = Passwort zurücksetzen
mail-reset-intro = Jemand hat angefordert, das Passwort Ihres Kontos bei { $issuer } zurückzusetzen.
mail-reset-open-link = Um ein neues Passwort zu wählen, öffnen Sie diesen Link innerhalb { $minutes ->
        [one] einer Minute
       *[other] von { $minutes } Minuten
    }:
mail-reset-link = Wählen Sie ein neues Passwort
mail-reset-within = innerhalb { $minutes ->
        [one] einer Minute
       *[other] von { $minutes } Minuten
    }.
mail-reset-once = Der Link funktioniert einmal.
mail-reset-ignore = Falls Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.
mail-password-changed-subject = Ihr Passwort wurde geändert
mail-password-changed-body = Das Passwort Ihres Kontos { $username } bei { $issuer } wurde soeben geändert; die übrigen Sitzungen und App-Anmeldungen des Kontos wurden beendet.
mail-password-changed-advice = Wenn Sie das waren, ist nichts weiter zu tun. Wenn nicht, setzen Sie Ihr Passwort jetzt zurück und informieren Sie Ihre Administration.
