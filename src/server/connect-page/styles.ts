/**
 * The Connect page's stylesheet, served as a file (`style-src 'self'`, no inline styles). Mobile
 * first: one column that fits a 375 px screen, a centred card from 40 rem up.
 */
export const CONNECT_CSS = `
*, *::before, *::after { box-sizing: border-box; }
:root {
  --ink: #1d2330; --muted: #535b6b; --line: #d5d9e0; --paper: #fff; --ground: #f3f4f7;
  --accent: #1d4ed8; --accent-ink: #fff; --accent-text: #1d4ed8; --focus: #1d4ed8;
  --error: #a4161a; --error-bg: #fdecec;
  --ok: #11643a; --ok-bg: #e8f6ee;
}
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--ground); }
.shell { width: 100%; max-width: 34rem; margin: 0 auto; padding: 1.25rem 1rem 2rem;
  background: var(--paper); min-height: 100vh; }
@media (min-width: 40rem) {
  .shell { margin: 2.5rem auto; min-height: 0; border-radius: 14px; padding: 2rem 2rem 2.25rem;
    box-shadow: 0 2px 14px rgb(20 30 50 / 10%); }
}
h1 { font-size: 1.4rem; line-height: 1.25; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; line-height: 1.3; margin: 0; }
p { margin: .5rem 0; }
.lede, .hint, .required-note { color: var(--muted); }
.brand { display: flex; align-items: center; gap: .625rem; margin: 0 0 1rem; min-height: 2rem; }
.brand-logo { display: block; height: 32px; width: auto; max-width: 12rem; object-fit: contain; }
.brand-name { font-weight: 700; font-size: 1.05rem; }
.secured { margin: 1.75rem 0 0; font-size: .85rem; color: var(--muted); text-align: center; }
.waiting { display: grid; gap: .625rem; padding: .875rem 1rem; border-radius: 8px;
  border: 1px solid var(--line); background: var(--ground); }
.waiting-text { margin: 0; font-weight: 600; }
.secondary { justify-self: start; font: inherit; font-weight: 600; color: var(--accent-text);
  background: var(--paper); border: 1px solid currentColor; border-radius: 8px;
  padding: .5rem 1rem; min-height: 2.75rem; cursor: pointer; }
.hint, .required-note { font-size: .9rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
[hidden] { display: none !important; }

:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
h2:focus, .success:focus, .alert:focus { outline: none; }
h2:focus-visible, .success:focus-visible, .alert:focus-visible {
  outline: 3px solid var(--focus); outline-offset: 3px; }

.services { list-style: none; margin: 1.25rem 0 0; padding: 0; display: grid; gap: .625rem; }
.service { width: 100%; display: flex; align-items: center; gap: .875rem; padding: .75rem .875rem;
  min-height: 3.5rem; font: inherit; color: inherit; text-align: left; cursor: pointer;
  background: var(--paper); border: 1px solid var(--line); border-radius: 10px; }
.service:hover { border-color: var(--accent-text); background: #f7f9ff; }
.service-name { font-weight: 600; flex: 1; min-width: 0; overflow-wrap: anywhere; }
.service-kind { color: var(--muted); font-size: .875rem; white-space: nowrap; }
.chevron { color: var(--muted); font-size: 1.4rem; line-height: 1; }

.logo { position: relative; flex: none; width: 40px; height: 40px; border-radius: 9px;
  overflow: hidden; background: #e3e8f4; display: inline-grid; place-items: center; }
.logo img { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: contain;
  background: var(--paper); }
.initial { font-weight: 700; font-size: 1.1rem; color: #23408e; }

.back { font: inherit; color: var(--accent-text); background: none; border: 0; padding: .25rem 0;
  margin: 0 0 .75rem; cursor: pointer; }
.back:hover { text-decoration: underline; }
.panel-head { display: flex; align-items: center; gap: .875rem; margin-bottom: .25rem; }

.connect-form { margin-top: 1rem; display: grid; gap: 1rem; }
.field { display: grid; gap: .375rem; }
.label-row { display: flex; align-items: center; gap: .5rem; flex-wrap: wrap; }
label { font-weight: 600; }
.required-mark { color: var(--error); font-weight: 600; margin-left: -.3rem; }
input[type="text"], input[type="password"], input[type="number"], select, textarea {
  width: 100%; font: inherit; color: inherit; padding: .625rem .75rem; min-height: 2.75rem;
  border: 1px solid #8a93a3; border-radius: 8px; background: var(--paper); }
textarea { resize: vertical; font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
  font-size: .9rem; }
input:focus-visible, select:focus-visible, textarea:focus-visible { border-color: var(--focus); }
.field-checkbox { display: flex; align-items: center; gap: .5rem; }
.field-checkbox input { width: 1.25rem; height: 1.25rem; margin: 0; }

.tip { position: relative; display: inline-flex; }
.tip-button { width: 1.5rem; height: 1.5rem; border-radius: 50%; border: 1px solid #8a93a3;
  background: var(--paper); color: var(--muted); font-family: inherit; font-weight: 600;
  font-size: .8rem; line-height: 1; cursor: help;
  padding: 0; }
.tip-text { display: none; position: absolute; z-index: 2; left: 50%; top: calc(100% + .4rem);
  transform: translateX(-50%); width: max-content; max-width: min(18rem, 80vw);
  padding: .5rem .625rem; border-radius: 6px; background: var(--ink); color: #fff;
  font-size: .85rem; font-weight: 400; line-height: 1.4; }
.tip:hover .tip-text, .tip-button:focus-visible + .tip-text, .tip.open .tip-text { display: block; }
.tip.closed .tip-text { display: none; }
@media (max-width: 30rem) {
  .tip-text { left: auto; right: -4rem; transform: none; }
}

.alert { margin: 0; padding: .75rem .875rem; border-radius: 8px; border: 1px solid #e6a3a5;
  background: var(--error-bg); color: var(--error); overflow-wrap: anywhere; }
.alert:empty { display: none; }
.success { padding: .875rem 1rem; border-radius: 8px; border: 1px solid #9fd3b5;
  background: var(--ok-bg); color: var(--ok); font-weight: 600; overflow-wrap: anywhere; }
.success:empty { display: none; }

.primary, .primary-link { display: inline-flex; justify-content: center; align-items: center;
  width: 100%; min-height: 2.875rem; padding: .625rem 1.25rem; font-family: inherit;
  font-weight: 600; font-size: 1rem; line-height: 1.2;
  color: var(--accent-ink); background: var(--accent); border: 1px solid var(--accent);
  border-radius: 8px; cursor: pointer; text-decoration: none; }
.primary:hover, .primary-link:hover { filter: brightness(.9); }
.primary[disabled] { opacity: .65; cursor: progress; }
.primary.image-button { background: none; padding: 0; border: 0; }
.primary.image-button img { display: block; max-width: 100%; }
@media (min-width: 40rem) { .primary, .primary-link { width: auto; } }
`
