# Messages ninsho sends, in English. One file per language; adding a language is
# adding a folder (F-MSG-5). Variables: $issuer, $code, $spoken (digits said one by
# one), $validity ("10 minutes"), $deny_url, $count, $detail (a method, a change, a
# device: worded below, never a raw key), $url.

-dont-share = Don't share it with anyone.
-deny = Didn't request this? Deny:

verify-email-code-what = e-mail confirmation code
sign-in-code-what = sign-in code
step-up-code-what = code to confirm a change
service-step-up-code-what = code to confirm { $reason }
reason-order = your order of { $amount }
reason-payment-method = a change of payment method
reason-delivery-address = a change of delivery address
reason-request = a request from { $issuer }
enroll-code-what = code to add this method
delivery-code-what = delivery code

code-sms = { $issuer }: { $code } is your { $what }. { -dont-share } { -deny } { $deny_url }
code-voice = This is { $issuer }. Your { $what } is: { $spoken }. Again: { $spoken }. { -dont-share }
code-email-subject = { $issuer }: your { $what }
code-email =
    Your { $issuer } { $what } is:

        { $code }

    It is valid for { $validity }. { -dont-share }

    { -deny } { $deny_url }

account-exists-subject = { $issuer }: someone tried to create an account
account-exists = Someone tried to create an account with your e-mail address. If it was you, sign in instead: { $url }
password-changed-subject = { $issuer }: your password was changed
password-changed = Your password was changed. If this wasn't you, reset it now: { $url }
method-added-subject = { $issuer }: a sign-in method was added
method-added = A two-step verification method was added to your account: { $detail }. If this wasn't you: { $url }
method-removed-subject = { $issuer }: a sign-in method was removed
method-removed = A two-step verification method was removed from your account: { $detail }. If this wasn't you: { $url }
twosv-enabled-subject = { $issuer }: two-step verification is on
twosv-enabled = Two-step verification was turned on for your account. If this wasn't you: { $url }
twosv-disabled-subject = { $issuer }: two-step verification is off
twosv-disabled = Two-step verification was turned off for your account. If this wasn't you: { $url }
new-sign-in-subject = { $issuer }: new sign-in to your account
new-sign-in = Your account was signed in from a new browser or device: { $detail }. If this wasn't you, change your password: { $url }
deny-confirmation-subject = { $issuer }: we stopped a sign-in attempt
deny-confirmation = You told us a code request was not you; we cancelled it. Change your password now: { $url }

# A delivery code is told to the courier, so its text differs from a sign-in code's.
delivery-code-sms = { $issuer }: { $code } is your delivery code. Tell it only to the courier when you receive your parcel. { -deny } { $deny_url }
delivery-code-voice = This is { $issuer }. Your delivery code is: { $spoken }. Again: { $spoken }. Tell it only to the courier.
delivery-code-email-subject = { $issuer }: your delivery code
delivery-handed-over = Your parcel was handed over with your delivery code. Not received? See { $url }
delivery-handed-over-subject = { $issuer }: your parcel was handed over
delivery-code-email =
    Your { $issuer } delivery code is:

        { $code }

    Tell it only to the courier when you receive your parcel; it is valid until the end of the delivery day.

    { -deny } { $deny_url }

approval-request-subject = { $issuer }: approve a change to two-step verification
approval-request = Someone asked to turn on or change two-step verification for your account. If it was you, approve: { $approve_url } If not, deny: { $deny_url }
repeated-code-warning-subject = { $issuer }: codes were requested for your account again and again
repeated-code-warning = Sign-in codes were requested for your { $issuer } account { $count } times without a sign-in, the latest at { $when } from { $detail }. Someone may know your password. If it was not you, choose a new password: { $password_url } Deny the latest request: { $deny_url } Your sign-in history: { $url }
reset-received-subject = { $issuer }: we received your 2SV reset request
reset-received = We received your request to reset two-step verification. Our review takes 1–2 days. If this wasn't you, cancel it: { $url }
reset-approved-subject = { $issuer }: your 2SV reset was approved
reset-approved = Your request was approved: two-step verification is off and your password alone signs you in. Turn it on again: { $url }
reset-rejected-subject = { $issuer }: your 2SV reset was not approved
reset-rejected = Your request to reset two-step verification was not approved: { $detail }. { $url }

# F-ACC-5: a forgotten password. The link opens the reset; with 2SV on, a code is asked too.
password-reset-link-subject = { $issuer }: reset your password
password-reset-link = Someone asked to reset the password of your { $issuer } account. If it was you, choose a new password within { $validity }: { $url } If it wasn't you, ignore this e-mail: your password stays as it is. Cancel the request: { $deny_url }
password-reset-code-what = code to reset your password
password-was-reset-subject = { $issuer }: your password was reset
password-was-reset = { $issuer }: your password was reset and every session was signed out. If this wasn't you, contact us now: { $url }

# F-ACC-6: changing the account's e-mail address. $detail is the new address, masked.
email-change-code-what = code to confirm your new e-mail address
email-change-requested-subject = { $issuer }: a change of your e-mail address was requested
email-change-requested = Someone asked to change the e-mail address of your { $issuer } account to { $detail }. This address keeps working until the new one is confirmed. If this wasn't you, cancel it: { $deny_url }
email-changed-subject = { $issuer }: your e-mail address was changed
email-changed = The e-mail address of your account was changed to { $detail }. If this wasn't you, contact us now: { $url }
email-change-taken-subject = { $issuer }: someone tried to use your e-mail address
email-change-taken = Someone tried to move another account to your e-mail address. Your account is unchanged; you need not do anything. { $url }

# F-2SV-6: a phone number replaced by another is one change.
phone-changed-subject = { $issuer }: your phone number was changed
phone-changed = The phone number for two-step verification was changed ({ $detail }). If this wasn't you: { $url }

# What a notice is about ($detail). A method by its name, a number by its last digits.
phone-tail = ending in { $tail }
method-name = { $method ->
    [phone] phone number ending in { $tail }
    [totp] authenticator app
    [email] e-mail
    [backup_codes] backup codes
   *[other] sign-in method
}
detail-locked-out = { $name }, turned off after too many wrong codes
detail-phone-changed = { $from } → { $to }

# How long something lasts: whole hours or days where they fit, never "0 minutes".
span-seconds = { $n ->
    [one] 1 second
   *[other] { $n } seconds
}
span-minutes = { $n ->
    [one] 1 minute
   *[other] { $n } minutes
}
span-hours = { $n ->
    [one] 1 hour
   *[other] { $n } hours
}
span-days = { $n ->
    [one] 1 day
   *[other] { $n } days
}

# F-OFF-5: support locked the account while it investigates; $until is local time.
account-locked-subject = { $issuer }: your account is paused while we check it
account-locked = Our support team is checking your { $issuer } account for sign-ins that may not be yours, so the account is paused until { $until }: signing in is not possible and no codes are sent. Questions: { $support }
account-unlocked-subject = { $issuer }: your account is open again
account-unlocked = Your { $issuer } account is open again: you can sign in as before. We suggest choosing a new password. { $url }
twosv-suspended-subject = { $issuer }: two-step verification is paused until { $until }
twosv-suspended = Two-step verification for your { $issuer } account is paused until { $until }: signing in asks for your password only. It switches back on by itself then, or sooner at { $url } If this wasn't you, switch it back on and change your password.
twosv-resumed-subject = { $issuer }: two-step verification is back on
twosv-resumed = Two-step verification for your { $issuer } account is back on: signing in asks for a code again. { $url }

# F-ORG-1: an invitation to join an organisation
org-invitation-subject = { $issuer }: { $inviter } invites you to join { $org }
org-invitation = { $inviter } invites you to join the organisation { $org } on { $issuer } as { $role ->
    [owner] an owner
    [admin] an admin
   *[staff] a member of staff
}. Accept within { $validity }, signed in with this e-mail address: { $url } Members of an organisation sign in with two-step verification. If you don't know { $org }, ignore this e-mail.
