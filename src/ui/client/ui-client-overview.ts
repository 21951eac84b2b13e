/** The overview page: spend over time (uPlot), cost per run by workflow and step, providers and models, budgets. */
export const uiClientOverview = String.raw`
var palette = ['#4c8bf5', '#e8710a', '#1a9e77', '#d6336c', '#8250df', '#bf8700', '#0b7285', '#868e96', '#a61e4d'];

function drawOverview() {
  var chosen = currentWindow();
  return fetchJson('/ui/api/overview?window=' + encodeURIComponent(chosen)).then(function (data) {
    clear(main);
    main.appendChild(el('h1', { text: 'Overview' }));
    main.appendChild(windowLinks(chosen, function (name) { return '/ui/?window=' + name; }));
    var total = data.total;
    main.appendChild(el('div', { className: 'cards' }, [
      card('Spend', usd(total.costUsd), '$' + total.costUsd),
      card('Runs', count(total.runs)),
      card('Cost per run', usd(total.costPerRunUsd), total.costPerRunUsd === null ? '' : '$' + total.costPerRunUsd),
      card('Calls', count(total.calls)),
      card('Errors', percent(total.errorRate)),
      card('Fallbacks', percent(total.fallbackRate)),
      card('p95 latency', ms(total.p95Ms))
    ].concat(total.refusedRequests === undefined ? [] : [card('Refused by budgets', count(total.refusedRequests))])));
    main.appendChild(el('h2', { text: 'Spend over time by workflow' }));
    var chart = el('div', { className: 'chart', id: 'spend-chart' });
    main.appendChild(chart);
    drawSpendChart(chart, data.spend);
    main.appendChild(el('h2', { text: 'Cost per run by workflow' }));
    main.appendChild(reportTable(data.byWorkflow, [['workflow', 'workflow']], false));
    main.appendChild(el('h2', { text: 'Cost per run by step' }));
    main.appendChild(el('p', { className: 'muted', text: 'Per run of the step: its cost divided by the runs in which it made a call; per workflow run: divided by all runs of its workflow.' }));
    main.appendChild(reportTable(data.byStep, [['workflow', 'workflow'], ['step', 'step']], false));
    main.appendChild(el('h2', { text: 'Providers and models' }));
    main.appendChild(reportTable(data.byModel, [['provider', 'provider'], ['model', 'model']], true));
    main.appendChild(el('h2', { text: 'Budgets' }));
    main.appendChild(budgetsTable(data.budgets));
    main.appendChild(footer());
  });
}

function reportTable(report, groups, latency) {
  // Refused and downgraded requests, and cost per workflow run, come with newer report versions: shown when present.
  var first = report.rows[0] || {};
  var optional = function (name) { return first[name] !== undefined; };
  var columns = groups.map(function (group) { return [group[0], false]; });
  var cells = [];
  var add = function (title, cell) { columns.push([title, true]); cells.push(cell); };
  if (!latency) add('runs', function (row) { return numberCell(count(row.runs)); });
  add('calls', function (row) { return numberCell(count(row.calls)); });
  if (optional('refusedRequests')) add('refused', function (row) { return numberCell(count(row.refusedRequests)); });
  if (optional('downgradedRequests')) add('downgraded', function (row) { return numberCell(count(row.downgradedRequests)); });
  add('cost', function (row) { return usdCell(row.costUsd); });
  if (!latency) add(groups.length > 1 ? 'per run of the step' : 'cost per run', function (row) { return usdCell(row.costPerRunUsd); });
  if (!latency && groups.length > 1 && optional('costPerWorkflowRunUsd')) add('per workflow run', function (row) { return usdCell(row.costPerWorkflowRunUsd); });
  add('errors', function (row) { return numberCell(percent(row.errorRate)); });
  if (latency) add('retries', function (row) { return numberCell(percent(row.retryRate)); });
  add('fallbacks', function (row) { return numberCell(percent(row.fallbackRate)); });
  if (latency) add('p50', function (row) { return numberCell(ms(row.p50Ms)); });
  add('p95', function (row) { return numberCell(ms(row.p95Ms)); });
  var rows = report.rows.map(function (row) {
    return groups.map(function (group) {
      return row.group[group[1]] === '' ? el('td', { className: 'muted', text: '(none)' }) : row.group[group[1]];
    }).concat(cells.map(function (cell) { return cell(row); }));
  });
  if (rows.length === 0) return el('p', { className: 'muted', text: 'No calls in this window.' });
  var wrap = table(columns, rows);
  if (report.omittedRows > 0) wrap.appendChild(el('p', { className: 'muted', text: report.omittedRows + ' more rows not shown.' }));
  return wrap;
}

function budgetsTable(budgets) {
  if (budgets.length === 0) return el('p', { className: 'muted', text: 'No budgets configured for this view (switchyard ui --config <file> shows them).' });
  return table([['budget', false], ['window', false], ['spent', true], ['limit', true], ['used', false], ['burn rate', true], ['runs out', false]],
    budgets.map(function (budget) {
      var share = Math.min(1, budget.share);
      var meter = el('div', { className: 'meter' + (budget.share >= 1 ? ' over' : budget.share >= 0.8 ? ' warn' : ''), role: 'meter',
        'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(budget.share * 100), title: percent(budget.share) }, [el('span')]);
      meter.firstChild.style.width = (share * 100) + '%';
      return [budget.name, budget.window, usdCell(budget.spentUsd), usdCell(budget.limitUsd),
        el('td', null, [meter, el('span', { className: 'muted', text: percent(budget.share) })]),
        el('td', { className: 'number', title: budget.burnRateBasis, text: usd(budget.burnRateUsdPerHour) + '/h' }),
        budget.error ? el('td', { className: 'error', text: budget.error }) : (budget.runsOutAt ? when(Date.parse(budget.runsOutAt)) : 'not at this rate')];
    }));
}

function drawSpendChart(container, spend) {
  if (spend.series.length === 0) {
    container.appendChild(el('p', { className: 'muted', text: 'No spend in this window.' }));
    return;
  }
  var foreground = getComputedStyle(document.body).color;
  var grid = getComputedStyle(document.documentElement).getPropertyValue('--line').trim() || '#888';
  var data = [spend.times.map(function (time) { return time / 1000; })].concat(spend.series.map(function (series) {
    return series.costUsd.map(Number);
  }));
  var series = [{}].concat(spend.series.map(function (series, index) {
    return { label: series.workflow, stroke: palette[index % palette.length], width: 2, value: function (u, v) { return v === null ? '–' : usd(String(v)); } };
  }));
  var axis = { stroke: foreground, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
  var options = {
    width: Math.max(280, container.clientWidth),
    height: 260,
    series: series,
    axes: [axis, Object.assign({}, axis, { size: 70, values: function (u, values) { return values.map(function (v) { return usd(String(v)); }); } })],
    scales: { x: { time: true } },
    legend: { live: true }
  };
  var plot = new uPlot(options, data, container);
  var resize = function () { plot.setSize({ width: Math.max(280, container.clientWidth), height: 260 }); };
  window.addEventListener('resize', resize);
}
`
