// The report page's script: draws the data embedded in #report-data (built by view-model.ts).
// Every string from the run is put into the page with textContent or drawn on a canvas, never
// parsed as HTML.
(() => {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var root = document.getElementById('report');

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }
  function cellText(v) {
    if (v === null || v === undefined || v === '') return '–';
    if (typeof v === 'number') return v.toLocaleString('en-US', { maximumFractionDigits: 3 });
    return String(v);
  }
  function table(spec, cls) {
    var t = el('table', cls || 'numbers');
    var head = add(el('thead'), el('tr'));
    spec.columns.forEach((c) => {
      head.firstChild.appendChild(el('th', null, c));
    });
    var body = el('tbody');
    spec.rows.forEach((row) => {
      var tr = el('tr');
      row.forEach((v) => {
        tr.appendChild(el('td', typeof v === 'number' || v === null ? 'num' : null, cellText(v)));
      });
      body.appendChild(tr);
    });
    return add(t, head, body);
  }

  // --- header -------------------------------------------------------------------------------
  var header = el('header', 'top');
  var badge = el('span', `badge ${data.status}`, data.status);
  // The badge says why: the threshold, the survivor, the regression.
  var reasons = (data.reasons || []).length ? el('span', 'badge-reasons', data.reasons.join(' · ')) : null;
  add(
    header,
    add(el('div', 'brand'), el('span', 'logo', 'headroom'), el('span', 'muted', 'capacity report')),
    reasons
      ? add(el('h1'), el('span', 'scenario', data.scenario), badge, reasons)
      : add(el('h1'), el('span', 'scenario', data.scenario), badge),
    el('p', 'subtitle', `cluster ${data.cluster} · run ${data.runId}`),
  );
  var verdict = el('ul', 'verdict');
  data.verdict.forEach((line) => {
    verdict.appendChild(el('li', null, line));
  });
  add(header, verdict);
  var nav = el('nav', 'toc');
  data.sections.forEach((s) => {
    var a = el('a', null, s.title);
    a.setAttribute('href', `#${s.id}`);
    nav.appendChild(a);
  });
  add(header, nav);
  root.appendChild(header);

  // --- charts -------------------------------------------------------------------------------
  var paper = {
    id: 'paper',
    beforeDraw: (chart) => {
      var ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, chart.width, chart.height);
      ctx.restore();
    },
  };
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = '#4a5563';
  Chart.defaults.borderColor = '#e6e9ee';

  function axis(spec, position, stacked) {
    var a = {
      type: spec.type || 'linear',
      position: position,
      title: { display: true, text: spec.title, color: '#5b6675' },
      grid: { color: position === 'right' ? 'transparent' : '#eef1f4' },
      stacked: !!stacked,
    };
    if (spec.min !== undefined && spec.min !== null) a.min = spec.min;
    if (spec.max !== undefined && spec.max !== null) a.max = spec.max;
    if (spec.percent) a.ticks = { callback: (v) => `${Math.round(v * 100)}%` };
    if (spec.type === 'logarithmic') {
      a.ticks = {
        callback: (v) => {
          var s = String(v);
          return /^(1|2|5)0*(\.0+)?$|^0\.0*(1|2|5)$/.test(s) ? v.toLocaleString('en-US') : '';
        },
      };
    }
    return a;
  }

  function chartConfig(spec) {
    var datasets = spec.datasets.map((d) => {
      var ds = {
        label: d.label,
        data: d.data,
        borderColor: d.color,
        backgroundColor: d.color,
        yAxisID: d.axis === 'y2' ? 'y2' : 'y',
        borderWidth: d.type === 'bar' || (!d.type && spec.type === 'bar') ? 0 : 2,
        pointRadius: d.pointRadius === undefined ? 3 : d.pointRadius,
        pointHoverRadius: 6,
        showLine: !!d.showLine || d.type === 'line' || (!d.type && spec.type === 'line'),
        spanGaps: true,
        tension: 0,
      };
      if (d.type) ds.type = d.type;
      if (d.dashed) ds.borderDash = [6, 4];
      // Lines without points (guards, redline, fits) show as a line in the legend.
      if (d.pointRadius === 0) ds.pointStyle = 'line';
      if (d.stack) ds.stack = d.stack;
      // An interval band: the closed path its points draw, filled.
      if (d.fill !== undefined) ds.fill = d.fill;
      if (ds.type === 'bar' || (!d.type && spec.type === 'bar')) {
        ds.borderRadius = 3;
        ds.maxBarThickness = 46;
        ds.pointStyle = 'rectRounded';
      }
      return ds;
    });
    var scales = { x: axis(spec.x, 'bottom', spec.stacked), y: axis(spec.y, 'left', spec.stacked) };
    if (spec.y2) scales.y2 = axis(spec.y2, 'right', false);
    var percentAxes = { y: !!spec.y.percent, y2: !!spec.y2?.percent };
    return {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      plugins: [paper],
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        devicePixelRatio: Math.max(2, window.devicePixelRatio || 1),
        interaction: { mode: 'nearest', intersect: false },
        scales: scales,
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 12, usePointStyle: true, padding: 14 } },
          tooltip: {
            callbacks: {
              label: (ctx) => {
                var v = ctx.parsed.y;
                if (v === null || v === undefined) return `${ctx.dataset.label}: –`;
                var shown = percentAxes[ctx.dataset.yAxisID]
                  ? `${(v * 100).toFixed(1)}%`
                  : v.toLocaleString('en-US', { maximumFractionDigits: 2 });
                return `${ctx.dataset.label}: ${shown}`;
              },
            },
          },
        },
      },
    };
  }

  function savePng(canvas, name) {
    var a = document.createElement('a');
    a.download = `${name}.png`;
    a.href = canvas.toDataURL('image/png');
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  function chartCard(spec) {
    var card = el('figure', 'card chart-card');
    card.id = spec.id;
    var head = el('div', 'card-head');
    var titles = add(el('div'), el('h3', null, spec.title), spec.note ? el('p', 'note', spec.note) : null);
    var button = el('button', 'save', 'Save PNG');
    button.type = 'button';
    add(head, titles, button);
    var frame = el('div', 'canvas-frame');
    var canvas = el('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', spec.title);
    frame.appendChild(canvas);
    var tableFrame = add(el('div', 'table-frame'), table(spec.table));
    add(card, head, add(el('div', spec.tableBelow ? 'card-body stacked' : 'card-body'), frame, tableFrame));
    button.addEventListener('click', () => {
      savePng(canvas, spec.id);
    });
    return { card: card, canvas: canvas };
  }

  var pending = [];
  data.sections.forEach((s) => {
    var section = el('section', 'section');
    section.id = s.id;
    add(section, el('h2', null, s.title), s.intro ? el('p', 'intro', s.intro) : null);
    if (s.tiles?.length) {
      var tiles = el('div', 'tiles');
      s.tiles.forEach((t) => {
        add(
          tiles,
          add(
            el('div', `tile ${t.tone || 'neutral'}`),
            el('div', 'tile-label', t.label),
            el('div', 'tile-value', t.value),
            t.detail ? el('div', 'tile-detail', t.detail) : null,
          ),
        );
      });
      section.appendChild(tiles);
    }
    if (s.id === 'overview') {
      var facts = el('dl', 'facts');
      data.facts.forEach((f) => {
        add(facts, el('dt', null, f[0]), el('dd', null, f[1]));
      });
      section.appendChild(add(el('div', 'card'), el('h3', null, 'Run facts'), facts));
    }
    (s.tables || []).forEach((t) => {
      section.appendChild(
        add(el('div', 'card'), el('h3', null, t.title), add(el('div', 'table-frame wide'), table(t))),
      );
    });
    s.charts.forEach((spec) => {
      var c = chartCard(spec);
      section.appendChild(c.card);
      pending.push({ spec: spec, canvas: c.canvas });
    });
    root.appendChild(section);
  });
  var footer = el(
    'footer',
    'muted',
    `Written by ${data.generatedBy}. Self-contained: works offline; every chart has its numbers beside it.`,
  );
  root.appendChild(footer);

  window.__headroomCharts = pending.map((p) => new Chart(p.canvas, chartConfig(p.spec)));
  document.body.setAttribute('data-rendered', String(pending.length));
})();
