//! Turns a message intent into text. Every code message says whose code it is, not
//! to share it, carries the deny link, and (SMS) ends with the origin-bound line
//! `@host #code` (F-OTP-4, F-OTP-7). Voice reads the digits one by one, twice.

use std::collections::BTreeMap;

use ninsho_domain::messages::Template;
use ninsho_domain::types::{Channel, Locale};

#[derive(Clone, Debug)]
pub struct Rendered {
    pub subject: Option<String>,
    pub body: String,
}

fn var<'a>(vars: &'a BTreeMap<String, String>, k: &str) -> &'a str {
    vars.get(k).map(String::as_str).unwrap_or("")
}

/// The words for "your code" messages, per language: (code line, don't share, deny).
fn code_words(locale: Locale, purpose: Template) -> (&'static str, &'static str, &'static str) {
    use Locale::*;
    let what = match (locale, purpose) {
        (En, Template::VerifyEmailCode) => "e-mail confirmation code",
        (En, Template::StepUpCode) => "code to confirm a change",
        (En, Template::EnrollCode) => "code to add this method",
        (En, _) => "sign-in code",
        (Ja, Template::VerifyEmailCode) => "メールアドレス確認コード",
        (Ja, Template::StepUpCode) => "変更確認コード",
        (Ja, Template::EnrollCode) => "認証方法登録コード",
        (Ja, _) => "ログイン用ワンタイムパスワード",
        (Zh, Template::VerifyEmailCode) => "邮箱验证码",
        (Zh, Template::StepUpCode) => "变更确认验证码",
        (Zh, Template::EnrollCode) => "添加验证方式的验证码",
        (Zh, _) => "登录验证码",
        (Fr, Template::VerifyEmailCode) => "code de confirmation d'e-mail",
        (Fr, Template::StepUpCode) => "code de confirmation de modification",
        (Fr, Template::EnrollCode) => "code d'ajout de méthode",
        (Fr, _) => "code de connexion",
    };
    let (share, deny) = match locale {
        En => ("Don't share it with anyone.", "Didn't request this? Deny:"),
        Ja => ("このコードは誰にも教えないでください。", "心当たりがない場合は拒否:"),
        Zh => ("请勿将此验证码告诉任何人。", "不是您本人操作?拒绝:"),
        Fr => ("Ne le communiquez à personne.", "Ce n'est pas vous ? Refuser :"),
    };
    (what, share, deny)
}

fn notice_words(locale: Locale, t: Template) -> (&'static str, &'static str) {
    use Locale::*;
    use Template::*;
    match (locale, t) {
        (En, AccountExists) => ("Someone tried to create an account", "Someone tried to create an account with your e-mail address. If it was you, sign in instead."),
        (En, PasswordChanged) => ("Your password was changed", "Your password was changed. If this wasn't you, reset it now."),
        (En, MethodAdded) => ("A sign-in method was added", "A two-step verification method was added to your account:"),
        (En, MethodRemoved) => ("A sign-in method was removed", "A two-step verification method was removed from your account:"),
        (En, TwoSvEnabled) => ("Two-step verification is on", "Two-step verification was turned on for your account."),
        (En, TwoSvDisabled) => ("Two-step verification is off", "Two-step verification was turned off for your account."),
        (En, NewSignIn) => ("New sign-in to your account", "Your account was signed in from a new browser or device:"),
        (En, DenyConfirmation) => ("We stopped a sign-in attempt", "You told us a code request was not you; we cancelled it. Change your password now:"),
        (Ja, AccountExists) => ("アカウント作成の試行がありました", "お客様のメールアドレスでアカウントを作成しようとする操作がありました。ご本人の場合はログインしてください。"),
        (Ja, PasswordChanged) => ("パスワードが変更されました", "パスワードが変更されました。お心当たりがない場合は、すぐに再設定してください。"),
        (Ja, MethodAdded) => ("認証方法が追加されました", "2段階認証の方法が追加されました:"),
        (Ja, MethodRemoved) => ("認証方法が削除されました", "2段階認証の方法が削除されました:"),
        (Ja, TwoSvEnabled) => ("2段階認証が有効になりました", "お客様のアカウントで2段階認証が有効になりました。"),
        (Ja, TwoSvDisabled) => ("2段階認証が無効になりました", "お客様のアカウントで2段階認証が無効になりました。"),
        (Ja, NewSignIn) => ("新しいログインがありました", "新しいブラウザまたはデバイスからログインがありました:"),
        (Ja, DenyConfirmation) => ("ログインの試行を止めました", "ご本人ではないとのご連絡を受け、リクエストを取り消しました。パスワードを変更してください:"),
        (Zh, AccountExists) => ("有人尝试创建账户", "有人尝试使用您的邮箱地址创建账户。如果是您本人,请直接登录。"),
        (Zh, PasswordChanged) => ("您的密码已更改", "您的密码已更改。如果不是您本人操作,请立即重置。"),
        (Zh, MethodAdded) => ("已添加验证方式", "您的账户已添加两步验证方式:"),
        (Zh, MethodRemoved) => ("已删除验证方式", "您的账户已删除两步验证方式:"),
        (Zh, TwoSvEnabled) => ("两步验证已开启", "您的账户已开启两步验证。"),
        (Zh, TwoSvDisabled) => ("两步验证已关闭", "您的账户已关闭两步验证。"),
        (Zh, NewSignIn) => ("您的账户有新的登录", "您的账户在新的浏览器或设备上登录:"),
        (Zh, DenyConfirmation) => ("我们已阻止一次登录尝试", "您告知我们该验证码请求并非本人操作,我们已将其取消。请修改密码:"),
        (Fr, AccountExists) => ("Tentative de création de compte", "Quelqu'un a tenté de créer un compte avec votre adresse e-mail. Si c'était vous, connectez-vous."),
        (Fr, PasswordChanged) => ("Votre mot de passe a été modifié", "Votre mot de passe a été modifié. Si ce n'est pas vous, réinitialisez-le maintenant."),
        (Fr, MethodAdded) => ("Une méthode de connexion a été ajoutée", "Une méthode de vérification en deux étapes a été ajoutée à votre compte :"),
        (Fr, MethodRemoved) => ("Une méthode de connexion a été supprimée", "Une méthode de vérification en deux étapes a été supprimée de votre compte :"),
        (Fr, TwoSvEnabled) => ("Vérification en deux étapes activée", "La vérification en deux étapes a été activée pour votre compte."),
        (Fr, TwoSvDisabled) => ("Vérification en deux étapes désactivée", "La vérification en deux étapes a été désactivée pour votre compte."),
        (Fr, NewSignIn) => ("Nouvelle connexion à votre compte", "Votre compte a été connecté depuis un nouveau navigateur ou appareil :"),
        (Fr, DenyConfirmation) => ("Nous avons bloqué une tentative", "Vous nous avez signalé une demande de code qui ne venait pas de vous ; nous l'avons annulée. Changez votre mot de passe :"),
        // Code templates are rendered by `code_words`.
        (_, _) => ("", ""),
    }
}

/// Digits one by one, for a voice call: "1, 2, 3, 4, 5, 6".
fn spoken(code: &str) -> String {
    code.chars().map(String::from).collect::<Vec<_>>().join(", ")
}

pub fn render(template: Template, locale: Locale, channel: Channel, vars: &BTreeMap<String, String>) -> Rendered {
    let issuer = var(vars, "issuer");
    if template.carries_code() {
        let (what, share, deny) = code_words(locale, template);
        let code = var(vars, "code");
        let body = match channel {
            Channel::Sms => format!("{issuer}: {code} {what}. {share} {deny} {}\n\n@{} #{code}", var(vars, "deny_url"), var(vars, "origin_host")),
            Channel::Voice => {
                let s = spoken(code);
                format!("{issuer}. {what}: {s}. {s}. {share}")
            }
            Channel::Email => format!("{issuer} {what}:\n\n    {code}\n\n{share}\n\n{deny} {}\n", var(vars, "deny_url")),
        };
        let subject = (channel == Channel::Email).then(|| format!("{issuer}: {what}"));
        return Rendered { subject, body };
    }
    let (subject, text) = notice_words(locale, template);
    let detail = var(vars, "detail");
    let body = if detail.is_empty() { format!("{issuer}: {text}\n{}", var(vars, "url")) } else { format!("{issuer}: {text} {detail}\n{}", var(vars, "url")) };
    Rendered { subject: (channel == Channel::Email).then(|| format!("{issuer}: {subject}")), body }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, String> {
        [("code", "123456"), ("issuer", "Shop"), ("origin_host", "shop.example"), ("deny_url", "https://shop.example/deny/x")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn f_otp_4_and_f_otp_7_every_code_message_is_complete_in_every_language() {
        for t in Template::ALL.into_iter().filter(|t| t.carries_code()) {
            for l in Locale::ALL {
                let sms = render(t, l, Channel::Sms, &vars()).body;
                assert!(sms.ends_with("\n\n@shop.example #123456"), "{t:?} {l:?}: {sms}");
                assert!(sms.contains("https://shop.example/deny/x"));
                assert!(sms.starts_with("Shop"));
                let mail = render(t, l, Channel::Email, &vars());
                assert!(mail.subject.is_some() && mail.body.contains("123456") && mail.body.contains("/deny/x"));
                let voice = render(t, l, Channel::Voice, &vars()).body;
                assert_eq!(voice.matches("1, 2, 3, 4, 5, 6").count(), 2, "digits said twice: {voice}");
            }
        }
    }

    #[test]
    fn f_acc_4_notices_exist_in_every_language() {
        for t in Template::ALL.into_iter().filter(|t| !t.carries_code()) {
            for l in Locale::ALL {
                let r = render(t, l, Channel::Email, &vars());
                assert!(r.subject.as_deref().is_some_and(|s| s.len() > "Shop: ".len()), "{t:?} {l:?}");
            }
        }
    }
}
