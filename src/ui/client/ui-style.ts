/** The web view's stylesheet: light and dark (prefers-color-scheme), and a narrow layout under 640 px. */
export const uiStyle = String.raw`
:root { --bg: #ffffff; --fg: #1b1f24; --muted: #5b6570; --line: #d8dde3; --panel: #f5f7f9; --accent: #1f6feb;
  --bar: #4c8bf5; --bar-step: #8b98a8; --bar-route: #b3bcc7; --bar-error: #d1242f; --bar-fallback: #bf8700; --critical: #8250df; --ok: #1a7f37; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9aa5b1; --line: #30363d; --panel: #161b22; --accent: #58a6ff;
    --bar: #388bfd; --bar-step: #6e7681; --bar-route: #484f58; --bar-error: #f85149; --bar-fallback: #d29922; --critical: #a371f7; --ok: #3fb950; }
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); flex-wrap: wrap; }
header nav { display: flex; gap: 1rem; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
a[aria-current="page"] { font-weight: 600; color: var(--fg); }
.brand { font-weight: 700; color: var(--fg); }
main { padding: 1rem; max-width: 1400px; margin: 0 auto; }
h1 { font-size: 1.3rem; margin: .2rem 0 .8rem; overflow-wrap: anywhere; }
h2 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
.muted { color: var(--muted); }
.error { color: var(--bar-error); }
.toolbar { display: flex; gap: .6rem; align-items: center; flex-wrap: wrap; margin-bottom: .8rem; }
.toolbar a.selected { font-weight: 700; color: var(--fg); }
.toolbar label { display: flex; gap: .3rem; align-items: center; }
input, select, button { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: .2rem .4rem; }
button { cursor: pointer; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: .6rem; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .7rem; }
.card .label { color: var(--muted); font-size: .8rem; }
.card .value { font-size: 1.15rem; font-weight: 600; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { background: var(--panel); font-weight: 600; position: sticky; top: 0; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
tr:last-child td { border-bottom: none; }
.chart { min-height: 240px; }
.meter { height: .5rem; background: var(--line); border-radius: 3px; overflow: hidden; min-width: 80px; }
.meter > span { display: block; height: 100%; background: var(--ok); }
.meter.warn > span { background: var(--bar-fallback); }
.meter.over > span { background: var(--bar-error); }
.waterfall { border: 1px solid var(--line); border-radius: 6px; overflow: hidden; }
.wf-row { display: grid; grid-template-columns: minmax(220px, 34%) 1fr; border-bottom: 1px solid var(--line); cursor: default; }
.wf-row:last-child { border-bottom: none; }
.wf-row.call { cursor: pointer; }
.wf-row.call:hover, .wf-row.selected { background: var(--panel); }
.wf-label { padding: .25rem .5rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.wf-label small { color: var(--muted); margin-left: .4rem; }
.wf-track { position: relative; min-height: 1.7rem; }
.wf-bar { position: absolute; top: .35rem; height: 1rem; min-width: 2px; border-radius: 2px; background: var(--bar); }
.wf-row.workflow .wf-bar { background: var(--fg); opacity: .55; }
.wf-row.step .wf-bar { background: var(--bar-step); }
.wf-row.virtual .wf-bar { background: transparent; border: 1px dashed var(--bar-step); }
.wf-row.route .wf-bar { background: var(--bar-route); }
.wf-row.failed .wf-bar { background: var(--bar-error); }
.wf-row.fallback .wf-bar { background: var(--bar-fallback); }
.wf-row.critical .wf-bar { outline: 2px solid var(--critical); outline-offset: 1px; }
.wf-row.critical .wf-label { border-left: 3px solid var(--critical); }
.badge { display: inline-block; padding: 0 .35rem; border-radius: 3px; font-size: .75rem; margin-left: .3rem; border: 1px solid currentColor; }
.badge.critical { color: var(--critical); }
.badge.failed { color: var(--bar-error); }
.badge.fallback { color: var(--bar-fallback); }
.badge.refused { color: var(--bar-error); }
.wf-figures { color: var(--muted); font-size: .8rem; padding: 0 .5rem .25rem; grid-column: 1 / -1; white-space: normal; overflow-wrap: anywhere; }
.attributes { margin-top: 1rem; }
.attributes td { white-space: pre-wrap; overflow-wrap: anywhere; }
.attributes td:first-child { white-space: nowrap; color: var(--muted); }
footer { color: var(--muted); font-size: .8rem; padding: 1rem; text-align: center; }
@media (max-width: 640px) {
  main { padding: .6rem; }
  .wf-row { grid-template-columns: 1fr; }
  .wf-track { min-height: 1.2rem; }
  .wf-bar { top: .1rem; }
  th, td { padding: .25rem .4rem; }
}
`
