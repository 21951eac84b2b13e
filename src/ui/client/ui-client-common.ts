/**
 * Browser helpers shared by the pages (plain ES2017, no build step). Every value
 * from the server is written with textContent or as an attribute value, never as
 * markup: span attributes are whatever a caller sent.
 */
export const uiClientCommon = String.raw`
var main = document.getElementById('main');

function el(tag, properties, children) {
  var node = document.createElement(tag);
  if (properties) {
    Object.keys(properties).forEach(function (key) {
      var value = properties[key];
      if (value === undefined || value === null) return;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'className') node.className = value;
      else if (key === 'onclick') node.addEventListener('click', value);
      else node.setAttribute(key, String(value));
    });
  }
  (children || []).forEach(function (child) {
    if (child === null || child === undefined) return;
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  });
  return node;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** When the page's data arrived (ms since navigation start), for the browser test's timing. */
var dataArrivedAtMs = 0;

function fetchJson(path) {
  return fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' }).then(function (response) {
    return response.json().then(function (body) {
      dataArrivedAtMs = performance.now();
      if (!response.ok) throw new Error((body && body.error && body.error.message) || ('HTTP ' + response.status));
      return body;
    });
  });
}

function showError(error) {
  clear(main);
  main.appendChild(el('p', { className: 'error', role: 'alert', text: String(error && error.message ? error.message : error) }));
}

/** Dollars for reading: at most 6 decimals; the exact amount is in the title. */
function usd(text) {
  if (text === null || text === undefined) return '–';
  var value = Number(text);
  if (value === 0) return '$0';
  if (value < 0.000001) return '<$0.000001';
  return '$' + value.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
}

function usdCell(text) {
  return el('td', { className: 'number', title: text === null ? '' : '$' + text, text: usd(text) });
}

function ms(value) {
  if (value === null || value === undefined) return '–';
  if (value >= 10000) return (value / 1000).toFixed(1) + ' s';
  if (value >= 1000) return (value / 1000).toFixed(2) + ' s';
  return (value >= 100 ? value.toFixed(0) : value.toFixed(1)) + ' ms';
}

function percent(share) {
  return (share * 100).toFixed(1) + '%';
}

function count(value) {
  return Number(value).toLocaleString();
}

var timeFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
var timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** A time in the browser's own time zone. */
function when(ms) {
  return timeFormat.format(new Date(ms));
}

function numberCell(text) {
  return el('td', { className: 'number', text: text });
}

/** A table: columns as [title, numeric?]; rows as arrays of cells (nodes or text). */
function table(columns, rows, className) {
  var head = el('tr', null, columns.map(function (column) {
    return el('th', { className: column[1] ? 'number' : null, scope: 'col', text: column[0] });
  }));
  var body = el('tbody');
  var fragment = document.createDocumentFragment();
  rows.forEach(function (cells) {
    fragment.appendChild(el('tr', null, cells.map(function (cell) {
      return typeof cell === 'string' ? el('td', { text: cell }) : cell;
    })));
  });
  body.appendChild(fragment);
  return el('div', { className: 'table-wrap' }, [el('table', { className: className || null }, [el('thead', null, [head]), body])]);
}

function card(label, value, title) {
  return el('div', { className: 'card', title: title || null }, [el('div', { className: 'label', text: label }), el('div', { className: 'value', text: value })]);
}

var windows = [['1h', 'last hour'], ['24h', 'last day'], ['7d', 'last week']];

function currentWindow() {
  var chosen = new URLSearchParams(location.search).get('window');
  return windows.some(function (entry) { return entry[0] === chosen; }) ? chosen : '24h';
}

function windowLinks(chosen, makeHref) {
  return el('div', { className: 'toolbar', role: 'group', 'aria-label': 'window' }, [el('span', { className: 'muted', text: 'Window:' })].concat(windows.map(function (entry) {
    return el('a', { href: makeHref(entry[0]), className: entry[0] === chosen ? 'selected' : null, text: entry[1] });
  })));
}

function footer() {
  return el('footer', { text: 'Times in your time zone (' + timeZone + '). Amounts in USD; hover for the exact figure.' });
}
`
