/**
 * The loyalty card page: one self-contained HTML document (inline CSS and JS, no external script — Telegram's
 * initData is read from the `tgWebAppData` launch parameter in the URL fragment, which is what telegram-web-app.js
 * reads too). `/card?sim=1` is the web simulator's card: it uses the simulator's client id from localStorage.
 * The QR SVG comes from the server (uqr); text is set with textContent.
 */
export const CARD_HTML = /* html */ `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<title>Thẻ thành viên · Loyalty card</title>
<style>
  * { box-sizing: border-box; }
  body { margin:0; font:15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:#eef2f6; color:#1d2733; }
  main { max-width:480px; margin:0 auto; padding:16px; display:flex; flex-direction:column; gap:12px; }
  .card { background:linear-gradient(135deg,#0b84ff,#6a4cff); color:#fff; border-radius:18px; padding:18px; box-shadow:0 6px 18px rgba(11,132,255,.25); }
  .card .name { font-size:18px; font-weight:700; }
  .card .tier { opacity:.9; }
  .card .balance { font-size:34px; font-weight:800; margin-top:8px; }
  .card small { opacity:.85; }
  .bar { height:8px; background:rgba(255,255,255,.3); border-radius:4px; margin-top:10px; overflow:hidden; }
  .bar > div { height:100%; background:#fff; width:0; }
  .qr { background:#fff; border-radius:18px; padding:16px; text-align:center; }
  .qr #refqr svg { width:min(48vw,180px); height:auto; display:block; margin:0 auto; }
  .qr #qr svg { width:min(72vw,260px); height:auto; display:block; margin:0 auto; }
  .qr .code { font:12px ui-monospace, monospace; color:#6b7785; word-break:break-all; margin-top:6px; }
  .qr .hint { color:#6b7785; font-size:13px; }
  section.list { background:#fff; border-radius:14px; padding:12px 14px; }
  section.list h2 { font-size:15px; margin:0 0 6px; }
  section.list ul { margin:0; padding-left:18px; }
  section.list .empty { color:#6b7785; }
  .error { background:#fff3f0; color:#a2341c; border-radius:14px; padding:14px; }
</style>
</head>
<body>
<main>
  <a id="back" href="/simulator" hidden style="color:#0b84ff;text-decoration:none">← Chat</a>
  <div id="error" class="error" hidden></div>
  <div id="content" hidden>
    <div class="card">
      <div class="name" id="name"></div>
      <div class="tier" id="tier"></div>
      <div class="balance" id="balance"></div>
      <small id="pending"></small>
      <div class="bar"><div id="progress"></div></div>
      <small id="next"></small>
    </div>
    <div class="qr" style="margin-top:12px">
      <div class="hint" id="qrhint"></div>
      <div id="qr" aria-label="QR"></div>
      <div class="code" id="codetext"></div>
    </div>
    <div class="qr" id="referral" style="margin-top:12px" hidden>
      <div class="hint" id="refhint"></div>
      <div id="refqr" aria-label="QR"></div>
      <div class="code" id="reftext"></div>
    </div>
    <section class="list" style="margin-top:12px"><h2 id="vh"></h2><ul id="vouchers"></ul></section>
    <section class="list" style="margin-top:12px"><h2 id="oh"></h2><ul id="offers"></ul></section>
  </div>
</main>
<script>
(function () {
  "use strict";
  var T = {
    vi: { points: "điểm", pending: "điểm đang chờ", tier: "Hạng", next: function (n, s) { return "Còn " + s + " để lên hạng " + n; },
          top: "Bạn đang ở hạng cao nhất", qr: "Đưa mã này cho thu ngân quét · mã đổi sau 30 giây", vouchers: "Voucher của bạn",
          offers: "Ưu đãi dành cho bạn", none: "Chưa có", notLinked: "Bạn chưa liên kết tài khoản thành viên. Hãy gõ /start kèm mã liên kết trong chat.",
          denied: "Không mở được thẻ. Hãy mở lại từ nút trong bot.", offline: "Mất kết nối, đang thử lại…",
          referral: "Giới thiệu bạn bè: bạn bè quét mã này để tham gia", refCode: "Mã giới thiệu" },
    en: { points: "points", pending: "points pending", tier: "Tier", next: function (n, s) { return s + " more to reach " + n; },
          top: "You are in the top tier", qr: "Show this to the cashier · the code changes every 30 seconds", vouchers: "Your vouchers",
          offers: "Offers for you", none: "None yet", notLinked: "This chat is not linked to a member yet. Type /start with your link code in the chat.",
          denied: "The card could not be opened. Reopen it from the bot's button.", offline: "Connection lost, retrying…",
          referral: "Refer a friend: friends scan this to join", refCode: "Referral code" }
  };
  var lang = (navigator.language || "").toLowerCase().indexOf("en") === 0 ? "en" : "vi";
  var token = null;
  function $(id) { return document.getElementById(id); }
  function fmt(n, l) { return Number(n).toLocaleString(l === "en" ? "en-US" : "vi-VN"); }
  function money(n, cur, l) {
    try { return Number(n).toLocaleString(l === "en" ? "en-US" : "vi-VN", { style: "currency", currency: cur, maximumFractionDigits: 0 }); }
    catch (e) { return fmt(n, l) + " " + cur; }
  }
  function showError(text) { $("error").textContent = text; $("error").hidden = false; }
  function list(ul, items, line) {
    ul.textContent = "";
    if (!items.length) { var li = document.createElement("li"); li.className = "empty"; li.textContent = T[lang].none; ul.appendChild(li); return; }
    items.forEach(function (it) { var li = document.createElement("li"); li.textContent = line(it); ul.appendChild(li); });
  }
  function svgInto(box, markup) {
    // The SVG is generated by this server (uqr), parsed as SVG (never as HTML).
    var svg = new DOMParser().parseFromString(markup, "image/svg+xml").documentElement;
    box.textContent = ""; box.appendChild(document.importNode(svg, true));
  }
  function renderQr(code) {
    svgInto($("qr"), code.svg);
    $("codetext").textContent = code.value;
  }
  function renderReferral(r, t) {
    $("referral").hidden = !r;
    if (!r) return;
    $("refhint").textContent = t.referral;
    svgInto($("refqr"), r.svg);
    $("reftext").textContent = t.refCode + ": " + r.code;
  }
  function render(card) {
    lang = card.lang === "en" ? "en" : "vi";
    var t = T[lang];
    document.documentElement.lang = lang;
    $("error").hidden = true;
    $("name").textContent = card.name || "";
    $("tier").textContent = card.tier ? t.tier + " " + card.tier.name : "";
    $("balance").textContent = fmt(card.balance, lang) + " " + t.points;
    $("pending").textContent = card.pending > 0 ? "+" + fmt(card.pending, lang) + " " + t.pending : "";
    if (card.nextTier) {
      $("next").textContent = t.next(card.nextTier.name, money(card.nextTier.spendNeeded, card.currency, lang));
      var pct = card.nextTier.minSpend > 0 ? Math.max(0, Math.min(100, 100 * card.netSpend / card.nextTier.minSpend)) : 0;
      $("progress").style.width = pct.toFixed(0) + "%";
    } else { $("next").textContent = t.top; $("progress").style.width = "100%"; }
    $("qrhint").textContent = t.qr;
    renderQr(card.code);
    renderReferral(card.referral, t);
    $("vh").textContent = t.vouchers;
    list($("vouchers"), card.vouchers, function (v) { return v.name + " · " + v.code; });
    $("oh").textContent = t.offers;
    list($("offers"), card.offers, function (o) { return o.text; });
    $("content").hidden = false;
  }
  function fail(status) {
    $("content").hidden = true;
    showError(status === 404 ? T[lang].notLinked : T[lang].denied);
  }
  function refresh() {
    fetch("/card/api/card", { headers: { authorization: "Bearer " + token } })
      .then(function (r) { if (!r.ok) { fail(r.status); throw null; } return r.json(); })
      .then(function (card) { render(card); schedule(); })
      .catch(function (e) { if (e !== null) { showError(T[lang].offline); schedule(); } });
  }
  function schedule() { setTimeout(refresh, 25000); }
  function initData() {
    var hash = location.hash.replace(/^#/, "");
    var v = new URLSearchParams(hash).get("tgWebAppData");
    if (v) return v;
    var tg = window.Telegram && window.Telegram.WebApp;
    return tg && tg.initData ? tg.initData : "";
  }
  var body;
  if (new URLSearchParams(location.search).get("sim") === "1") {
    body = { clientId: localStorage.getItem("sim.clientId") || "" };
    $("back").hidden = false;
  }
  else body = { initData: initData() };
  fetch("/card/api/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
    .then(function (r) { if (!r.ok) { fail(r.status); throw null; } return r.json(); })
    .then(function (s) { token = s.token; render(s.card); schedule(); })
    .catch(function (e) { if (e !== null) showError(T[lang].offline); });
})();
</script>
</body>
</html>
`;
