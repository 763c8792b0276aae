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

## Error pages
error-go-start = Aller à la page d’accueil
error-go-account = Se connecter à votre compte
error-unavailable-title = Temporairement indisponible
error-unavailable-message = Veuillez réessayer dans un instant.
error-too-many-title = Trop de tentatives
error-too-many-message = Patientez une minute, puis réessayez.
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
mail-reset-open-link = Pour choisir un nouveau mot de passe, ouvrez ce lien dans les { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    } :
mail-reset-link = Choisissez un nouveau mot de passe
mail-reset-within = dans les { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    }.
mail-reset-once = Le lien ne fonctionne qu’une seule fois.
mail-reset-ignore = Si vous n’en êtes pas à l’origine, ignorez ce message : votre mot de passe reste inchangé.
mail-password-changed-subject = Votre mot de passe a été modifié
mail-password-changed-body = Le mot de passe de votre compte { $username } sur { $issuer } vient d’être modifié, et les autres sessions et connexions d’applications du compte ont pris fin.
mail-password-changed-advice = Si c’est vous, il n’y a rien d’autre à faire. Sinon, réinitialisez votre mot de passe maintenant et prévenez votre administrateur.
