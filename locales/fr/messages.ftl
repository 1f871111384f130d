# Messages envoyés par ninsho, en français.

-dont-share = Ne le communiquez à personne.
-deny = Ce n'est pas vous ? Refuser :

verify-email-code-what = code de confirmation d'e-mail
sign-in-code-what = code de connexion
step-up-code-what = code de confirmation de modification
service-step-up-code-what = code pour confirmer { $reason }
reason-order = votre commande de { $amount }
reason-payment-method = le changement de moyen de paiement
reason-delivery-address = le changement d'adresse de livraison
reason-request = une demande de { $issuer }
enroll-code-what = code d'ajout de méthode
delivery-code-what = code de livraison

code-sms = { $issuer } : { $code } est votre { $what }. { -dont-share } { -deny } { $deny_url }
code-voice = Ici { $issuer }. Votre { $what } est : { $spoken }. Je répète : { $spoken }. { -dont-share }
code-email-subject = { $issuer } : votre { $what }
code-email =
    Votre { $what } { $issuer } :

        { $code }

    Il est valable { $validity }. { -dont-share }

    { -deny } { $deny_url }

account-exists-subject = { $issuer } : tentative de création de compte
account-exists = Quelqu'un a tenté de créer un compte avec votre adresse e-mail. Si c'était vous, connectez-vous : { $url }
password-changed-subject = { $issuer } : votre mot de passe a été modifié
password-changed = Votre mot de passe a été modifié. Si ce n'est pas vous, réinitialisez-le : { $url }
method-added-subject = { $issuer } : une méthode de connexion a été ajoutée
method-added = Une méthode de vérification en deux étapes a été ajoutée à votre compte : { $detail }. Si ce n'est pas vous : { $url }
method-removed-subject = { $issuer } : une méthode de connexion a été supprimée
method-removed = Une méthode de vérification en deux étapes a été supprimée de votre compte : { $detail }. Si ce n'est pas vous : { $url }
twosv-enabled-subject = { $issuer } : vérification en deux étapes activée
twosv-enabled = La vérification en deux étapes a été activée pour votre compte. Si ce n'est pas vous : { $url }
twosv-disabled-subject = { $issuer } : vérification en deux étapes désactivée
twosv-disabled = La vérification en deux étapes a été désactivée pour votre compte. Si ce n'est pas vous : { $url }
new-sign-in-subject = { $issuer } : nouvelle connexion à votre compte
new-sign-in = Votre compte a été connecté depuis un nouveau navigateur ou appareil : { $detail }. Si ce n'est pas vous, changez votre mot de passe : { $url }
deny-confirmation-subject = { $issuer } : nous avons annulé une demande de code
deny-confirmation = Vous nous avez signalé une demande de code qui ne venait pas de vous ; nous l'avons annulée. Changez votre mot de passe : { $url }

delivery-code-sms = { $issuer } : { $code } est votre code de livraison. Communiquez-le uniquement au livreur à la remise du colis. { -deny } { $deny_url }
delivery-code-voice = Ici { $issuer }. Votre code de livraison est : { $spoken }. Je répète : { $spoken }. Communiquez-le uniquement au livreur.
delivery-code-email-subject = { $issuer } : votre code de livraison
delivery-handed-over = Votre colis a été remis avec votre code de livraison. Pas reçu ? Voir { $url }
delivery-handed-over-subject = { $issuer } : votre colis a été remis
delivery-code-email =
    Votre code de livraison { $issuer } :

        { $code }

    Communiquez-le uniquement au livreur à la remise du colis ; il est valable jusqu'à la fin du jour de livraison.

    { -deny } { $deny_url }

approval-request-subject = { $issuer } : approuvez une modification de la vérification en deux étapes
approval-request = Quelqu'un a demandé d'activer ou de modifier la vérification en deux étapes de votre compte. Si c'était vous, approuvez : { $approve_url } Sinon, refusez : { $deny_url }
repeated-code-warning-subject = { $issuer } : des codes sont demandés sans cesse pour votre compte
repeated-code-warning = Des codes de connexion ont été demandés { $count } fois pour votre compte { $issuer } sans connexion, le dernier le { $when } depuis { $detail }. Quelqu'un connaît peut-être votre mot de passe. Si ce n'est pas vous, choisissez un nouveau mot de passe : { $password_url } Refuser la dernière demande : { $deny_url } Votre historique de connexion : { $url }
reset-received-subject = { $issuer } : nous avons reçu votre demande de réinitialisation
reset-received = Nous avons reçu votre demande de réinitialisation de la vérification en deux étapes. L'examen prend 1 à 2 jours. Si ce n'est pas vous, annulez-la : { $url }
reset-approved-subject = { $issuer } : votre réinitialisation a été approuvée
reset-approved = Votre demande a été approuvée : la vérification en deux étapes est désactivée et votre mot de passe seul permet de vous connecter. Réactivez-la : { $url }
reset-rejected-subject = { $issuer } : votre réinitialisation n'a pas été approuvée
reset-rejected = Votre demande de réinitialisation de la vérification en deux étapes n'a pas été approuvée : { $detail }. { $url }

# F-ACC-5 : mot de passe oublié. Le lien ouvre la réinitialisation ; avec la 2SV, un code est demandé aussi.
password-reset-link-subject = { $issuer } : réinitialiser votre mot de passe
password-reset-link = Quelqu'un a demandé à réinitialiser le mot de passe de votre compte { $issuer }. Si c'est vous, choisissez un nouveau mot de passe dans un délai de { $validity } : { $url } Sinon, ignorez cet e-mail : votre mot de passe reste inchangé. Annuler la demande : { $deny_url }
password-reset-code-what = code de réinitialisation du mot de passe
password-was-reset-subject = { $issuer } : votre mot de passe a été réinitialisé
password-was-reset = { $issuer } : votre mot de passe a été réinitialisé et toutes les sessions ont été fermées. Si ce n'est pas vous, contactez-nous sans attendre : { $url }

# F-ACC-6 : changer l'adresse e-mail du compte. $detail est la nouvelle adresse, masquée.
email-change-code-what = code de confirmation de votre nouvelle adresse e-mail
email-change-requested-subject = { $issuer } : changement d'adresse e-mail demandé
email-change-requested = Quelqu'un a demandé à remplacer l'adresse e-mail de votre compte { $issuer } par { $detail }. Cette adresse reste valable tant que la nouvelle n'est pas confirmée. Si ce n'est pas vous, annulez : { $deny_url }
email-changed-subject = { $issuer } : votre adresse e-mail a été changée
email-changed = L'adresse e-mail de votre compte est désormais { $detail }. Si ce n'est pas vous, contactez-nous sans attendre : { $url }
email-change-taken-subject = { $issuer } : quelqu'un a tenté d'utiliser votre adresse e-mail
email-change-taken = Quelqu'un a tenté de passer un autre compte à votre adresse e-mail. Votre compte n'a pas changé ; vous n'avez rien à faire. { $url }

# F-2SV-6 : un numéro remplacé par un autre est un seul changement.
phone-changed-subject = { $issuer } : votre numéro de téléphone a été modifié
phone-changed = Le numéro de téléphone de la vérification en deux étapes a été modifié ({ $detail }). Si ce n'est pas vous : { $url }

# Ce dont parle un avis ($detail). Un numéro par ses derniers chiffres.
phone-tail = se terminant par { $tail }
method-name = { $method ->
    [phone] numéro de téléphone se terminant par { $tail }
    [totp] application d'authentification
    [email] e-mail
    [backup_codes] codes de secours
   *[other] méthode de connexion
}
detail-locked-out = { $name }, désactivé après trop de codes erronés
detail-phone-changed = { $from } → { $to }

# Durées : en heures ou en jours entiers quand elles tombent juste.
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

# F-OFF-5 : le support suspend le compte le temps de l'enquête ; $until est l'heure locale.
account-locked-subject = { $issuer } : votre compte est en pause le temps d'une vérification
account-locked = Notre support vérifie des connexions à votre compte { $issuer } qui pourraient venir d'un tiers. Le compte est en pause jusqu'au { $until } : connexion impossible, aucun code envoyé. Questions : { $support }
account-unlocked-subject = { $issuer } : votre compte est de nouveau ouvert
account-unlocked = Votre compte { $issuer } est de nouveau ouvert : vous pouvez vous connecter comme avant. Nous vous suggérons de choisir un nouveau mot de passe. { $url }
twosv-suspended-subject = { $issuer } : vérification en deux étapes en pause jusqu'au { $until }
twosv-suspended = La vérification en deux étapes de votre compte { $issuer } est en pause jusqu'au { $until } : le mot de passe suffit pour se connecter. Elle se réactive seule à cette heure, ou plus vite ici : { $url } Si ce n'est pas vous, réactivez-la et changez de mot de passe.
twosv-resumed-subject = { $issuer } : vérification en deux étapes réactivée
twosv-resumed = La vérification en deux étapes de votre compte { $issuer } est de nouveau active : la connexion demande de nouveau un code. { $url }

# F-ORG-1 : une invitation à rejoindre une organisation
org-invitation-subject = { $issuer } : { $inviter } vous invite à rejoindre { $org }
org-invitation = { $inviter } vous invite à rejoindre l'organisation { $org } sur { $issuer } comme { $role ->
    [owner] propriétaire
    [admin] administrateur
   *[staff] membre du personnel
}. Acceptez dans un délai de { $validity }, connecté avec cette adresse e-mail : { $url } Les membres d'une organisation se connectent avec la validation en deux étapes. Si vous ne connaissez pas { $org }, ignorez cet e-mail.
