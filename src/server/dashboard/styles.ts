/** The dashboard's stylesheet, served as a file (the pages' CSP allows no inline style). */
export const DASHBOARD_CSS = `*, *::before, *::after { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f8; color: #1b2130; }
a { color: #1f4fbf; }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #1f4fbf; outline-offset: 2px; }
code { background: #eceef3; padding: 0 .25rem; border-radius: 4px; font-size: .9em; word-break: break-all; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem 2rem; background: #1b2130; color: #fff; padding: .75rem 1.5rem; }
.top .brand { font-weight: 700; margin: 0; font-size: 1.1rem; }
.top nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
.top nav a { color: #dfe5f3; text-decoration: none; padding: .25rem .5rem; border-radius: 6px; }
.top nav a[aria-current="page"] { background: #36405a; color: #fff; }
.top nav a:focus-visible { outline-color: #9ab7ff; }
.signout { margin-left: auto; display: flex; align-items: center; gap: .75rem; }
.signout .who { color: #dfe5f3; font-size: .85rem; }
.signout code { background: #36405a; color: #fff; }
main { max-width: 72rem; margin: 0 auto; padding: 1.5rem; }
main.narrow { max-width: 28rem; margin: 4rem auto; background: #fff; border-radius: 12px; box-shadow: 0 2px 12px rgb(0 0 0 / 8%); padding: 2rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .75rem; }
section.card, .card { background: #fff; border-radius: 10px; box-shadow: 0 1px 6px rgb(0 0 0 / 6%); padding: 1rem 1.25rem; margin-bottom: 1.5rem; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .5rem .75rem; border-bottom: 1px solid #e1e4ea; vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: #4a5468; }
tbody th { text-transform: none; letter-spacing: normal; font-size: inherit; color: inherit; }
.card h2 { margin-top: 0; }
caption { text-align: left; font-weight: 600; padding: .5rem 0; }
.logo { width: 28px; height: 28px; vertical-align: middle; margin-right: .5rem; }
.initial { display: inline-grid; place-items: center; width: 28px; height: 28px; border-radius: 6px; background: #dfe5f3; color: #1b2130; font-weight: 700; margin-right: .5rem; }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600; }
.badge.active { background: #dcf3e4; color: #0e5a2a; }
.badge.needs_reauth { background: #fdf0d2; color: #6b4300; }
.badge.error { background: #fbe0e0; color: #8a1414; }
.muted { color: #5a6478; }
.notice { padding: .75rem 1rem; border-radius: 8px; }
.notice.status { background: #dcf3e4; color: #0e5a2a; }
.notice.alert { background: #fbe0e0; color: #8a1414; }
form.filters { display: flex; flex-wrap: wrap; gap: 1rem; align-items: end; margin-bottom: 1rem; }
label { display: block; font-weight: 600; font-size: .9rem; margin-bottom: .25rem; }
input[type="text"], input[type="password"], input[type="url"], select { font: inherit; padding: .45rem .6rem; border: 1px solid #8a93a6; border-radius: 6px; min-width: 14rem; background: #fff; color: #1b2130; }
fieldset { border: 1px solid #d5d9e2; border-radius: 8px; padding: .75rem 1rem; margin: 0 0 1rem; }
legend { font-weight: 600; }
.check { display: flex; align-items: center; gap: .5rem; font-weight: 400; }
.field { margin-bottom: 1rem; }
.hint { font-size: .85rem; color: #5a6478; margin: .25rem 0 0; }
button { font: inherit; font-weight: 600; padding: .45rem 1rem; border-radius: 6px; border: 1px solid #1f4fbf; background: #1f4fbf; color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: #1b2130; border-color: #8a93a6; }
button.danger { background: #b3261e; border-color: #b3261e; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; }
.actions form { margin: 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1.5rem; margin: 0; }
dl.facts dt { font-weight: 600; color: #4a5468; }
dl.facts dd { margin: 0; }
.pager { margin-top: 1rem; }
.link-box { font-size: 1rem; padding: .75rem; background: #eef2fb; border-radius: 8px; word-break: break-all; }
.chart { margin: 0; }
.chart svg { width: 100%; height: auto; display: block; }
.chart .grid { stroke: #e1e4ea; stroke-width: 1; }
.chart .axis { font-size: 11px; fill: #4a5468; }
.chart rect.ok { fill: #1f7a44; }
.chart rect.failed { fill: #b3261e; }
.chart figcaption { font-size: .85rem; color: #4a5468; margin-top: .5rem; }
.key { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; vertical-align: middle; }
.key.ok { background: #1f7a44; }
.key.failed { background: #b3261e; margin-left: .75rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`
