import { uiClientCommon } from './ui-client-common.js'
import { uiClientOverview } from './ui-client-overview.js'
import { uiClientRun } from './ui-client-run.js'
import { uiClientRuns } from './ui-client-runs.js'

const start = String.raw`
var pages = { overview: drawOverview, runs: drawRuns, run: drawRun };
var draw = pages[document.body.getAttribute('data-page')];
if (draw) {
  var started = performance.now();
  draw().then(function () {
    // For the browser test's timing: drawing time, and time since navigation started.
    main.setAttribute('data-render-ms', String(Math.round(performance.now() - started)));
    main.setAttribute('data-rendered-at-ms', String(Math.round(performance.now())));
    main.setAttribute('data-drawn-ms', String(Math.round(performance.now() - dataArrivedAtMs)));
  }, showError);
}
`

/** The web view's one script: the helpers, the three pages and the start, in one strict-mode function. */
export function uiClientScript(): string {
  return `(function () {\n'use strict';\n${uiClientCommon}${uiClientOverview}${uiClientRuns}${uiClientRun}${start}})();\n`
}
