/** The run page: the waterfall on one time axis, the critical path with each step's share, totals, a call's attributes on click. */
export const uiClientRun = String.raw`
function drawRun() {
  var encoded = location.pathname.slice('/ui/runs/'.length);
  return fetchJson('/ui/api/runs/' + encoded).then(function (data) {
    clear(main);
    var run = data.run;
    main.appendChild(el('h1', { text: (run.workflow || 'Run') + ' \u00b7 ' + run.runId }));
    main.appendChild(el('p', { className: 'muted', text: 'Started ' + when(run.startMs) + ' \u00b7 ' + ms(run.durationMs) + (run.status === 'Error' ? ' \u00b7 failed' : '') }));
    var totals = data.totals;
    main.appendChild(el('div', { className: 'cards', id: 'totals' }, [
      card('Cost', usd(totals.costUsd), '$' + totals.costUsd),
      card('Calls', count(totals.calls)),
      card('Tokens in / out', count(totals.inputTokens) + ' / ' + count(totals.outputTokens)),
      card('Errors', String(totals.errors)),
      card('Retries / fallbacks', totals.retries + ' / ' + totals.fallbacks),
      card('Refused by a budget', String(totals.refused)),
      card('Duration', ms(run.durationMs))
    ]));
    main.appendChild(el('h2', { text: 'Waterfall' }));
    if (!run.hasWorkflowSpan) main.appendChild(el('p', { className: 'muted', id: 'no-workflow-span', text: 'This run has no workflow span (e.g. calls through switchyard gateway with x-switchyard-run-id): it spans its first call\u2019s start to its last call\u2019s end.' }));
    if (data.stepsFromCalls) main.appendChild(el('p', { className: 'muted', id: 'steps-from-calls', text: 'No step spans: the step rows marked \u201cfrom calls\u201d group the requests by their switchyard.step attribute, each from its first request\u2019s start to its last one\u2019s end.' }));
    var details = el('div', { className: 'attributes', id: 'attributes' }, [el('p', { className: 'muted', text: 'Click a model call to see its attributes.' })]);
    main.appendChild(waterfall(data, details));
    if (data.omittedSpans > 0) main.appendChild(el('p', { className: 'muted', text: data.omittedSpans + ' more spans not shown.' }));
    main.appendChild(details);
    main.appendChild(el('h2', { text: 'Critical path' }));
    main.appendChild(criticalPathTable(data.criticalPath));
    main.appendChild(footer());
  });
}

function criticalPathTable(path) {
  var rows = path.steps.map(function (step) {
    return [step.step, numberCell(ms(step.criticalMs)), numberCell(percent(step.share)), numberCell(ms(step.busyMs)), numberCell(ms(step.overlapMs)), numberCell(ms(step.parallelCallsMs))];
  });
  rows.push([el('td', { className: 'muted', text: 'outside any step' }), numberCell(ms(path.outsideMs)), numberCell(percent(path.outsideShare)), numberCell('–'), numberCell('–'), numberCell('–')]);
  var wrap = table([['step', false], ['on the critical path', true], ['share of this run', true], ['step time', true], ['in parallel', true], ['parallel calls', true]], rows, 'critical-path');
  wrap.insertBefore(el('p', { className: 'muted', text: 'Share = the step\u2019s time on the critical path divided by this run\u2019s duration; with the time outside steps it adds up to 100%. In parallel: time the step ran beside another step or with two of its own requests at once; parallel calls: the part with two or more of its own requests at once.' }), wrap.firstChild);
  return wrap;
}

function waterfall(data, details) {
  var runMs = Math.max(data.run.durationMs, 0.001);
  data.spans.forEach(function (span) { runMs = Math.max(runMs, span.startMs + span.durationMs); });
  var shares = {};
  data.criticalPath.steps.forEach(function (step) { shares[step.step] = step.share; });
  var container = el('div', { className: 'waterfall', role: 'list' });
  var selected = null;
  data.spans.forEach(function (span) {
    var classes = ['wf-row', span.kind];
    var failed = span.status === 'Error';
    if (failed) classes.push('failed');
    if (span.call && span.call.attemptKind === 'fallback' && !failed) classes.push('fallback');
    if (span.critical) classes.push('critical');
    if (span.virtual) classes.push('virtual');
    var label = el('div', { className: 'wf-label', title: span.name }, [span.name]);
    label.style.paddingLeft = (0.5 + span.depth * 1.1) + 'rem';
    if (span.critical) {
      var stepName = span.attributes['switchyard.step'] || span.name.slice(5);
      label.appendChild(el('span', { className: 'badge critical', text: 'critical ' + percent(shares[stepName] || 0) }));
    }
    if (span.virtual) label.appendChild(el('span', { className: 'badge', text: 'from calls' }));
    if (span.call && span.call.attempt > 1) label.appendChild(el('span', { className: 'badge ' + (span.call.attemptKind === 'fallback' ? 'fallback' : ''), text: span.call.attemptKind + ' \u00b7 attempt ' + span.call.attempt }));
    if (failed) label.appendChild(el('span', { className: 'badge failed', text: span.budgetAction === 'block' && !span.call ? 'refused by budget' : (span.call && span.call.errorType) || 'error' }));
    else if (span.budgetAction === 'downgrade' && span.kind === 'route') label.appendChild(el('span', { className: 'badge fallback', text: 'downgraded' }));
    var bar = el('div', { className: 'wf-bar', title: ms(span.durationMs) + ' from ' + ms(span.startMs) });
    bar.style.left = (span.startMs / runMs * 100) + '%';
    bar.style.width = Math.max(0.2, span.durationMs / runMs * 100) + '%';
    var row = el('div', { className: classes.join(' '), role: 'listitem', 'data-kind': span.kind, 'data-span-id': span.id }, [label, el('div', { className: 'wf-track' }, [bar])]);
    if (span.call) {
      var call = span.call;
      row.appendChild(el('div', { className: 'wf-figures', text: call.provider + '/' + call.model + ' \u00b7 ' + count(call.inputTokens) + ' in / ' + count(call.outputTokens) + ' out \u00b7 ' + usd(call.costUsd)
        + ' \u00b7 ' + ms(span.durationMs) + (call.ttftMs === null ? '' : ' \u00b7 ttft ' + ms(call.ttftMs)) + ' \u00b7 ' + (failed ? 'error' : 'ok') + ' \u00b7 attempt ' + call.attempt }));
      row.tabIndex = 0;
      var open = function () {
        if (selected) selected.classList.remove('selected');
        selected = row;
        row.classList.add('selected');
        showAttributes(details, span);
      };
      row.addEventListener('click', open);
      row.addEventListener('keydown', function (event) { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); open(); } });
    }
    container.appendChild(row);
  });
  return container;
}

function showAttributes(details, span) {
  clear(details);
  details.appendChild(el('h2', { text: 'Attributes of ' + span.name }));
  var rows = [['span id', span.id], ['status', span.status + (span.statusMessage ? ': ' + span.statusMessage : '')], ['start', ms(span.startMs) + ' after the run started'], ['duration', ms(span.durationMs)]];
  if (span.call) rows.push(['cost (store)', '$' + span.call.costUsd + ' (' + span.call.costSource + ')']);
  Object.keys(span.attributes).forEach(function (key) { rows.push([key, span.attributes[key]]); });
  if (span.omittedAttributes > 0) rows.push(['\u2026', span.omittedAttributes + ' more attributes not shown']);
  details.appendChild(table([['attribute', false], ['value', false]], rows.map(function (pair) { return [pair[0], pair[1]]; }), 'attribute-table'));
}
`
