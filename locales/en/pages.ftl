# Page text, in English. Every language has the same keys (a test checks);
# error texts are `err-` + the error code with dots and underscores as dashes.

skip-to-content = Skip to content
nav-label = Account
nav-security = Login & Security
nav-devices = Devices
nav-messages = Messages
nav-sign-out = Sign out
language-label = Language
back-home = Back to the start page
save = Save
cancel = Cancel
continue = Continue
error-title = Something went wrong

field-email = E-mail address
field-password = Password
field-new-password = New password
field-current-password = Current password
field-password-and-code = Password, followed by the code if asked
field-language = Language
field-account-language = Language of e-mails, SMS and pages
field-phone = Mobile phone number
field-code = Code
field-backup-code = Backup code

password-rules = At least 12 characters, hard to guess: a few unrelated words work well. Avoid common passwords, keyboard patterns, repeats and your e-mail address.

sign-up-title = Create your account
sign-up-submit = Create account
sign-up-have-account = Already have an account?
sign-in-title = Sign in
sign-in-submit = Sign in
sign-in-no-account = New here?

device-title = Sign in on a TV or console
device-link = Signing in on a device without a second screen (TV, console)?
device-intro = On devices where you cannot open a second page, enter your password and then, when asked, your password again with the code added right after it.
device-append-code = Now enter your password again, with the current code added right after it (for example password123456).
device-hint = Use the code from your authenticator app, or the one we send you.

code-title-sign-in = Enter the code
code-title-verify-email = Confirm your e-mail address
code-title-step-up = Confirm it's you
code-title-service-step-up = Confirm with a code
code-service-step-up-reason = { $reason }: the shop asks you to confirm this with a code.
step-up-done = Confirmed. You can go back to the shop.
step-up-closed = This confirmation is no longer open. Go back to the shop and start again.
step-up-back = Back to the shop
code-title-enroll = Confirm your new method
code-instruction-app = Open your authenticator app and enter the 6-digit code it shows.
code-instruction-backup = Enter one of your backup codes. Each code works once.
code-instruction-sms = We sent a code by SMS to { $to }.
code-instruction-voice = We are calling { $to } to read out a code.
code-instruction-email = We e-mailed a code to { $to }.
code-instruction-email-account = We e-mailed a code to your address. It is valid for 10 minutes.
code-trust-browser = Don't require codes on this browser
code-trust-hint = You will still be asked for a code on other browsers and devices, and here before sensitive changes.
code-submit = Sign in
code-didnt-get = Didn't get a code?
code-resend = Send the code again
code-other-methods = Or use another method:
code-sent-to = We sent a code to { $to }.
code-resent = We sent a new code. Earlier codes no longer work.
code-resent-to = We sent a new code to { $to }. Earlier codes no longer work.
code-queued = Your code is on its way, but the message service is slow right now: it may take a few minutes. Only the newest code works. If nothing arrives, use another method.
code-send-failed = We could not send the code just now. Try again, or use another method.
code-closed = This code page has expired, or too many wrong codes were entered.
code-start-again = Start again

## messages and methods (issue 11.7)
# A phone number by its last digits; lengths of time in whole units.
phone-tail = the number ending in { $tail }
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
code-voice-instead = Call { $to } instead and read the code out
code-calling = We are calling { $to } to read out a new code. Earlier codes no longer work.

method-app = Authenticator app
method-sms = SMS to { $to }
method-voice = Voice call to { $to }
method-email = E-mail to { $to }
method-backup = Backup codes
use-app = Use your authenticator app
use-sms = Text a code to { $to }
use-voice = Call { $to } with a code
use-email = E-mail a code to { $to }
use-backup = Use a backup code

confirm-title = Confirm it's you
confirm-intro = This change needs a fresh confirmation, so that no one else can make it from a browser you left signed in.
confirm-with-code = We will ask you for a code from your preferred method.
confirm-submit = Continue

account-title = Login & Security
account-section = Account
password-title = Change password
password-sign-out-others = Sign out everywhere else

## e-mail change (issue 11.2)
email-change-title = Change e-mail address
email-change-intro = We send a code to the new address and tell your current one. Your current address keeps working until you enter the code.
field-new-email = New e-mail address
notice-email-changed = Your e-mail address was changed. Other browsers were signed out.
code-title-change-email = Confirm your new e-mail address
code-instruction-email-new = We e-mailed a code to your new address. It is valid for 10 minutes.
err-email-unchanged = This is already your e-mail address.
event-email-change-requested = E-mail address change requested
event-email-changed = E-mail address changed
event-service-step-up-started = A shop service asked you to confirm with a code
event-service-step-up-completed = Confirmed a shop service's request with a code
event-delivery-handed-over = Parcel handed over with your delivery code
event-delivery-held = Parcel held after wrong delivery codes at the door
kind-email-change-code = Code for a new e-mail address
kind-email-change-requested = E-mail address change requested
kind-email-changed = E-mail address changed
kind-email-change-taken = Attempt to use your address for another account
check-purpose-change-email = Changing the e-mail address

twosv-section = Two-step verification
twosv-on = On
twosv-off = Off
twosv-why = With two-step verification, signing in needs a code from your phone or app as well as your password.
twosv-turn-on = Turn on two-step verification
twosv-off-heading = Turn off two-step verification
twosv-off-clear = Also clear the settings (remove every phone, app and backup code)
twosv-turn-off = Turn off
methods-heading = Your methods
methods-add-heading = Add a method
method-preferred = Preferred
method-disabled = Disabled: set it up again
method-make-preferred = Make preferred
method-change-phone = Change number
method-replace-app = Replace app
method-remove = Remove
method-add-phone = Add a phone number
method-add-app = Add an authenticator app
method-add-email = Add e-mail as a method
backup-left = { $count } codes left
backup-create = Create backup codes
backup-regenerate = Create new backup codes
alerts-section = Sign-in alerts
alerts-label = E-mail me when my account is signed in from a new browser or device
more-section = More

notice-twosv-on = Two-step verification is on.
notice-twosv-off = Two-step verification is off.
notice-password-changed = Your password was changed.
notice-method-added = The method was added.
notice-method-removed = The method was removed.
notice-preferred-changed = Your preferred method was changed.
notice-alerts-saved = Your alert setting was saved.
notice-language-saved = Your language was saved.
notice-codes-saved = Your new backup codes are active; the old ones no longer work.

setup-title = Set up two-step verification
setup-step-approval = Approve by e-mail
setup-step-method = Choose phone or app
setup-step-backup = Add a backup method
setup-step-finish = Turn it on
setup-approval-intro = First, we e-mail you a link. Open it and press "Approve", so that no one else can set this up for you.
setup-approval-send = Send the approval e-mail
setup-approval-sent = We sent you an e-mail. Open the link in it, press "Approve", then come back here.
setup-approval-continue = I have approved, continue
setup-approval-resend = Send the e-mail again
setup-choose-intro = Choose where your codes come from. You can add the other one later as a backup.
setup-choose-phone = Phone number (SMS)
setup-choose-phone-hint = We send a code by SMS; a landline gets a voice call.
setup-choose-app = Authenticator app
setup-choose-app-hint = An app on your phone makes the codes, even offline.
setup-start = Start
setup-backup-required = With a phone number, add a backup method too, for when the phone is lost or SMS does not arrive.
setup-backup-optional = We recommend a backup method, for when your phone is lost.
setup-backup-skip = Skip for now
setup-finish-intro = Everything is ready. These methods will be used:
setup-finish-submit = Got it, turn on two-step verification

phone-title = Add a phone number
phone-change-title = Change a phone number
phone-intro = We will send a code to this number to check that it is yours.
phone-hint = For example 090-1234-5678, or +44 7700 900123 with the country code.
phone-restricted = SMS and voice codes can be intercepted or redirected (SIM swap). An authenticator app is safer; keep the phone as a backup.

app-title = Set up your authenticator app
app-step-install = Install an authenticator app on your phone (for example Google Authenticator or Microsoft Authenticator).
app-step-scan = In the app, add an account and scan this QR code.
app-qr-label = QR code for the authenticator app
app-cant-scan = Can't scan it? Enter this setup key instead:
app-same-phone = Setting up the app on this phone? Open it directly
app-step-code = Enter the 6-digit code the app now shows.

backup-title = Your backup codes
backup-once = Save these codes now: they are shown only this once.
backup-how = Each code signs you in once when your phone or app is not at hand. Keep them somewhere safe, such as a password manager.
backup-saved = I have saved them

devices-title = Devices and sessions
device-unknown = Unknown device
sessions-heading = Signed in on
session-current = This browser
session-since = signed in { $when }
session-last-seen = last used { $when }
session-sign-out = Sign out
session-sign-out-all = Sign out on every other device
browsers-heading = Browsers that don't ask for codes
browsers-hint = Changing your password or your methods removes them all.
browsers-none = No browser skips the code.
browser-until = until { $when }
browser-revoke = Ask for codes again

history-title = Sign-in history
history-intro = Recent sign-ins and attempts on your account.
history-empty = Nothing yet.
history-unfamiliar = New device
history-unfamiliar-hint = Don't recognise an entry? Change your password now.
event-sign-in = Signed in
event-wrong-password = Wrong password entered
event-wrong-code = Wrong code entered
event-code-sent = Code sent
event-denied = Code request denied
event-denied-after-use = Denied after the code was used
event-step-up = Confirmed with a code
event-method-disabled = Method disabled after wrong codes
event-sign-up = Account created

## devices and time zones (issue 11.6)
device-on = { $browser } on { $os }
place-city-country = { $city }, { $country }
times-in = Times are shown in { $zone }.
times-change = Change
field-time-zone = Time zone for dates and times
time-zone-auto = Automatic ({ $zone })
notice-time-zone-saved = Your time zone was saved.
err-time-zone-unknown = Choose a time zone from the list.

messages-title = Message center
messages-intro = Every e-mail, SMS and call we sent you. Codes are hidden.
messages-empty = We have not sent you anything yet.
channel-sms = SMS
channel-voice = Voice call
channel-email = E-mail
kind-verify-email-code = E-mail confirmation code
kind-sign-in-code = Sign-in code
kind-step-up-code = Confirmation code
kind-enroll-code = Code for a new method
kind-account-exists = Sign-up attempt with your address
kind-password-changed = Password changed
kind-method-added = Method added
kind-method-removed = Method removed
kind-twosv-enabled = Two-step verification turned on
kind-twosv-disabled = Two-step verification turned off
kind-new-sign-in = New sign-in
kind-deny-confirmation = Code request denied
kind-approval-request = Approval request
kind-repeated-code-warning = Repeated code requests
kind-delivery-code = Delivery code
kind-reset-received = Recovery request received
kind-reset-approved = Recovery request approved
kind-reset-rejected = Recovery request rejected

check-title = Is this message from us?
check-intro = Paste a message that claims to be from us. We compare it with what we really sent you and look for signs of phishing.
check-channel = How did it arrive?
check-sender = Sender (phone number or e-mail address)
check-text = The message
check-submit = Check
verdict-genuine = This message is from us.
verdict-suspicious = This message looks like phishing. Do not open its links or share any code.
verdict-unknown = We did not send this message, as far as we can tell. Be careful.
reason-link-ip-host = A link points to a bare IP address.
reason-link-not-official = A link goes to a site that is not ours.
reason-link-lookalike = A link imitates our address with similar-looking letters.
reason-link-mixed-script = A link mixes letters of different alphabets.
reason-link-punycode = A link uses a disguised (punycode) address.
reason-link-shortener = A link hides its destination behind a URL shortener.
reason-link-userinfo = A link uses the "name@site" trick to hide where it goes.
reason-sender-not-official = The sender is not one of our official numbers or addresses.
reason-text-asks-to-share-code = It asks you to send or tell someone a code. We never do.
reason-text-urgency = It pressures you to act at once.
reason-text-wrong-language = It is not in the language you chose for our messages.
reason-record-match = It matches a message we sent you.
reason-record-none = We have no record of sending it to you.
## authenticity check (issue 11.8)
reason-link-scheme = A link opens an app, a call, a message or a script instead of our website.
reason-record-altered = It carries a code we sent you, but its words were changed. Someone is passing on a real code.
reason-record-incomplete = It carries a code we sent you, but only part of the message.
check-message = It carries our message:
check-message-sent = sent { $when }
check-difference = How it differs from the message we sent
check-added = It adds words we did not send:
check-missing = It leaves out words we did send:
check-request = The request this code was sent for
check-request-purpose = Request
check-request-started = Started
check-request-device = Device
check-request-address = Place (network address)
check-request-state = Status
check-request-no-address = Not recorded
check-purpose-sign-in = Sign-in
check-purpose-device-sign-in = Sign-in on a TV or console
check-purpose-step-up = Confirming it is you before a change
check-purpose-enroll = Adding a verification method
check-purpose-verify-email = Confirming an e-mail address
check-purpose-approve = Approving two-step verification
check-purpose-reset-password = Resetting a forgotten password
check-purpose-service-step-up = Confirming a request of the shop (an order, a payment change)
check-purpose-delivery = A delivery code for a parcel
check-state-open = Still open: the code works
check-state-completed = Completed: the code was used
check-state-cancelled = Cancelled (denied)
check-state-expired = Expired: the code no longer works
check-steps = What to do now
check-step-dont-tap-or-reply = Don't tap its links and don't reply. Never tell anyone a code, not even someone who says they are from us.
check-step-change-password-if-entered = If you entered your password on a page it led to, change your password now.
check-step-paste-whole-message = Paste the whole message, exactly as you received it, to check it.
check-step-use-code-only-self = If you started this request, enter the code only on our own site or app.
check-step-request-over = This request is over; its code no longer works.
check-step-not-you-password-known = If you did not start it: we send a sign-in code only after the right password, so someone knows your password.
check-step-not-you-signed-in = If you did not start it: someone is signed in to your account.
check-step-not-you-email-read = If you did not start it: someone can read your e-mail. Change your e-mail password first, then this one.
check-step-deny-request = Stop the request:
check-step-change-password = Change your password to one you use nowhere else.
check-step-notice-only = It is our notice. If you did not do what it describes, change your password.
check-deny-link = This wasn't me, deny
check-password-link = Change password
check-official = Our official senders
check-official-intro = Our SMS and calls come only from these numbers, and our e-mail only from these domains. Anything else is not from us.
check-official-sms = SMS and calls
check-official-email = E-mail
err-message-text-empty = Paste the message you received.
err-message-text-unusable = There is nothing to check here: paste the words of the message.
err-message-sender-unusable = Enter the number, sender name or e-mail address it came from, or leave it empty.
err-message-link-unusable = A link cannot be read as an address; paste it as it is written.

approve-title = Approve two-step verification setup
approve-intro = Someone (hopefully you) asked to set up two-step verification on your account. Approve only if it was you.
approve-submit = Approve
approve-done = Approved. Return to the setup page to continue.
approve-continue = Continue the setup
deny-title = Deny this request
deny-intro = Didn't ask for this code or change? Deny it: the code stops working and we record it.
deny-submit = Deny
deny-done = Denied. The code no longer works. Someone may know your password: change it now.
deny-already-used = This code was already used. If it wasn't you, change your password now and check your sign-in history.
deny-change-password = Change your password

dev-inbox-title = Development inbox
dev-inbox-intro = What ninsho would have sent. Shown only while the development provider is active.

err-generic = Something went wrong. Try again.
err-csrf = This form has expired. Go back, reload the page and try again.
err-request-too-large = What you sent is too large.
err-request-invalid = The form could not be read. Reload the page and try again.
err-not-found = This page does not exist.
err-request = This request could not be handled. Go back and try again.
err-auth-invalid-credentials = The e-mail address or password is not right.
err-code-invalid = This code is not right, or it has expired.
err-code-malformed = A code has at most 64 characters.
err-challenge-closed = This code can no longer be used. Start again.
err-auth-required = Please sign in.
err-auth-step-up-required = Confirm it's you first.
err-server-busy = We are busy. Try again in a moment.
err-server-internal = Something went wrong on our side. Try again.
err-method-disabled = This method is disabled after too many wrong codes. Set it up again.
err-limit-account = Too many codes were sent. Try again in { $wait }.
err-limit-address = Too many requests from your network. Try again in { $wait }.
err-limit-destination = Too many codes were sent to this number or address. Try again in { $wait }.
err-conflict = This was changed at the same moment elsewhere. Try again.
err-deny-already-used = This link was already used.
err-deny-invalid-link = This link is not valid.
err-approve-invalid-link = This link is not valid, or it has expired.
err-address-invalid = This address is not valid.
err-email-invalid = Enter a valid e-mail address.
err-locale-unsupported = This language is not available.
err-message-channel = Choose SMS or e-mail.
err-message-too-long = Paste at most 10,000 characters.
err-method-duplicate = You already have this method.
err-method-last-required = This is your last method; turn off two-step verification instead.
err-method-none = No method can confirm this. Add one first.
err-method-not-allowed = This method cannot be used here.
err-method-not-app = This is not an authenticator app.
err-method-not-phone = This is not a phone number.
err-method-not-preferable = Backup codes are for when other methods fail.
err-method-not-sendable = Codes for this method are not sent; read it from your app or list.
err-method-unknown = This method does not exist.
err-password-current-wrong = The current password is not right.
err-password-too-long = This password is too long.
err-password-weak = This password is too easy to guess.
err-password-weak-too-short = This password is too short.
err-password-weak-common = This password is among the most used ones. Choose another.
err-password-weak-personal = This password is built on your e-mail address or this site's name. Choose another.
err-password-weak-digits = A password of only digits, such as a date or a phone number, is easy to guess.
err-password-weak-one-character = A password of one repeated character is easy to guess.
err-password-weak-keyboard = Rows and patterns of keys, such as qwerty, are easy to guess. Use a few unrelated words instead.
err-password-weak-repeats = Repeats such as aaa or abcabc are hardly harder to guess than what is repeated.
err-password-weak-sequence = Sequences such as abcd or 6543 are easy to guess.
err-password-weak-dates = Years and dates are easy to guess. Add a few unrelated words.
err-password-weak-word = A single word is easy to guess. Add another word or two.
err-password-weak-names = Names and surnames are easy to guess. Add a few unrelated words.
err-password-weak-guessable = This password is easy to guess. Use a few unrelated words, such as a short phrase only you would make up.
err-phone-invalid = Enter a valid mobile phone number.
err-phone-duplicate = This number is already registered.
err-phone-too-many = You have the most phone numbers allowed. Remove or change one.
err-step-up-password-required = Enter your password.
err-twosv-approval-required = Approve the e-mail we sent you first.
err-twosv-backup-required = With a phone number, add a backup method too.
err-twosv-no-primary-method = Add a phone number or an authenticator app first.
err-twosv-no-usable-method = No method can be used. Set one up again.

recovery-title = Can't sign in? Ask for a reset
recovery-link = Lost your phone or app? Ask for a reset
recovery-intro = If you can no longer receive codes, ask us to turn off two-step verification. Sign in details and an identity document are needed; our review takes 1–2 days, and we e-mail you the result.
recovery-doc-type = Identity document
recovery-document = The document (DOC, DOCX, JPG, JPEG, PDF or PNG, at most 8 MB)
recovery-document-hint = It is kept encrypted and deleted once we have decided.
recovery-submit = Send the request
recovery-done = We received your request. We will e-mail you once we have reviewed it (1–2 days).
doc-drivers-licence = Driving licence
doc-passport = Passport
doc-pension-book = Pension book
doc-residence-card = Residence card
doc-health-insurance-card = Health insurance card
doc-utility-receipt = Utility receipt for your address (under 6 months old)
err-recovery-document-type = Upload a DOC, DOCX, JPG, JPEG, PDF or PNG file.
err-recovery-document-size = The document must be a file of at most 8 MB.
err-recovery-document-kind = Choose the kind of identity document.
err-recovery-document-encoding = The document could not be read.
err-recovery-not-needed = Two-step verification is off: sign in with your password.
err-recovery-already-pending = A request is already being reviewed. We will e-mail you.
err-recovery-already-decided = This request was already decided.
err-recovery-reason-required = Say why the request is rejected.
err-recovery-reason-too-long = A reason has at most 500 characters.
event-reset-requested = 2SV reset requested
event-reset-document-viewed = Support looked at your identity document
event-reset-approved = 2SV reset approved by support
event-reset-rejected = 2SV reset rejected by support

## forgotten password (F-ACC-5)
forgot-link = Forgot your password?
forgot-title = Reset your password
forgot-intro = Enter the e-mail address of your account. We will send a link to set a new password. If two-step verification is on, you will also need a code from one of your methods.
forgot-submit = Send the link
forgot-sent = If this address belongs to an account, we have sent it a link to reset the password. The link works for 30 minutes.
forgot-sent-hint = Nothing arrived? Check your spam folder and that the address is the one you signed up with. Don't forward the e-mail to anyone.
forgot-back = Back to sign-in
reset-title = Choose a new password
reset-for = For the account { $email }.
reset-closed = This link has expired or was already used. Ask for a new one.
reset-ask-again = Ask for a new link
reset-code-heading = Confirm with two-step verification
reset-code-phone = Send a code to your phone, then enter it here.
reset-submit = Save the new password
reset-other-methods = Use another method
reset-no-method = I can't use any of my methods
recovery-by-link = Your reset link stands in for your e-mail address and password.
notice-password-reset = Your password was reset and every session was signed out. Sign in with the new password.
err-reset-invalid-link = This link is not valid. Ask for a new one.
err-reset-code-required = Enter the code from your two-step verification method.
event-password-reset-requested = Password reset requested
event-password-reset = Password reset
event-password-changed = Password changed

## safe destructive actions (seed 004)
twosv-off-title = Turn off two-step verification?
twosv-off-lead = Your account will be protected by your password alone.
twosv-off-what-codes = Signing in will no longer ask for a code, on any browser or device.
twosv-off-what-browsers = Browsers you told not to ask for codes are forgotten.
twosv-off-what-again = You can turn it on again at any time; every address on file is told of the change.
method-remove-title = Remove this method?
method-remove-lead = { $method } will be removed from your account.
method-remove-what = Codes will no longer be sent to or accepted from { $method }.
method-remove-what-told = Every address on file is told, this one included.
method-remove-what-others = Signing in will ask for a code from your other methods.
sign-out-all-title = Sign out everywhere else?
sign-out-all-lead = { $count } other sessions will be signed out at once.
sign-out-all-what-here = This browser stays signed in.
sign-out-all-what-browsers = Browsers you told not to ask for codes stay trusted; you can remove them on the devices page.
feedback-title = Tell us why (optional)
feedback-intro = Two-step verification is off. If you like, tell us why: it helps us make it easier to use.
feedback-label = Your feedback
feedback-send = Send
feedback-skip = Skip
notice-feedback-thanks = Two-step verification is off. Thank you for your feedback.
err-feedback-too-long = Feedback has at most 2000 characters.

## the 2SV wizard and its links (issue 11.5)
approve-when = Asked at
approve-device = From
approve-where = Where
approve-deny = This wasn't me: deny
setup-approval-waiting = The e-mail has not been approved yet. Open it and tap "Approve", then continue here.
phone-change-current = You are replacing { $number }. Enter the new number; the old one keeps working until the new one is confirmed.
notice-phone-changed = Your phone number was changed. Codes now go to the new number.

## the reset request page (issue 11.10)
recovery-document-guidance = Your name, address and the issuer must be readable. Cover card and account numbers (for example an Individual Number or insurance number) before you take the picture.
recovery-reference = Your reference:
recovery-reference-hint = Quote it if you contact us. We also e-mailed it to every address on file.
err-recovery-email-required = Enter the e-mail address of your account.
err-recovery-password-required = Enter the password of your account.
err-recovery-document-missing = Choose the file of your identity document.
recovery-cancel-title = Cancel this 2SV reset request?
recovery-cancel-intro = If you did not ask to reset two-step verification, or no longer need it, cancel the request: your identity document is deleted and nothing changes on your account.
recovery-cancel-submit = Cancel the request
recovery-cancel-done = The request is cancelled and its document deleted. If you did not make it, change your password: someone knows it.
err-recovery-invalid-link = This link is not valid.
event-reset-cancelled = 2SV reset request cancelled by you
deliveries-title = Deliveries
deliveries-intro = Parcels that need a delivery code. Tell the code only to the courier when you receive the parcel; you may pass it to someone receiving it for you.
deliveries-empty = No parcel needs a code now.
deliveries-tell-courier = Tell it only to the courier at the door.
deliveries-valid-until = Valid until { $until }.
deliveries-resend = Send the code again
deliveries-resent = A new code was sent; the earlier one no longer works.
delivery-status-pending = On its way
delivery-status-handed-over = Handed over
delivery-status-held = Held: too many wrong codes at the door
delivery-status-not-required = No code needed
