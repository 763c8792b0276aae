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

## Connecting a device (RFC 8628)
device-title = Gerät verbinden
device-explain = Geben Sie den Code ein, den Ihr Gerät anzeigt.
device-check = Prüfen Sie, ob dies der Code ist, den Ihr Gerät anzeigt, und fahren Sie dann fort.
device-code = Code
device-unknown = Dieser Code ist ungültig oder abgelaufen. Prüfen Sie ihn oder beginnen Sie auf dem Gerät neu.
device-approved-title = Gerät verbunden
device-approved = { $client } kann Ihr Konto jetzt nutzen. Sie können zu Ihrem Gerät zurückkehren.
device-denied-title = Gerät nicht verbunden
device-denied = { $client } hat keinen Zugriff erhalten. Sie können diese Seite schließen.

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
signed-out-apps = Die Anwendungen, die Sie während der Anmeldung genutzt haben, werden über Ihre Abmeldung informiert.
signed-out-frame-title = Abmeldung bei { $client }
signed-out-continue = Weiter zur Anwendung

## Error pages
error-go-start = Zur Startseite
error-go-account = Bei Ihrem Konto anmelden
error-unavailable-title = Vorübergehend nicht verfügbar
error-unavailable-message = Bitte versuchen Sie es in Kürze erneut.
error-too-many-title = Zu viele Versuche
error-too-many-message = Warten Sie eine Minute und versuchen Sie es dann erneut.
error-blocked-title = Der Zugang aus Ihrem Netzwerk ist pausiert
error-blocked-message = Aus Ihrem Netzwerk kamen zu viele fehlgeschlagene Anmeldungen, daher sind Anmeldungen von dort für etwa { $minutes } weitere { $minutes ->
        [one] Minute
       *[other] Minuten
    } pausiert. Versuchen Sie es später erneut oder wenden Sie sich an Ihre Administration.
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

## Account
account-username = Benutzername
account-email-none = keine
account-email-unconfirmed = (nicht bestätigt)
account-details = Ihre Angaben
account-name = Name
account-save-name = Namen speichern
account-email-not-confirmed = Ihre Adresse ist noch nicht bestätigt.
account-send-confirmation = Bestätigungslink senden
account-change-email = E-Mail-Adresse ändern
account-new-email = Neue E-Mail-Adresse
account-new-email-hint = Wir senden einen Link an diese Adresse; Ihre Adresse ändert sich, sobald Sie ihm folgen, und die alte Adresse wird benachrichtigt.
account-current-password = Aktuelles Passwort
account-password-hint = Mindestens { $min } { $min ->
        [one] Zeichen
       *[other] Zeichen
    }; ein Satz aus mehreren Wörtern ist leicht zu merken. Nach der Änderung werden Sie überall sonst abgemeldet.
account-change-password = Passwort ändern
account-two-step = Anmeldung in zwei Schritten
account-two-step-on = Aktiv: Sie melden sich mit Ihrem Passwort und einem Code aus Ihrer Authenticator-App an.
account-backup-codes-left = { $count ->
        [one] Verbleibender Sicherungscode: { $count }.
       *[other] Verbleibende Sicherungscodes: { $count }.
    }
account-new-backup-codes = Neue Sicherungscodes
account-current-code = Aktueller Code aus Ihrer Authenticator-App
account-make-backup-codes = Neue Sicherungscodes erstellen
account-turn-off = Ausschalten
account-or-password = oder Ihr Passwort
account-turn-off-two-step = Anmeldung in zwei Schritten ausschalten
account-two-step-off = Aus. Mit einer Authenticator-App reicht ein Passwort allein nicht aus, um sich als Sie anzumelden.
account-set-up = Einrichten
account-passkeys = Passkeys
account-passkeys-explain = Ein Passkey meldet Sie statt mit Ihrem Passwort mit der Bildschirmsperre Ihres Geräts oder einem Sicherheitsschlüssel an und kann von keiner nachgeahmten Website verwendet werden.
account-passkey-synced = (zwischen Ihren Geräten synchronisiert)
account-passkey-dates = hinzugefügt am { $added }, zuletzt verwendet: { $used }.
account-your-password = Ihr Passwort
account-passkey-remove = { $name } entfernen
account-add-passkey = Passkey hinzufügen
account-passkey-name = Geben Sie ihm einen Namen (z. B. das Gerät, auf dem er liegt)
account-passkey-default-name = Passkey
account-passkey-needs-javascript = Zum Hinzufügen eines Passkeys wird JavaScript benötigt.
account-sessions = Wo Sie angemeldet sind
account-session = Angemeldet seit { $since }, zuletzt aktiv { $seen }.
account-session-two-steps = Angemeldet seit { $since } in zwei Schritten, zuletzt aktiv { $seen }.
account-this-browser = Dieser Browser.
account-end-here = Beenden (hier abmelden)
account-end = Beenden
account-end-all = Überall abmelden
account-apps = Anwendungen, die Sie erlaubt haben
account-none-yet = Noch keine.
account-app-may = { $client } darf:
account-withdraw = Widerrufen
account-links = Verknüpfte Anmeldedienste
account-none = Keine.
account-unlink = Verknüpfung lösen
account-time-unknown = unbekannt
account-never = nie
account-codes-explain = Speichern Sie diese Sicherungscodes. Jeder funktioniert einmal, falls Sie Ihre Authenticator-App verlieren. Die Codes werden nur jetzt angezeigt: Drucken Sie sie aus oder bewahren Sie sie an einem sicheren Ort auf. Frühere Codes funktionieren nicht mehr.
account-back = Zurück zu Ihrem Konto
account-totp-title = Anmeldung in zwei Schritten einrichten
account-turn-on = Einschalten
account-totp-on-title = Die Anmeldung in zwei Schritten ist aktiv
account-new-codes-title = Ihre neuen Sicherungscodes
account-done-password = Ihr Passwort wurde geändert. Sie wurden überall sonst abgemeldet.
account-done-name = Ihr Name wurde gespeichert.
account-done-email-sent = Ein Link ist an die neue Adresse unterwegs. Ihre Adresse ändert sich, sobald Sie ihm folgen.
account-done-totp-off = Die Anmeldung in zwei Schritten ist ausgeschaltet.
account-done-session = Diese Sitzung wurde beendet.
account-done-consent = Die Anwendung kann Ihr Konto erst wieder verwenden, wenn Sie es erneut erlauben.
account-done-passkey = Ihr Passkey wurde hinzugefügt. Sie können sich damit statt mit Ihrem Passwort anmelden.
account-done-passkey-removed = Dieser Passkey wurde entfernt.
account-done-unlinked = Dieses Konto kann Sie hier nicht mehr anmelden.
account-current-password-wrong = Ihr aktuelles Passwort ist nicht richtig.
account-email-mail-off = Hier ist kein E-Mail-Versand eingerichtet; Adressen ändert daher die Administration.
account-email-same = Das ist bereits Ihre Adresse.
account-totp-off-proof = Geben Sie einen Code aus Ihrer Authenticator-App oder Ihr Passwort ein.
account-totp-current-code = Geben Sie den aktuellen Code aus Ihrer Authenticator-App ein.
account-passkey-password-needed = Geben Sie Ihr Passwort ein, um einen Passkey zu entfernen.
password-wrong = Dieses Passwort ist nicht richtig.
email-invalid = Geben Sie eine E-Mail-Adresse wie name@example.com ein.
account-new-passwords-differ = Die beiden neuen Passwörter stimmen nicht überein.

## Sign-up, confirming an address, invitations
signup-title = Konto erstellen
signup-explain = Wir senden einen Link an Ihre E-Mail-Adresse, um zu bestätigen, dass sie Ihnen gehört.
signup-username-hint = Buchstaben, Ziffern, „.“, „_“ oder „-“; damit melden Sie sich an.
signup-domains-hint = Eine Adresse bei { $domains }.
signup-domains-only = Hier sind nur Adressen bei { $domains } zur Registrierung zugelassen.
password-hint = Mindestens { $min } { $min ->
        [one] Zeichen
       *[other] Zeichen
    }; ein Satz aus mehreren Wörtern ist leicht zu merken.
signup-submit = Konto erstellen
signup-have-account = Ich habe bereits ein Konto
signup-sent-explain = Wir haben eine E-Mail an die angegebene Adresse gesendet. Folgen Sie dem Link darin innerhalb { $hours ->
        [one] einer Stunde
       *[other] von { $hours } Stunden
    }, um die Adresse zu bestätigen und Ihr Konto fertigzustellen.
signup-sent-no-mail = Nach einigen Minuten noch keine E-Mail? Sehen Sie in Ihrem Spam-Ordner nach oder registrieren Sie sich erneut.
verify-title = E-Mail-Adresse bestätigen
verify-change = Machen Sie { $email } zur Adresse Ihres Kontos. E-Mails für das Konto gehen dann dorthin, und die alte Adresse wird benachrichtigt.
verify-confirm = Bestätigen Sie, dass { $email } Ihre Adresse ist.
verify-submit = Bestätigen
verify-done-title = Adresse bestätigt
verify-done-change = Die Adresse Ihres Kontos ist jetzt { $email }.
verify-done-account = { $email } ist bestätigt, und Ihr Konto ist bereit.
verify-needed-title = Bestätigen Sie zuerst Ihre E-Mail-Adresse
verify-needed-explain = Bevor Sie sich mit diesem Konto bei Anwendungen anmelden können, folgen Sie dem Link, den wir an { $email } gesendet haben. Fahren Sie dann hier fort.
verify-send-again = Link erneut senden
verify-link-resent = Ein neuer Link ist unterwegs. Frühere Links funktionieren nicht mehr.
invitation-title = Ihr Konto anlegen
invitation-explain = Sie wurden mit { $email } eingeladen. Wählen Sie, wie Sie sich anmelden.
invitation-username-hint = Buchstaben, Ziffern, „.“, „_“ oder „-“.
invitation-submit = Konto anlegen
invitation-done-title = Ihr Konto ist bereit
invitation-done-explain = Melden Sie sich als { $username } mit dem Passwort an, das Sie gewählt haben.
error-verify-link-message = Er ist abgelaufen oder wurde bereits verwendet. Melden Sie sich an, um einen neuen zu erhalten.
error-address-taken-title = Zu dieser Adresse gibt es bereits ein Konto
error-address-taken-message = Ein anderes Konto verwendet diese Adresse bereits, daher kann sie nicht Ihre werden. Melden Sie sich bei diesem Konto an oder wählen Sie eine andere Adresse.
error-verify-mail-off-message = Hier ist kein E-Mail-Versand eingerichtet. Bitten Sie Ihre Administration, Ihre Adresse zu bestätigen.
error-signup-closed-message = Hier können Sie kein eigenes Konto anlegen. Bitten Sie Ihre Administration um eines.
error-invitation-title = Diese Einladung funktioniert nicht mehr
error-invitation-message = Sie ist abgelaufen, wurde widerrufen oder bereits verwendet. Bitten Sie die Person, die Sie eingeladen hat, um eine neue.

## Upstream providers
error-upstream-unknown-title = Unbekannter Anmeldedienst
error-upstream-unknown-message = Gehen Sie zurück und wählen Sie eine andere Art der Anmeldung.
error-upstream-unreachable-title = Dieser Anmeldedienst hat nicht geantwortet
error-upstream-unreachable-message = Versuchen Sie es später erneut oder wählen Sie eine andere Art der Anmeldung.
error-upstream-incomplete-title = Die Anmeldung wurde nicht abgeschlossen
error-upstream-incomplete-message = { $provider } hat Sie nicht angemeldet. Versuchen Sie es erneut oder wählen Sie eine andere Art der Anmeldung.
error-upstream-unverified-title = Die Anmeldung konnte nicht überprüft werden
error-upstream-unverified-message = Die Antwort von { $provider } wurde nicht akzeptiert. Beginnen Sie die Anmeldung erneut.
error-upstream-refused-title = So können Sie sich nicht anmelden
upstream-not-linked = Ihr { $provider }-Konto ist mit keinem Konto hier verknüpft. Melden Sie sich auf andere Weise an oder bitten Sie die Administration, es zu verknüpfen.
upstream-email-unverified = { $provider } hat Ihre E-Mail-Adresse nicht bestätigt, daher kann sie keinem Konto hier zugeordnet werden.
upstream-no-account-with-email = Kein Konto hier hat die E-Mail-Adresse Ihres { $provider }-Kontos.
upstream-email-taken = Es gibt bereits ein Konto mit Ihrer E-Mail-Adresse: Melden Sie sich auf andere Weise dort an.
upstream-disabled = Dieses Konto kann sich nicht anmelden.

## More mails
mail-within-hours = innerhalb { $hours ->
        [one] einer Stunde
       *[other] von { $hours } Stunden
    }.
mail-open-link-hours = Öffnen Sie diesen Link innerhalb { $hours ->
        [one] einer Stunde
       *[other] von { $hours } Stunden
    }:
mail-not-you-ignore = Falls Sie das nicht waren, ignorieren Sie diese E-Mail.
mail-admin-advice = Falls Sie das nicht veranlasst haben, informieren Sie Ihre Administration.
mail-email-changed-subject = Ihre E-Mail-Adresse wurde geändert
mail-email-changed-body = Die E-Mail-Adresse Ihres Kontos { $username } bei { $issuer } wurde geändert.
mail-email-changed-new = Die neue Adresse ist { $address }: E-Mails für das Konto, einschließlich Links zum Zurücksetzen des Passworts, gehen jetzt dorthin.
mail-email-changed-advice = Wenn Sie das waren, ist nichts weiter zu tun. Wenn nicht, informieren Sie sofort Ihre Administration.
mail-invitation-subject = Sie sind eingeladen
mail-invitation-intro = Sie sind eingeladen, für diese Adresse ein Konto bei { $issuer } anzulegen.
mail-invitation-open-link = Um Ihren Benutzernamen und Ihr Passwort zu wählen, öffnen Sie diesen Link innerhalb { $hours ->
        [one] einer Stunde
       *[other] von { $hours } Stunden
    }:
mail-invitation-link = Wählen Sie Ihren Benutzernamen und Ihr Passwort
mail-invitation-ignore = Falls Sie das nicht erwartet haben, ignorieren Sie diese E-Mail.
mail-passkey-removed-subject = Ein Passkey wurde aus Ihrem Konto entfernt
mail-passkey-removed-body = Die Administration hat den Passkey „{ $passkey }“ aus Ihrem Konto { $username } entfernt.
mail-at-issuer-no-longer = Er meldet Sie bei { $issuer } nicht mehr an.
mail-factor-removed-subject = Der zweite Faktor Ihres Kontos wurde entfernt
mail-factor-removed-body = Die Administration hat den zweiten Faktor (Authenticator-App und Sicherungscodes) Ihres Kontos { $username } bei { $issuer } ausgeschaltet. Bis Sie wieder einen einrichten, genügt Ihr Passwort allein zur Anmeldung.
mail-signup-attempt-subject = Jemand hat versucht, sich mit Ihrer Adresse zu registrieren
mail-signup-attempt-body = Jemand hat versucht, sich bei { $issuer } mit dieser Adresse zu registrieren, die bereits zu Ihrem Konto { $username } gehört. Es wurde kein neues Konto angelegt.
mail-signup-attempt-open-link = Wenn Sie das waren und Ihr Passwort nicht mehr wissen, wählen Sie mit diesem Link innerhalb { $minutes ->
        [one] einer Minute
       *[other] von { $minutes } Minuten
    } ein neues:
mail-signup-attempt-if-you = Wenn Sie das waren und Ihr Passwort nicht mehr wissen:
mail-signup-attempt-ignore = Falls Sie das nicht waren, ignorieren Sie diese E-Mail: Ihr Konto bleibt unverändert.
mail-username-taken-subject = Wählen Sie einen anderen Benutzernamen
mail-username-taken-body = Jemand wollte sich bei { $issuer } mit dieser Adresse und dem Benutzernamen { $username } registrieren, der bereits vergeben ist. Es wurde kein Konto angelegt.
mail-username-taken-choose = Um sich zu registrieren, wählen Sie hier einen anderen Benutzernamen:
mail-username-taken-link = Anderen Benutzernamen wählen
mail-verify-account-subject = Bestätigen Sie Ihre E-Mail-Adresse
mail-verify-account-body = Willkommen bei { $issuer }. Um Ihr Konto { $username } fertigzustellen, bestätigen Sie, dass diese Adresse Ihnen gehört.
mail-verify-account-link = Meine Adresse bestätigen
mail-verify-account-ignore = Falls Sie sich nicht registriert haben, ignorieren Sie diese E-Mail: Ein Konto, das nie bestätigt wird, wird gelöscht.
mail-verify-new-subject = Bestätigen Sie Ihre neue E-Mail-Adresse
mail-verify-new-body = Jemand möchte diese Adresse für das Konto { $username } bei { $issuer } verwenden.
mail-verify-new-open-link = Um zu bestätigen, dass sie Ihnen gehört, und sie zur Adresse des Kontos zu machen, öffnen Sie diesen Link innerhalb { $hours ->
        [one] einer Stunde
       *[other] von { $hours } Stunden
    }:
mail-verify-new-link = Meine neue Adresse bestätigen
mail-verify-new-within = innerhalb { $hours ->
        [one] einer Stunde
       *[other] von { $hours } Stunden
    }, um sie zur Adresse des Kontos zu machen.
mail-verify-new-ignore = Falls Sie das nicht waren, ignorieren Sie diese E-Mail: Es ändert sich nichts.

## Passkeys (the script's words and the server's answers to it)
passkey-unreachable = Der Server war nicht erreichbar. Versuchen Sie es erneut.
passkey-failed = Das hat nicht funktioniert. Versuchen Sie es erneut.
passkey-none-chosen = Es wurde kein Passkey ausgewählt.
passkey-cancelled = Die Passkey-Anfrage wurde abgebrochen oder ist abgelaufen.
passkey-expired = Diese Passkey-Anfrage ist abgelaufen. Versuchen Sie es erneut.
passkey-page-expired = Diese Seite ist abgelaufen. Laden Sie sie neu und versuchen Sie es erneut.
passkey-unreadable = Die Antwort des Passkeys konnte nicht gelesen werden. Versuchen Sie es erneut.
passkey-unavailable = Passkeys sind auf diesem Server nicht verfügbar.
passkey-sign-in-to-add = Melden Sie sich an, um einen Passkey hinzuzufügen.
passkey-sign-in-again-to-add = Melden Sie sich erneut an, um einen Passkey hinzuzufügen.
passkey-not-added = Dieser Passkey konnte nicht hinzugefügt werden. Versuchen Sie es erneut.
passkey-not-approved = Dieser Dienst akzeptiert nur die von Ihrer Organisation freigegebenen Sicherheitsschlüssel, und dieser gehört nicht dazu.
passkey-registered-already = Dieser Passkey ist bereits registriert.
passkey-code-needed-for-new-password = Geben Sie einen Code ein, um fortzufahren: Sie müssen ein neues Passwort wählen.
passkey-none-on-account = Dieses Konto hat keinen Passkey.
passkey-not-accepted = Dieser Passkey wurde nicht akzeptiert.

## Returning to the application (response_mode=form_post)
form-post-title = Zurück zur Anwendung
form-post-explain = Falls nichts passiert, fahren Sie von Hand fort.
