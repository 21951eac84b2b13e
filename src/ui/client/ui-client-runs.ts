/** The runs page: the latest runs with filters; each links to its waterfall. */
export const uiClientRuns = String.raw`
function drawRuns() {
  var params = new URLSearchParams(location.search);
  var query = new URLSearchParams();
  ['window', 'workflow', 'tag', 'status', 'limit'].forEach(function (name) {
    var value = params.get(name);
    if (value) query.set(name, value);
  });
  return fetchJson('/ui/api/runs?' + query.toString()).then(function (data) {
    clear(main);
    main.appendChild(el('h1', { text: 'Runs' }));
    main.appendChild(runsFilterForm(params));
    var rows = data.runs.map(function (run) {
      var failed = run.status === 'Error' || run.errors > 0 || run.refused > 0;
      var link = el('a', { href: '/ui/runs/' + encodeURIComponent(run.runId), title: run.runId, text: run.workflow || '(no workflow)' });
      var first = [link];
      if (!run.hasWorkflowSpan) first.push(el('span', { className: 'badge', title: 'No workflow span: from its calls (e.g. through switchyard gateway)', text: 'calls only' }));
      return [
        el('td', null, first),
        el('td', { title: new Date(run.startMs).toISOString(), text: when(run.startMs) }),
        numberCell(ms(run.durationMs)),
        numberCell(count(run.calls)),
        usdCell(run.costUsd),
        el('td', { className: 'number' + (failed ? ' error' : ''), text: String(run.errors) + (run.refused > 0 ? ' +' + run.refused + ' refused' : '') }),
        numberCell(run.retries + ' / ' + run.fallbacks)
      ];
    });
    main.appendChild(el('p', { className: 'muted', text: data.runs.length + ' runs' + (data.omittedRuns > 0 ? ' (' + data.omittedRuns + ' older not shown)' : '') }));
    if (rows.length > 0) {
      main.appendChild(table([['workflow', false], ['start', false], ['duration', true], ['calls', true], ['cost', true], ['errors', true], ['retries / fallbacks', true]], rows, 'runs'));
    } else {
      main.appendChild(el('p', { className: 'muted', text: 'No runs match.' }));
    }
    main.appendChild(footer());
    main.setAttribute('data-rendered-runs', String(rows.length));
  });
}

function runsFilterForm(params) {
  var field = function (label, name, input) {
    input.name = name;
    input.value = params.get(name) || input.value || '';
    return el('label', null, [label, input]);
  };
  var windowSelect = el('select', null, windows.map(function (entry) { return el('option', { value: entry[0], text: entry[1] }); }));
  windowSelect.value = currentWindow();
  windowSelect.name = 'window';
  var status = el('select', null, [el('option', { value: '', text: 'any' }), el('option', { value: 'ok', text: 'ok' }), el('option', { value: 'error', text: 'with errors' })]);
  return el('form', { className: 'toolbar', method: 'get', action: '/ui/runs', role: 'search' }, [
    el('label', null, ['Window ', windowSelect]),
    field('Workflow ', 'workflow', el('input', { type: 'text', maxlength: 256, size: 16 })),
    field('Tag ', 'tag', el('input', { type: 'text', maxlength: 300, size: 14, placeholder: 'key=value' })),
    field('Status ', 'status', status),
    el('button', { type: 'submit', text: 'Filter' })
  ]);
}
`
