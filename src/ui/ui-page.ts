import { escapeHtml } from './escape-html.js'

export type UiPageName = 'overview' | 'runs' | 'run'

const titles: Record<UiPageName, string> = { overview: 'Overview', runs: 'Runs', run: 'Run' }

/**
 * The HTML shell of a page. It holds no figures and nothing from the store: the
 * script draws the page from the JSON endpoints and writes every value as text
 * (textContent, never markup), so span attributes cannot become HTML.
 */
export function uiPage(page: UiPageName): string {
  const chart = page === 'overview'
    ? '\n<link rel="stylesheet" href="/ui/assets/uPlot.min.css">\n<script src="/ui/assets/uPlot.min.js" defer></script>'
    : ''
  const current = (name: UiPageName): string => (name === page || (page === 'run' && name === 'runs') ? ' aria-current="page"' : '')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(titles[page])} · switchyard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/assets/ui.css">${chart}
<script src="/ui/assets/ui.js" defer></script>
</head>
<body data-page="${escapeHtml(page)}">
<header>
<a class="brand" href="/ui/">switchyard</a>
<nav><a href="/ui/"${current('overview')}>Overview</a><a href="/ui/runs"${current('runs')}>Runs</a></nav>
</header>
<main id="main"><p class="muted" id="loading">Loading…</p></main>
<noscript><p>This page draws its figures with JavaScript; the same figures are at <a href="/ui/api/overview">/ui/api/overview</a>.</p></noscript>
</body>
</html>
`
}
