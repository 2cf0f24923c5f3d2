// index.html: one self-contained file. chart.js, the page script and the CSS are inlined; the
// data is embedded as JSON; a Content-Security-Policy forbids the page any request at all.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sourceDir } from '../common';
import type { ReportData } from './page-spec';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Script text safe inside <script>: a `</script` or `<!--` in it would end or confuse the element. */
export function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** JSON safe inside <script type="application/json">: no `<`, `>`, `&` or line separators appear literally. */
export function inlineJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The page's own files stay in the sources (the compiled CLI reads them there too). */
const pageDir = path.join(sourceDir(__dirname), 'page');

export interface PageAssets {
  chartJs: string;
  pageJs: string;
  css: string;
}

export async function loadAssets(): Promise<PageAssets> {
  // chart.js exports no subpath for its UMD build; it sits beside the CommonJS entry.
  const chartJsFile = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js');
  const [chartJs, pageJs, css] = await Promise.all([
    readFile(chartJsFile, 'utf8'),
    readFile(path.join(pageDir, 'report.js'), 'utf8'),
    readFile(path.join(pageDir, 'report.css'), 'utf8'),
  ]);
  return { chartJs, pageJs, css };
}

export function renderHtml(data: ReportData, assets: PageAssets): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:">
<title>${escapeHtml(data.title)} · headroom</title>
<style>
${assets.css.replace(/<\/(style)/gi, '<\\/$1')}
</style>
</head>
<body>
<main id="report"></main>
<noscript><p style="padding:2em">This report draws its charts with JavaScript; the numbers are in steps.csv, redlines.csv and plan.csv beside it.</p></noscript>
<script type="application/json" id="report-data">${inlineJson(data)}</script>
<script>
${inlineScript(assets.chartJs)}
</script>
<script>
${inlineScript(assets.pageJs)}
</script>
</body>
</html>
`;
}
