<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>tillcard</name>
    <message>
        <source>Tillcard cannot start</source>
        <translation>Tillcard 无法启动</translation>
    </message>
    <message>
        <source>Card number</source>
        <translation>卡号</translation>
    </message>
    <message>
        <source>Type the number printed on the card, then Enter</source>
        <translation>输入卡面上的卡号，然后按 Enter</translation>
    </message>
    <message>
        <source>Wrong amount keyed</source>
        <translation>金额输错</translation>
    </message>
    <message>
        <source>Customer changed their mind</source>
        <translation>顾客取消购买</translation>
    </message>
    <message>
        <source>Charged the wrong card</source>
        <translation>刷错卡</translation>
    </message>
    <message>
        <source>F4 or − cash · F8 reprint · F9 void last</source>
        <translation>F4 或 − 现金 · F8 重印 · F9 撤销上一笔</translation>
    </message>
    <message>
        <source>Tillcard — {site} · {till}</source>
        <translation>Tillcard — {site} · {till}</translation>
    </message>
    <message>
        <source>● local database</source>
        <translation>● 本地数据库</translation>
    </message>
    <message>
        <source>printer …</source>
        <translation>打印机 …</translation>
    </message>
    <message>
        <source>reader …</source>
        <translation>读卡器 …</translation>
    </message>
    <message>
        <source>Card no.  (F3)</source>
        <translation>卡号  (F3)</translation>
    </message>
    <message>
        <source>CASH  (F4)</source>
        <translation>现金  (F4)</translation>
    </message>
    <message>
        <source>X report (F10)</source>
        <translation>班中报表 (F10)</translation>
    </message>
    <message>
        <source>Shift (F11)</source>
        <translation>班次 (F11)</translation>
    </message>
    <message>
        <source>Lock (F12)</source>
        <translation>锁屏 (F12)</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Close shift (F11)</source>
        <translation>交班 (F11)</translation>
    </message>
    <message>
        <source>Open shift (F11)</source>
        <translation>开班 (F11)</translation>
    </message>
    <message>
        <source>CONFIRM CASH  (Enter)</source>
        <translation>确认现金  (Enter)</translation>
    </message>
    <message>
        <source>CHARGE  (Enter)</source>
        <translation>收款  (Enter)</translation>
    </message>
    <message>
        <source>CASH {amount}  (F4)</source>
        <translation>现金 {amount}  (F4)</translation>
    </message>
    <message>
        <source>Recharge {amount} onto the card of {holder}</source>
        <translation>为 {holder} 的卡充值 {amount}</translation>
    </message>
    <message>
        <source>Void {amount} for {holder}, {time}</source>
        <translation>撤销 {holder} {time} 的 {amount}</translation>
    </message>
    <message>
        <source>Not charged: {reason}</source>
        <translation>未扣款：{reason}</translation>
    </message>
    <message>
        <source>Charging…</source>
        <translation>正在扣款…</translation>
    </message>
    <message>
        <source>No shift open — F11 to count the float and open one</source>
        <translation>未开班 — 按 F11 清点备用金并开班</translation>
    </message>
    <message>
        <source>COLLECT {amount} in cash — key the cash received, Enter to confirm, Esc to go back</source>
        <translation>收取现金 {amount} — 输入实收金额，Enter 确认，Esc 返回</translation>
    </message>
    <message>
        <source>— Cash (F4): take {amount} in cash</source>
        <translation>— 现金 (F4)：收取现金 {amount}</translation>
    </message>
    <message>
        <source>Card not readable — tap it again, or F3 to type its number</source>
        <translation>无法读卡 — 请重新刷卡，或按 F3 输入卡号</translation>
    </message>
    <message>
        <source>Waiting for a card</source>
        <translation>等待刷卡</translation>
    </message>
    <message>
        <source>Key the amount, Enter to charge</source>
        <translation>输入金额，按 Enter 收款</translation>
    </message>
    <message>
        <source>printer {status}</source>
        <translation>打印机 {status}</translation>
    </message>
    <message>
        <source>({n} waiting)</source>
        <translation>({n} 张待打印)</translation>
    </message>
    <message>
        <source> (voided)</source>
        <translation> (已撤销)</translation>
    </message>
    <message>
        <source>last: {time}  {holder}  −{charge}  → {after}{state}   ({hints})</source>
        <translation>上一笔：{time}  {holder}  −{charge}  → {after}{state}   ({hints})</translation>
    </message>
    <message>
        <source>Void {amount} for {holder}</source>
        <translation>撤销 {holder} 的 {amount}</translation>
    </message>
    <message>
        <source>Drawer {difference} off — close the shift</source>
        <translation>钱箱差额 {difference} — 交班</translation>
    </message>
    <message>
        <source>Cash due</source>
        <translatorcomment>Stays English: the customer&apos;s pole display shows ASCII only</translatorcomment>
        <translation>Cash due</translation>
    </message>
    <message>
        <source>On card</source>
        <translatorcomment>Stays English: the customer&apos;s pole display shows ASCII only</translatorcomment>
        <translation>On card</translation>
    </message>
    <message>
        <source>Change</source>
        <translatorcomment>Stays English: the customer&apos;s pole display shows ASCII only</translatorcomment>
        <translation>Change</translation>
    </message>
    <message>
        <source>Balance too low</source>
        <translatorcomment>Stays English: the customer&apos;s pole display shows ASCII only</translatorcomment>
        <translation>Balance too low</translation>
    </message>
    <message>
        <source>Short</source>
        <translatorcomment>Stays English: the customer&apos;s pole display shows ASCII only</translatorcomment>
        <translation>Short</translation>
    </message>
    <message>
        <source>Card not accepted</source>
        <translatorcomment>Stays English: the customer&apos;s pole display shows ASCII only</translatorcomment>
        <translation>Card not accepted</translation>
    </message>
    <message>
        <source>Please see cashier</source>
        <translatorcomment>Stays English: the customer&apos;s pole display shows ASCII only</translatorcomment>
        <translation>Please see cashier</translation>
    </message>
    <message>
        <source>Over card limit</source>
        <translatorcomment>Stays English: the customer&apos;s pole display shows ASCII only</translatorcomment>
        <translation>Over card limit</translation>
    </message>
    <message>
        <source>Not charged</source>
        <translatorcomment>Stays English: the customer&apos;s pole display shows ASCII only</translatorcomment>
        <translation>Not charged</translation>
    </message>
    <message>
        <source>Demo cards</source>
        <translation>演示卡</translation>
    </message>
    <message>
        <source>Tap a demo card:</source>
        <translation>点击一张演示卡：</translation>
    </message>
    <message>
        <source>Remove card</source>
        <translation>移开卡片</translation>
    </message>
    <message>
        <source>Receipts (simulated printer)</source>
        <translation>小票（模拟打印机）</translation>
    </message>
    <message>
        <source>● online</source>
        <translation>● 在线</translation>
    </message>
    <message>
        <source>◐ reconnecting</source>
        <translation>◐ 正在重连</translation>
    </message>
    <message>
        <source>■ stopped: {reason}</source>
        <translation>■ 已停止：{reason}</translation>
    </message>
    <message>
        <source>■ this till&apos;s disk: {reason}</source>
        <translation>■ 本机磁盘：{reason}</translation>
    </message>
    <message>
        <source>○ offline</source>
        <translation>○ 离线</translation>
    </message>
    <message>
        <source>{n} unsent</source>
        <translation>{n} 笔未上传</translation>
    </message>
    <message>
        <source>Tap a card</source>
        <translation>请刷卡</translation>
    </message>
    <message>
        <source>balance</source>
        <translation>余额</translation>
    </message>
    <message>
        <source>  cash</source>
        <translation>  本金</translation>
    </message>
    <message>
        <source>  bonus</source>
        <translation>  赠送</translation>
    </message>
    <message>
        <source>allowance {amount}</source>
        <translation>补助 {amount}</translation>
    </message>
    <message>
        <source>({amount} expires {date})</source>
        <translation>({amount} 于 {date} 到期)</translation>
    </message>
    <message>
        <source>today {spent} of {limit} limit</source>
        <translation>今日已用 {spent} / 限额 {limit}</translation>
    </message>
    <message>
        <source>today {spent}</source>
        <translation>今日已用 {spent}</translation>
    </message>
    <message>
        <source>CHARGE  {amount}</source>
        <translation>收款  {amount}</translation>
    </message>
    <message>
        <source>CHARGE</source>
        <translation>收款</translation>
    </message>
    <message>
        <source>discount ({name})  −{amount}</source>
        <translation>折扣 ({name})  −{amount}</translation>
    </message>
    <message>
        <source>balance  {before}  →  {after}</source>
        <translation>余额  {before}  →  {after}</translation>
    </message>
    <message>
        <source>uses bonus {bonus} · cash {cash}</source>
        <translation>用赠送 {bonus} · 本金 {cash}</translation>
    </message>
    <message>
        <source>short {amount} — Cash key (F4) to take it in cash</source>
        <translation>差 {amount} — 按现金键 (F4) 收取现金</translation>
    </message>
    <message>
        <source>card pays {card}  →  balance {after}</source>
        <translation>卡付 {card}  →  余额 {after}</translation>
    </message>
    <message>
        <source>COLLECT  {amount}</source>
        <translation>收现金  {amount}</translation>
    </message>
    <message>
        <source>key the cash received</source>
        <translation>输入实收现金</translation>
    </message>
    <message>
        <source>Enter: exact amount, no change</source>
        <translation>Enter：金额正好，无需找零</translation>
    </message>
    <message>
        <source>received {amount} — not enough</source>
        <translation>实收 {amount} — 不够</translation>
    </message>
    <message>
        <source>CHANGE  {amount}</source>
        <translation>找零  {amount}</translation>
    </message>
    <message>
        <source>received {amount}</source>
        <translation>实收 {amount}</translation>
    </message>
    <message>
        <source>max {amount}</source>
        <translation>上限 {amount}</translation>
    </message>
    <message>
        <source>PIN needed above {amount}</source>
        <translation>超过 {amount} 需输入密码</translation>
    </message>
    <message>
        <source>outside meal times</source>
        <translation>非就餐时段</translation>
    </message>
    <message>
        <source>{window} {had} of {limit}</source>
        <translation>{window} 已用 {had}/{limit}</translation>
    </message>
    <message>
        <source>Locked after too many wrong PINs — try again at {time}</source>
        <translation>密码错误次数过多，已锁定 — 请于 {time} 再试</translation>
    </message>
    <message>
        <source>Wrong PIN — {tries} tries left</source>
        <translation>密码错误 — 还可尝试 {tries} 次</translation>
    </message>
    <message>
        <source>Wrong PIN</source>
        <translation>密码错误</translation>
    </message>
    <message>
        <source>Tillcard back office</source>
        <translation>Tillcard 后台管理</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Type the new password twice</source>
        <translation>请输入两次新密码</translation>
    </message>
    <message>
        <source>The two passwords differ</source>
        <translation>两次输入的密码不一致</translation>
    </message>
    <message>
        <source>A password needs at least {count} characters</source>
        <translation>密码至少需要 {count} 个字符</translation>
    </message>
    <message>
        <source>The two PINs differ</source>
        <translation>两次输入的 PIN 不一致</translation>
    </message>
    <message>
        <source>A PIN is {count} or more digits</source>
        <translation>PIN 至少为 {count} 位数字</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Staff card</source>
        <translation>员工卡</translation>
    </message>
    <message>
        <source>Till PIN</source>
        <translation>收银 PIN</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>Add user</source>
        <translation>添加用户</translation>
    </message>
    <message>
        <source>letters and digits, e.g. lina</source>
        <translation>字母和数字，例如 lina</translation>
    </message>
    <message>
        <source>optional: signs in at a till</source>
        <translation>可选：用于在收银台登录</translation>
    </message>
    <message>
        <source>optional: the staff card&apos;s chip (hex)</source>
        <translation>可选：员工卡芯片号（十六进制）</translation>
    </message>
    <message>
        <source>Full name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Password again</source>
        <translation>再次输入密码</translation>
    </message>
    <message>
        <source>Till PIN again</source>
        <translation>再次输入收银 PIN</translation>
    </message>
    <message>
        <source>New till PIN</source>
        <translation>新收银 PIN</translation>
    </message>
    <message>
        <source>Type the user name and the full name</source>
        <translation>请输入用户名和姓名</translation>
    </message>
    <message>
        <source>Change password</source>
        <translation>修改密码</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新密码</translation>
    </message>
    <message>
        <source>Set till PIN</source>
        <translation>设置收银 PIN</translation>
    </message>
    <message>
        <source>leave empty to remove the PIN</source>
        <translation>留空则删除 PIN</translation>
    </message>
    <message>
        <source>Add user…</source>
        <translation>添加用户…</translation>
    </message>
    <message>
        <source>Change password…</source>
        <translation>修改密码…</translation>
    </message>
    <message>
        <source>Set till PIN…</source>
        <translation>设置收银 PIN…</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Password changed for {login}</source>
        <translation>已修改 {login} 的密码</translation>
    </message>
    <message>
        <source>PIN changed for {login}</source>
        <translation>已修改 {login} 的 PIN</translation>
    </message>
    <message>
        <source>{login} may sign in again</source>
        <translation>{login} 可以重新登录</translation>
    </message>
    <message>
        <source>{login} is disabled</source>
        <translation>{login} 已停用</translation>
    </message>
    <message>
        <source>or tap your staff card on the reader</source>
        <translation>或在读卡器上刷员工卡</translation>
    </message>
    <message>
        <source>Type your user name and password</source>
        <translation>请输入用户名和密码</translation>
    </message>
    <message>
        <source>Import cards</source>
        <translation>导入卡片</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>a CSV file: card_number, uid, holder_name, member_no, phone, card_type, opening_balance</source>
        <translation>CSV 文件：card_number, uid, holder_name, member_no, phone, card_type, opening_balance</translation>
    </message>
    <message>
        <source>Choose file…</source>
        <translation>选择文件…</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>CSV files (*.csv);;All files (*)</source>
        <translation>CSV 文件 (*.csv);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Cannot read {file}: {error}</source>
        <translation>无法读取 {file}：{error}</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在验证…</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>行</translation>
    </message>
    <message>
        <source>Opening balance</source>
        <translation>开卡余额</translation>
    </message>
    <message>
        <source>{count} cards, opening balances {total} — nothing is written until Import</source>
        <translation>共 {count} 张卡，开卡余额 {total} — 点击导入前不会写入任何数据</translation>
    </message>
    <message>
        <source>Column</source>
        <translation>列</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>file</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>{count} problems in the file: nothing will be imported until they are fixed</source>
        <translation>文件中有 {count} 处问题：改正之前不会导入任何卡片</translation>
    </message>
    <message>
        <source>Nothing was imported</source>
        <translation>未导入任何卡片</translation>
    </message>
    <message>
        <source>Wrong user name or password — {tries} tries left</source>
        <translation>用户名或密码错误 — 还可尝试 {tries} 次</translation>
    </message>
    <message>
        <source>Wrong user name or password</source>
        <translation>用户名或密码错误</translation>
    </message>
    <message>
        <source>Only managers and admins use the back office</source>
        <translation>只有主管和管理员可以使用后台</translation>
    </message>
    <message>
        <source>Cannot sign in: {error}</source>
        <translation>无法登录：{error}</translation>
    </message>
    <message>
        <source>Signed in: {name} ({role})</source>
        <translation>已登录：{name}（{role}）</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>报表</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>Cards</source>
        <translation>卡片</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Card types</source>
        <translation>卡类型</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <source>This card belongs to no user</source>
        <translation>此卡未绑定任何用户</translation>
    </message>
    <message>
        <source>{name} may no longer sign in</source>
        <translation>{name} 已无权登录</translation>
    </message>
    <message>
        <source>No manager has this PIN</source>
        <translation>没有主管使用此密码</translation>
    </message>
    <message>
        <source>Locked after too many wrong PINs</source>
        <translation>密码错误次数过多，已锁定</translation>
    </message>
    <message>
        <source>OK  (Enter)</source>
        <translation>确定  (Enter)</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Card PIN</source>
        <translation>卡密码</translation>
    </message>
    <message>
        <source>Customer: enter your card PIN</source>
        <translation>请顾客输入卡密码</translation>
    </message>
    <message>
        <source>Cancel  (Esc)</source>
        <translation>取消  (Esc)</translation>
    </message>
    <message>
        <source>Approve {amount} for {holder}</source>
        <translation>{holder} 确认支付 {amount}</translation>
    </message>
    <message>
        <source>Approve {amount}</source>
        <translation>确认支付 {amount}</translation>
    </message>
    <message>
        <source>Manager approval</source>
        <translation>主管授权</translation>
    </message>
    <message>
        <source>Manager: touch your name or tap your card — or just key your PIN</source>
        <translation>主管：请点选姓名或刷卡 — 也可直接输入密码</translation>
    </message>
    <message>
        <source>First admin created</source>
        <translation>已创建首个管理员</translation>
    </message>
    <message>
        <source>User added</source>
        <translation>已添加用户</translation>
    </message>
    <message>
        <source>Password changed</source>
        <translation>已修改密码</translation>
    </message>
    <message>
        <source>User PIN changed</source>
        <translation>已修改用户 PIN</translation>
    </message>
    <message>
        <source>User disabled</source>
        <translation>已停用用户</translation>
    </message>
    <message>
        <source>User enabled</source>
        <translation>已启用用户</translation>
    </message>
    <message>
        <source>Card type added</source>
        <translation>已添加卡类型</translation>
    </message>
    <message>
        <source>Card type edited</source>
        <translation>已修改卡类型</translation>
    </message>
    <message>
        <source>Card issued</source>
        <translation>已开卡</translation>
    </message>
    <message>
        <source>Card recharged</source>
        <translation>已充值</translation>
    </message>
    <message>
        <source>Card frozen</source>
        <translation>已冻结卡</translation>
    </message>
    <message>
        <source>Card unfrozen</source>
        <translation>已解冻卡</translation>
    </message>
    <message>
        <source>Card reported lost</source>
        <translation>已挂失卡</translation>
    </message>
    <message>
        <source>Card replaced</source>
        <translation>已补卡</translation>
    </message>
    <message>
        <source>Card closed</source>
        <translation>已注销卡</translation>
    </message>
    <message>
        <source>Card PIN set</source>
        <translation>已设置卡密码</translation>
    </message>
    <message>
        <source>Card PIN removed</source>
        <translation>已删除卡密码</translation>
    </message>
    <message>
        <source>Validity set</source>
        <translation>已设置有效期</translation>
    </message>
    <message>
        <source>Recharge corrected</source>
        <translation>已更正充值</translation>
    </message>
    <message>
        <source>Charge corrected</source>
        <translation>已更正消费</translation>
    </message>
    <message>
        <source>Allowance granted</source>
        <translation>已发放补助</translation>
    </message>
    <message>
        <source>Void approved</source>
        <translation>已授权撤销</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>对象</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Before</source>
        <translation>变更前</translation>
    </message>
    <message>
        <source>After</source>
        <translation>变更后</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>any day</source>
        <translation>任意日期</translation>
    </message>
    <message>
        <source>Any action</source>
        <translation>全部操作</translation>
    </message>
    <message>
        <source>Anyone</source>
        <translation>全部人员</translation>
    </message>
    <message>
        <source>Subject, e.g. a card number or a login</source>
        <translation>对象，例如卡号或用户名</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>No entries</source>
        <translation>无记录</translation>
    </message>
    <message>
        <source>{count} entries, more as you scroll</source>
        <translation>{count} 条记录，滚动加载更多</translation>
    </message>
    <message>
        <source>1 entry</source>
        <translation>1 条记录</translation>
    </message>
    <message>
        <source>{count} entries</source>
        <translation>{count} 条记录</translation>
    </message>
    <message>
        <source>Approve  (Enter)</source>
        <translation>批准  (Enter)</translation>
    </message>
    <message>
        <source>This card is not a manager&apos;s card</source>
        <translation>这不是主管卡</translation>
    </message>
    <message>
        <source>{name}: enter your PIN</source>
        <translation>{name}：请输入密码</translation>
    </message>
    <message>
        <source>Give a reason first</source>
        <translation>请先给出原因</translation>
    </message>
    <message>
        <source>Checking …</source>
        <translation>正在验证 …</translation>
    </message>
    <message>
        <source>Cannot check the PIN now: {error}</source>
        <translation>暂时无法验证密码：{error}</translation>
    </message>
    <message>
        <source>No shift is open at this till</source>
        <translation>本收银台未开班</translation>
    </message>
    <message>
        <source>A shift is already open at this till</source>
        <translation>本收银台已开班</translation>
    </message>
    <message>
        <source>Not allowed: {reason}</source>
        <translation>无权操作：{reason}</translation>
    </message>
    <message>
        <source>Check the counts: {reason}</source>
        <translation>请核对清点数：{reason}</translation>
    </message>
    <message>
        <source>Failed: {error}</source>
        <translation>失败：{error}</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <source>pieces of {value}</source>
        <translation>{value} 面额张数</translation>
    </message>
    <message>
        <source>−</source>
        <translation>−</translation>
    </message>
    <message>
        <source>+</source>
        <translation>+</translation>
    </message>
    <message>
        <source>Open shift</source>
        <translation>开班</translation>
    </message>
    <message>
        <source>That card number or chip already belongs to a card</source>
        <translation>该卡号或芯片已属于另一张卡</translation>
    </message>
    <message>
        <source>The card&apos;s status does not allow this</source>
        <translation>卡片当前状态不允许此操作</translation>
    </message>
    <message>
        <source>This card was replaced: it stays blocked for ever</source>
        <translation>此卡已补卡：将永久锁定</translation>
    </message>
    <message>
        <source>The card owes money: settle it before closing</source>
        <translation>此卡欠款：请先结清再注销</translation>
    </message>
    <message>
        <source>A reason is required</source>
        <translation>必须填写原因</translation>
    </message>
    <message>
        <source>A correction must be confirmed</source>
        <translation>更正必须确认</translation>
    </message>
    <message>
        <source>Unknown card type</source>
        <translation>未知卡类型</translation>
    </message>
    <message>
        <source>This card type&apos;s allowance never resets</source>
        <translation>此卡类型的补助从不清零</translation>
    </message>
    <message>
        <source>The period has not ended yet</source>
        <translation>该期间尚未结束</translation>
    </message>
    <message>
        <source>A later period is granted already</source>
        <translation>已发放更晚期间的补助</translation>
    </message>
    <message>
        <source>This entry was corrected or voided already</source>
        <translation>此笔流水已被更正或撤销</translation>
    </message>
    <message>
        <source>Only a recharge or a sale can be corrected</source>
        <translation>只能更正充值或消费</translation>
    </message>
    <message>
        <source>The card no longer holds what this correction takes back</source>
        <translation>卡内余额已不足以扣回此次更正的金额</translation>
    </message>
    <message>
        <source>This period was granted already with another amount</source>
        <translation>该期间已按其他金额发放</translation>
    </message>
    <message>
        <source>Your role may not do this: refused</source>
        <translation>您的角色无权执行此操作：已拒绝</translation>
    </message>
    <message>
        <source>Not a valid amount: {reason}</source>
        <translation>金额无效：{reason}</translation>
    </message>
    <message>
        <source>Not accepted: {reason}</source>
        <translation>未受理：{reason}</translation>
    </message>
    <message>
        <source>Not done: {error}</source>
        <translation>未完成：{error}</translation>
    </message>
    <message>
        <source>Type an amount such as 100 or 100.50</source>
        <translation>请输入金额，例如 100 或 100.50</translation>
    </message>
    <message>
        <source>Type an amount above zero</source>
        <translation>请输入大于零的金额</translation>
    </message>
    <message>
        <source>{number} — {holder} · balance {balance}</source>
        <translation>{number} — {holder} · 余额 {balance}</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Working…</source>
        <translation>处理中…</translation>
    </message>
    <message>
        <source>Count the float in the drawer</source>
        <translation>清点钱箱中的备用金</translation>
    </message>
    <message>
        <source>Reading the last count…</source>
        <translation>正在读取上次清点…</translation>
    </message>
    <message>
        <source>The last shift&apos;s count, carried over: check it</source>
        <translation>已带入上一班的清点数，请核对</translation>
    </message>
    <message>
        <source>Opening…</source>
        <translation>正在开班…</translation>
    </message>
    <message>
        <source>Card sales</source>
        <translation>卡消费</translation>
    </message>
    <message>
        <source>paid from cards</source>
        <translation>卡内支付</translation>
    </message>
    <message>
        <source>cash beside cards</source>
        <translation>补付现金</translation>
    </message>
    <message>
        <source>Cash sales</source>
        <translation>现金消费</translation>
    </message>
    <message>
        <source>Voids</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>back to cards</source>
        <translation>退回卡内</translation>
    </message>
    <message>
        <source>cash handed back</source>
        <translation>退还现金</translation>
    </message>
    <message>
        <source>Recharges in cash</source>
        <translation>现金充值</translation>
    </message>
    <message>
        <source>Net sales</source>
        <translation>净消费额</translation>
    </message>
    <message>
        <source>Float</source>
        <translation>备用金</translation>
    </message>
    <message>
        <source>Cash in</source>
        <translation>现金收入</translation>
    </message>
    <message>
        <source>Cash out</source>
        <translation>现金支出</translation>
    </message>
    <message>
        <source>Expected cash</source>
        <translation>应有现金</translation>
    </message>
    <message>
        <source>X report — the shift so far</source>
        <translation>班中报表 (X) — 本班至今</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>汇总</translation>
    </message>
    <message>
        <source>By hour of day</source>
        <translation>按小时</translation>
    </message>
    <message>
        <source>By day</source>
        <translation>按日</translation>
    </message>
    <message>
        <source>By month</source>
        <translation>按月</translation>
    </message>
    <message>
        <source>By till</source>
        <translation>按收银台</translation>
    </message>
    <message>
        <source>By booth</source>
        <translation>按档口</translation>
    </message>
    <message>
        <source>By cashier</source>
        <translation>按收银员</translation>
    </message>
    <message>
        <source>By card type</source>
        <translation>按卡类型</translation>
    </message>
    <message>
        <source>Meals by booth</source>
        <translation>按档口餐段</translation>
    </message>
    <message>
        <source>Top cards</source>
        <translation>消费排行</translation>
    </message>
    <message>
        <source>Card office operations</source>
        <translation>卡务操作</translation>
    </message>
    <message>
        <source>Allowance by period</source>
        <translation>补助（按月）</translation>
    </message>
    <message>
        <source>Liability</source>
        <translation>持卡人负债</translation>
    </message>
    <message>
        <source>Exceptions</source>
        <translation>异常</translation>
    </message>
    <message>
        <source>Shift X/Z reports</source>
        <translation>班次报表 (X/Z)</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>昨天</translation>
    </message>
    <message>
        <source>This week</source>
        <translation>本周</translation>
    </message>
    <message>
        <source>Last week</source>
        <translation>上周</translation>
    </message>
    <message>
        <source>This month</source>
        <translation>本月</translation>
    </message>
    <message>
        <source>Last month</source>
        <translation>上月</translation>
    </message>
    <message>
        <source>This year</source>
        <translation>今年</translation>
    </message>
    <message>
        <source>Your role may not see reports: refused</source>
        <translation>您的角色无权查看报表：已拒绝</translation>
    </message>
    <message>
        <source>Failed: {reason}</source>
        <translation>失败：{reason}</translation>
    </message>
    <message>
        <source>Export report</source>
        <translation>导出报表</translation>
    </message>
    <message>
        <source>Custom days</source>
        <translation>自定义日期</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>Export {format}</source>
        <translation>导出 {format}</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>打印</translation>
    </message>
    <message>
        <source>Choose a report and its days, then Run</source>
        <translation>选择报表和日期，然后点击“生成”</translation>
    </message>
    <message>
        <source>The chart of a report appears here</source>
        <translation>报表图表显示在此处</translation>
    </message>
    <message>
        <source>Report</source>
        <translation>报表</translation>
    </message>
    <message>
        <source>The first day is after the last day</source>
        <translation>开始日期晚于结束日期</translation>
    </message>
    <message>
        <source>{title} · {first} – {last}</source>
        <translation>{title} · {first} – {last}</translation>
    </message>
    <message>
        <source>Saving {name}…</source>
        <translation>正在保存 {name}…</translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation>已保存 {path}</translation>
    </message>
    <message>
        <source>Sent to the receipt printer</source>
        <translation>已发送到小票打印机</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>X report: the shift so far</source>
        <translation>班中报表 (X)：本班至今</translation>
    </message>
    <message>
        <source>Adding up the shift…</source>
        <translation>正在统计本班…</translation>
    </message>
    <message>
        <source>Printing…</source>
        <translation>正在打印…</translation>
    </message>
    <message>
        <source>X report sent to the printer</source>
        <translation>班中报表已发送到打印机</translation>
    </message>
    <message>
        <source>Opened {at} by {name} · cashiers: {cashiers}</source>
        <translation>{at} 由 {name} 开班 · 当班收银员：{cashiers}</translation>
    </message>
    <message>
        <source>As at {at}</source>
        <translation>截至 {at}</translation>
    </message>
    <message>
        <source>Close shift</source>
        <translation>交班</translation>
    </message>
    <message>
        <source>Count the drawer</source>
        <translation>清点钱箱</translation>
    </message>
    <message>
        <source>Expected</source>
        <translation>应有</translation>
    </message>
    <message>
        <source>Counted</source>
        <translation>实点</translation>
    </message>
    <message>
        <source>Difference</source>
        <translation>差额</translation>
    </message>
    <message>
        <source>A difference over {amount} needs a manager</source>
        <translation>差额超过 {amount} 需主管授权</translation>
    </message>
    <message>
        <source>Needed: why is the drawer off?</source>
        <translation>必填：钱箱为何有差额？</translation>
    </message>
    <message>
        <source>Comment: why is the drawer off?</source>
        <translation>备注：钱箱为何有差额？</translation>
    </message>
    <message>
        <source>SHORT</source>
        <translation>短款</translation>
    </message>
    <message>
        <source>OVER</source>
        <translation>长款</translation>
    </message>
    <message>
        <source>EXACT</source>
        <translation>无差额</translation>
    </message>
    <message>
        <source>Closing the shift…</source>
        <translation>正在交班…</translation>
    </message>
    <message>
        <source>A manager must approve a difference of {amount}</source>
        <translation>差额 {amount} 须经主管批准</translation>
    </message>
    <message>
        <source>Not closed: a difference of {amount} needs a manager&apos;s approval</source>
        <translation>未交班：差额 {amount} 需主管批准</translation>
    </message>
    <message>
        <source>Z {number}</source>
        <translation>交班报表 (Z) {number}</translation>
    </message>
    <message>
        <source>Shift closed and the Z printed</source>
        <translation>已交班，交班报表 (Z) 已打印</translation>
    </message>
    <message>
        <source>approved by {name}</source>
        <translation>批准人 {name}</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Tillcard — sign in</source>
        <translation>Tillcard — 登录</translation>
    </message>
    <message>
        <source>Who is signing in?</source>
        <translation>谁要登录？</translation>
    </message>
    <message>
        <source>Touch your name — or tap your staff card on the reader</source>
        <translation>请点选您的姓名 — 或在读卡器上刷员工卡</translation>
    </message>
    <message>
        <source>Quit Tillcard</source>
        <translation>退出 Tillcard</translation>
    </message>
    <message>
        <source>Back  (Esc)</source>
        <translation>返回  (Esc)</translation>
    </message>
    <message>
        <source>Quit Tillcard?</source>
        <translation>退出 Tillcard？</translation>
    </message>
    <message>
        <source>This till sells nothing until Tillcard is started again.</source>
        <translation>退出后，本收银台在 Tillcard 重新启动前无法收款。</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Locked — {name}: enter your PIN to go on</source>
        <translation>已锁屏 — {name}：输入密码继续</translation>
    </message>
    <message>
        <source>Staff card: enter your PIN</source>
        <translation>员工卡：请输入密码</translation>
    </message>
    <message>
        <source>Another cashier</source>
        <translation>换收银员</translation>
    </message>
    <message>
        <source>Loading the names …</source>
        <translation>正在加载姓名 …</translation>
    </message>
    <message>
        <source>Nobody can sign in at this till yet: no user with a PIN is known here.</source>
        <translation>本收银台暂无人可登录：这里还没有设置了密码的用户。</translation>
    </message>
    <message>
        <source>Cannot read the names: {error}</source>
        <translation>无法读取姓名：{error}</translation>
    </message>
    <message>
        <source>Number {number} — Enter to pick</source>
        <translation>序号 {number} — 按 Enter 选定</translation>
    </message>
    <message>
        <source>The centre is out of reach: only users known at this till&apos;s last sync can sign in.</source>
        <translation>无法连接中心：只有本收银台上次同步时已有的用户可以登录。</translation>
    </message>
    <message>
        <source>Unknown card</source>
        <translation>未知卡</translation>
    </message>
    <message>
        <source>Card is frozen</source>
        <translation>卡已冻结</translation>
    </message>
    <message>
        <source>Card is reported lost</source>
        <translation>卡已挂失</translation>
    </message>
    <message>
        <source>Card is blocked until recharged</source>
        <translation>卡已锁定，充值后可用</translation>
    </message>
    <message>
        <source>Card is closed</source>
        <translation>卡已注销</translation>
    </message>
    <message>
        <source>Card has expired</source>
        <translation>卡已过期</translation>
    </message>
    <message>
        <source>Insufficient balance — short {shortfall}</source>
        <translation>余额不足 — 差 {shortfall}</translation>
    </message>
    <message>
        <source>Over the per-sale limit of {limit}</source>
        <translation>超过单笔限额 {limit}</translation>
    </message>
    <message>
        <source>Over today&apos;s limit: {left} left of {limit}</source>
        <translation>超过今日限额：限额 {limit}，剩余 {left}</translation>
    </message>
    <message>
        <source>Daily limit of {limit_count} sales reached</source>
        <translation>已达每日 {limit_count} 笔消费上限</translation>
    </message>
    <message>
        <source>PIN required above {limit}</source>
        <translation>超过 {limit} 需输入密码</translation>
    </message>
    <message>
        <source>This card buys only at meal times</source>
        <translation>此卡仅限用餐时段消费</translation>
    </message>
    <message>
        <source>Already had {window} today ({limit_count} per day)</source>
        <translation>今日已用过{window}（每日限 {limit_count} 次）</translation>
    </message>
    <message>
        <source>Wrong PIN — {tries_left} tries left</source>
        <translation>密码错误 — 还可尝试 {tries_left} 次</translation>
    </message>
    <message>
        <source>PIN locked after too many wrong tries</source>
        <translation>密码错误次数过多，已锁定</translation>
    </message>
    <message>
        <source>Enter an amount to charge</source>
        <translation>请输入收款金额</translation>
    </message>
    <message>
        <source>Offline: this card is not known at this till</source>
        <translation>离线：本收银台不认识此卡</translation>
    </message>
    <message>
        <source>Offline limit reached: {left} left of {limit}</source>
        <translation>已达离线限额：限额 {limit}，剩余 {left}</translation>
    </message>
    <message>
        <source>Offline cap of this till reached: {left} left of {limit}</source>
        <translation>已达本收银台离线总额：限额 {limit}，剩余 {left}</translation>
    </message>
    <message>
        <source>No answer from the centre — not charged</source>
        <translation>中心无应答 — 未扣款</translation>
    </message>
    <message>
        <source>This till may not sell now — see the status line</source>
        <translation>本收银台暂不能收款 — 见状态栏</translation>
    </message>
    <message>
        <source>Not charged: this till cannot write to its disk</source>
        <translation>未扣款：本机磁盘无法写入</translation>
    </message>
    <message>
        <source>The centre charged the card but this till cannot write to its disk: the charge is reversed once it can</source>
        <translation>中心已扣款，但本机磁盘无法写入：恢复写入后该笔将自动冲正</translation>
    </message>
    <message>
        <source>No shift is open at this till — open one (F11) to sell</source>
        <translation>本收银台未开班 — 请先开班 (F11) 再收款</translation>
    </message>
    <message>
        <source>Voiding an earlier sale needs a manager</source>
        <translation>撤销较早的消费需主管授权</translation>
    </message>
    <message>
        <source>Nothing to void in this shift</source>
        <translation>本班没有可撤销的消费</translation>
    </message>
    <message>
        <source>This sale is already voided</source>
        <translation>此笔消费已撤销</translation>
    </message>
    <message>
        <source>Recharges are done at the card office</source>
        <translation>充值请到卡务中心办理</translation>
    </message>
    <message>
        <source>A recharge at the till needs a manager</source>
        <translation>收银台充值需要主管授权</translation>
    </message>
    <message>
        <source>{refusal} — {reason}</source>
        <translation>{refusal} — {reason}</translation>
    </message>
    <message>
        <source>Unknown card {number}</source>
        <translation>未知卡 {number}</translation>
    </message>
    <message>
        <source>Offline: card {number} is not known at this till</source>
        <translation>离线：本收银台不认识卡 {number}</translation>
    </message>
    <message>
        <source>Amount {amount} keyed for the last card cleared — key this sale&apos;s amount</source>
        <translation>为上一张卡输入的金额 {amount} 已清除 — 请输入本笔金额</translation>
    </message>
    <message>
        <source>Reprinting last receipt</source>
        <translation>正在重印上一张小票</translation>
    </message>
    <message>
        <source>Nothing to reprint</source>
        <translation>没有可重印的小票</translation>
    </message>
    <message>
        <source>Cash received is less than {amount} — key what was given, or nothing for the exact amount</source>
        <translation>实收现金少于 {amount} — 请输入实收金额，金额正好可不输入</translation>
    </message>
    <message>
        <source>Not voided — a later void needs a manager&apos;s PIN</source>
        <translation>未撤销 — 超过时限的撤销需主管密码</translation>
    </message>
    <message>
        <source>This card paid {amount} a moment ago — not charged again; Enter sells another, Esc cancels</source>
        <translation>此卡刚刚已付 {amount} — 未重复扣款；按 Enter 再卖一份，Esc 取消</translation>
    </message>
    <message>
        <source>The price is set: {amount} — a tap charges it, nothing is keyed</source>
        <translation>已设定价格 {amount} — 刷卡即扣款，无需输入金额</translation>
    </message>
    <message>
        <source>ACTIVE</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>FROZEN</source>
        <translation>冻结</translation>
    </message>
    <message>
        <source>LOST</source>
        <translation>挂失</translation>
    </message>
    <message>
        <source>BLOCKED</source>
        <translation>锁定</translation>
    </message>
    <message>
        <source>CLOSED</source>
        <translation>注销</translation>
    </message>
    <message>
        <source>EXPIRED</source>
        <translation>过期</translation>
    </message>
    <message>
        <source>Paid {charge} — new balance {balance}</source>
        <translation>已付 {charge} — 余额 {balance}</translation>
    </message>
    <message>
        <source>· cash {amount}</source>
        <translation>· 现金 {amount}</translation>
    </message>
    <message>
        <source>· change {amount}</source>
        <translation>· 找零 {amount}</translation>
    </message>
    <message>
        <source>— collect {amount} more</source>
        <translation>— 还需收取 {amount}</translation>
    </message>
    <message>
        <source>· recorded offline</source>
        <translation>· 已离线记账</translation>
    </message>
    <message>
        <source>Cash sale {amount} paid</source>
        <translation>现金消费 {amount} 已付</translation>
    </message>
    <message>
        <source>Tap a card to pay {amount} ({window})</source>
        <translation>请刷卡支付 {amount} ({window})</translation>
    </message>
    <message>
        <source>Tap a card to pay {amount}</source>
        <translation>请刷卡支付 {amount}</translation>
    </message>
    <message>
        <source>{amount} back on the card</source>
        <translation>{amount} 已退回卡内</translation>
    </message>
    <message>
        <source>HAND BACK {cash} in cash — sale voided, {on_card}</source>
        <translation>退还现金 {cash} — 消费已撤销，{on_card}</translation>
    </message>
    <message>
        <source>Sale voided — {on_card}</source>
        <translation>消费已撤销 — {on_card}</translation>
    </message>
    <message>
        <source>Recharged {amount} — new balance {balance}</source>
        <translation>已充值 {amount} — 余额 {balance}</translation>
    </message>
    <message>
        <source>· bonus {amount}</source>
        <translation>· 赠送 {amount}</translation>
    </message>
    <message>
        <source>Press F9 again to void the last sale ({amount})</source>
        <translation>再按 F9 撤销上一笔消费 ({amount})</translation>
    </message>
    <message>
        <source>— then hand back {cash} in cash</source>
        <translation>— 然后退还现金 {cash}</translation>
    </message>
    <message>
        <source>cashier</source>
        <translation>收银员</translation>
    </message>
    <message>
        <source>manager</source>
        <translation>主管</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>no reader matching &apos;{name}&apos;</source>
        <translation>未找到名称含“{name}”的读卡器</translation>
    </message>
    <message>
        <source>no reader</source>
        <translation>未连接读卡器</translation>
    </message>
    <message>
        <source>reader ok: {detail}</source>
        <translation>读卡器正常：{detail}</translation>
    </message>
    <message>
        <source>simulated reader ready</source>
        <translation>模拟读卡器就绪</translation>
    </message>
    <message>
        <source>keyboard wedge</source>
        <translation>键盘式读卡器</translation>
    </message>
    <message>
        <source>card not readable: {detail}</source>
        <translation>无法读取卡片：{detail}</translation>
    </message>
    <message>
        <source>PC/SC support not installed</source>
        <translation>未安装 PC/SC 支持</translation>
    </message>
    <message>
        <source>PC/SC service not running</source>
        <translation>PC/SC 服务未运行</translation>
    </message>
    <message>
        <source>serial reader ok: {detail}</source>
        <translation>串口读卡器正常：{detail}</translation>
    </message>
    <message>
        <source>serial reader unavailable: {detail}</source>
        <translation>串口读卡器不可用：{detail}</translation>
    </message>
    <message>
        <source>serial reader gone: {detail}</source>
        <translation>串口读卡器已断开：{detail}</translation>
    </message>
    <message>
        <source>ok</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>paper near end</source>
        <translation>纸将用完</translation>
    </message>
    <message>
        <source>paper out</source>
        <translation>缺纸</translation>
    </message>
    <message>
        <source>cover open</source>
        <translation>上盖打开</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>unreachable</source>
        <translation>无法连接</translation>
    </message>
    <message>
        <source>Demo: cards and receipts</source>
        <translation>演示：卡片与小票</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Frozen</source>
        <translation>冻结</translation>
    </message>
    <message>
        <source>Lost</source>
        <translation>挂失</translation>
    </message>
    <message>
        <source>Blocked</source>
        <translation>锁定</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>注销</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>过期</translation>
    </message>
    <message>
        <source>Card no.</source>
        <translation>卡号</translation>
    </message>
    <message>
        <source>Holder</source>
        <translation>持卡人</translation>
    </message>
    <message>
        <source>Member no.</source>
        <translation>会员号</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Allowance batch</source>
        <translation>批量发放补助</translation>
    </message>
    <message>
        <source>Grant</source>
        <translation>发放</translation>
    </message>
    <message>
        <source>Every active card of the type receives the amount once for the period.</source>
        <translation>该类型的每张正常卡在此期间领取一次该金额。</translation>
    </message>
    <message>
        <source>Card type</source>
        <translation>卡类型</translation>
    </message>
    <message>
        <source>Amount per card</source>
        <translation>每卡金额</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>期间</translation>
    </message>
    <message>
        <source>Choose a card type</source>
        <translation>请选择卡类型</translation>
    </message>
    <message>
        <source>A period is a month: YYYY-MM</source>
        <translation>期间为一个月：YYYY-MM</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Balance</source>
        <translation>余额</translation>
    </message>
    <message>
        <source>Type the new card&apos;s number or tap the card</source>
        <translation>输入新卡卡号或刷卡</translation>
    </message>
    <message>
        <source>A card number has at most 32 characters</source>
        <translation>卡号最多 32 个字符</translation>
    </message>
    <message>
        <source>A chip UID is hexadecimal, up to 32 digits</source>
        <translation>芯片 UID 为十六进制，最多 32 位</translation>
    </message>
    <message>
        <source>Cash received</source>
        <translation>实收现金</translation>
    </message>
    <message>
        <source>Freeze card</source>
        <translation>冻结卡</translation>
    </message>
    <message>
        <source>Freeze</source>
        <translation>冻结</translation>
    </message>
    <message>
        <source>Unfreeze card</source>
        <translation>解冻卡</translation>
    </message>
    <message>
        <source>Unfreeze</source>
        <translation>解冻</translation>
    </message>
    <message>
        <source>Report card lost</source>
        <translation>挂失卡</translation>
    </message>
    <message>
        <source>Report lost</source>
        <translation>挂失</translation>
    </message>
    <message>
        <source>The card stops at once; replace it to move its balance to a new card.</source>
        <translation>此卡立即停用；补卡可将余额转入新卡。</translation>
    </message>
    <message>
        <source>Type the reason</source>
        <translation>请输入原因</translation>
    </message>
    <message>
        <source>Replace card</source>
        <translation>补卡</translation>
    </message>
    <message>
        <source>Replace</source>
        <translation>补卡</translation>
    </message>
    <message>
        <source>Report the card lost before replacing it</source>
        <translation>补卡前请先挂失</translation>
    </message>
    <message>
        <source>Moves to the new card: cash {cash}, bonus {bonus}, allowance {allowance}, deposit {deposit}</source>
        <translation>转入新卡：本金 {cash}，赠送 {bonus}，补助 {allowance}，押金 {deposit}</translation>
    </message>
    <message>
        <source>Type or tap the new card</source>
        <translation>输入新卡卡号或刷新卡</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>可选</translation>
    </message>
    <message>
        <source>New card no.</source>
        <translation>新卡号</translation>
    </message>
    <message>
        <source>Chip UID</source>
        <translation>芯片 UID</translation>
    </message>
    <message>
        <source>Close card</source>
        <translation>注销卡</translation>
    </message>
    <message>
        <source>Close and pay out</source>
        <translation>注销并退款</translation>
    </message>
    <message>
        <source>Pay out {total} in cash: balance {cash} and deposit {deposit}</source>
        <translation>退还现金 {total}：余额 {cash}，押金 {deposit}</translation>
    </message>
    <message>
        <source>Forfeited: bonus {bonus}, allowance {allowance}</source>
        <translation>作废：赠送 {bonus}，补助 {allowance}</translation>
    </message>
    <message>
        <source>Set PIN</source>
        <translation>设置密码</translation>
    </message>
    <message>
        <source>Holder: key the new PIN</source>
        <translation>持卡人：请输入新密码</translation>
    </message>
    <message>
        <source>Key the same PIN again</source>
        <translation>请再次输入相同密码</translation>
    </message>
    <message>
        <source>The two PINs differ — key the new PIN again</source>
        <translation>两次密码不一致 — 请重新输入新密码</translation>
    </message>
    <message>
        <source>Validity</source>
        <translation>有效期</translation>
    </message>
    <message>
        <source>Set validity</source>
        <translation>设置有效期</translation>
    </message>
    <message>
        <source>No end date</source>
        <translation>无截止日期</translation>
    </message>
    <message>
        <source>This card</source>
        <translation>此卡</translation>
    </message>
    <message>
        <source>Every card of the type</source>
        <translation>该类型的所有卡</translation>
    </message>
    <message>
        <source>Valid until</source>
        <translation>有效期至</translation>
    </message>
    <message>
        <source>Apply to</source>
        <translation>应用于</translation>
    </message>
    <message>
        <source>Cannot read the cards: {error}</source>
        <translation>无法读取卡片：{error}</translation>
    </message>
    <message>
        <source>Card no., UID, name, phone or member no.</source>
        <translation>卡号、UID、姓名、电话或会员号</translation>
    </message>
    <message>
        <source>1 card</source>
        <translation>1 张卡</translation>
    </message>
    <message>
        <source>{count} cards</source>
        <translation>{count} 张卡</translation>
    </message>
    <message>
        <source>Sale</source>
        <translation>消费</translation>
    </message>
    <message>
        <source>Void</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Recharge</source>
        <translation>充值</translation>
    </message>
    <message>
        <source>Bonus expired</source>
        <translation>赠送过期</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>退卡退款</translation>
    </message>
    <message>
        <source>Moved to new card</source>
        <translation>转入新卡</translation>
    </message>
    <message>
        <source>From old card</source>
        <translation>来自旧卡</translation>
    </message>
    <message>
        <source>Cash sale</source>
        <translation>现金消费</translation>
    </message>
    <message>
        <source>Allowance</source>
        <translation>补助</translation>
    </message>
    <message>
        <source>Allowance reset</source>
        <translation>补助清零</translation>
    </message>
    <message>
        <source>Correction</source>
        <translation>更正</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>What</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Till</source>
        <translation>收银台</translation>
    </message>
    <message>
        <source>Balance change</source>
        <translation>余额变动</translation>
    </message>
    <message>
        <source>Cashier</source>
        <translation>收银员</translation>
    </message>
    <message>
        <source>Cannot read the history: {error}</source>
        <translation>无法读取流水：{error}</translation>
    </message>
    <message>
        <source>Purses</source>
        <translation>账户</translation>
    </message>
    <message>
        <source>Cash</source>
        <translation>本金</translation>
    </message>
    <message>
        <source>Bonus</source>
        <translation>赠送</translation>
    </message>
    <message>
        <source>Deposit held</source>
        <translation>押金</translation>
    </message>
    <message>
        <source>Limits and today</source>
        <translation>限额与今日</translation>
    </message>
    <message>
        <source>Limits</source>
        <translation>限额</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今日</translation>
    </message>
    <message>
        <source>History</source>
        <translation>流水</translation>
    </message>
    <message>
        <source>Reading…</source>
        <translation>正在读取…</translation>
    </message>
    <message>
        <source>No such card</source>
        <translation>无此卡</translation>
    </message>
    <message>
        <source>valid until {day}</source>
        <translation>有效期至 {day}</translation>
    </message>
    <message>
        <source>{amount} until {day}</source>
        <translation>{amount}，{day} 到期</translation>
    </message>
    <message>
        <source>{amount} in {count} sales</source>
        <translation>{count} 笔共 {amount}</translation>
    </message>
    <message>
        <source>{pct} % off</source>
        <translation>{pct}% 折扣</translation>
    </message>
    <message>
        <source>at most {amount} a sale</source>
        <translation>单笔最多 {amount}</translation>
    </message>
    <message>
        <source>{amount} a day</source>
        <translation>每日 {amount}</translation>
    </message>
    <message>
        <source>PIN above {amount}</source>
        <translation>超过 {amount} 需密码</translation>
    </message>
    <message>
        <source>{amount} a day offline</source>
        <translation>离线每日 {amount}</translation>
    </message>
    <message>
        <source>{count} sales a day</source>
        <translation>每日 {count} 笔</translation>
    </message>
    <message>
        <source>Recharge…</source>
        <translation>充值…</translation>
    </message>
    <message>
        <source>Freeze…</source>
        <translation>冻结…</translation>
    </message>
    <message>
        <source>Unfreeze…</source>
        <translation>解冻…</translation>
    </message>
    <message>
        <source>Report lost…</source>
        <translation>挂失…</translation>
    </message>
    <message>
        <source>Replace…</source>
        <translation>补卡…</translation>
    </message>
    <message>
        <source>Close…</source>
        <translation>注销…</translation>
    </message>
    <message>
        <source>Set PIN…</source>
        <translation>设置密码…</translation>
    </message>
    <message>
        <source>Reset PIN</source>
        <translation>重置密码</translation>
    </message>
    <message>
        <source>Validity…</source>
        <translation>有效期…</translation>
    </message>
    <message>
        <source>Correction…</source>
        <translation>更正…</translation>
    </message>
    <message>
        <source>Recharged {amount} · bonus {bonus}</source>
        <translation>已充值 {amount} · 赠送 {bonus}</translation>
    </message>
    <message>
        <source>Status changed: {before} → {after}</source>
        <translation>状态已变更：{before} → {after}</translation>
    </message>
    <message>
        <source>Replaced: the new card holds cash {cash}, bonus {bonus}, allowance {allowance}</source>
        <translation>补卡完成：新卡本金 {cash}，赠送 {bonus}，补助 {allowance}</translation>
    </message>
    <message>
        <source>Closed: pay out {total} (balance {cash}, deposit {deposit}); forfeited bonus {bonus}, allowance {allowance}</source>
        <translation>已注销：退还 {total}（余额 {cash}，押金 {deposit}）；作废赠送 {bonus}，补助 {allowance}</translation>
    </message>
    <message>
        <source>PIN set</source>
        <translation>已设密码</translation>
    </message>
    <message>
        <source>PIN removed: the holder has none until a new one is set</source>
        <translation>密码已删除：持卡人重新设置前无密码</translation>
    </message>
    <message>
        <source>Validity set on 1 card</source>
        <translation>已为 1 张卡设置有效期</translation>
    </message>
    <message>
        <source>Validity set on {count} cards</source>
        <translation>已为 {count} 张卡设置有效期</translation>
    </message>
    <message>
        <source>Corrected: cash {cash}, bonus {bonus}, allowance {allowance}</source>
        <translation>已更正：本金 {cash}，赠送 {bonus}，补助 {allowance}</translation>
    </message>
    <message>
        <source>Issue card…</source>
        <translation>开卡…</translation>
    </message>
    <message>
        <source>Allowance batch…</source>
        <translation>批量发放补助…</translation>
    </message>
    <message>
        <source>Import cards…</source>
        <translation>导入卡片…</translation>
    </message>
    <message>
        <source>Imported {count} cards: opening balances {opening}, bonus {bonus}, deposits {deposits}, fees {fees}</source>
        <translation>已导入 {count} 张卡：开卡余额 {opening}，赠送 {bonus}，押金 {deposits}，工本费 {fees}</translation>
    </message>
    <message>
        <source>Card issued: deposit {deposit}, card fee {fee}, opening recharge {opening}, bonus {bonus}</source>
        <translation>开卡完成：押金 {deposit}，工本费 {fee}，首次充值 {opening}，赠送 {bonus}</translation>
    </message>
    <message>
        <source>{period} was granted before ({count} cards): nothing applied again</source>
        <translation>{period} 已发放过（{count} 张卡）：本次未重复发放</translation>
    </message>
    <message>
        <source>Allowance {period}: {total} to {count} cards</source>
        <translation>{period} 补助：共 {total}，发放 {count} 张卡</translation>
    </message>
    <message>
        <source>no PIN</source>
        <translation>未设密码</translation>
    </message>
    <message>
        <source>Cannot read the card: {error}</source>
        <translation>无法读取卡片：{error}</translation>
    </message>
    <message>
        <source>{field}: type a percentage from 0 to 100, e.g. 12.5</source>
        <translation>{field}：请输入 0 到 100 的百分比，例如 12.5</translation>
    </message>
    <message>
        <source>{field}: type an amount such as 20 or 20.50</source>
        <translation>{field}：请输入金额，例如 20 或 20.50</translation>
    </message>
    <message>
        <source>{field}: type a time as HH:MM, e.g. 11:30</source>
        <translation>{field}：请按 HH:MM 输入时间，例如 11:30</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>keyed</source>
        <translation>手动输入</translation>
    </message>
    <message>
        <source>A meal window needs a name</source>
        <translation>餐段需要名称</translation>
    </message>
    <message>
        <source>{name} from</source>
        <translation>{name} 开始</translation>
    </message>
    <message>
        <source>{name} until</source>
        <translation>{name} 结束</translation>
    </message>
    <message>
        <source>{name}: the window ends before it starts</source>
        <translation>{name}：结束时间早于开始时间</translation>
    </message>
    <message>
        <source>{name} price</source>
        <translation>{name} 价格</translation>
    </message>
    <message>
        <source>Meal windows {first} and {second} overlap: one moment can be in one window only</source>
        <translation>餐段 {first} 与 {second} 重叠：同一时刻只能属于一个餐段</translation>
    </message>
    <message>
        <source>New card type</source>
        <translation>新建卡类型</translation>
    </message>
    <message>
        <source>Edit card type</source>
        <translation>编辑卡类型</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>optional: kept in the audit log</source>
        <translation>可选：记入审计日志</translation>
    </message>
    <message>
        <source>never expires</source>
        <translation>永不过期</translation>
    </message>
    <message>
        <source> days</source>
        <translation> 天</translation>
    </message>
    <message>
        <source>Sales and limits</source>
        <translation>消费与限额</translation>
    </message>
    <message>
        <source>Discount %</source>
        <translation>折扣 %</translation>
    </message>
    <message>
        <source>Per-sale limit</source>
        <translation>单笔限额</translation>
    </message>
    <message>
        <source>Daily amount limit</source>
        <translation>每日金额限额</translation>
    </message>
    <message>
        <source>Sales a day</source>
        <translation>每日笔数</translation>
    </message>
    <message>
        <source>PIN above</source>
        <translation>需密码金额</translation>
    </message>
    <message>
        <source>Offline limit a day</source>
        <translation>每日离线限额</translation>
    </message>
    <message>
        <source>Valid for</source>
        <translation>有效期</translation>
    </message>
    <message>
        <source>e.g. 100:10, 200:30</source>
        <translation>例如 100:10, 200:30</translation>
    </message>
    <message>
        <source>Recharge at least the first amount, get the second as bonus; the best of tiers and percentage applies</source>
        <translation>充值满第一个金额即赠送第二个金额；档位与百分比取较优者</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>从不</translation>
    </message>
    <message>
        <source>At the end of each period</source>
        <translation>每期结束时</translation>
    </message>
    <message>
        <source>Recharge, issue and purses</source>
        <translation>充值、开卡与账户</translation>
    </message>
    <message>
        <source>Recharge bonus %</source>
        <translation>充值赠送 %</translation>
    </message>
    <message>
        <source>Bonus tiers</source>
        <translation>赠送档位</translation>
    </message>
    <message>
        <source>Bonus expires after</source>
        <translation>赠送有效期</translation>
    </message>
    <message>
        <source>Deposit</source>
        <translation>押金</translation>
    </message>
    <message>
        <source>Card fee</source>
        <translation>工本费</translation>
    </message>
    <message>
        <source>Spending order</source>
        <translation>扣款顺序</translation>
    </message>
    <message>
        <source>Meal windows</source>
        <translation>餐段</translation>
    </message>
    <message>
        <source>Starts</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Ends</source>
        <translation>结束</translation>
    </message>
    <message>
        <source>Meals per window</source>
        <translation>每餐段次数</translation>
    </message>
    <message>
        <source>Fixed price</source>
        <translation>固定价格</translation>
    </message>
    <message>
        <source>Refuse sales outside these windows</source>
        <translation>餐段以外拒绝消费</translation>
    </message>
    <message>
        <source>Bonus tiers: type recharge:bonus pairs, e.g. 100:10, 200:30</source>
        <translation>赠送档位：请输入 充值:赠送 对，例如 100:10, 200:30</translation>
    </message>
    <message>
        <source>A card type needs a code and a name</source>
        <translation>卡类型需要代码和名称</translation>
    </message>
    <message>
        <source>Discount</source>
        <translation>折扣</translation>
    </message>
    <message>
        <source>New card type…</source>
        <translation>新建卡类型…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <source>Choose a card type in the list first</source>
        <translation>请先在列表中选择卡类型</translation>
    </message>
    <message>
        <source>Nothing changed</source>
        <translation>没有变更</translation>
    </message>
    <message>
        <source>Saved</source>
        <translation>已保存</translation>
    </message>
    <message>
        <source>Continue…</source>
        <translation>继续…</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Entry</source>
        <translation>流水</translation>
    </message>
    <message>
        <source>No recharge or sale of this card is shown to correct</source>
        <translation>此卡没有可更正的充值或消费</translation>
    </message>
    <message>
        <source>Choose the entry to correct</source>
        <translation>请选择要更正的流水</translation>
    </message>
    <message>
        <source>Take back {cash} in cash and what is left of its bonus {bonus} from the card.</source>
        <translation>从卡内扣回本金 {cash} 及其剩余赠送 {bonus}。</translation>
    </message>
    <message>
        <source>Give back {total} to the card: cash {cash}, bonus {bonus}, allowance {allowance}.</source>
        <translation>向卡内退回 {total}：本金 {cash}，赠送 {bonus}，补助 {allowance}。</translation>
    </message>
    <message>
        <source>Confirm correction</source>
        <translation>确认更正</translation>
    </message>
    <message>
        <source>Reason: {reason}</source>
        <translation>原因：{reason}</translation>
    </message>
    <message>
        <source>Confirm once more to correct.</source>
        <translation>请再确认一次以执行更正。</translation>
    </message>
    <message>
        <source>Issue card</source>
        <translation>开卡</translation>
    </message>
    <message>
        <source>Type or tap the blank card</source>
        <translation>输入空白卡卡号或刷卡</translation>
    </message>
    <message>
        <source>Opening recharge</source>
        <translation>首次充值</translation>
    </message>
    <message>
        <source>Deposit {deposit} · card fee {fee} · opening recharge {opening} — take {total} in cash</source>
        <translation>押金 {deposit} · 工本费 {fee} · 首次充值 {opening} — 收取现金 {total}</translation>
    </message>
    <message>
        <source>Type the holder&apos;s name</source>
        <translation>请输入持卡人姓名</translation>
    </message>
    <message>
        <source>Recent sales</source>
        <translation>最近消费</translation>
    </message>
    <message>
        <source>Loading this shift&apos;s sales…</source>
        <translation>正在读取本班消费…</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Card</source>
        <translation>卡号</translation>
    </message>
    <message>
        <source>Booth</source>
        <translation>档口</translation>
    </message>
    <message>
        <source>silent</source>
        <translation>无响应</translation>
    </message>
    <message>
        <source>unsent entries</source>
        <translation>有未上传流水</translation>
    </message>
    <message>
        <source>printer</source>
        <translation>打印机</translation>
    </message>
    <message>
        <source>reader</source>
        <translation>读卡器</translation>
    </message>
    <message>
        <source>shift difference</source>
        <translation>班次差额</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>{n} s ago</source>
        <translation>{n} 秒前</translation>
    </message>
    <message>
        <source>{n} min ago</source>
        <translation>{n} 分钟前</translation>
    </message>
    <message>
        <source>{n} h ago</source>
        <translation>{n} 小时前</translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation>最后在线</translation>
    </message>
    <message>
        <source>Link</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Unsent</source>
        <translation>未上传</translation>
    </message>
    <message>
        <source>Printer</source>
        <translation>打印机</translation>
    </message>
    <message>
        <source>Reader</source>
        <translation>读卡器</translation>
    </message>
    <message>
        <source>Shift</source>
        <translation>班次</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Flags</source>
        <translation>警示</translation>
    </message>
    <message>
        <source>open · {name}</source>
        <translation>已开班 · {name}</translation>
    </message>
    <message>
        <source>Z {z} off by {amount}</source>
        <translation>Z {z} 差额 {amount}</translation>
    </message>
    <message>
        <source>fault</source>
        <translation>故障</translation>
    </message>
    <message>
        <source>{state} since {time}</source>
        <translation>{time} 起{state}</translation>
    </message>
    <message>
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>reconnecting</source>
        <translation>重连中</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>disk fault</source>
        <translation>磁盘故障</translation>
    </message>
    <message>
        <source>Revenue</source>
        <translation>营业额</translation>
    </message>
    <message>
        <source>Card and cash sales at their charged price, less what voids gave back</source>
        <translation>刷卡和现金消费的实收金额，减去撤销退回的金额</translation>
    </message>
    <message>
        <source>Sales</source>
        <translation>消费笔数</translation>
    </message>
    <message>
        <source>Card sales and cash sales, less voids</source>
        <translation>刷卡和现金消费笔数，减去撤销笔数</translation>
    </message>
    <message>
        <source>Distinct cards with a card sale today</source>
        <translation>今日有刷卡消费的卡数（同一张卡只计一次）</translation>
    </message>
    <message>
        <source>By meal window</source>
        <translation>按餐段</translation>
    </message>
    <message>
        <source>Revenue and sales in each meal window of the card&apos;s type</source>
        <translation>按卡类型的餐段统计的营业额和消费笔数</translation>
    </message>
    <message>
        <source>Today, {day} (at {time})</source>
        <translation>今日 {day}（截至 {time}）</translation>
    </message>
    <message>
        <source>outside meal windows</source>
        <translation>非就餐时段</translation>
    </message>
    <message>
        <source>Any till</source>
        <translation>全部收银台</translation>
    </message>
    <message>
        <source>Any booth</source>
        <translation>全部档口</translation>
    </message>
    <message>
        <source>Any cashier</source>
        <translation>全部收银员</translation>
    </message>
    <message>
        <source>Any kind</source>
        <translation>全部类型</translation>
    </message>
    <message>
        <source>Card number or holder</source>
        <translation>卡号或持卡人</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>Feed interrupted: {error}</source>
        <translation>实时流水中断：{error}</translation>
    </message>
    <message>
        <source>{count} entries loaded at once (not listed)</source>
        <translation>已一次性载入 {count} 条流水（未逐条列出）</translation>
    </message>
    <message>
        <source>Voided</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <source>Void this sale…  (Enter)</source>
        <translation>撤销此笔…  (Enter)</translation>
    </message>
    <message>
        <source>Close  (Esc)</source>
        <translation>关闭  (Esc)</translation>
    </message>
    <message>
        <source>This shift&apos;s card sales, newest first — pick one to void it</source>
        <translation>本班刷卡消费，最新在前 — 选择一笔进行撤销</translation>
    </message>
    <message>
        <source>No card sales in this shift yet</source>
        <translation>本班尚无刷卡消费</translation>
    </message>
    <message>
        <source>voided</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <source>The sales could not be read: {reason}</source>
        <translation>无法读取消费记录：{reason}</translation>
    </message>
    <message>
        <source>Recharge the card of {holder} — balance {balance}</source>
        <translation>为 {holder} 的卡充值 — 余额 {balance}</translation>
    </message>
    <message>
        <source>the exact amount</source>
        <translation>与金额相同</translation>
    </message>
    <message>
        <source>Amount onto the card</source>
        <translation>充值金额</translation>
    </message>
    <message>
        <source>A manager approves a cashier&apos;s recharge with their PIN</source>
        <translation>收银员充值需主管输入密码授权</translation>
    </message>
    <message>
        <source>Recharge  (Enter)</source>
        <translation>充值  (Enter)</translation>
    </message>
    <message>
        <source>Key an amount up to {max}</source>
        <translation>请输入不超过 {max} 的金额</translation>
    </message>
    <message>
        <source>Key the cash received, or nothing for the exact amount</source>
        <translation>请输入实收现金，金额正好可留空</translation>
    </message>
    <message>
        <source>Cash received is less than {amount}</source>
        <translation>实收现金少于 {amount}</translation>
    </message>
    <message>
        <source>Change {amount}</source>
        <translation>找零 {amount}</translation>
    </message>
    <message>
        <source>Wrong password for the user {user}: the server refused it. Type it again, or check the variable {env}.</source>
        <translation>用户 {user} 的密码错误，服务器拒绝连接。请重新输入，或检查环境变量 {env}。</translation>
    </message>
    <message>
        <source>The server wants a password for {user}: type it, or set the variable {env}.</source>
        <translation>服务器要求提供 {user} 的密码：请输入密码，或设置环境变量 {env}。</translation>
    </message>
    <message>
        <source>Cannot reach a server at {host} port {port}: check the address, the port, the network and that PostgreSQL runs.</source>
        <translation>无法连接 {host} 端口 {port} 上的服务器：请检查地址、端口和网络，并确认 PostgreSQL 正在运行。</translation>
    </message>
    <message>
        <source>Something answers at {host} port {port}, but it is not PostgreSQL: check the port.</source>
        <translation>{host} 端口 {port} 有应答，但不是 PostgreSQL：请检查端口。</translation>
    </message>
    <message>
        <source>The server has no database {database}: create it first.</source>
        <translation>服务器上没有数据库 {database}：请先创建。</translation>
    </message>
    <message>
        <source>The server knows no user {user}.</source>
        <translation>服务器上没有用户 {user}。</translation>
    </message>
    <message>
        <source>The server does not let this computer in (see its pg_hba.conf).</source>
        <translation>服务器不允许本机连接（请查看服务器的 pg_hba.conf）。</translation>
    </message>
    <message>
        <source>Not a database address: {detail}</source>
        <translation>数据库地址无效：{detail}</translation>
    </message>
    <message>
        <source>The database&apos;s tables are not up to date: run the migrations first.</source>
        <translation>数据库表结构不是最新的：请先执行迁移。</translation>
    </message>
    <message>
        <source>The database said: {detail}</source>
        <translation>数据库返回：{detail}</translation>
    </message>
    <message>
        <source>It did not work: {detail}</source>
        <translation>操作失败：{detail}</translation>
    </message>
    <message>
        <source>Details: {detail}</source>
        <translation>详情：{detail}</translation>
    </message>
    <message>
        <source>Connected: {server}.</source>
        <translation>已连接：{server}。</translation>
    </message>
    <message>
        <source>The database is empty: Tillcard&apos;s tables are not there yet.</source>
        <translation>数据库为空：尚未创建 Tillcard 的数据表。</translation>
    </message>
    <message>
        <source>Its tables are at an older version ({revision}); this version needs {head}.</source>
        <translation>数据表为旧版本（{revision}）；本版本 Tillcard 需要 {head}。</translation>
    </message>
    <message>
        <source>Its tables are up to date.</source>
        <translation>数据表已是最新版本。</translation>
    </message>
    <message>
        <source>Roles: present.</source>
        <translation>数据库角色：已存在。</translation>
    </message>
    <message>
        <source>Roles: not created yet.</source>
        <translation>数据库角色：尚未创建。</translation>
    </message>
    <message>
        <source>An admin exists.</source>
        <translation>已有管理员。</translation>
    </message>
    <message>
        <source>No admin yet: the next page creates one.</source>
        <translation>尚无管理员：将在下一页创建。</translation>
    </message>
    <message>
        <source>Standalone: this till keeps its own database</source>
        <translation>单机：本收银台使用自己的数据库</translation>
    </message>
    <message>
        <source>Central: the tills of the site share a PostgreSQL database</source>
        <translation>中心数据库：本站各收银台共用一个 PostgreSQL 数据库</translation>
    </message>
    <message>
        <source>empty: the data folder of this computer</source>
        <translation>留空：使用本机的数据文件夹</translation>
    </message>
    <message>
        <source>This till&apos;s database</source>
        <translation>本收银台数据库</translation>
    </message>
    <message>
        <source>Database file</source>
        <translation>数据库文件</translation>
    </message>
    <message>
        <source>Central database</source>
        <translation>中心数据库</translation>
    </message>
    <message>
        <source>for these set-up steps only; never saved</source>
        <translation>仅用于本次设置，不会保存</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>数据库</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Password variable</source>
        <translation>密码环境变量</translation>
    </message>
    <message>
        <source>TLS</source>
        <translation>TLS 模式</translation>
    </message>
    <message>
        <source>The till reads its password from the variable above when it starts; the settings file never holds a password.</source>
        <translation>收银台启动时从上面的环境变量读取密码；设置文件中从不保存密码。</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <source>Let the wizard update this database&apos;s tables (migrations; back it up first)</source>
        <translation>允许向导更新此数据库的表结构（迁移；请先备份）</translation>
    </message>
    <message>
        <source>Run migrations</source>
        <translation>执行迁移</translation>
    </message>
    <message>
        <source>Create roles</source>
        <translation>创建角色</translation>
    </message>
    <message>
        <source>Enter the server&apos;s address and the database&apos;s name.</source>
        <translation>请输入服务器地址和数据库名称。</translation>
    </message>
    <message>
        <source>Running the migrations…</source>
        <translation>正在执行迁移…</translation>
    </message>
    <message>
        <source>Creating the roles…</source>
        <translation>正在创建角色…</translation>
    </message>
    <message>
        <source>Roles created.</source>
        <translation>已创建数据库角色。</translation>
    </message>
    <message>
        <source>Nobody can sign in yet: create the first admin. Admins add the cashiers and managers in the back office.</source>
        <translation>目前还无人可以登录：请创建首个管理员。管理员可在后台添加收银员和主管。</translation>
    </message>
    <message>
        <source>Login</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>PIN for this till</source>
        <translation>收银 PIN</translation>
    </message>
    <message>
        <source>4 or more digits: signs in at the till</source>
        <translation>4 位或以上数字：用于在收银台登录</translation>
    </message>
    <message>
        <source>First admin</source>
        <translation>首个管理员</translation>
    </message>
    <message>
        <source>This database has an admin already: nothing to do here. Sign in with that admin.</source>
        <translation>此数据库已有管理员：本页无需操作。请用该管理员登录。</translation>
    </message>
    <message>
        <source>Enter the admin&apos;s full name.</source>
        <translation>请输入管理员姓名。</translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
    <message>
        <source>A standalone till needs the admin&apos;s PIN: it is how they sign in at the till.</source>
        <translation>单机收银台需要管理员的收银 PIN：管理员凭它在收银台登录。</translation>
    </message>
    <message>
        <source>The admin cannot be created: {reason}</source>
        <translation>无法创建管理员：{reason}</translation>
    </message>
    <message>
        <source>PC/SC readers</source>
        <translation>PC/SC 读卡器</translation>
    </message>
    <message>
        <source>Find readers</source>
        <translation>查找读卡器</translation>
    </message>
    <message>
        <source>Tap a card to test</source>
        <translation>刷卡测试</translation>
    </message>
    <message>
        <source>simulated: the demo&apos;s reader. wedge: a reader that types like a keyboard. A USB NFC reader (ACR122U) needs pcscd running.</source>
        <translation>simulated：演示用读卡器。wedge：像键盘一样输入卡号的读卡器。USB NFC 读卡器（ACR122U）需要运行 pcscd。</translation>
    </message>
    <message>
        <source>Card reader</source>
        <translation>读卡器</translation>
    </message>
    <message>
        <source>No PC/SC readers: {reason}</source>
        <translation>没有 PC/SC 读卡器：{reason}</translation>
    </message>
    <message>
        <source>pcscd runs but sees no reader: plug one in, then Find readers.</source>
        <translation>pcscd 正在运行，但未发现读卡器：请插上读卡器，再点“查找读卡器”。</translation>
    </message>
    <message>
        <source>A keyboard-wedge reader types the card&apos;s number: it is tested at the counter.</source>
        <translation>键盘式（wedge）读卡器直接输入卡号：请在收银界面测试。</translation>
    </message>
    <message>
        <source>Waiting for a card…</source>
        <translation>等待刷卡…</translation>
    </message>
    <message>
        <source>Card read: {uid}</source>
        <translation>已读卡：{uid}</translation>
    </message>
    <message>
        <source>Chinese-market printer (GB18030)</source>
        <translation>国内版打印机（GB18030）</translation>
    </message>
    <message>
        <source>International Epson model (FS mode)</source>
        <translation>Epson 国际版（FS 模式）</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>型号</translation>
    </message>
    <message>
        <source>Paper</source>
        <translation>纸宽</translation>
    </message>
    <message>
        <source>Chinese text</source>
        <translation>中文模式</translation>
    </message>
    <message>
        <source>Print a test page</source>
        <translation>打印测试页</translation>
    </message>
    <message>
        <source>Receipt printer</source>
        <translation>小票打印机</translation>
    </message>
    <message>
        <source>Test page printed.</source>
        <translation>测试页已打印。</translation>
    </message>
    <message>
        <source>Printer: {status} {detail}</source>
        <translation>打印机：{status} {detail}</translation>
    </message>
    <message>
        <source>Customer display</source>
        <translation>客显屏</translation>
    </message>
    <message>
        <source>A pole display faces the customer and shows the amount and the balance after. Empty: none.</source>
        <translation>客显屏面向顾客，显示金额和消费后余额。留空：不使用。</translation>
    </message>
    <message>
        <source>Till number</source>
        <translation>收银台编号</translation>
    </message>
    <message>
        <source>Till name</source>
        <translation>收银台名称</translation>
    </message>
    <message>
        <source>Each till of a site has its own number; the name and the booth are printed on receipts and group the reports.</source>
        <translation>同一站点的每台收银台编号各不相同；名称和档口会打印在小票上，并用于报表分组。</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>时区</translation>
    </message>
    <message>
        <source>Business day starts at</source>
        <translation>营业日开始时间</translation>
    </message>
    <message>
        <source>Empty time zone: this computer&apos;s. Sales before the start of the business day count on the day before (a night shift stays one day).</source>
        <translation>时区留空：使用本机时区。营业日开始前的消费计入前一天（夜班仍算同一天）。</translation>
    </message>
    <message>
        <source>A central site keeps one clock for all its tills, set at the centre (tillcard db site); these values are used by a standalone till.</source>
        <translation>联网站点的所有收银台统一使用中心设置的时间（tillcard db site）；这里的设置仅用于单机收银台。</translation>
    </message>
    <message>
        <source>Clock</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Meal windows (breakfast, lunch, dinner: their times, how many per day and an optional fixed price) belong to each card type, so they are set in the back office: Card types → Meal windows. Here: how this till charges.</source>
        <translation>餐段（早餐、午餐、晚餐：时间、每日次数及可选的固定价格）属于各卡类型，须在后台设置：卡类型 → 餐段。此处设置本收银台如何扣款。</translation>
    </message>
    <message>
        <source>empty: the cashier keys each amount</source>
        <translation>留空：收银员逐笔输入金额</translation>
    </message>
    <message>
        <source>Charge a card type&apos;s meal price on a tap in its meal window</source>
        <translation>在餐段内刷卡时，按卡类型的餐段价格扣款</translation>
    </message>
    <message>
        <source>Set price per tap</source>
        <translation>刷卡固定价格</translation>
    </message>
    <message>
        <source>Meal times</source>
        <translation>就餐时段</translation>
    </message>
    <message>
        <source>Currency (ISO code)</source>
        <translation>币种（ISO 代码）</translation>
    </message>
    <message>
        <source>Write amounts as in</source>
        <translation>金额格式</translation>
    </message>
    <message>
        <source>The drawer is counted in this currency&apos;s notes and coins. Change it only before the first sale.</source>
        <translation>钱箱按此币种的纸币和硬币清点。只能在第一笔消费之前更改。</translation>
    </message>
    <message>
        <source>Currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <source>Larger small print on the counter</source>
        <translation>收银界面小字放大</translation>
    </message>
    <message>
        <source>The screen and the receipts speak this language. It takes effect when the till starts.</source>
        <translation>屏幕和小票使用此语言。收银台下次启动时生效。</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>{key}: {reason} (the file had {value})</source>
        <translation>{key}：{reason}（文件中的值为 {value}）</translation>
    </message>
    <message>
        <source>{key}: {reason}</source>
        <translation>{key}：{reason}</translation>
    </message>
    <message>
        <source>Set up Tillcard</source>
        <translation>Tillcard 初始设置</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>下一步</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Saved to {path}</source>
        <translation>已保存到 {path}</translation>
    </message>
</context>
</TS>
