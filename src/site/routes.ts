/**
 * `/` (a small landing page, vi/en) and `/docs` (the interactive API reference: Swagger UI over /v1/openapi.json).
 * Both are self-contained HTML served by the app on Node and Workers; the reference's script and style come from
 * this origin (see assets.ts), so its CSP allows scripts from 'self' only.
 */
import { Hono } from "hono";
import type { AppEnv } from "../http/env.ts";
import type { AssetReader } from "./assets.ts";

const LANDING_HTML = `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>chatloyalty</title>
<link rel="icon" href="data:,">
<style>
  * { box-sizing: border-box; }
  body { margin:0; font:16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:#f6f7f9; color:#1d2430; }
  main { max-width:640px; margin:0 auto; padding:32px 20px; }
  h1 { font-size:26px; margin:0 0 4px; } p.lead { color:#525c69; margin:0 0 24px; }
  .lang { float:right; } .lang button { font:inherit; font-size:13px; border:1px solid #ccd; background:#fff; border-radius:6px; padding:3px 9px; cursor:pointer; }
  .lang button[aria-pressed="true"] { background:#13202f; color:#fff; border-color:#13202f; }
  ul { list-style:none; padding:0; margin:0; display:grid; gap:12px; }
  li a { display:block; background:#fff; border-radius:10px; padding:14px 16px; box-shadow:0 1px 2px rgba(0,0,0,.08); text-decoration:none; color:inherit; }
  li a:hover, li a:focus { outline:2px solid #0f7b6c; }
  li b { display:block; color:#0f7b6c; font-size:17px; } li span { color:#525c69; font-size:14px; }
  [data-en] { display:none; } html[lang="en"] [data-en] { display:revert; } html[lang="en"] [data-vi] { display:none; }
  footer { margin-top:28px; color:#6b7480; font-size:13px; }
</style>
</head>
<body>
<main>
  <div class="lang" role="group" aria-label="Ngôn ngữ / Language">
    <button type="button" data-lang="vi" aria-pressed="true">Tiếng Việt</button>
    <button type="button" data-lang="en" aria-pressed="false">English</button>
  </div>
  <h1>chatloyalty</h1>
  <p class="lead"><span data-vi>Chương trình khách hàng thân thiết qua chat (Telegram, Zalo).</span><span data-en>A loyalty program that lives in chat (Telegram, Zalo).</span></p>
  <ul>
    <li><a href="/console" id="l-console"><b><span data-vi>Trang quản lý</span><span data-en>Console</span></b><span><span data-vi>Đăng nhập bằng khóa API để quản lý chương trình, phần thưởng, hội viên, chiến dịch.</span><span data-en>Sign in with an API key to run the program, rewards, members and campaigns.</span></span></a></li>
    <li><a href="/simulator" id="l-simulator"><b><span data-vi>Trình mô phỏng chat</span><span data-en>Chat simulator</span></b><span><span data-vi>Trò chuyện với bot như một hội viên, ngay trên trình duyệt.</span><span data-en>Talk to the bot as a member, right in the browser.</span></span></a></li>
    <li><a href="/docs" id="l-docs"><b><span data-vi>Tài liệu API</span><span data-en>API reference</span></b><span><span data-vi>Tài liệu tương tác từ OpenAPI; thử gọi API với khóa của bạn.</span><span data-en>Interactive reference from the OpenAPI document; try calls with your key.</span></span></a></li>
    <li><a href="/healthz" id="l-health"><b><span data-vi>Tình trạng</span><span data-en>Health</span></b><span><span data-vi>Máy chủ và cơ sở dữ liệu còn hoạt động không (JSON).</span><span data-en>Whether the server and its database are up (JSON).</span></span></a></li>
  </ul>
  <footer><a href="/v1/openapi.json">openapi.json</a> · MIT</footer>
</main>
<script>
(function () {
  var saved = null;
  try { saved = localStorage.getItem("cl.lang"); } catch (e) {}
  var lang = saved || ((navigator.language || "vi").toLowerCase().indexOf("vi") === 0 ? "vi" : "en");
  function apply(l) {
    lang = l; document.documentElement.lang = l;
    Array.prototype.forEach.call(document.querySelectorAll(".lang button"), function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-lang") === l));
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".lang button"), function (b) {
    b.onclick = function () { apply(b.getAttribute("data-lang")); try { localStorage.setItem("cl.lang", lang); } catch (e) {} };
  });
  apply(lang);
})();
</script>
</body>
</html>
`;

const REFERENCE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>chatloyalty — API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<style>body { margin:0; } .back { display:block; padding:8px 16px; font:14px system-ui, sans-serif; background:#13202f; color:#fff; }</style>
</head>
<body>
<a class="back" href="/">← chatloyalty</a>
<div id="reference"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

/** Started from a file (not inline) so the page's CSP needs no 'unsafe-inline' for scripts. */
const REFERENCE_INIT = `window.ui = SwaggerUIBundle({
  url: "/v1/openapi.json",
  dom_id: "#reference",
  deepLinking: true,
  persistAuthorization: false,
  tryItOutEnabled: false
});
`;

/** Swagger UI: scripts from this origin only; its inline styles and data: images (icons) allowed. */
const REFERENCE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function sitePages(assets: AssetReader | undefined): Hono<AppEnv> {
  const site = new Hono<AppEnv>();
  site.get("/", (c) => c.html(LANDING_HTML));
  site.get("/docs", (c) => {
    c.header("content-security-policy", REFERENCE_CSP);
    return c.html(REFERENCE_HTML);
  });
  site.get("/docs/init.js", (c) => {
    c.header("content-type", "text/javascript; charset=utf-8");
    return c.body(REFERENCE_INIT);
  });
  // Workers: Static Assets answer these before the Worker runs; this route serves Node (and 404s elsewhere).
  site.get("/docs/assets/:name", async (c) => {
    const res = assets ? await assets(c.req.param("name")) : undefined;
    return res ?? c.notFound();
  });
  return site;
}
