# Français (vouvoiement). Les mêmes identifiants de messages que locales/en/main.ftl.

## Every page
language-label = Langue
language-submit = Changer
continue = Continuer
save = Enregistrer
save-and-continue = Enregistrer et continuer
email = Adresse e-mail
back-to-sign-in = Retour à la connexion

## Start page
home-title = Accueil
home-signed-in-as = Vous êtes connecté en tant que { $username }.
home-account = Votre compte
home-account-what = mot de passe, second facteur, sessions et applications
home-console = La console d’administration
home-intro = Les applications vous envoient ici pour vous connecter. Vous pouvez aussi gérer votre propre compte.

## Sign-in
login-title = Connexion
login-continue-to = pour continuer vers { $client }
login-your-account = votre compte
login-username = Nom d’utilisateur ou adresse e-mail
login-password = Mot de passe
login-submit = Se connecter
login-passkey = Se connecter avec une clé d’accès
login-upstream-intro = Ou se connecter avec
login-forgot = Mot de passe oublié ?
login-no-account = Pas encore de compte ?
login-create-account = En créer un
login-failed = Nom d’utilisateur ou mot de passe incorrect.

## Consent
consent-title = Autoriser { $client } ?
consent-signed-in-as = Connecté en tant que { $username }.
consent-would-like = { $client } souhaite :
consent-allow = Autoriser
consent-deny = Refuser
scope-openid = Vous connecter avec votre compte
scope-profile = Voir votre nom et votre nom d’utilisateur
scope-email = Voir votre adresse e-mail
scope-offline-access = Garder l’accès lorsque vous ne l’utilisez pas
scope-roles = Voir les rôles que vous avez ici
scope-other = Utiliser une autre autorisation dont vous disposez

## Connecting a device (RFC 8628)
device-title = Connecter un appareil
device-explain = Saisissez le code affiché par votre appareil.
device-check = Vérifiez qu’il s’agit bien du code affiché par votre appareil, puis continuez.
device-code = Code
device-unknown = Ce code n’est pas valide ou a expiré. Vérifiez-le, ou recommencez sur l’appareil.
device-approved-title = Appareil connecté
device-approved = { $client } peut désormais utiliser votre compte. Vous pouvez revenir à votre appareil.
device-denied-title = Appareil non connecté
device-denied = { $client } n’a pas reçu l’accès. Vous pouvez fermer cette page.

## Second factor
second-factor-title = Second facteur
backup-codes-title = Enregistrez vos codes de secours
backup-codes-explain = Chaque code fonctionne une seule fois, si vous perdez votre application d’authentification. Ils ne sont affichés que maintenant : imprimez-les ou conservez-les en lieu sûr.
totp-enrol-title = Configurez votre application d’authentification
totp-enrol-explain = Scannez ce code avec une application d’authentification, ou saisissez la clé ci-dessous, puis entrez le code à six chiffres qu’elle affiche.
totp-qr-alt = QR code de votre clé d’authentification
totp-key = Clé :
second-factor-passkey-title = Confirmez avec votre clé d’accès
second-factor-passkey-explain = Cette application demande une seconde étape : utilisez l’une de vos clés d’accès.
second-factor-code-title = Saisissez votre code
second-factor-code-explain = Ouvrez votre application d’authentification et saisissez le code à six chiffres, ou utilisez l’un de vos codes de secours.
second-factor-code-explain-passkey = Ouvrez votre application d’authentification et saisissez le code à six chiffres, ou utilisez l’un de vos codes de secours ou l’une de vos clés d’accès.
second-factor-code = Code
second-factor-use-passkey = Utiliser une clé d’accès
passkey-needs-javascript = Les clés d’accès nécessitent JavaScript.
code-invalid = Ce code n’est pas valide.

## Passwords
new-password-title = Choisissez un nouveau mot de passe
new-password = Nouveau mot de passe
new-password-again = Confirmez le nouveau mot de passe
passwords-differ = Les deux mots de passe sont différents.
forced-password-explain = Votre mot de passe n’était valable que pour une seule utilisation. Choisissez le vôtre pour continuer (au moins { $min } { $min ->
        [one] caractère
       *[other] caractères
    } ; une phrase de plusieurs mots est facile à retenir).
reset-for-account = Pour le compte { $username } :
reset-explain = au moins { $min } { $min ->
        [one] caractère
       *[other] caractères
    } ; une phrase de plusieurs mots est facile à retenir. Toutes les sessions du compte prennent fin.
password-changed-title = Mot de passe modifié
reset-done-explain = Votre nouveau mot de passe est enregistré et toutes les sessions précédentes ont pris fin.

## Forgot password
forgot-explain = Saisissez l’adresse e-mail de votre compte. Nous y enverrons un lien pour choisir un nouveau mot de passe.
forgot-submit = Envoyer le lien
check-mailbox-title = Consultez votre boîte de réception
forgot-sent-explain = Si un compte utilise cette adresse, un lien pour choisir un nouveau mot de passe est en route. Il fonctionne une seule fois, pendant { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    }.

## Sign-out
logout-title = Se déconnecter ?
logout-explain = Vous serez déconnecté de ce service de connexion.
logout-submit = Se déconnecter
signed-out-title = Vous êtes déconnecté
signed-out-message = Vous pouvez fermer cette fenêtre ou vous reconnecter.
signed-out-apps = Les applications utilisées pendant votre connexion sont informées de votre déconnexion.
signed-out-frame-title = Déconnexion de { $client }
signed-out-continue = Continuer vers l’application

## Error pages
error-go-start = Aller à la page d’accueil
error-go-account = Se connecter à votre compte
error-unavailable-title = Temporairement indisponible
error-unavailable-message = Veuillez réessayer dans un instant.
error-too-many-title = Trop de tentatives
error-too-many-message = Patientez une minute, puis réessayez.
error-blocked-title = L’accès depuis votre réseau est suspendu
error-blocked-message = Trop de connexions ont échoué depuis votre réseau : les connexions depuis celui-ci sont suspendues pendant encore { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    } environ. Réessayez plus tard ou adressez-vous à votre administrateur.
error-in-flight-title = Trop de requêtes simultanées
error-in-flight-message = Patientez un instant, puis réessayez.
error-timeout-title = Délai de la requête dépassé
error-timeout-message = La requête a mis trop de temps à arriver. Réessayez.
error-failed-title = Une erreur s’est produite
error-failed-message = La requête n’a pas pu aboutir.
error-not-found-title = Introuvable
error-not-found-message = Il n’y a rien à cette adresse.
error-expired-title = Cette connexion a expiré
error-link-expired-title = Ce lien de connexion a expiré
error-start-again-message = Retournez à l’application et recommencez la connexion.
error-form-expired-title = Ce formulaire a expiré
error-form-expired-message = Rechargez la page et réessayez.
error-invalid-form-title = Formulaire non valide
error-invalid-form-message = Le formulaire était incomplet. Revenez en arrière et réessayez.
error-unknown-language = Cette langue n’est pas disponible ici.
error-invalid-address-title = Adresse non valide
error-invalid-address-message = Cette adresse est incomplète. Retournez à l’application et réessayez.
error-request-refused-title = Demande de connexion refusée
error-unknown-client = L’application qui vous a envoyé ici n’est pas enregistrée.
error-request-unavailable = Le service de connexion est temporairement indisponible. Veuillez réessayer.
error-unregistered-redirect = L’application vous a envoyé ici avec une adresse de retour non enregistrée.
error-client-damaged = L’enregistrement de l’application est endommagé.
error-logout-refused-title = Demande de déconnexion refusée
error-logout-malformed = Le formulaire de déconnexion est mal formé.
error-logout-hint-invalid = Le paramètre id_token_hint n’est pas valide.
error-logout-unregistered-return = L’adresse de retour n’est pas enregistrée pour cette application.
error-not-available-title = Non disponible
error-reset-off-message = La réinitialisation du mot de passe par e-mail n’est pas configurée ici. Adressez-vous à votre administrateur.
error-link-title = Ce lien ne fonctionne plus
error-reset-link-message = Il a expiré ou a déjà été utilisé. Demandez-en un nouveau depuis la page de connexion.
error-not-email-title = Adresse e-mail non valide
error-not-email-message = Revenez en arrière et saisissez l’adresse e-mail de votre compte.

## Mails
mail-reset-subject = Réinitialisez votre mot de passe
mail-reset-intro = Quelqu’un a demandé la réinitialisation du mot de passe de votre compte sur { $issuer }.
mail-reset-open-link = Pour choisir un nouveau mot de passe, ouvrez ce lien { $minutes ->
        [one] dans la minute
       *[other] dans les { $minutes } minutes
    } :
mail-reset-link = Choisissez un nouveau mot de passe
mail-reset-within = { $minutes ->
        [one] dans la minute
       *[other] dans les { $minutes } minutes
    }.
mail-reset-once = Le lien ne fonctionne qu’une seule fois.
mail-reset-ignore = Si vous n’en êtes pas à l’origine, ignorez ce message : votre mot de passe reste inchangé.
mail-password-changed-subject = Votre mot de passe a été modifié
mail-password-changed-body = Le mot de passe de votre compte { $username } sur { $issuer } vient d’être modifié, et les autres sessions et connexions d’applications du compte ont pris fin.
mail-password-changed-advice = Si c’est vous, il n’y a rien d’autre à faire. Sinon, réinitialisez votre mot de passe maintenant et prévenez votre administrateur.

## Account
account-username = Nom d’utilisateur
account-email-none = aucune
account-email-unconfirmed = (non confirmée)
account-details = Vos informations
account-name = Nom
account-save-name = Enregistrer le nom
account-email-not-confirmed = Votre adresse n’est pas encore confirmée.
account-send-confirmation = Envoyer un lien de confirmation
account-change-email = Changer votre adresse e-mail
account-new-email = Nouvelle adresse e-mail
account-new-email-hint = Nous y envoyons un lien ; votre adresse change lorsque vous le suivez, et l’ancienne en est informée.
account-current-password = Mot de passe actuel
account-password-hint = Au moins { $min } { $min ->
        [one] caractère
       *[other] caractères
    } ; une phrase de plusieurs mots est facile à retenir. Le modifier vous déconnecte partout ailleurs.
account-change-password = Changer le mot de passe
account-two-step = Connexion en deux étapes
account-two-step-on = Activée : vous vous connectez avec votre mot de passe et un code de votre application d’authentification.
account-backup-codes-left = { $count ->
        [one] Code de secours restant : { $count }.
       *[other] Codes de secours restants : { $count }.
    }
account-new-backup-codes = Nouveaux codes de secours
account-current-code = Code actuel de votre application d’authentification
account-make-backup-codes = Générer de nouveaux codes de secours
account-turn-off = Désactiver
account-or-password = ou votre mot de passe
account-turn-off-two-step = Désactiver la connexion en deux étapes
account-two-step-off = Désactivée. Avec une application d’authentification, un mot de passe seul ne suffit pas pour se connecter à votre place.
account-set-up = Configurer
account-passkeys = Clés d’accès
account-passkeys-explain = Une clé d’accès vous connecte avec le verrouillage d’écran de votre appareil ou une clé de sécurité au lieu de votre mot de passe, et ne peut pas être utilisée par un site imitant celui-ci.
account-passkey-synced = (synchronisée entre vos appareils)
account-passkey-dates = ajoutée le { $added }, dernière utilisation : { $used }.
account-your-password = Votre mot de passe
account-passkey-remove = Supprimer { $name }
account-add-passkey = Ajouter une clé d’accès
account-passkey-name = Donnez-lui un nom (par exemple l’appareil sur lequel elle se trouve)
account-passkey-default-name = Clé d’accès
account-passkey-needs-javascript = L’ajout d’une clé d’accès nécessite JavaScript.
account-sessions = Où vous êtes connecté
account-session = Connecté le { $since }, dernière activité le { $seen }.
account-session-two-steps = Connecté le { $since } en deux étapes, dernière activité le { $seen }.
account-this-browser = Ce navigateur.
account-end-here = Terminer (se déconnecter ici)
account-end = Terminer
account-end-all = Se déconnecter partout
account-apps = Applications que vous avez autorisées
account-none-yet = Aucune pour l’instant.
account-app-may = { $client } peut :
account-withdraw = Retirer l’autorisation
account-links = Fournisseurs de connexion associés
account-none = Aucun.
account-unlink = Dissocier
account-time-unknown = inconnu
account-never = jamais
account-codes-explain = Enregistrez ces codes de secours. Chacun fonctionne une seule fois, si vous perdez votre application d’authentification. Ils ne sont affichés que maintenant : imprimez-les ou conservez-les en lieu sûr. Les codes que vous aviez auparavant ne fonctionnent plus.
account-back = Retour à votre compte
account-totp-title = Configurer la connexion en deux étapes
account-turn-on = Activer
account-totp-on-title = La connexion en deux étapes est activée
account-new-codes-title = Vos nouveaux codes de secours
account-done-password = Votre mot de passe a été modifié. Vous avez été déconnecté partout ailleurs.
account-done-name = Votre nom a été enregistré.
account-done-email-sent = Un lien est en route vers la nouvelle adresse. Votre adresse change lorsque vous le suivez.
account-done-totp-off = La connexion en deux étapes est désactivée.
account-done-session = Cette session a été terminée.
account-done-consent = L’application ne peut plus utiliser votre compte tant que vous ne l’autorisez pas à nouveau.
account-done-passkey = Votre clé d’accès a été ajoutée. Vous pouvez vous connecter avec elle au lieu de votre mot de passe.
account-done-passkey-removed = Cette clé d’accès a été supprimée.
account-done-unlinked = Ce compte ne peut plus vous connecter ici.
account-current-password-wrong = Votre mot de passe actuel est incorrect.
account-email-mail-off = L’envoi d’e-mails n’est pas configuré ici ; c’est donc un administrateur qui modifie les adresses.
account-email-same = C’est déjà votre adresse.
account-totp-off-proof = Saisissez un code de votre application d’authentification ou votre mot de passe.
account-totp-current-code = Saisissez le code actuel de votre application d’authentification.
account-passkey-password-needed = Saisissez votre mot de passe pour supprimer une clé d’accès.
password-wrong = Ce mot de passe est incorrect.
email-invalid = Saisissez une adresse e-mail comme nom@example.com.
account-new-passwords-differ = Les deux nouveaux mots de passe sont différents.

## Sign-up, confirming an address, invitations
signup-title = Créer un compte
signup-explain = Nous envoyons un lien à votre adresse e-mail pour confirmer qu’elle vous appartient.
signup-username-hint = Lettres, chiffres, « . », « _ » ou « - » ; vous vous connectez avec.
signup-domains-hint = Une adresse chez { $domains }.
signup-domains-only = L’inscription n’accepte ici que les adresses chez { $domains }.
password-hint = Au moins { $min } { $min ->
        [one] caractère
       *[other] caractères
    } ; une phrase de plusieurs mots est facile à retenir.
signup-submit = Créer le compte
signup-have-account = J’ai déjà un compte
signup-sent-explain = Nous avons envoyé un message à l’adresse indiquée. Suivez son lien { $hours ->
        [one] dans l’heure
       *[other] dans les { $hours } heures
    } pour confirmer l’adresse et terminer la création de votre compte.
signup-sent-no-mail = Aucun message après quelques minutes ? Regardez dans votre dossier de courrier indésirable, ou inscrivez-vous à nouveau.
verify-title = Confirmez votre adresse e-mail
verify-change = Faites de { $email } l’adresse de votre compte. Les messages du compte y seront envoyés, et l’ancienne adresse en sera informée.
verify-confirm = Confirmez que { $email } est bien votre adresse.
verify-submit = Confirmer
verify-done-title = Adresse confirmée
verify-done-change = L’adresse de votre compte est désormais { $email }.
verify-done-account = { $email } est confirmée, et votre compte est prêt.
verify-needed-title = Confirmez d’abord votre adresse e-mail
verify-needed-explain = Avant de pouvoir vous connecter à des applications avec ce compte, suivez le lien que nous avons envoyé à { $email }. Puis continuez ici.
verify-send-again = Renvoyer le lien
verify-link-resent = Un nouveau lien est en route. Les liens précédents ne fonctionnent plus.
invitation-title = Créez votre compte
invitation-explain = Vous avez été invité avec { $email }. Choisissez comment vous vous connectez.
invitation-username-hint = Lettres, chiffres, « . », « _ » ou « - ».
invitation-submit = Créer le compte
invitation-done-title = Votre compte est prêt
invitation-done-explain = Connectez-vous en tant que { $username } avec le mot de passe que vous avez choisi.
error-verify-link-message = Il a expiré ou a déjà été utilisé. Connectez-vous pour en recevoir un nouveau.
error-address-taken-title = Cette adresse a déjà un compte
error-address-taken-message = Un autre compte utilise déjà cette adresse, elle ne peut donc pas devenir la vôtre. Connectez-vous à ce compte ou choisissez une autre adresse.
error-verify-mail-off-message = L’envoi d’e-mails n’est pas configuré ici. Demandez à votre administrateur de confirmer votre adresse.
error-signup-closed-message = Vous ne pouvez pas créer vous-même de compte ici. Demandez-en un à votre administrateur.
error-invitation-title = Cette invitation ne fonctionne plus
error-invitation-message = Elle a expiré, a été révoquée ou a déjà été utilisée. Demandez-en une nouvelle à la personne qui vous a invité.

## Upstream providers
error-upstream-unknown-title = Fournisseur de connexion inconnu
error-upstream-unknown-message = Revenez en arrière et choisissez un autre moyen de connexion.
error-upstream-unreachable-title = Ce fournisseur de connexion n’a pas répondu
error-upstream-unreachable-message = Réessayez plus tard ou choisissez un autre moyen de connexion.
error-upstream-incomplete-title = La connexion n’a pas abouti
error-upstream-incomplete-message = { $provider } ne vous a pas connecté. Réessayez ou choisissez un autre moyen de connexion.
error-upstream-unverified-title = La connexion n’a pas pu être vérifiée
error-upstream-unverified-message = La réponse de { $provider } n’a pas été acceptée. Recommencez la connexion.
error-upstream-refused-title = Vous ne pouvez pas vous connecter de cette façon
upstream-not-linked = Votre compte { $provider } n’est associé à aucun compte ici. Connectez-vous autrement ou demandez à un administrateur de l’associer.
upstream-email-unverified = { $provider } n’a pas confirmé votre adresse e-mail, elle ne peut donc être associée à aucun compte ici.
upstream-no-account-with-email = Aucun compte ici n’a l’adresse e-mail de votre compte { $provider }.
upstream-email-taken = Un compte avec votre adresse e-mail existe déjà : connectez-vous-y d’une autre façon.
upstream-disabled = Ce compte ne peut pas se connecter.

## More mails
mail-within-hours = { $hours ->
        [one] dans l’heure
       *[other] dans les { $hours } heures
    }.
mail-open-link-hours = Ouvrez ce lien { $hours ->
        [one] dans l’heure
       *[other] dans les { $hours } heures
    } :
mail-not-you-ignore = Si ce n’était pas vous, ignorez ce message.
mail-admin-advice = Si vous ne l’avez pas demandé, prévenez votre administrateur.
mail-email-changed-subject = Votre adresse e-mail a été modifiée
mail-email-changed-body = L’adresse e-mail de votre compte { $username } sur { $issuer } a été modifiée.
mail-email-changed-new = La nouvelle adresse est { $address } : les messages du compte, y compris les liens de réinitialisation du mot de passe, y sont désormais envoyés.
mail-email-changed-advice = Si c’est vous, il n’y a rien d’autre à faire. Sinon, prévenez immédiatement votre administrateur.
mail-invitation-subject = Vous êtes invité
mail-invitation-intro = Vous êtes invité à créer un compte sur { $issuer } pour cette adresse.
mail-invitation-open-link = Pour choisir votre nom d’utilisateur et votre mot de passe, ouvrez ce lien { $hours ->
        [one] dans l’heure
       *[other] dans les { $hours } heures
    } :
mail-invitation-link = Choisissez votre nom d’utilisateur et votre mot de passe
mail-invitation-ignore = Si vous ne vous y attendiez pas, ignorez ce message.
mail-passkey-removed-subject = Une clé d’accès a été supprimée de votre compte
mail-passkey-removed-body = Un administrateur a supprimé la clé d’accès « { $passkey } » de votre compte { $username }.
mail-at-issuer-no-longer = Elle ne vous connecte plus sur { $issuer }.
mail-factor-removed-subject = Le second facteur de votre compte a été supprimé
mail-factor-removed-body = Un administrateur a désactivé le second facteur (application d’authentification et codes de secours) de votre compte { $username } sur { $issuer }. Tant que vous n’en configurez pas un nouveau, votre mot de passe suffit pour vous connecter.
mail-signup-attempt-subject = Quelqu’un a tenté de s’inscrire avec votre adresse
mail-signup-attempt-body = Quelqu’un a tenté de s’inscrire sur { $issuer } avec cette adresse, qui appartient déjà à votre compte { $username }. Aucun nouveau compte n’a été créé.
mail-signup-attempt-open-link = Si c’était vous et que vous ne connaissez plus votre mot de passe, choisissez-en un nouveau avec ce lien { $minutes ->
        [one] dans la minute
       *[other] dans les { $minutes } minutes
    } :
mail-signup-attempt-if-you = Si c’était vous et que vous ne connaissez plus votre mot de passe :
mail-signup-attempt-ignore = Si ce n’était pas vous, ignorez ce message : votre compte reste inchangé.
mail-username-taken-subject = Choisissez un autre nom d’utilisateur
mail-username-taken-body = Quelqu’un a demandé à s’inscrire sur { $issuer } avec cette adresse et le nom d’utilisateur { $username }, qui est déjà pris. Aucun compte n’a été créé.
mail-username-taken-choose = Pour vous inscrire, choisissez un autre nom d’utilisateur ici :
mail-username-taken-link = Choisir un autre nom d’utilisateur
mail-verify-account-subject = Confirmez votre adresse e-mail
mail-verify-account-body = Bienvenue sur { $issuer }. Pour terminer la création de votre compte { $username }, confirmez que cette adresse vous appartient.
mail-verify-account-link = Confirmer mon adresse
mail-verify-account-ignore = Si vous ne vous êtes pas inscrit, ignorez ce message : un compte jamais confirmé est supprimé.
mail-verify-new-subject = Confirmez votre nouvelle adresse e-mail
mail-verify-new-body = Quelqu’un a demandé à utiliser cette adresse pour le compte { $username } sur { $issuer }.
mail-verify-new-open-link = Pour confirmer qu’elle vous appartient et en faire l’adresse du compte, ouvrez ce lien { $hours ->
        [one] dans l’heure
       *[other] dans les { $hours } heures
    } :
mail-verify-new-link = Confirmer ma nouvelle adresse
mail-verify-new-within = { $hours ->
        [one] dans l’heure
       *[other] dans les { $hours } heures
    } pour en faire l’adresse du compte.
mail-verify-new-ignore = Si ce n’était pas vous, ignorez ce message : rien ne change.

## Passkeys (the script's words and the server's answers to it)
passkey-unreachable = Le serveur n’a pas pu être joint. Réessayez.
passkey-failed = Cela n’a pas fonctionné. Réessayez.
passkey-none-chosen = Aucune clé d’accès n’a été choisie.
passkey-cancelled = La demande de clé d’accès a été annulée ou a expiré.
passkey-expired = Cette demande de clé d’accès a expiré. Réessayez.
passkey-page-expired = Cette page a expiré. Rechargez-la et réessayez.
passkey-unreadable = La réponse de la clé d’accès n’a pas pu être lue. Réessayez.
passkey-unavailable = Les clés d’accès ne sont pas disponibles sur ce serveur.
passkey-sign-in-to-add = Connectez-vous pour ajouter une clé d’accès.
passkey-sign-in-again-to-add = Reconnectez-vous pour ajouter une clé d’accès.
passkey-not-added = Cette clé d’accès n’a pas pu être ajoutée. Réessayez.
passkey-not-approved = Ce service n’accepte que les clés de sécurité approuvées par votre organisation, et celle-ci n’en fait pas partie.
passkey-registered-already = Cette clé d’accès est déjà enregistrée.
passkey-code-needed-for-new-password = Saisissez un code pour continuer : vous devez choisir un nouveau mot de passe.
passkey-none-on-account = Ce compte n’a pas de clé d’accès.
passkey-not-accepted = Cette clé d’accès n’a pas été acceptée.

## Returning to the application (response_mode=form_post)
form-post-title = Retour à l’application
form-post-explain = Si rien ne se passe, continuez manuellement.
