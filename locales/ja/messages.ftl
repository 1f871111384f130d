# ninsho が送るメッセージ(日本語)。

-dont-share = このコードは誰にも教えないでください。
-deny = 心当たりがない場合は拒否:

verify-email-code-what = メールアドレス確認コード
sign-in-code-what = ログイン用ワンタイムパスワード
step-up-code-what = 変更確認コード
enroll-code-what = 認証方法登録コード
delivery-code-what = 配送用ワンタイムパスワード

code-sms = { $issuer }: { $what }は { $code } です。{ -dont-share }{ -deny } { $deny_url }
code-voice = { $issuer }です。{ $what }は、{ $spoken }。もう一度、{ $spoken }。{ -dont-share }
code-email-subject = { $issuer }: { $what }
code-email =
    { $issuer }の{ $what }:

        { $code }

    有効期限は{ $minutes }分です。{ -dont-share }

    { -deny } { $deny_url }

account-exists-subject = { $issuer }: アカウント作成の試行がありました
account-exists = お客様のメールアドレスでアカウントを作成しようとする操作がありました。ご本人の場合はログインしてください: { $url }
password-changed-subject = { $issuer }: パスワードが変更されました
password-changed = パスワードが変更されました。お心当たりがない場合は、パスワードを再設定してください: { $url }
method-added-subject = { $issuer }: 認証方法が追加されました
method-added = 2段階認証の方法が追加されました: { $detail }。お心当たりがない場合: { $url }
method-removed-subject = { $issuer }: 認証方法が削除されました
method-removed = 2段階認証の方法が削除されました: { $detail }。お心当たりがない場合: { $url }
twosv-enabled-subject = { $issuer }: 2段階認証が有効になりました
twosv-enabled = お客様のアカウントで2段階認証が有効になりました。お心当たりがない場合: { $url }
twosv-disabled-subject = { $issuer }: 2段階認証が無効になりました
twosv-disabled = お客様のアカウントで2段階認証が無効になりました。お心当たりがない場合: { $url }
new-sign-in-subject = { $issuer }: 新しいログインがありました
new-sign-in = 新しいブラウザまたはデバイスからログインがありました: { $detail }。お心当たりがない場合はパスワードを変更してください: { $url }
deny-confirmation-subject = { $issuer }: ログインの試行を止めました
deny-confirmation = ご本人ではないとのご連絡を受け、リクエストを取り消しました。パスワードを変更してください: { $url }
