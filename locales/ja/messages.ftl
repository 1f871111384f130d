# ninsho が送るメッセージ(日本語)。

-dont-share = このコードは誰にも教えないでください。
-deny = 心当たりがない場合は拒否:

verify-email-code-what = メールアドレス確認コード
sign-in-code-what = ログイン用ワンタイムパスワード
step-up-code-what = 変更確認コード
service-step-up-code-what = { $reason }の確認コード
reason-order = ご注文（{ $amount }）
reason-payment-method = お支払い方法の変更
reason-delivery-address = お届け先の変更
reason-request = { $issuer }からのご依頼
enroll-code-what = 認証方法登録コード
delivery-code-what = 配送用ワンタイムパスワード

code-sms = { $issuer }: { $what }は { $code } です。{ -dont-share }{ -deny } { $deny_url }
code-voice = { $issuer }です。{ $what }は、{ $spoken }。もう一度、{ $spoken }。{ -dont-share }
code-email-subject = { $issuer }: { $what }
code-email =
    { $issuer }の{ $what }:

        { $code }

    有効期限は{ $validity }です。{ -dont-share }

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

delivery-code-sms = { $issuer }: 配送用ワンタイムパスワードは { $code } です。お荷物の受け取り時に配達員にのみお伝えください。{ -deny } { $deny_url }
delivery-code-voice = { $issuer }です。配送用ワンタイムパスワードは、{ $spoken }。もう一度、{ $spoken }。配達員にのみお伝えください。
delivery-code-email-subject = { $issuer }: 配送用ワンタイムパスワード
delivery-handed-over = 配送用ワンタイムパスワードでお荷物をお渡ししました。お受け取りになっていない場合はこちら: { $url }
delivery-handed-over-subject = { $issuer }: お荷物をお渡ししました
delivery-code-email =
    { $issuer }の配送用ワンタイムパスワード:

        { $code }

    お荷物の受け取り時に配達員にのみお伝えください。配達日の終わりまで有効です。

    { -deny } { $deny_url }

approval-request-subject = { $issuer }: 2段階認証の変更を承認してください
approval-request = お客様のアカウントで2段階認証の有効化または変更のリクエストがありました。ご本人の場合は承認: { $approve_url } 心当たりがない場合は拒否: { $deny_url }
repeated-code-warning-subject = { $issuer }: 確認コードが繰り返し要求されています
repeated-code-warning = サインインのないまま、{ $issuer }アカウントの確認コードが{ $count }回要求されました(最新: { $when }、{ $detail })。パスワードが他の人に知られている可能性があります。心当たりがない場合は、新しいパスワードを設定してください: { $password_url } 最新の要求を拒否: { $deny_url } サインイン履歴: { $url }
reset-received-subject = { $issuer }: 2段階認証のリセット申請を受け付けました
reset-received = 2段階認証のリセット申請を受け付けました。審査には1〜2日かかります。お心当たりがない場合は取り消してください: { $url }
reset-approved-subject = { $issuer }: 2段階認証のリセットが承認されました
reset-approved = 申請が承認され、2段階認証は無効になりました。パスワードのみでログインできます。再度有効にする: { $url }
reset-rejected-subject = { $issuer }: 2段階認証のリセットは承認されませんでした
reset-rejected = 2段階認証のリセット申請は承認されませんでした: { $detail }。{ $url }

# F-ACC-5: パスワードを忘れた場合。リンクで再設定を開き、2段階認証が有効ならコードも求める。
password-reset-link-subject = { $issuer }: パスワードの再設定
password-reset-link = { $issuer }のアカウントのパスワード再設定のリクエストがありました。ご本人の場合は{ $validity }以内に次のリンクから新しいパスワードを設定してください: { $url } お心当たりがない場合はこのメールを無視してください。パスワードは変更されません。リクエストを取り消す: { $deny_url }
password-reset-code-what = パスワード再設定用の確認コード
password-was-reset-subject = { $issuer }: パスワードが再設定されました
password-was-reset = { $issuer }: パスワードが再設定され、すべての端末でログアウトしました。お心当たりがない場合はすぐにお問い合わせください: { $url }

# F-ACC-6: メールアドレスの変更。$detail は新しいアドレス(一部を伏せたもの)。
email-change-code-what = 新しいメールアドレスの確認コード
email-change-requested-subject = { $issuer }: メールアドレスの変更が申請されました
email-change-requested = { $issuer } アカウントのメールアドレスを { $detail } に変更する申請がありました。新しいアドレスが確認されるまで、このアドレスは引き続き使えます。お心当たりがない場合は取り消してください: { $deny_url }
email-changed-subject = { $issuer }: メールアドレスが変更されました
email-changed = アカウントのメールアドレスが { $detail } に変更されました。お心当たりがない場合はすぐにお問い合わせください: { $url }
email-change-taken-subject = { $issuer }: お客様のメールアドレスが使われようとしました
email-change-taken = 別のアカウントをお客様のメールアドレスに変更しようとする操作がありました。お客様のアカウントは変わっていません。対応は不要です。{ $url }

# F-2SV-6: 電話番号の変更は1つの変更として伝える。
phone-changed-subject = { $issuer }: 電話番号が変更されました
phone-changed = 2段階認証の電話番号が変更されました({ $detail })。お心当たりがない場合: { $url }

# 通知の内容($detail)。番号は末尾4桁で示す。
phone-tail = 末尾{ $tail }
method-name = { $method ->
    [phone] 電話番号(末尾{ $tail })
    [totp] 認証アプリ
    [email] メール
    [backup_codes] バックアップコード
   *[other] 認証方法
}
detail-locked-out = { $name }(誤ったコードが続いたため無効にしました)
detail-phone-changed = { $from } → { $to }

# 期間: 割り切れる場合は時間・日で表す(「1440分」ではなく「24時間」)。
span-seconds = { $n }秒
span-minutes = { $n }分
span-hours = { $n }時間
span-days = { $n }日

# F-OFF-5: サポートが調査のためアカウントを一時停止。$until は現地時刻。
account-locked-subject = { $issuer }: アカウントを調査のため一時停止しました
account-locked = ご本人以外によるサインインの可能性について、サポートが{ $issuer }アカウントを調査しています。{ $until }まではサインインできず、コードも送信されません。お問い合わせ: { $support }
account-unlocked-subject = { $issuer }: アカウントの一時停止を解除しました
account-unlocked = お客様の{ $issuer }アカウントの一時停止を解除しました。これまでどおりサインインできます。パスワードの変更をおすすめします。{ $url }
twosv-suspended-subject = { $issuer }: 2段階認証を{ $until }まで一時解除しました
twosv-suspended = お客様の{ $issuer }アカウントの2段階認証を{ $until }まで一時解除しました。それまではパスワードだけでサインインできます。その時刻に自動で元に戻ります。早めに戻すには: { $url } お心当たりがない場合は、すぐに戻してパスワードを変更してください。
twosv-resumed-subject = { $issuer }: 2段階認証が元に戻りました
twosv-resumed = お客様の{ $issuer }アカウントの2段階認証が元に戻りました。サインインの際に再びコードが必要です。{ $url }

# F-ORG-1: 組織への招待
org-invitation-subject = { $issuer }: { $inviter } さんから「{ $org }」への招待
org-invitation = { $inviter } さんから、{ $issuer }の組織「{ $org }」に{ $role ->
    [owner] オーナー
    [admin] 管理者
   *[staff] スタッフ
}として招待されました。{ $validity }以内に、このメールアドレスでサインインして次のリンクから参加してください: { $url } 組織のメンバーは2段階認証でサインインします。お心当たりがない場合はこのメールを無視してください。
