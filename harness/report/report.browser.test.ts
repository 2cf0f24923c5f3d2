// The HTML report in Debian's Chromium (playwright-core, no downloaded browser): every chart
// draws, nothing errors, nothing leaves the page, and hostile names stay text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { reportRun } from '../cli/report';

const fixtures = path.join(__dirname, 'fixtures');
const hostileScenario = '<img src=x onerror=alert(1)>';
const hostileCluster = '</script><script>alert(2)</script>';
const chromiumPath = process.env.HEADROOM_CHROMIUM || '/usr/bin/chromium';

test('index.html draws every chart offline, with no error, no request and escaped names', async () => {
  const work = mkdtempSync(path.join(tmpdir(), 'headroom-report-'));
  const shots = process.env.HEADROOM_SCREENSHOTS || path.join(work, 'screenshots');
  mkdirSync(shots, { recursive: true });
  let browser: Browser | undefined;
  try {
    const runDir = path.join(work, 'run');
    cpSync(path.join(fixtures, 'run-3dc'), runDir, { recursive: true });
    const summaryFile = path.join(runDir, 'summary.json');
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
    summary.scenario = hostileScenario;
    summary.cluster.name = hostileCluster;
    // gen1's redline as an estimate with a 95% interval (as redline drills write it): drawn as a band, and planned over.
    for (const r of summary.redlines)
      if (r.serverType === 'gen1') Object.assign(r, { interval: [300, 360], samples: 3 });
    writeFileSync(summaryFile, JSON.stringify(summary));
    const runFile = path.join(runDir, 'run.json');
    const facts = JSON.parse(readFileSync(runFile, 'utf8'));
    facts.scenario.description = hostileScenario;
    writeFileSync(runFile, JSON.stringify(facts));
    // The trend shows this run's cluster and scenario only: the fixture's past runs, renamed to this run's names.
    const historyFile = path.join(work, 'history.ndjson');
    writeFileSync(
      historyFile,
      readFileSync(path.join(fixtures, 'history.ndjson'), 'utf8')
        .split('\n')
        .map((l) => {
          try {
            return JSON.stringify({ ...JSON.parse(l), scenario: hostileScenario, cluster: hostileCluster });
          } catch {
            return l;
          }
        })
        .join('\n'),
    );
    const result = await reportRun(runDir, {
      forecastFile: path.join(__dirname, '..', 'capacity', 'fixtures', 'forecast-3dc.csv'),
      baselineRunDir: path.join(fixtures, 'run-3dc-costlier'),
      historyFile,
      planOptions: { growth: 0.2 },
    });
    const html = readFileSync(result.indexHtml, 'utf8');
    assert.ok(
      !html.includes(hostileScenario) && !html.includes('<script>alert(2)'),
      'hostile strings appear only escaped in the file',
    );

    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    let dialogs = 0;
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console.${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('request', (req) => requests.push(req.url()));
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });

    const url = pathToFileURL(result.indexHtml).href;
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-rendered]');

    // One canvas per chart of the run: 3 redline drills × (latency, CPU), 1 drain, 3 DC losses, plan (servers, cost), baseline, trend.
    // In-page code as text: the harness compiles without the DOM library.
    const rendered = await page.evaluate('Number(document.body.dataset.rendered)');
    assert.equal(rendered, 14);
    const inked = (await page.evaluate(`Array.from(document.querySelectorAll('canvas')).map((c) => {
      const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && (data[i] < 235 || data[i + 1] < 235 || data[i + 2] < 235)) n++;
      return { id: c.closest('figure').id, width: c.width, inked: n };
    })`)) as { id: string; width: number; inked: number }[];
    assert.equal(inked.length, 14);
    for (const c of inked)
      assert.ok(c.width > 0 && c.inked > 2000, `chart ${c.id} drew only ${c.inked} non-background pixels`);

    assert.equal(await page.locator('h1 .scenario').textContent(), hostileScenario);
    assert.match(
      (await page.locator('.subtitle').textContent())!,
      /cluster <\/script><script>alert\(2\)<\/script> · run/,
    );
    // Run facts: the scenario (summary.json) and its description (run.json), both as text.
    assert.equal(await page.locator('dd', { hasText: hostileScenario }).count(), 2);
    assert.equal(await page.locator('img').count(), 0, 'no <img> element was created from the scenario name');
    assert.equal(await page.title(), `${hostileScenario} · 20261127-180000-capacity-drill · headroom`);
    for (const id of ['plan-opening', 'overview', 'redlines', 'drains', 'dc-loss', 'plan', 'baseline', 'trend']) {
      assert.equal(await page.locator(`section#${id}`).count(), 1, `section ${id}`);
    }
    // The report opens with the plan: servers per DC and type, normal and with a DC lost, with their range, and today's headroom.
    assert.equal(await page.locator('section').first().getAttribute('id'), 'plan-opening');
    const opening = await page.locator('section#plan-opening').innerText();
    // gen1's redline 330 within [300, 360]: with use2 lost use1 needs 8 at the estimate, 8 to 9 over the interval.
    assert.match(opening, /use1\tgen1\t6\t8\t6\t8 \(8–9\)\tuse2\t0\.80\t\d+\.\d%\t★/);
    assert.match(opening, /p5–p95 \$2\.00–\$2\.\d\d over 2000 draws \(seed 1\)/);
    assert.match(opening, /use1\tgen2\t3\t4\t3\t4\tuse2\t0\.88\t\d+\.\d%/);
    assert.match(opening, /Why the other server types lost/);
    assert.match(opening, /use1\tgen2\tcost\t4 × gen2 cost 0\.88\/h against 8 × gen1 at 0\.8\/h/);
    // Today: (40 - 1 spare) × 330 × 0.8 = 10,296 req/s for a 1,200 peak (88.3% headroom), 1,714 with use2 lost (83.3%).
    assert.match(opening, /use1\t40 × gen1\t10,296\t1,200\t88\.3%\tuse2\t1,714\t83\.3%\tover-provisioned/);
    // The interval: in the redline table, and as a filled band in gen1's charts.
    assert.match(
      await page.locator('section#redlines table').first().innerText(),
      /\t330\t300\.0–360\.0 \(3 samples\)\t/,
    );
    const bands = await page.evaluate(`Array.from(document.querySelectorAll('canvas')).flatMap((c) => {
      const chart = Chart.getChart(c);
      return chart.data.datasets.filter((d) => d.fill === 'shape').map((d) => c.closest('figure').id + ' ' + d.label);
    })`);
    assert.deepEqual(bands, [
      'redline-gen1-latency 95% interval 300.0–360.0 req/s',
      'redline-gen1-cpu 95% interval 300.0–360.0 req/s',
    ]);
    // Plan numbers as computed by hand: use1 with use2 lost carries 1714.3 req/s; gen1 at 330 × 0.8 -> ceil(6.49) + 1 = 8 servers, $0.80/h.
    const planTable = await page.locator('#plan-cost table').innerText();
    assert.match(planTable, /use1\tgen1\t8\t0\.80\n/);

    // Save PNG downloads the chart as a PNG.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#redline-gen1-latency button.save').click(),
    ]);
    assert.equal(download.suggestedFilename(), 'redline-gen1-latency.png');
    const png = readFileSync((await download.path())!);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

    await page.locator('section#plan').screenshot({ path: path.join(shots, 'plan.png') });
    await page.locator('#redline-gen1-latency').screenshot({ path: path.join(shots, 'redline-gen1.png') });
    await page.locator('header.top').screenshot({ path: path.join(shots, 'header.png') });

    assert.deepEqual(problems, []);
    assert.equal(dialogs, 0, 'no alert fired');
    assert.deepEqual([...new Set(requests)], [url], 'the page requested nothing but itself');
  } finally {
    await browser?.close();
    if (!process.env.HEADROOM_SCREENSHOTS) rmSync(work, { recursive: true, force: true });
    else rmSync(path.join(work, 'run'), { recursive: true, force: true });
  }
});
