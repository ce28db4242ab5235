/**
 * The merchant dashboard: one self-contained page (no build step, no external assets) that asks for the API key
 * once (kept in sessionStorage), reads /v1/analytics/summary and draws the charts as inline SVG.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>chatloyalty — dashboard</title>
<style>
  :root { --bg:#f6f7f9; --card:#fff; --ink:#1d2430; --muted:#6b7480; --a:#0f7b6c; --b:#e08a1e; --c:#c0392b; --d:#3d6fd6; }
  * { box-sizing: border-box; }
  body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--ink); }
  header { display:flex; gap:12px; align-items:center; padding:14px 20px; background:#13202f; color:#fff; }
  header h1 { font-size:17px; margin:0; font-weight:600; }
  header .sp { flex:1; }
  header select, header button, header input { font:inherit; padding:5px 8px; border-radius:6px; border:1px solid #3a4a5c; background:#1e2f42; color:#fff; }
  main { padding:18px 20px; display:grid; gap:16px; grid-template-columns: repeat(auto-fit, minmax(330px, 1fr)); }
  .card { background:var(--card); border-radius:10px; padding:14px 16px; box-shadow:0 1px 2px rgba(0,0,0,.06); }
  .card h2 { font-size:13px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); margin:0 0 10px; font-weight:600; }
  .kpis { grid-column: 1 / -1; display:grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap:12px; }
  .kpi { background:var(--card); border-radius:10px; padding:12px 14px; box-shadow:0 1px 2px rgba(0,0,0,.06); }
  .kpi .v { font-size:22px; font-weight:650; } .kpi .l { color:var(--muted); font-size:12px; }
  .wide { grid-column: 1 / -1; }
  svg text { font-size:11px; fill:var(--muted); }
  .legend { display:flex; gap:14px; font-size:12px; color:var(--muted); margin-top:6px; }
  .legend i { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:5px; vertical-align:-1px; }
  #login { max-width:420px; margin:60px auto; }
  #login input { width:100%; padding:9px; font:inherit; border:1px solid #ccd; border-radius:6px; margin:8px 0; }
  #login button { padding:8px 14px; font:inherit; border:0; border-radius:6px; background:var(--a); color:#fff; }
  .err { color:var(--c); }
  table { width:100%; border-collapse:collapse; } td { padding:4px 0; border-bottom:1px solid #eef0f3; } td.n { text-align:right; font-variant-numeric: tabular-nums; }
</style>
</head>
<body>
<header><h1 id="t-title">Loyalty dashboard</h1><span class="sp"></span>
  <select id="days"><option value="7">7</option><option value="30" selected>30</option><option value="90">90</option><option value="365">365</option></select>
  <select id="lang"><option value="vi">Tiếng Việt</option><option value="en">English</option></select>
  <button id="logout" hidden>⎋</button>
</header>
<div id="login" class="card" hidden>
  <h2 id="t-key">API key</h2>
  <input id="key" type="password" placeholder="ck_live_…" autocomplete="off">
  <button id="go">OK</button> <span id="loginerr" class="err"></span>
</div>
<main id="main" hidden></main>
<script>
const T = {
  vi: { title:"Bảng điều khiển khách hàng thân thiết", key:"Khoá API của cửa hàng", members:"Thành viên", newm:"Thành viên mới", active:"Đang mua hàng", orders:"Đơn hàng", revenue:"Doanh thu", aov:"Giá trị đơn TB", issued:"Điểm đã tặng", redeemed:"Điểm đã đổi", expired:"Điểm hết hạn", outstanding:"Điểm đang lưu hành", redemption:"Tỉ lệ đổi điểm", repeat:"Tỉ lệ mua lại", linked:"Đã liên kết chat", daily:"Đơn hàng và doanh thu mỗi ngày", points:"Điểm mỗi ngày", tiers:"Hạng thành viên", rewards:"Quà được đổi nhiều nhất", channels:"Kênh bán", none:"Chưa có dữ liệu", bad:"Khoá không hợp lệ", days:"ngày" },
  en: { title:"Loyalty dashboard", key:"Your shop's API key", members:"Members", newm:"New members", active:"Active buyers", orders:"Orders", revenue:"Revenue", aov:"Avg order value", issued:"Points issued", redeemed:"Points redeemed", expired:"Points expired", outstanding:"Points outstanding", redemption:"Redemption rate", repeat:"Repeat purchase rate", linked:"Linked a chat", daily:"Orders and revenue per day", points:"Points per day", tiers:"Tiers", rewards:"Top rewards", channels:"Sales channels", none:"No data yet", bad:"That key was not accepted", days:"days" },
};
let lang = localStorage.getItem("cl-lang") || "vi";
const $ = (id) => document.getElementById(id);
const t = (k) => T[lang][k];
const fmt = (n) => new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-US").format(Math.round(n));
const money = (n) => fmt(n) + " ₫";
const axis = (n) => new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-US", { notation: "compact", maximumFractionDigits: 1 }).format(n);
const pct = (x) => (x * 100).toFixed(1) + "%";
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&":"&amp;", "<":"&lt;", ">":"&gt;", '"':"&quot;", "'":"&#39;" }[c]));

function lineChart(days, series, w = 640, h = 200) {
  const pad = { l: 44, r: 10, t: 10, b: 22 };
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (i) => pad.l + (i * (w - pad.l - pad.r)) / Math.max(1, days.length - 1);
  const y = (v) => h - pad.b - (v / max) * (h - pad.t - pad.b);
  let g = "";
  for (let k = 0; k <= 4; k++) { const v = (max * k) / 4; g += '<line x1="'+pad.l+'" x2="'+(w-pad.r)+'" y1="'+y(v)+'" y2="'+y(v)+'" stroke="#eef0f3"/><text x="'+(pad.l-6)+'" y="'+(y(v)+4)+'" text-anchor="end">'+axis(v)+'</text>'; }
  const step = Math.ceil(days.length / 8);
  days.forEach((d, i) => { if (i % step === 0) g += '<text x="'+x(i)+'" y="'+(h-6)+'" text-anchor="middle">'+d.slice(5)+'</text>'; });
  for (const s of series) g += '<polyline fill="none" stroke="'+s.color+'" stroke-width="2" points="'+s.values.map((v, i) => x(i)+","+y(v)).join(" ")+'"/>';
  return '<svg viewBox="0 0 '+w+' '+h+'" width="100%" role="img">'+g+'</svg>' + legend(series);
}
function stackedBars(days, series, w = 640, h = 200) {
  const pad = { l: 44, r: 10, t: 10, b: 22 };
  const totals = days.map((_, i) => series.reduce((s, se) => s + se.values[i], 0));
  const max = Math.max(1, ...totals);
  const bw = (w - pad.l - pad.r) / days.length;
  const y = (v) => (v / max) * (h - pad.t - pad.b);
  let g = "";
  for (let k = 0; k <= 4; k++) { const v = (max * k) / 4; const yy = h - pad.b - y(v); g += '<line x1="'+pad.l+'" x2="'+(w-pad.r)+'" y1="'+yy+'" y2="'+yy+'" stroke="#eef0f3"/><text x="'+(pad.l-6)+'" y="'+(yy+4)+'" text-anchor="end">'+axis(v)+'</text>'; }
  days.forEach((d, i) => {
    let base = h - pad.b;
    for (const se of series) { const hh = y(se.values[i]); if (hh > 0) g += '<rect x="'+(pad.l+i*bw+1)+'" y="'+(base-hh)+'" width="'+Math.max(1,bw-2)+'" height="'+hh+'" fill="'+se.color+'"><title>'+d+' '+esc(se.name)+': '+fmt(se.values[i])+'</title></rect>'; base -= hh; }
  });
  return '<svg viewBox="0 0 '+w+' '+h+'" width="100%" role="img">'+g+'</svg>' + legend(series);
}
function hbars(rows, color, w = 320) {
  if (!rows.length) return '<p>'+t("none")+'</p>';
  const max = Math.max(1, ...rows.map((r) => r.value));
  const rh = 24, h = rows.length * rh;
  let g = "";
  rows.forEach((r, i) => { const bw = ((w - 150) * r.value) / max; g += '<text x="0" y="'+(i*rh+15)+'" style="fill:#1d2430">'+esc(r.label).slice(0, 22)+'</text><rect x="140" y="'+(i*rh+4)+'" width="'+bw+'" height="15" rx="3" fill="'+color+'"/><text x="'+(145+bw)+'" y="'+(i*rh+15)+'">'+fmt(r.value)+'</text>'; });
  return '<svg viewBox="0 0 '+w+' '+h+'" width="100%" role="img">'+g+'</svg>';
}
function legend(series) { return '<div class="legend">' + series.map((s) => '<span><i style="background:'+s.color+'"></i>'+esc(s.name)+'</span>').join("") + '</div>'; }

async function load() {
  const key = sessionStorage.getItem("cl-key");
  document.documentElement.lang = lang;
  $("t-title").textContent = t("title"); $("t-key").textContent = t("key"); $("lang").value = lang;
  if (!key) { $("login").hidden = false; $("main").hidden = true; $("logout").hidden = true; return; }
  const r = await fetch("/v1/analytics/summary?days=" + $("days").value, { headers: { authorization: "Bearer " + key } });
  if (r.status === 401) { sessionStorage.removeItem("cl-key"); $("loginerr").textContent = t("bad"); $("login").hidden = false; return; }
  const s = await r.json();
  $("login").hidden = true; $("main").hidden = false; $("logout").hidden = false;
  const days = s.daily.map((d) => d.day);
  const kpi = (l, v) => '<div class="kpi"><div class="v">'+v+'</div><div class="l">'+l+'</div></div>';
  $("main").innerHTML =
    '<div class="kpis">' + kpi(t("members"), fmt(s.members.total)) + kpi(t("newm"), fmt(s.members.new)) + kpi(t("active"), fmt(s.members.active)) +
      kpi(t("orders"), fmt(s.orders.count)) + kpi(t("revenue"), money(s.orders.revenue)) + kpi(t("aov"), money(s.orders.averageOrderValue)) +
      kpi(t("issued"), fmt(s.points.issued)) + kpi(t("redeemed"), fmt(s.points.redeemed)) + kpi(t("outstanding"), fmt(s.points.outstanding)) +
      kpi(t("redemption"), pct(s.points.redemptionRate)) + kpi(t("repeat"), pct(s.repeatPurchaseRate)) + kpi(t("linked"), fmt(s.members.linkedChat)) + '</div>' +
    '<div class="card wide" id="chart-orders"><h2>'+t("daily")+'</h2>' + lineChart(days, [
      { name: t("orders"), color: "var(--d)", values: s.daily.map((d) => d.orders) },
    ]) + lineChart(days, [{ name: t("revenue") + " (₫)", color: "var(--a)", values: s.daily.map((d) => d.revenue) }], 640, 150) + '</div>' +
    '<div class="card wide" id="chart-points"><h2>'+t("points")+'</h2>' + stackedBars(days, [
      { name: t("issued"), color: "var(--a)", values: s.daily.map((d) => d.pointsIssued) },
      { name: t("redeemed"), color: "var(--b)", values: s.daily.map((d) => d.pointsRedeemed) },
      { name: t("expired"), color: "var(--c)", values: s.daily.map((d) => d.pointsExpired) },
    ]) + '</div>' +
    '<div class="card" id="chart-tiers"><h2>'+t("tiers")+'</h2>' + hbars(s.tiers.map((x) => ({ label: x.name, value: x.members })), "var(--d)") + '</div>' +
    '<div class="card" id="chart-rewards"><h2>'+t("rewards")+'</h2>' + hbars(s.topRewards.map((x) => ({ label: x.name, value: x.redemptions })), "var(--b)") + '</div>' +
    '<div class="card" id="chart-channels"><h2>'+t("channels")+'</h2>' + hbars(s.orders.byChannel.map((x) => ({ label: x.channel, value: x.orders })), "var(--a)") + '</div>';
}
$("go").onclick = () => { sessionStorage.setItem("cl-key", $("key").value.trim()); $("loginerr").textContent = ""; load(); };
$("key").onkeydown = (e) => { if (e.key === "Enter") $("go").click(); };
$("logout").onclick = () => { sessionStorage.removeItem("cl-key"); load(); };
$("days").onchange = load;
$("lang").onchange = () => { lang = $("lang").value; localStorage.setItem("cl-lang", lang); load(); };
load();
</script>
</body>
</html>`;
