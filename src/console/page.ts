// The console page: static HTML, a stylesheet and an icon, all served by ocsplab itself (no CDN,
// no build step beyond tsc: the script is src/console/client/console.ts, compiled with the rest).
// The page holds no data; the script fills it from the admin API and the event stream.

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

export function consolePage(o: { title: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(o.title)}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/console.css">
<script type="module" src="/assets/console.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to the console</a>
<header>
  <div class="title"><h1>ocsplab lab console</h1><p id="lab-info" class="meta"></p></div>
  <p id="conn" class="conn" role="status" aria-live="polite">connecting…</p>
  <nav aria-label="Sections">
    <a href="#responders">Responders</a><a href="#cas">Certificates</a><a href="#connect">Connect</a><a href="#feed">Live feed</a><a href="#drill">Drill</a><a href="/metrics">/metrics</a>
  </nav>
</header>
<main id="main" tabindex="-1">
  <section id="responders" aria-labelledby="h-responders">
    <h2 id="h-responders">Responders</h2>
    <p class="hint">Each CA's OCSP mode and CRL mode, switched at run time. The line under each picker says what the mode does.</p>
    <table class="responders"><thead><tr><th scope="col">Target</th><th scope="col">Now</th><th scope="col">Ports</th><th scope="col">Switch to</th></tr></thead><tbody id="responder-rows"></tbody></table>
    <p id="mode-msg" class="msg" role="status" aria-live="polite"></p>
  </section>
  <section id="connect" aria-labelledby="h-connect">
    <h2 id="h-connect">Connect</h2>
    <p class="hint">One emulated MQCONNX with these settings, answered as MQ would: the reason code and what each side wrote to its AMQERR01.LOG.</p>
    <form id="connect-form">
      <div class="sides"><fieldset id="set-qm"><legend>Queue manager</legend></fieldset><fieldset id="set-client"><legend>Client</legend></fieldset></div>
      <div class="actions"><button type="submit" id="connect-run" class="primary">Connect</button> <button type="button" id="refresh">REFRESH SECURITY</button></div>
    </form>
    <p id="connect-msg" class="msg" role="status" aria-live="polite"></p>
    <div id="connect-result" aria-live="polite"></div>
  </section>
  <section id="cas" class="wide" aria-labelledby="h-cas">
    <h2 id="h-cas">Certificates</h2>
    <p class="hint">Every CA's index.txt. Revoke and restore go through the CA tool (atomic write, <code>.old</code> backup, lock); a change made outside (<code>openssl ca</code>) shows here within a second.</p>
    <div id="ca-list"></div>
    <p id="ca-msg" class="msg" role="status" aria-live="polite"></p>
  </section>
  <section id="feed" class="wide" aria-labelledby="h-feed">
    <h2 id="h-feed">Live feed</h2>
    <div class="feedbar"><p id="feed-note" class="hint" aria-live="polite">Waiting for requests.</p><label><input type="checkbox" id="feed-pause"> Pause</label> <button type="button" id="feed-clear">Clear</button></div>
    <div class="scroll"><table class="feed"><thead><tr><th scope="col">Time</th><th scope="col">Kind</th><th scope="col">CA</th><th scope="col">Serial</th><th scope="col">Answered</th><th scope="col">Mode</th><th scope="col">ms</th><th scope="col">Signed</th></tr></thead><tbody id="feed-rows"></tbody></table></div>
  </section>
  <section id="drill" class="wide" aria-labelledby="h-drill">
    <h2 id="h-drill">Run the drill</h2>
    <form id="drill-form" class="inline">
      <label for="drill-file">Scenario file</label> <select id="drill-file"></select>
      <label for="drill-filter">Filter</label> <input id="drill-filter" type="text" placeholder="e.g. seed003" size="18">
      <button type="submit" id="drill-run" class="primary">Run</button> <button type="button" id="drill-stop" disabled>Stop</button>
    </form>
    <p id="drill-progress" class="msg" role="status" aria-live="polite"></p>
    <table class="drill"><thead><tr><th scope="col">Scenario</th><th scope="col">Expected</th><th scope="col">Actual</th><th scope="col">ms</th><th scope="col">Result</th></tr></thead><tbody id="drill-rows"></tbody></table>
    <p id="drill-downloads" class="downloads" hidden>Results: <a href="/api/lab/drill/report.json" download>JSON</a> · <a href="/api/lab/drill/report.junit.xml" download>JUnit XML</a> · <a href="/api/lab/drill/report.html" target="_blank" rel="noopener">HTML matrix</a></p>
    <iframe id="drill-frame" title="Drill matrix: the HTML report" hidden></iframe>
  </section>
</main>
</body>
</html>
`;
}

export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0b5cad"/><path d="M4 8.5l2.5 2.5L12 5" stroke="#fff" stroke-width="2" fill="none"/></svg>`;

export const CONSOLE_CSS = `
:root{--fg:#1d2330;--muted:#57606a;--line:#d8dee4;--bg:#f6f8fa;--card:#fff;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--accent:#0b5cad}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:var(--fg);background:var(--bg)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.4rem .8rem;z-index:10}.skip:focus{left:.5rem}
header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;padding:.6rem 1.2rem;background:#102a43;color:#fff}
header h1{font-size:1.2rem;margin:0}header .meta{margin:0;color:#bcccdc;font-size:.85rem}
header nav{display:flex;gap:1rem;margin-left:auto}header nav a{color:#d9e8f6}
.conn{margin:0;padding:.15rem .6rem;border-radius:10px;background:#486581;font-size:.85rem}.conn.live{background:var(--ok)}.conn.lost{background:var(--bad)}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(36rem,1fr));gap:1rem;padding:1rem 1.2rem;max-width:1700px;margin:0 auto}
main:focus{outline:none}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.8rem 1rem;min-width:0}
section.wide{grid-column:1/-1}
h2{font-size:1.05rem;margin:0 0 .3rem}h3{font-size:.95rem;margin:.9rem 0 .3rem}
.hint{color:var(--muted);margin:.1rem 0 .6rem;font-size:.88rem}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:.3rem .45rem;text-align:left;vertical-align:top}
th{font-size:.78rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);background:#f3f4f6}
code,pre,.mono{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:.5rem;overflow:auto;max-height:20rem;white-space:pre}
button,select,input{font:inherit}
button{border:1px solid #8c959f;background:#f6f8fa;border-radius:6px;padding:.2rem .7rem;cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}
button.danger{border-color:var(--bad);color:var(--bad)}
button:disabled{opacity:.55;cursor:default}
select,input[type=text],input[type=number]{border:1px solid #8c959f;border-radius:6px;padding:.15rem .3rem;background:#fff;max-width:100%}
:focus-visible{outline:3px solid #f0b429;outline-offset:1px}
.badge{display:inline-block;border-radius:10px;padding:0 .5rem;font-size:.8rem;font-weight:600}
.badge.Valid,.badge.good,.badge.up,.badge.pass,.badge.open{background:#dafbe1;color:#116329}
.badge.Revoked,.badge.revoked,.badge.fail,.badge.error,.badge.closed,.badge.down{background:#ffebe9;color:#a40e26}.badge.skip{background:#eaeef2;color:#57606a}
.badge.Expired,.badge.unknown,.badge.fault,.badge.running{background:#fff8c5;color:#7d4e00}
.badge.waiting{background:#eaeef2;color:var(--muted)}
.effect{color:var(--muted);font-size:.85rem;margin:.2rem 0 0}
.picker{display:flex;flex-wrap:wrap;align-items:center;gap:.3rem}.picker select{flex:1 1 6rem;min-width:0}.picker .effect{flex-basis:100%}
.msg{min-height:1.3em;margin:.4rem 0 0}.msg.err{color:var(--bad)}.msg.ok{color:var(--ok)}
.sides{display:grid;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));gap:.8rem}
fieldset{border:1px solid var(--line);border-radius:6px;margin:0;padding:.4rem .7rem}
fieldset{min-width:0}fieldset label{display:grid;grid-template-columns:minmax(9rem,max-content) minmax(0,1fr);align-items:center;gap:.4rem;margin:.25rem 0}fieldset select{width:100%}
.actions{margin-top:.6rem}
.rc{font-size:1.1rem;font-weight:600;margin:.6rem 0 .2rem}.rc.ok{color:var(--ok)}.rc.bad{color:var(--bad)}
.logs{display:grid;grid-template-columns:minmax(0,1fr);gap:.2rem}.logs>div{min-width:0}
.logs h3{margin-top:.4rem}
.ca{margin-bottom:1rem}
.ca table td:nth-child(1){white-space:nowrap}
.feedbar{display:flex;align-items:center;gap:1rem}.feedbar .hint{margin:0;flex:1}
.scroll{max-height:18rem;overflow:auto;border:1px solid var(--line);border-radius:6px}
.feed td{white-space:nowrap;font-size:.85rem;padding:.15rem .45rem}
.feed tr.fresh{animation:fresh 1.2s ease-out}@keyframes fresh{from{background:#fff8c5}to{background:transparent}}
form.inline{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem}
.drill td.res{font-weight:700}
iframe{width:100%;height:32rem;border:1px solid var(--line);border-radius:6px;margin-top:.6rem;background:#fff}
.downloads{margin:.6rem 0 0}
@media (prefers-reduced-motion:reduce){.feed tr.fresh{animation:none}}
`;
