/**
 * The simulator page: one self-contained HTML document (inline CSS and JS, no build step, no external assets).
 * The page keeps a random client id in localStorage, posts messages to /simulator/api/messages and polls
 * /simulator/api/inbox for messages pushed by campaigns. Message text is always set with textContent.
 * Messages typed while a reply is loading are queued and sent in order once it arrives (never dropped); the
 * conversation is kept in localStorage (last 200 bubbles) and shown in the order it happened after a reload.
 * A button's leading emoji is decoration in its own aria-hidden span: the label text carries the meaning, so
 * buttons read the same on a system without an emoji font.
 */
export const SIMULATOR_HTML = /* html */ `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chat simulator · chatloyalty</title>
<style>
  :root { --bg:#e9eef3; --me:#0b84ff; --bot:#ffffff; --ink:#1d2733; --muted:#6b7785; --accent:#0b84ff; }
  * { box-sizing: border-box; }
  body { margin:0; font:15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:#cfd8e3; color:var(--ink); }
  .app { max-width:480px; height:100vh; margin:0 auto; display:flex; flex-direction:column; background:var(--bg); box-shadow:0 0 24px rgba(0,0,0,.12); }
  header { display:flex; align-items:center; gap:10px; padding:10px 14px; background:#fff; border-bottom:1px solid #d6dde5; }
  header .avatar { width:36px; height:36px; border-radius:50%; background:var(--accent); color:#fff; display:grid; place-items:center; font-weight:700; }
  header .title { flex:1; }
  header .title b { display:block; }
  header .title small { color:var(--muted); }
  .cardlink { padding:6px 10px; border:1px solid #c5ced8; border-radius:8px; color:var(--accent); text-decoration:none; font-size:13px; white-space:nowrap; }
  .lang { display:flex; border:1px solid #c5ced8; border-radius:8px; overflow:hidden; }
  .lang button { border:0; background:#fff; padding:6px 10px; cursor:pointer; font:inherit; font-size:13px; }
  .lang button.on { background:var(--accent); color:#fff; }
  .linkbar { display:flex; gap:6px; padding:8px 14px; background:#f6f8fa; border-bottom:1px solid #d6dde5; }
  .linkbar input { flex:1; padding:7px 10px; border:1px solid #c5ced8; border-radius:8px; font:inherit; text-transform:uppercase; letter-spacing:.08em; }
  .linkbar button, .composer button { padding:7px 12px; border:0; border-radius:8px; background:var(--accent); color:#fff; font:inherit; cursor:pointer; }
  #log { flex:1; overflow-y:auto; padding:14px; display:flex; flex-direction:column; gap:8px; }
  .msg { max-width:85%; padding:8px 12px; border-radius:14px; white-space:pre-wrap; word-wrap:break-word; box-shadow:0 1px 1px rgba(0,0,0,.06); }
  .msg.me { align-self:flex-end; background:var(--me); color:#fff; border-bottom-right-radius:4px; }
  .msg.bot { align-self:flex-start; background:var(--bot); border-bottom-left-radius:4px; }
  .msg.push { border-left:3px solid #f5a623; }
  .msg img { max-width:100%; border-radius:8px; display:block; margin-bottom:6px; }
  .btns { display:flex; flex-direction:column; gap:4px; margin-top:8px; }
  .btns .row { display:flex; gap:4px; }
  .btn { flex:1; padding:7px 8px; border:1px solid #b9d6ff; background:#eef5ff; color:#0a5bd6; border-radius:8px; cursor:pointer; font:inherit; font-size:14px; }
  .btn:hover { background:#dcebff; }
  .btn .ico { white-space:pre; }
  .msg.me.queued { opacity:.6; }
  .msg .state { display:block; font-size:11px; opacity:.85; margin-top:2px; }
  .chips { display:flex; gap:6px; padding:6px 14px; overflow-x:auto; background:#f6f8fa; border-top:1px solid #d6dde5; }
  .chip { white-space:nowrap; padding:5px 10px; border:1px solid #c5ced8; border-radius:14px; background:#fff; cursor:pointer; font:inherit; font-size:13px; }
  .composer { display:flex; gap:6px; padding:10px 14px; background:#fff; border-top:1px solid #d6dde5; }
  .composer input { flex:1; padding:9px 12px; border:1px solid #c5ced8; border-radius:18px; font:inherit; }
  .hint { text-align:center; color:var(--muted); font-size:12px; }
</style>
</head>
<body>
<div class="app">
  <header>
    <div class="avatar">★</div>
    <div class="title"><b>Loyalty bot</b><small id="sub">Trình mô phỏng chat · web simulator</small></div>
    <a class="cardlink" id="cardlink" href="/card?sim=1">💳 Thẻ</a>
    <div class="lang" role="group" aria-label="Language">
      <button id="lang-vi" data-lang="vi">VI</button><button id="lang-en" data-lang="en">EN</button>
    </div>
  </header>
  <form class="linkbar" id="linkform" autocomplete="off">
    <input id="code" name="code" maxlength="64" placeholder="Mã liên kết / link code" aria-label="Link code">
    <button id="link" type="submit">Liên kết</button>
  </form>
  <div id="log" aria-live="polite"><div class="hint">Gõ /start để bắt đầu · type /start to begin</div></div>
  <div class="chips" id="chips"></div>
  <form class="composer" id="composer" autocomplete="off">
    <input id="text" name="text" maxlength="4000" placeholder="Nhắn tin… / Type a message…" aria-label="Message">
    <button id="send" type="submit">Gửi</button>
  </form>
</div>
<script>
(function () {
  "use strict";
  var API = location.pathname.replace(/\\/+$/, "") + "/api";
  function newId() {
    var a = new Uint8Array(18); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]; }).join("");
  }
  var clientId = localStorage.getItem("sim.clientId");
  if (!clientId || !/^[A-Za-z0-9_-]{16,64}$/.test(clientId)) { clientId = newId(); localStorage.setItem("sim.clientId", clientId); }
  var lastPushed = Number(localStorage.getItem("sim.lastPushed") || "0");
  var lang = localStorage.getItem("sim.lang") === "en" ? "en" : "vi";
  var log = document.getElementById("log");
  var busy = false;

  var CHIPS = {
    vi: [["/points", "Điểm"], ["/rewards", "Đổi quà"], ["/vouchers", "Voucher"], ["/offers", "Ưu đãi"], ["/history", "Lịch sử"], ["/help", "Trợ giúp"]],
    en: [["/points", "Points"], ["/rewards", "Rewards"], ["/vouchers", "Vouchers"], ["/offers", "Offers"], ["/history", "History"], ["/help", "Help"]]
  };
  function renderChrome() {
    document.documentElement.lang = lang;
    document.getElementById("lang-vi").className = lang === "vi" ? "on" : "";
    document.getElementById("lang-en").className = lang === "en" ? "on" : "";
    document.getElementById("link").textContent = lang === "vi" ? "Liên kết" : "Link";
    document.getElementById("send").textContent = lang === "vi" ? "Gửi" : "Send";
    document.getElementById("cardlink").textContent = lang === "vi" ? "💳 Thẻ" : "💳 My card";
    var chips = document.getElementById("chips"); chips.textContent = "";
    CHIPS[lang].forEach(function (c) {
      var b = document.createElement("button"); b.type = "button"; b.className = "chip"; b.textContent = c[1];
      b.onclick = function () { send({ text: c[0] }, c[0]); };
      chips.appendChild(b);
    });
  }

  // The conversation as it happened (oldest first), kept across reloads.
  var TRANSCRIPT_MAX = 200;
  var transcript = [];
  try { transcript = JSON.parse(localStorage.getItem("sim.history") || "[]"); } catch (e) { transcript = []; }
  if (!Array.isArray(transcript)) transcript = [];
  function remember(entry) {
    transcript.push(entry);
    if (transcript.length > TRANSCRIPT_MAX) transcript = transcript.slice(transcript.length - TRANSCRIPT_MAX);
    try { localStorage.setItem("sim.history", JSON.stringify(transcript)); } catch (e) { /* storage full: keep going */ }
  }

  // A leading emoji (and its variation selectors / flag letters) is split off as decoration.
  var LEADING_EMOJI = /^((?:\\p{Extended_Pictographic}|\\p{Regional_Indicator}|\\uFE0F|\\u200D)+)\\s*/u;
  function buttonLabel(el, label) {
    var m = LEADING_EMOJI.exec(label);
    var text = m && m[0].length < label.length ? label.slice(m[0].length) : label;
    if (m && text !== label) {
      var ico = document.createElement("span"); ico.className = "ico"; ico.setAttribute("aria-hidden", "true"); ico.textContent = m[0];
      el.appendChild(ico);
    }
    var t = document.createElement("span"); t.className = "label"; t.textContent = text;
    el.appendChild(t);
    el.setAttribute("aria-label", text);
  }

  function bubble(kind, m, extraClass) {
    var d = document.createElement("div");
    d.className = "msg " + kind + (extraClass ? " " + extraClass : "");
    if (m.imageUrl && /^https?:\\/\\//.test(m.imageUrl)) { var img = document.createElement("img"); img.src = m.imageUrl; img.alt = ""; d.appendChild(img); }
    var t = document.createElement("div"); t.className = "text"; t.textContent = m.text; d.appendChild(t);
    if (m.buttons && m.buttons.length) {
      var wrap = document.createElement("div"); wrap.className = "btns";
      m.buttons.forEach(function (row) {
        var r = document.createElement("div"); r.className = "row";
        row.forEach(function (b) {
          var el = document.createElement("button"); el.type = "button"; el.className = "btn";
          buttonLabel(el, String(b.label));
          el.setAttribute("data-action", b.data);
          el.onclick = function () { send({ button: b.data }, b.label); };
          r.appendChild(el);
        });
        wrap.appendChild(r);
      });
      d.appendChild(wrap);
    }
    log.appendChild(d);
    log.scrollTop = log.scrollHeight;
    return d;
  }
  function show(kind, m, extraClass) {
    var at = Date.now();
    remember({ kind: kind, extra: extraClass || "", at: at, m: { text: m.text, buttons: m.buttons, imageUrl: m.imageUrl } });
    return bubble(kind, m, extraClass);
  }
  transcript.slice().sort(function (a, b) { return (a.at || 0) - (b.at || 0); }).forEach(function (h) {
    if (h && h.m && typeof h.m.text === "string") bubble(h.kind === "me" ? "me" : "bot", h.m, h.extra === "push" ? "push" : "");
  });

  // One request at a time; what is typed meanwhile waits here and goes out in order.
  var queue = [];
  function send(payload, shown) {
    var el = shown ? show("me", { text: shown }) : undefined;
    if (el && busy) {
      el.classList.add("queued");
      var st = document.createElement("span"); st.className = "state"; st.textContent = lang === "vi" ? "Đang chờ gửi…" : "Waiting to send…";
      el.appendChild(st);
    }
    var done;
    var p = new Promise(function (resolve) { done = resolve; });
    queue.push({ payload: payload, el: el, done: done });
    pump();
    return p;
  }
  function pump() {
    if (busy || queue.length === 0) return;
    busy = true;
    var item = queue.shift();
    if (item.el) { item.el.classList.remove("queued"); var st = item.el.querySelector(".state"); if (st) st.remove(); }
    var payload = item.payload;
    payload.clientId = clientId;
    fetch(API + "/messages", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        (body.messages || []).forEach(function (m) { show("bot", m); });
        if (body.language === "vi" || body.language === "en") { lang = body.language; localStorage.setItem("sim.lang", lang); renderChrome(); }
      })
      .catch(function () { show("bot", { text: lang === "vi" ? "Mất kết nối, bạn thử lại nhé." : "Connection lost, please try again." }); })
      .then(function () { busy = false; item.done(); pump(); });
  }

  function poll() {
    fetch(API + "/inbox?clientId=" + encodeURIComponent(clientId) + "&after=" + lastPushed)
      .then(function (r) { return r.json(); })
      .then(function (body) {
        (body.messages || []).forEach(function (m) { show("bot", m, "push"); lastPushed = Math.max(lastPushed, m.id); });
        localStorage.setItem("sim.lastPushed", String(lastPushed));
      })
      .catch(function () {})
      .then(function () { setTimeout(poll, 3000); });
  }

  document.getElementById("composer").onsubmit = function (e) {
    e.preventDefault();
    var input = document.getElementById("text"); var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ text: text }, text);
  };
  document.getElementById("linkform").onsubmit = function (e) {
    e.preventDefault();
    var input = document.getElementById("code"); var code = input.value.trim();
    if (!code) return;
    input.value = "";
    send({ text: "/start " + code }, "/start " + code.toUpperCase());
  };
  Array.prototype.forEach.call(document.querySelectorAll(".lang button"), function (b) {
    b.onclick = function () {
      var l = b.getAttribute("data-lang"); if (l === lang) return;
      lang = l; localStorage.setItem("sim.lang", lang); renderChrome();
      send({ button: "l:" + l }, l === "vi" ? "Tiếng Việt" : "English");
    };
  });
  renderChrome();
  // \`/simulator?code=…\` (printed by \`npm start\` for the demo shop): link at load, then drop the one-time code
  // from the address bar so a reload does not spend it again.
  var linkParam = new URLSearchParams(location.search).get("code");
  if (linkParam && /^[A-Za-z0-9_-]{1,64}$/.test(linkParam)) {
    history.replaceState(null, "", location.pathname);
    send({ text: "/start " + linkParam }, "/start " + linkParam.toUpperCase());
  }
  poll();
})();
</script>
</body>
</html>
`;
