# ninsho 发送的消息(中文)。

-dont-share = 请勿将此验证码告诉任何人。
-deny = 不是您本人操作?拒绝:

verify-email-code-what = 邮箱验证码
sign-in-code-what = 登录验证码
step-up-code-what = 变更确认验证码
service-step-up-code-what = 用于确认{ $reason }的验证码
reason-order = 您的订单（{ $amount }）
reason-payment-method = 付款方式的更改
reason-delivery-address = 收货地址的更改
reason-request = { $issuer }的请求
enroll-code-what = 添加验证方式的验证码
delivery-code-what = 配送验证码

code-sms = { $issuer }: 您的{ $what }是 { $code }。{ -dont-share }{ -deny } { $deny_url }
code-voice = 这里是{ $issuer }。您的{ $what }是:{ $spoken }。再说一遍:{ $spoken }。{ -dont-share }
code-email-subject = { $issuer }: { $what }
code-email =
    您的{ $issuer }{ $what }:

        { $code }

    有效期为{ $validity }。{ -dont-share }

    { -deny } { $deny_url }

account-exists-subject = { $issuer }: 有人尝试创建账户
account-exists = 有人尝试使用您的邮箱地址创建账户。如果是您本人,请直接登录: { $url }
password-changed-subject = { $issuer }: 您的密码已更改
password-changed = 您的密码已更改。如果不是您本人操作,请重置密码: { $url }
method-added-subject = { $issuer }: 已添加验证方式
method-added = 您的账户已添加两步验证方式: { $detail }。如果不是您本人操作: { $url }
method-removed-subject = { $issuer }: 已删除验证方式
method-removed = 您的账户已删除两步验证方式: { $detail }。如果不是您本人操作: { $url }
twosv-enabled-subject = { $issuer }: 两步验证已开启
twosv-enabled = 您的账户已开启两步验证。如果不是您本人操作: { $url }
twosv-disabled-subject = { $issuer }: 两步验证已关闭
twosv-disabled = 您的账户已关闭两步验证。如果不是您本人操作: { $url }
new-sign-in-subject = { $issuer }: 您的账户有新的登录
new-sign-in = 您的账户在新的浏览器或设备上登录: { $detail }。如果不是您本人操作,请修改密码: { $url }
deny-confirmation-subject = { $issuer }: 我们已阻止一次登录尝试
deny-confirmation = 您已确认该验证码请求并非本人操作,我们已将其取消。请修改密码: { $url }

delivery-code-sms = { $issuer }: 您的配送验证码是 { $code }。请仅在收货时告知配送员。{ -deny } { $deny_url }
delivery-code-voice = 这里是{ $issuer }。您的配送验证码是:{ $spoken }。再说一遍:{ $spoken }。请仅告知配送员。
delivery-code-email-subject = { $issuer }: 配送验证码
delivery-handed-over = 您的包裹已凭配送验证码交付。如您未收到，请查看: { $url }
delivery-handed-over-subject = { $issuer }: 您的包裹已交付
delivery-code-email =
    您的{ $issuer }配送验证码:

        { $code }

    请仅在收货时告知配送员。有效期至配送当日结束。

    { -deny } { $deny_url }

approval-request-subject = { $issuer }: 请批准两步验证的变更
approval-request = 有人请求为您的账户开启或变更两步验证。如果是您本人,请批准: { $approve_url } 如果不是,请拒绝: { $deny_url }
repeated-code-warning-subject = { $issuer }: 您的账户被反复请求验证码
repeated-code-warning = 您的{ $issuer }账户在未登录的情况下被请求了{ $count }次验证码(最近一次: { $when }，{ $detail })。您的密码可能已被他人知道。如非本人操作，请设置新密码: { $password_url } 拒绝最近的请求: { $deny_url } 登录记录: { $url }
reset-received-subject = { $issuer }: 已收到您的两步验证重置申请
reset-received = 我们已收到您的两步验证重置申请。审核需要1至2天。如果不是您本人操作,请取消: { $url }
reset-approved-subject = { $issuer }: 两步验证重置已批准
reset-approved = 您的申请已批准:两步验证已关闭,仅凭密码即可登录。重新开启: { $url }
reset-rejected-subject = { $issuer }: 两步验证重置未获批准
reset-rejected = 您的两步验证重置申请未获批准: { $detail }。{ $url }

# F-ACC-5: 忘记密码。链接打开重置;若已开启两步验证,还需要验证码。
password-reset-link-subject = { $issuer }: 重置密码
password-reset-link = 有人请求重置您的{ $issuer }账户密码。如果是您本人,请在{ $validity }内通过以下链接设置新密码: { $url } 如果不是您本人,请忽略此邮件,您的密码不会改变。取消此请求: { $deny_url }
password-reset-code-what = 重置密码验证码
password-was-reset-subject = { $issuer }: 您的密码已重置
password-was-reset = { $issuer }: 您的密码已重置,所有设备均已退出登录。如果不是您本人操作,请立即联系我们: { $url }

# F-ACC-6: 更改邮箱地址。$detail 为新地址(部分隐藏)。
email-change-code-what = 新邮箱地址验证码
email-change-requested-subject = { $issuer }: 有人申请更改您的邮箱地址
email-change-requested = 有人申请将您的 { $issuer } 账户邮箱地址更改为 { $detail }。在新地址确认之前,此地址仍然有效。如果不是您本人操作,请取消: { $deny_url }
email-changed-subject = { $issuer }: 您的邮箱地址已更改
email-changed = 您账户的邮箱地址已更改为 { $detail }。如果不是您本人操作,请立即联系我们: { $url }
email-change-taken-subject = { $issuer }: 有人尝试使用您的邮箱地址
email-change-taken = 有人尝试将另一个账户的邮箱地址更改为您的邮箱地址。您的账户没有变化,无需任何操作。{ $url }

# F-2SV-6: 更换手机号码是一次变更。
phone-changed-subject = { $issuer }: 您的手机号码已更改
phone-changed = 两步验证的手机号码已更改({ $detail })。如果不是您本人操作: { $url }

# 通知内容($detail)。号码只显示末四位。
phone-tail = 尾号{ $tail }
method-name = { $method ->
    [phone] 手机号码(尾号{ $tail })
    [totp] 身份验证器应用
    [email] 电子邮件
    [backup_codes] 备用验证码
   *[other] 验证方式
}
detail-locked-out = { $name }(因多次输入错误的验证码已停用)
detail-phone-changed = { $from } → { $to }

# 时长: 整小时或整天时按小时或天显示。
span-seconds = { $n }秒
span-minutes = { $n }分钟
span-hours = { $n }小时
span-days = { $n }天

# F-OFF-5: 客服为调查而暂停账户；$until 为当地时间。
account-locked-subject = { $issuer }: 您的账户已暂停以便核查
account-locked = 我们的客服正在核查您的{ $issuer }账户是否有非本人的登录，账户暂停至{ $until }：在此之前无法登录，也不会发送验证码。咨询: { $support }
account-unlocked-subject = { $issuer }: 您的账户已恢复
account-unlocked = 您的{ $issuer }账户已恢复，可以照常登录。建议您设置新密码。{ $url }
twosv-suspended-subject = { $issuer }: 两步验证已暂停至{ $until }
twosv-suspended = 您的{ $issuer }账户的两步验证已暂停至{ $until }，在此之前登录只需密码。到时会自动恢复；如需提前恢复: { $url } 如果不是您本人操作，请立即恢复并修改密码。
twosv-resumed-subject = { $issuer }: 两步验证已恢复
twosv-resumed = 您的{ $issuer }账户的两步验证已恢复：登录时将再次需要验证码。{ $url }

# F-ORG-1: 组织邀请
org-invitation-subject = { $issuer }: { $inviter } 邀请您加入“{ $org }”
org-invitation = { $inviter } 邀请您以{ $role ->
    [owner] 所有者
    [admin] 管理员
   *[staff] 员工
}身份加入{ $issuer }上的组织“{ $org }”。请在{ $validity }内使用此邮箱地址登录,并通过以下链接接受邀请: { $url } 组织成员需使用两步验证登录。如果您不认识该组织,请忽略此邮件。
