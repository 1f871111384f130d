# Texte des pages, en français. Toutes les langues ont les mêmes clés (un test le vérifie) ;
# les textes d'erreur sont `err-` + le code d'erreur, avec points et tirets bas remplacés par des tirets.

skip-to-content = Aller au contenu
nav-label = Compte
nav-security = Connexion et sécurité
nav-devices = Appareils
nav-messages = Vos messages
nav-sign-out = Se déconnecter
language-label = Langue
back-home = Retour à la page d'accueil
save = Enregistrer
cancel = Annuler
continue = Continuer
error-title = Un problème est survenu

field-email = Adresse e-mail
field-password = Mot de passe
field-new-password = Nouveau mot de passe
field-current-password = Mot de passe actuel
field-password-and-code = Mot de passe, suivi du code si demandé
field-language = Langue
field-account-language = Langue des e-mails, SMS et pages
field-phone = Numéro de téléphone mobile
field-code = Code de vérification
field-backup-code = Code de secours

password-rules = Au moins 12 caractères, difficiles à deviner : quelques mots sans rapport entre eux conviennent bien. Évitez les mots de passe courants, les suites de touches, les répétitions et votre adresse e-mail.

sign-up-title = Créer votre compte
sign-up-submit = Créer le compte
sign-up-have-account = Vous avez déjà un compte ?
sign-in-title = Connexion
sign-in-submit = Se connecter
sign-in-no-account = Première visite ?

device-title = Se connecter sur une TV ou une console
device-link = Vous vous connectez sur un appareil sans second écran (TV, console) ?
device-intro = Sur les appareils où vous ne pouvez pas ouvrir une seconde page, saisissez votre mot de passe puis, lorsque cela vous est demandé, saisissez-le à nouveau en ajoutant le code juste après.
device-append-code = Saisissez maintenant à nouveau votre mot de passe, suivi immédiatement du code actuel (par exemple password123456).
device-hint = Utilisez le code de votre appli d'authentification, ou celui que nous vous envoyons.

code-title-sign-in = Saisissez le code
code-title-verify-email = Confirmez votre adresse e-mail
code-title-step-up = Confirmez votre identité
code-title-service-step-up = Confirmer par un code
code-service-step-up-reason = { $reason } : la boutique vous demande de le confirmer par un code.
step-up-done = C'est confirmé. Vous pouvez retourner à la boutique.
step-up-closed = Cette confirmation n'est plus ouverte. Retournez à la boutique et recommencez.
step-up-back = Retour à la boutique
code-title-enroll = Confirmez votre nouvelle méthode
code-instruction-app = Ouvrez votre appli d'authentification et saisissez le code à 6 chiffres qu'elle affiche.
code-instruction-backup = Saisissez l'un de vos codes de secours. Chaque code ne fonctionne qu'une fois.
code-instruction-sms = Nous avons envoyé un code par SMS au { $to }.
code-instruction-voice = Nous appelons le { $to } pour vous lire un code.
code-instruction-email = Nous avons envoyé un code par e-mail à { $to }.
code-instruction-email-account = Nous avons envoyé un code à votre adresse e-mail. Il est valable 10 minutes.
code-trust-browser = Ne plus demander de code sur ce navigateur
code-trust-hint = Un code vous sera toujours demandé sur les autres navigateurs et appareils, ainsi qu'ici avant toute modification sensible.
code-submit = Se connecter
code-didnt-get = Vous n'avez pas reçu de code ?
code-resend = Renvoyer le code
code-other-methods = Ou utilisez une autre méthode :
code-sent-to = Nous avons envoyé un code à { $to }.
code-resent = Nous avons envoyé un nouveau code. Les codes précédents ne fonctionnent plus.
code-resent-to = Nous avons envoyé un nouveau code à { $to }. Les codes précédents ne fonctionnent plus.
code-queued = Votre code est en route, mais le service de messages est lent en ce moment : cela peut prendre quelques minutes. Seul le code le plus récent fonctionne. Si rien n'arrive, utilisez une autre méthode.
code-send-failed = Nous n'avons pas pu envoyer le code pour le moment. Réessayez ou utilisez une autre méthode.
code-closed = Cette page de code a expiré, ou trop de codes erronés ont été saisis.
code-start-again = Recommencer

## messages and methods (issue 11.7)
phone-tail = le numéro se terminant par { $tail }
span-seconds = { $n ->
    [one] 1 seconde
   *[other] { $n } secondes
}
span-minutes = { $n ->
    [one] 1 minute
   *[other] { $n } minutes
}
span-hours = { $n ->
    [one] 1 heure
   *[other] { $n } heures
}
span-days = { $n ->
    [one] 1 jour
   *[other] { $n } jours
}
code-voice-instead = Recevoir plutôt un appel au { $to } qui lit le code
code-calling = Nous appelons le { $to } pour vous lire un nouveau code. Les codes précédents ne fonctionnent plus.

method-app = Appli d'authentification
method-sms = SMS au { $to }
method-voice = Appel vocal au { $to }
method-email = E-mail à { $to }
method-backup = Codes de secours
use-app = Utiliser votre appli d'authentification
use-sms = Recevoir un code par SMS au { $to }
use-voice = Recevoir un code par appel au { $to }
use-email = Recevoir un code par e-mail à { $to }
use-backup = Utiliser un code de secours

confirm-title = Confirmez votre identité
confirm-intro = Cette modification nécessite une nouvelle confirmation, afin que personne d'autre ne puisse l'effectuer depuis un navigateur où vous êtes resté connecté.
confirm-with-code = Nous vous demanderons un code via votre méthode préférée.
confirm-submit = Continuer

account-title = Connexion et sécurité
account-section = Compte
password-title = Modifier le mot de passe
password-sign-out-others = Se déconnecter partout ailleurs

## e-mail change (issue 11.2)
email-change-title = Changer d'adresse e-mail
email-change-intro = Nous envoyons un code à la nouvelle adresse et prévenons l'actuelle. Votre adresse actuelle reste valable tant que vous n'avez pas saisi le code.
field-new-email = Nouvelle adresse e-mail
notice-email-changed = Votre adresse e-mail a été changée. Les autres navigateurs ont été déconnectés.
code-title-change-email = Confirmez votre nouvelle adresse e-mail
code-instruction-email-new = Nous avons envoyé un code à votre nouvelle adresse. Il est valable 10 minutes.
err-email-unchanged = C'est déjà votre adresse e-mail.
event-email-change-requested = Changement d'adresse e-mail demandé
event-email-changed = Adresse e-mail changée
event-service-step-up-started = Un service de la boutique vous a demandé de confirmer par un code
event-service-step-up-completed = Demande d'un service de la boutique confirmée par un code
event-delivery-handed-over = Colis remis avec votre code de livraison
event-delivery-held = Colis retenu après des codes de livraison erronés
kind-email-change-code = Code pour une nouvelle adresse e-mail
kind-email-change-requested = Changement d'adresse e-mail demandé
kind-email-changed = Adresse e-mail changée
kind-email-change-taken = Tentative d'utiliser votre adresse pour un autre compte
check-purpose-change-email = Changement d'adresse e-mail

twosv-section = Validation en deux étapes
twosv-on = Activée
twosv-off = Désactivée
twosv-why = Avec la validation en deux étapes, la connexion nécessite, en plus de votre mot de passe, un code provenant de votre téléphone ou de votre appli.
twosv-turn-on = Activer la validation en deux étapes
twosv-off-heading = Désactiver la validation en deux étapes
twosv-off-clear = Effacer aussi les paramètres (supprimer tous les téléphones, applis et codes de secours)
twosv-turn-off = Désactiver
methods-heading = Vos méthodes
methods-add-heading = Ajouter une méthode
method-preferred = Préférée
method-disabled = Désactivée : configurez-la à nouveau
method-make-preferred = Définir comme préférée
method-change-phone = Modifier le numéro
method-replace-app = Remplacer l'appli
method-remove = Supprimer
method-add-phone = Ajouter un numéro de téléphone
method-add-app = Ajouter une appli d'authentification
method-add-email = Ajouter l'e-mail comme méthode
backup-left = { $count } codes restants
backup-create = Créer des codes de secours
backup-regenerate = Créer de nouveaux codes de secours
alerts-section = Alertes de connexion
alerts-label = M'envoyer un e-mail lorsqu'une connexion à mon compte a lieu depuis un nouveau navigateur ou appareil
more-section = Autres options

notice-twosv-on = La validation en deux étapes est activée.
notice-twosv-off = La validation en deux étapes est désactivée.
notice-password-changed = Votre mot de passe a été modifié.
notice-method-added = La méthode a été ajoutée.
notice-method-removed = La méthode a été supprimée.
notice-preferred-changed = Votre méthode préférée a été modifiée.
notice-alerts-saved = Votre paramètre d'alerte a été enregistré.
notice-language-saved = Votre langue a été enregistrée.
notice-codes-saved = Vos nouveaux codes de secours sont actifs ; les anciens ne fonctionnent plus.

setup-title = Configurer la validation en deux étapes
setup-step-approval = Approuver par e-mail
setup-step-method = Choisir téléphone ou appli
setup-step-backup = Ajouter une méthode de secours
setup-step-finish = Activer
setup-approval-intro = Tout d'abord, nous vous envoyons un lien par e-mail. Ouvrez-le et appuyez sur « Approuver », afin que personne d'autre ne puisse effectuer cette configuration à votre place.
setup-approval-send = Envoyer l'e-mail d'approbation
setup-approval-sent = Nous vous avons envoyé un e-mail. Ouvrez le lien qu'il contient, appuyez sur « Approuver », puis revenez ici.
setup-approval-continue = J'ai approuvé, continuer
setup-approval-resend = Renvoyer l'e-mail
setup-choose-intro = Choisissez d'où proviennent vos codes. Vous pourrez ajouter l'autre option plus tard comme méthode de secours.
setup-choose-phone = Numéro de téléphone (SMS)
setup-choose-phone-hint = Nous envoyons un code par SMS ; une ligne fixe reçoit un appel vocal.
setup-choose-app = Appli d'authentification
setup-choose-app-hint = Une appli sur votre téléphone génère les codes, même hors ligne.
setup-start = Commencer
setup-backup-required = Avec un numéro de téléphone, ajoutez aussi une méthode de secours, en cas de perte du téléphone ou si le SMS n'arrive pas.
setup-backup-optional = Nous vous recommandons une méthode de secours, en cas de perte de votre téléphone.
setup-backup-skip = Ignorer pour l'instant
setup-finish-intro = Tout est prêt. Ces méthodes seront utilisées :
setup-finish-submit = J'ai compris, activer la validation en deux étapes

phone-title = Ajouter un numéro de téléphone
phone-change-title = Modifier un numéro de téléphone
phone-intro = Nous enverrons un code à ce numéro pour vérifier qu'il vous appartient.
phone-hint = Par exemple 090-1234-5678, ou +44 7700 900123 avec l'indicatif du pays.
phone-restricted = Les codes par SMS ou appel vocal peuvent être interceptés ou détournés (échange de carte SIM). Une appli d'authentification est plus sûre ; gardez le téléphone en secours.

app-title = Configurer votre appli d'authentification
app-step-install = Installez une appli d'authentification sur votre téléphone (par exemple Google Authenticator ou Microsoft Authenticator).
app-step-scan = Dans l'appli, ajoutez un compte et scannez ce code QR.
app-qr-label = Code QR pour l'appli d'authentification
app-cant-scan = Impossible de le scanner ? Saisissez plutôt cette clé de configuration :
app-same-phone = Vous configurez l'application sur ce téléphone ? Ouvrez-la directement
app-step-code = Saisissez le code à 6 chiffres que l'appli affiche maintenant.

backup-title = Vos codes de secours
backup-once = Enregistrez ces codes maintenant : ils ne sont affichés que cette fois-ci.
backup-how = Chaque code vous permet de vous connecter une fois lorsque votre téléphone ou votre appli n'est pas à portée de main. Conservez-les en lieu sûr, par exemple dans un gestionnaire de mots de passe.
backup-saved = Je les ai enregistrés

devices-title = Appareils et sessions
device-unknown = Appareil inconnu
sessions-heading = Connecté sur
session-current = Ce navigateur
session-since = connecté le { $when }
session-last-seen = dernière utilisation le { $when }
session-sign-out = Se déconnecter
session-sign-out-all = Se déconnecter sur tous les autres appareils
browsers-heading = Navigateurs qui ne demandent pas de code
browsers-hint = Modifier votre mot de passe ou vos méthodes les supprime tous.
browsers-none = Aucun navigateur ne saute l'étape du code.
browser-until = jusqu'au { $when }
browser-revoke = Redemander des codes

history-title = Historique des connexions
history-intro = Connexions et tentatives récentes sur votre compte.
history-empty = Rien pour l'instant.
history-unfamiliar = Nouvel appareil
history-unfamiliar-hint = Vous ne reconnaissez pas une entrée ? Modifiez votre mot de passe dès maintenant.
event-sign-in = Connexion
event-wrong-password = Mot de passe erroné saisi
event-wrong-code = Code erroné saisi
event-code-sent = Code envoyé
event-denied = Demande de code refusée
event-denied-after-use = Refusé après utilisation du code
event-step-up = Confirmé par un code
event-method-disabled = Méthode désactivée après des codes erronés
event-sign-up = Compte créé

## devices and time zones (issue 11.6)
device-on = { $browser } sur { $os }
place-city-country = { $city }, { $country }
times-in = Les heures sont affichées dans le fuseau { $zone }.
times-change = Modifier
field-time-zone = Fuseau horaire des dates et heures
time-zone-auto = Automatique ({ $zone })
notice-time-zone-saved = Votre fuseau horaire a été enregistré.
err-time-zone-unknown = Choisissez un fuseau horaire dans la liste.

messages-title = Centre de messages
messages-intro = Tous les e-mails, SMS et appels que nous vous avons envoyés. Les codes sont masqués.
messages-empty = Nous ne vous avons encore rien envoyé.
channel-sms = SMS
channel-voice = Appel vocal
channel-email = Courriel
kind-verify-email-code = Code de confirmation d'e-mail
kind-sign-in-code = Code de connexion
kind-step-up-code = Code de confirmation
kind-enroll-code = Code pour une nouvelle méthode
kind-account-exists = Tentative d'inscription avec votre adresse
kind-password-changed = Mot de passe modifié
kind-method-added = Méthode ajoutée
kind-method-removed = Méthode supprimée
kind-twosv-enabled = Validation en deux étapes activée
kind-twosv-disabled = Validation en deux étapes désactivée
kind-new-sign-in = Nouvelle connexion
kind-deny-confirmation = Demande de code refusée
kind-approval-request = Demande d'approbation
kind-repeated-code-warning = Demandes de code répétées
kind-delivery-code = Code de livraison
kind-reset-received = Demande de récupération reçue
kind-reset-approved = Demande de récupération approuvée
kind-reset-rejected = Demande de récupération rejetée

check-title = Ce message vient-il de nous ?
check-intro = Collez un message qui prétend venir de nous. Nous le comparons avec ce que nous vous avons réellement envoyé et recherchons des signes d'hameçonnage.
check-channel = Comment vous est-il parvenu ?
check-sender = Expéditeur (numéro de téléphone ou adresse e-mail)
check-text = Le message reçu
check-submit = Vérifier
verdict-genuine = Ce message vient bien de nous.
verdict-suspicious = Ce message ressemble à de l'hameçonnage. N'ouvrez pas ses liens et ne communiquez aucun code.
verdict-unknown = À notre connaissance, nous n'avons pas envoyé ce message. Soyez prudent.
reason-link-ip-host = Un lien pointe vers une simple adresse IP.
reason-link-not-official = Un lien mène à un site qui n'est pas le nôtre.
reason-link-lookalike = Un lien imite notre adresse avec des lettres qui se ressemblent.
reason-link-mixed-script = Un lien mélange des lettres de différents alphabets.
reason-link-punycode = Un lien utilise une adresse déguisée (punycode).
reason-link-shortener = Un lien cache sa destination derrière un réducteur d'URL.
reason-link-userinfo = Un lien utilise l'astuce « nom@site » pour cacher sa destination.
reason-sender-not-official = L'expéditeur ne fait pas partie de nos numéros ou adresses officiels.
reason-text-asks-to-share-code = Il vous demande d'envoyer ou de communiquer un code à quelqu'un. Nous ne le faisons jamais.
reason-text-urgency = Il vous pousse à agir immédiatement.
reason-text-wrong-language = Il n'est pas dans la langue que vous avez choisie pour nos messages.
reason-record-match = Il correspond à un message que nous vous avons envoyé.
reason-record-none = Nous n'avons aucune trace de son envoi.
## authenticity check (issue 11.8)
reason-link-scheme = Un lien ouvre une application, un appel, un message ou un script au lieu de notre site.
reason-record-altered = Il contient un code que nous vous avons envoyé, mais son texte a été modifié. Quelqu'un transmet un vrai code.
reason-record-incomplete = Il contient un code que nous vous avons envoyé, mais seulement une partie du message.
check-message = Il reprend notre message :
check-message-sent = envoyé le { $when }
check-difference = Ce qui diffère du message que nous avons envoyé
check-added = Il ajoute des mots que nous n'avons pas envoyés :
check-missing = Il omet des mots que nous avons envoyés :
check-request = La demande pour laquelle ce code a été envoyé
check-request-purpose = Demande
check-request-started = Début
check-request-device = Appareil
check-request-address = Lieu (adresse réseau)
check-request-state = État
check-request-no-address = Non enregistré
check-purpose-sign-in = Connexion
check-purpose-device-sign-in = Connexion sur une télévision ou une console
check-purpose-step-up = Confirmation d'identité avant une modification
check-purpose-enroll = Ajout d'une méthode de vérification
check-purpose-verify-email = Confirmation d'une adresse e-mail
check-purpose-approve = Approbation de la validation en deux étapes
check-purpose-reset-password = Réinitialisation d'un mot de passe oublié
check-purpose-service-step-up = Confirmation d'une demande de la boutique (commande, changement de paiement)
check-purpose-delivery = Un code de livraison pour un colis
check-state-open = En cours : le code fonctionne
check-state-completed = Terminée : le code a été utilisé
check-state-cancelled = Annulée (refusée)
check-state-expired = Expirée : le code ne fonctionne plus
check-steps = Que faire maintenant
check-step-dont-tap-or-reply = N'ouvrez pas ses liens et ne répondez pas. Ne donnez jamais un code à personne, même à quelqu'un qui dit venir de chez nous.
check-step-change-password-if-entered = Si vous avez saisi votre mot de passe sur une page où il menait, changez votre mot de passe maintenant.
check-step-paste-whole-message = Collez le message entier, tel que vous l'avez reçu, pour le vérifier.
check-step-use-code-only-self = Si vous êtes à l'origine de cette demande, saisissez le code uniquement sur notre site ou notre application.
check-step-request-over = Cette demande est terminée ; son code ne fonctionne plus.
check-step-not-you-password-known = Si vous n'en êtes pas à l'origine : nous n'envoyons un code de connexion qu'après le bon mot de passe, quelqu'un connaît donc votre mot de passe.
check-step-not-you-signed-in = Si vous n'en êtes pas à l'origine : quelqu'un est connecté à votre compte.
check-step-not-you-email-read = Si vous n'en êtes pas à l'origine : quelqu'un peut lire vos e-mails. Changez d'abord le mot de passe de votre messagerie, puis celui-ci.
check-step-deny-request = Arrêter la demande :
check-step-change-password = Changez votre mot de passe pour un mot de passe que vous n'utilisez nulle part ailleurs.
check-step-notice-only = C'est notre notification. Si vous n'avez pas fait ce qu'elle décrit, changez votre mot de passe.
check-deny-link = Ce n'était pas moi, refuser
check-password-link = Changer le mot de passe
check-official = Nos expéditeurs officiels
check-official-intro = Nos SMS et appels viennent uniquement de ces numéros, nos e-mails uniquement de ces domaines. Tout le reste ne vient pas de nous.
check-official-sms = SMS et appels
check-official-email = Courriel
err-message-text-empty = Collez le message que vous avez reçu.
err-message-text-unusable = Il n'y a rien à vérifier ici : collez le texte du message.
err-message-sender-unusable = Saisissez le numéro, le nom d'expéditeur ou l'adresse e-mail d'où il vient, ou laissez vide.
err-message-link-unusable = Un lien ne peut pas être lu comme une adresse ; collez-le tel qu'il est écrit.

approve-title = Approuver la configuration de la validation en deux étapes
approve-intro = Quelqu'un (vous, espérons-le) a demandé à configurer la validation en deux étapes sur votre compte. N'approuvez que si c'était vous.
approve-submit = Approuver
approve-done = Approuvé. Revenez à la page de configuration pour continuer.
approve-continue = Poursuivre la configuration
deny-title = Refuser cette demande
deny-intro = Vous n'avez pas demandé ce code ou cette modification ? Refusez-la : le code cesse de fonctionner et nous l'enregistrons.
deny-submit = Refuser
deny-done = Refusé. Le code ne fonctionne plus. Quelqu'un connaît peut-être votre mot de passe : modifiez-le dès maintenant.
deny-already-used = Ce code a déjà été utilisé. Si ce n'était pas vous, modifiez votre mot de passe dès maintenant et vérifiez votre historique de connexions.
deny-change-password = Modifier votre mot de passe

dev-inbox-title = Boîte de réception de développement
dev-inbox-intro = Ce que ninsho aurait envoyé. Affiché uniquement lorsque le fournisseur de développement est actif.

err-generic = Un problème est survenu. Réessayez.
err-csrf = Ce formulaire a expiré. Revenez en arrière, rechargez la page et réessayez.
err-request-too-large = Ce que vous avez envoyé est trop volumineux.
err-request-invalid = Le formulaire n'a pas pu être lu. Rechargez la page et réessayez.
err-not-found = Cette page n'existe pas.
err-request = Cette demande n'a pas pu être traitée. Revenez en arrière et réessayez.
err-auth-invalid-credentials = L'adresse e-mail ou le mot de passe est incorrect.
err-code-invalid = Ce code est incorrect ou a expiré.
err-code-malformed = Un code comporte au maximum 64 caractères.
err-challenge-closed = Ce code ne peut plus être utilisé. Recommencez.
err-auth-required = Veuillez vous connecter.
err-auth-step-up-required = Confirmez d'abord votre identité.
err-server-busy = Nous sommes très sollicités. Réessayez dans un instant.
err-server-internal = Un problème est survenu de notre côté. Réessayez.
err-method-disabled = Cette méthode est désactivée après trop de codes erronés. Configurez-la à nouveau.
err-limit-account = Trop de codes ont été envoyés. Réessayez dans { $wait }.
err-limit-address = Trop de demandes depuis votre réseau. Réessayez dans { $wait }.
err-limit-destination = Trop de codes ont été envoyés à ce numéro ou à cette adresse. Réessayez dans { $wait }.
err-conflict = Cet élément a été modifié ailleurs au même moment. Réessayez.
err-deny-already-used = Ce lien a déjà été utilisé.
err-deny-invalid-link = Ce lien n'est pas valide.
err-approve-invalid-link = Ce lien n'est pas valide ou a expiré.
err-address-invalid = Cette adresse n'est pas valide.
err-email-invalid = Saisissez une adresse e-mail valide.
err-locale-unsupported = Cette langue n'est pas disponible.
err-message-channel = Choisissez SMS ou e-mail.
err-message-too-long = Collez au maximum 10 000 caractères.
err-method-duplicate = Vous avez déjà cette méthode.
err-method-last-required = C'est votre dernière méthode ; désactivez plutôt la validation en deux étapes.
err-method-none = Aucune méthode ne permet de confirmer cela. Ajoutez-en une d'abord.
err-method-not-allowed = Cette méthode ne peut pas être utilisée ici.
err-method-not-app = Ce n'est pas une appli d'authentification.
err-method-not-phone = Ce n'est pas un numéro de téléphone.
err-method-not-preferable = Les codes de secours servent lorsque les autres méthodes échouent.
err-method-not-sendable = Les codes de cette méthode ne sont pas envoyés ; lisez-les dans votre appli ou sur votre liste.
err-method-unknown = Cette méthode n'existe pas.
err-password-current-wrong = Le mot de passe actuel est incorrect.
err-password-too-long = Ce mot de passe est trop long.
err-password-weak = Ce mot de passe est trop facile à deviner.
err-password-weak-too-short = Ce mot de passe est trop court.
err-password-weak-common = Ce mot de passe est parmi les plus utilisés. Choisissez-en un autre.
err-password-weak-personal = Ce mot de passe reprend votre adresse e-mail ou le nom de ce site. Choisissez-en un autre.
err-password-weak-digits = Un mot de passe fait uniquement de chiffres, comme une date ou un numéro de téléphone, est facile à deviner.
err-password-weak-one-character = Un mot de passe fait d'un seul caractère répété est facile à deviner.
err-password-weak-keyboard = Les rangées et motifs de touches, comme azerty, sont faciles à deviner. Utilisez plutôt quelques mots sans rapport entre eux.
err-password-weak-repeats = Les répétitions comme aaa ou abcabc ne sont guère plus difficiles à deviner que ce qui est répété.
err-password-weak-sequence = Les suites comme abcd ou 6543 sont faciles à deviner.
err-password-weak-dates = Les années et les dates sont faciles à deviner. Ajoutez quelques mots sans rapport entre eux.
err-password-weak-word = Un mot seul est facile à deviner. Ajoutez un ou deux autres mots.
err-password-weak-names = Les prénoms et noms de famille sont faciles à deviner. Ajoutez quelques mots sans rapport entre eux.
err-password-weak-guessable = Ce mot de passe est facile à deviner. Utilisez quelques mots sans rapport entre eux, comme une courte phrase que vous seul inventeriez.
err-phone-invalid = Saisissez un numéro de téléphone mobile valide.
err-phone-duplicate = Ce numéro est déjà enregistré.
err-phone-too-many = Vous avez atteint le nombre maximal de numéros de téléphone. Supprimez-en ou modifiez-en un.
err-step-up-password-required = Saisissez votre mot de passe.
err-twosv-approval-required = Approuvez d'abord l'e-mail que nous vous avons envoyé.
err-twosv-backup-required = Avec un numéro de téléphone, ajoutez aussi une méthode de secours.
err-twosv-no-primary-method = Ajoutez d'abord un numéro de téléphone ou une appli d'authentification.
err-twosv-no-usable-method = Aucune méthode n'est utilisable. Configurez-en une à nouveau.

recovery-title = Impossible de vous connecter ? Demandez une réinitialisation
recovery-link = Téléphone ou appli perdu ? Demandez une réinitialisation
recovery-intro = Si vous ne pouvez plus recevoir de codes, demandez-nous de désactiver la validation en deux étapes. Vos identifiants et une pièce d'identité sont nécessaires ; l'examen prend 1 à 2 jours et nous vous envoyons le résultat par e-mail.
recovery-doc-type = Pièce d'identité
recovery-document = Le document (DOC, DOCX, JPG, JPEG, PDF ou PNG, 8 Mo au plus)
recovery-document-hint = Il est conservé chiffré et supprimé une fois la décision prise.
recovery-submit = Envoyer la demande
recovery-done = Nous avons reçu votre demande. Nous vous écrirons dès qu'elle aura été examinée (1 à 2 jours).
doc-drivers-licence = Permis de conduire
doc-passport = Passeport
doc-pension-book = Carnet de pension
doc-residence-card = Carte de séjour
doc-health-insurance-card = Carte d'assurance maladie
doc-utility-receipt = Facture de services publics à votre adresse (moins de 6 mois)
err-recovery-document-type = Envoyez un fichier DOC, DOCX, JPG, JPEG, PDF ou PNG.
err-recovery-document-size = Le document doit faire 8 Mo au plus.
err-recovery-document-kind = Choisissez le type de pièce d'identité.
err-recovery-document-encoding = Le document n'a pas pu être lu.
err-recovery-not-needed = La validation en deux étapes est désactivée : connectez-vous avec votre mot de passe.
err-recovery-already-pending = Une demande est déjà en cours d'examen. Nous vous écrirons.
err-recovery-already-decided = Cette demande a déjà été traitée.
err-recovery-reason-required = Indiquez pourquoi la demande est refusée.
err-recovery-reason-too-long = Une raison compte 500 caractères au plus.
event-reset-requested = Réinitialisation de la validation en deux étapes demandée
event-reset-document-viewed = Le support a consulté votre pièce d'identité
event-reset-approved = Réinitialisation approuvée par le support
event-reset-rejected = Réinitialisation refusée par le support

## mot de passe oublié (F-ACC-5)
forgot-link = Mot de passe oublié ?
forgot-title = Réinitialiser votre mot de passe
forgot-intro = Saisissez l'adresse e-mail de votre compte. Nous vous enverrons un lien pour choisir un nouveau mot de passe. Si la vérification en deux étapes est activée, un code de l'une de vos méthodes sera aussi demandé.
forgot-submit = Envoyer le lien
forgot-sent = Si cette adresse correspond à un compte, nous lui avons envoyé un lien pour réinitialiser le mot de passe. Le lien est valable 30 minutes.
forgot-sent-hint = Rien reçu ? Vérifiez vos courriers indésirables et qu'il s'agit bien de l'adresse de votre inscription. Ne transférez cet e-mail à personne.
forgot-back = Retour à la connexion
reset-title = Choisir un nouveau mot de passe
reset-for = Pour le compte { $email }.
reset-closed = Ce lien a expiré ou a déjà été utilisé. Demandez-en un nouveau.
reset-ask-again = Demander un nouveau lien
reset-code-heading = Confirmer par la vérification en deux étapes
reset-code-phone = Envoyez un code à votre téléphone, puis saisissez-le ici.
reset-submit = Enregistrer le nouveau mot de passe
reset-other-methods = Utiliser une autre méthode
reset-no-method = Je ne peux utiliser aucune de mes méthodes
recovery-by-link = Votre lien de réinitialisation remplace votre adresse e-mail et votre mot de passe.
notice-password-reset = Votre mot de passe a été réinitialisé et toutes les sessions ont été fermées. Connectez-vous avec le nouveau mot de passe.
err-reset-invalid-link = Ce lien n'est pas valide. Demandez-en un nouveau.
err-reset-code-required = Saisissez le code de votre méthode de vérification en deux étapes.
event-password-reset-requested = Réinitialisation du mot de passe demandée
event-password-reset = Mot de passe réinitialisé
event-password-changed = Mot de passe modifié

## actions difficiles à annuler (seed 004)
twosv-off-title = Désactiver la vérification en deux étapes ?
twosv-off-lead = Votre compte ne sera plus protégé que par votre mot de passe.
twosv-off-what-codes = La connexion ne demandera plus de code, sur aucun navigateur ni appareil.
twosv-off-what-browsers = Les navigateurs dispensés de code sont oubliés.
twosv-off-what-again = Vous pouvez la réactiver à tout moment ; chaque adresse enregistrée est prévenue du changement.
method-remove-title = Supprimer cette méthode ?
method-remove-lead = { $method } sera supprimé de votre compte.
method-remove-what = Les codes ne seront plus envoyés à { $method } ni acceptés de cette méthode.
method-remove-what-told = Chaque adresse enregistrée est prévenue, celle-ci comprise.
method-remove-what-others = La connexion demandera un code de vos autres méthodes.
sign-out-all-title = Vous déconnecter partout ailleurs ?
sign-out-all-lead = { $count } autres sessions seront fermées immédiatement.
sign-out-all-what-here = Ce navigateur reste connecté.
sign-out-all-what-browsers = Les navigateurs dispensés de code restent de confiance ; vous pouvez les retirer sur la page des appareils.
feedback-title = Dites-nous pourquoi (facultatif)
feedback-intro = La vérification en deux étapes est désactivée. Si vous le souhaitez, dites-nous pourquoi : cela nous aide à la rendre plus simple.
feedback-label = Votre avis
feedback-send = Envoyer
feedback-skip = Passer
notice-feedback-thanks = La vérification en deux étapes est désactivée. Merci pour votre avis.
err-feedback-too-long = L'avis compte au plus 2000 caractères.

## the 2SV wizard and its links (issue 11.5)
approve-when = Demandé le
approve-device = Depuis
approve-where = Lieu
approve-deny = Ce n'était pas moi : refuser
setup-approval-waiting = L'e-mail n'a pas encore été approuvé. Ouvrez-le et touchez « Approuver », puis continuez ici.
phone-change-current = Vous remplacez le { $number }. Saisissez le nouveau numéro ; l'ancien reste valable jusqu'à la confirmation du nouveau.
notice-phone-changed = Votre numéro de téléphone a été changé. Les codes vont désormais au nouveau numéro.

## the reset request page (issue 11.10)
recovery-document-guidance = Votre nom, votre adresse et l'émetteur doivent être lisibles. Masquez les numéros de carte et de compte (par exemple un numéro d'assurance) avant la photo.
recovery-reference = Votre référence :
recovery-reference-hint = Indiquez-la si vous nous contactez. Nous l'avons aussi envoyée à chaque adresse enregistrée.
err-recovery-email-required = Saisissez l'adresse e-mail de votre compte.
err-recovery-password-required = Saisissez le mot de passe de votre compte.
err-recovery-document-missing = Choisissez le fichier de votre pièce d'identité.
recovery-cancel-title = Annuler cette demande de réinitialisation ?
recovery-cancel-intro = Si vous n'avez pas demandé à réinitialiser la vérification en deux étapes, ou n'en avez plus besoin, annulez la demande : votre pièce d'identité est supprimée et rien ne change sur votre compte.
recovery-cancel-submit = Annuler la demande
recovery-cancel-done = La demande est annulée et sa pièce supprimée. Si ce n'était pas vous, changez votre mot de passe : quelqu'un le connaît.
err-recovery-invalid-link = Ce lien n'est pas valide.
event-reset-cancelled = Demande de réinitialisation annulée par vous
