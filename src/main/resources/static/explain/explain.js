// See the stitch: lists the traces the bridge recorded and draws one as a waterfall with its
// stitching decisions. Plain DOM, no library, nothing loaded from elsewhere. Span tags are untrusted
// text: they are only ever written with textContent.
'use strict';

(() => {
  const REFRESH_MS = 3000;
  const state = { selected: '', lastSeen: 0, selectedSpan: '' };

  const $ = (sel) => document.querySelector(sel);

  /** Creates an element; attrs: class, text, title, data-*, anything else as an attribute. */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  async function getJson(url) {
    const r = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.message || `${r.status} ${r.statusText}`);
    return body;
  }

  function duration(ns) {
    if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
    if (ns >= 1e6) return `${(ns / 1e6).toFixed(ns >= 1e8 ? 0 : 1)} ms`;
    if (ns >= 1e3) return `${(ns / 1e3).toFixed(0)} µs`;
    return `${ns} ns`;
  }

  function size(bytes) {
    if (bytes >= 1048576) return `${(bytes / 1048576).toFixed(1)} MiB`;
    return `${(bytes / 1024).toFixed(0)} KiB`;
  }

  function clock(ns) {
    return new Date(ns / 1e6).toLocaleTimeString();
  }

  function halfLabel(tag) {
    return { native: 'native', xray_poll: 'X-Ray', xray_daemon: 'X-Ray daemon', xray_logs: 'X-Ray logs' }[tag] || tag;
  }

  function chips(halves) {
    return el('span', {}, ...halves.map((h) => el('span', { class: `chip half-${h}`, text: halfLabel(h) })));
  }

  // ---- the list ----

  function query() {
    const f = $('#filters');
    const p = new URLSearchParams({ limit: '100' });
    for (const name of ['service', 'env', 'joined']) {
      const v = f.elements[name].value.trim();
      if (v) p.set(name, v);
    }
    return p.toString();
  }

  async function refreshList() {
    try {
      const data = await getJson(`/api/traces?${query()}`);
      $('#list-error').hidden = true;
      renderList(data);
    } catch (e) {
      $('#list-error').textContent = `Could not load the traces: ${e.message}`;
      $('#list-error').hidden = false;
    }
  }

  function renderList(data) {
    $('#stats').textContent = `${data.recorded} of at most ${data.maxTraces} traces recorded · `
      + `${size(data.bytes)} of ${size(data.maxBytes)} · ${data.evicted} evicted · sampling: at most `
      + `${data.maxTracesPerSecond} tracer-only traces/s (X-Ray and stitched traces always), ${data.skipped} chunks skipped`
      + (data.traces.length && data.traces[0].replica ? ` · handled by replica ${data.traces[0].replica}` : '');
    const rows = data.traces.map((t) => {
      const tr = el('tr', { 'data-trace-key': t.traceKey, 'data-status': t.status, tabindex: '0' },
        el('td', { text: clock(t.lastSeenNanos) }),
        el('td', { class: 'mono', text: t.traceId, title: `hex ${t.traceIdHex}` }),
        el('td', { class: 'services', text: t.services.join(', ') }),
        el('td', { text: t.envs.join(', ') }),
        el('td', { class: 'num', text: String(t.spanCount) }),
        el('td', {}, chips(t.halves)),
        el('td', { class: t.joined ? 'status-joined' : 'status-not', title: t.reason,
          text: t.joined ? '✓ joined' : `✗ ${t.status.replace(/_/g, ' ')}` }));
      if (t.traceKey === state.selected) tr.classList.add('selected');
      const open = () => select(t.traceKey);
      tr.addEventListener('click', open);
      tr.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') open(); });
      return tr;
    });
    $('#traces tbody').replaceChildren(...rows);
    $('#empty').hidden = rows.length > 0;
    const current = data.traces.find((t) => t.traceKey === state.selected);
    if (current && current.lastSeenNanos !== state.lastSeen) loadTrace(state.selected);
  }

  function select(id) {
    if (location.hash !== `#trace=${id}`) location.hash = `trace=${id}`;
    else loadTrace(id);
  }

  // ---- one trace ----

  async function loadTrace(id) {
    try {
      const t = await getJson(`/api/traces/${encodeURIComponent(id)}`);
      state.selected = t.traceKey;
      state.lastSeen = t.lastSeenNanos;
      renderTrace(t);
      for (const tr of document.querySelectorAll('#traces tbody tr')) {
        tr.classList.toggle('selected', tr.dataset.traceKey === t.traceKey);
      }
    } catch (e) {
      $('#trace-panel').hidden = false;
      $('#trace-title').textContent = `Trace ${id}`;
      $('#trace-status').textContent = '';
      $('#trace-reason').textContent = e.message;
      $('#waterfall').replaceChildren();
      $('#axis').replaceChildren();
      $('#decisions').replaceChildren();
      $('#span-detail').hidden = true;
    }
  }

  function renderTrace(t) {
    $('#trace-panel').hidden = false;
    $('#trace-title').textContent = `Trace ${t.traceId}`;
    const badge = $('#trace-status');
    badge.textContent = t.joined ? 'joined' : `not joined: ${t.status.replace(/_/g, ' ')}`;
    badge.className = `badge ${t.joined ? 'joined' : 'not-joined'}`;
    $('#trace-reason').textContent = t.reason;
    renderWaterfall(t);
    renderDecisions(t);
  }

  /**
   * Spans in tree order: each under its parent, siblings by start; spans whose parent is not here
   * are roots. Iterative, so a deep chain of spans cannot overflow the stack.
   */
  function treeOrder(spans) {
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const children = new Map();
    const roots = [];
    for (const s of spans) {
      if (s.parentId && byId.has(s.parentId) && s.parentId !== s.spanId) {
        if (!children.has(s.parentId)) children.set(s.parentId, []);
        children.get(s.parentId).push(s);
      } else {
        roots.push(s);
      }
    }
    const byStart = (a, b) => a.offsetNanos - b.offsetNanos;
    const out = [];
    const seen = new Set();
    const walk = (top) => {
      const stack = [{ span: top, depth: 0 }];
      while (stack.length) {
        const { span: s, depth } = stack.pop();
        if (seen.has(s.spanId)) continue;
        seen.add(s.spanId);
        out.push({ span: s, depth });
        const kids = (children.get(s.spanId) || []).sort(byStart);
        for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i], depth: depth + 1 });
      }
    };
    for (const r of roots.sort(byStart)) walk(r);
    for (const s of spans) if (!seen.has(s.spanId)) walk(s); // a cycle: show it flat rather than lose it
    return out;
  }

  // The waterfall has virtual rows: every row has the same height, the list is a scroll box as tall
  // as all rows, and only the rows in view (and a margin) are in the document. A 10,000-span trace
  // then costs the browser a few dozen rows, not 10,000 (docs/explain.md).
  const ROW_HEIGHT = 22;
  const ROW_MARGIN = 20;
  const waterfall = { rows: [], total: 1, first: -1, last: -1, frame: 0 };

  function renderWaterfall(t) {
    const spans = t.spans;
    let total = 1;
    for (const s of spans) total = Math.max(total, s.offsetNanos + s.durationNanos);
    const ticks = el('div', { class: 'ticks' });
    for (let i = 0; i <= 4; i++) {
      const tick = el('span', { class: 'tick', text: duration(Math.round((total * i) / 4)) });
      tick.style.left = `${i * 25}%`;
      ticks.append(tick);
    }
    $('#axis').replaceChildren(el('div', { class: 'axis-label muted', text: `${spans.length} spans` }), ticks);

    waterfall.rows = treeOrder(spans);
    waterfall.total = total;
    waterfall.first = -1;
    waterfall.last = -1;
    const box = $('#waterfall');
    const sizer = el('div', { class: 'waterfall-rows' });
    sizer.style.height = `${waterfall.rows.length * ROW_HEIGHT}px`;
    box.replaceChildren(sizer);
    renderVisibleRows();
    // the ticks line up with the bars, which the list's scroll bar (when it has one) narrows
    $('#axis').style.paddingRight = `${box.offsetWidth - box.clientWidth}px`;
    const again = spans.find((s) => s.spanId === state.selectedSpan);
    if (again) showSpan(again, null);
    else $('#span-detail').hidden = true;
  }

  /** The rows in view, and a margin above and below: kept in the document, the rest not. */
  function renderVisibleRows() {
    const box = $('#waterfall');
    const sizer = box.firstElementChild;
    if (!sizer) return;
    const n = waterfall.rows.length;
    const first = Math.max(0, Math.floor(box.scrollTop / ROW_HEIGHT) - ROW_MARGIN);
    const inView = Math.ceil((box.clientHeight || 600) / ROW_HEIGHT);
    const last = Math.min(n, first + inView + 2 * ROW_MARGIN);
    if (first === waterfall.first && last === waterfall.last) return;
    waterfall.first = first;
    waterfall.last = last;
    const rows = [];
    for (let i = first; i < last; i++) rows.push(spanRow(waterfall.rows[i], i, n));
    sizer.replaceChildren(...rows);
  }

  function spanRow({ span: s, depth }, index, count) {
    const total = waterfall.total;
    const left = (100 * s.offsetNanos) / total;
    const width = (100 * s.durationNanos) / total;
    const label = el('div', { class: 'label' },
      s.error ? el('span', { class: 'err', text: '⚠', title: 'error' }) : null,
      el('span', { class: 'mark' }),
      el('span', { class: 'svc', text: s.service }),
      el('span', { class: 'op', text: `${s.name} · ${s.resource}` }));
    label.style.paddingLeft = `${4 + depth * 16}px`;
    const bar = el('div', { class: 'bar' });
    bar.style.left = `${left}%`;
    bar.style.width = `${width}%`;
    // the duration after the bar; inside a bar that reaches the right edge; else before it
    const dur = el('span', { class: 'dur', text: duration(s.durationNanos) });
    if (left + width <= 85) {
      dur.style.left = `${left + width}%`;
    } else if (width >= 12) {
      dur.classList.add('inside');
      dur.style.right = `${100 - left - width}%`;
    } else {
      dur.style.right = `${100 - left}%`;
    }
    const row = el('div', {
      class: `span-row half-${s.half}${s.half === 'native' ? '' : ' half-xray'}${s.error ? ' error' : ''}${index % 2 ? '' : ' odd'}`,
      role: 'listitem', tabindex: '0', 'aria-posinset': String(index + 1), 'aria-setsize': String(count),
      'data-span-id': s.spanId, 'data-parent-id': s.parentId, 'data-depth': String(depth), 'data-half': s.half,
      'data-row': String(index),
      title: `${s.service} · ${s.name}\n${s.resource}\n${duration(s.durationNanos)} at +${duration(s.offsetNanos)}`
        + ` · ${halfLabel(s.half)}${s.error ? ' · error' : ''}\nclick for tags`,
    }, label, el('div', { class: 'track' }, bar, dur));
    row.style.top = `${index * ROW_HEIGHT}px`;
    if (s.spanId === state.selectedSpan) row.classList.add('selected');
    const show = () => showSpan(s, row);
    row.addEventListener('click', show);
    row.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') show(); });
    return row;
  }

  function showSpan(s, row) {
    state.selectedSpan = s.spanId;
    if (row) for (const r of document.querySelectorAll('.span-row')) r.classList.toggle('selected', r === row);
    const fields = [
      ['half', halfLabel(s.half)], ['service', s.service], ['name', s.name], ['resource', s.resource], ['type', s.type],
      ['span id', `${s.spanId} (${s.spanIdHex})`], ['parent id', s.parentId ? `${s.parentId} (${s.parentIdHex})` : 'none (root)'],
      ['trace id', `${s.traceId} (${s.traceIdHex})`], ['start', `+${duration(s.offsetNanos)} (${s.startNanos} ns)`],
      ['duration', `${duration(s.durationNanos)} (${s.durationNanos} ns)`], ['error', String(s.error)],
    ];
    const tags = Object.keys(s.meta).sort().map((k) => [k, s.meta[k]])
      .concat(Object.keys(s.metrics).sort().map((k) => [k, String(s.metrics[k])]));
    const table = el('table', {}, el('tbody', {}, ...fields.concat(tags).map(([k, v]) => el('tr', {}, el('td', { text: k }), el('td', { text: v })))));
    const box = $('#span-detail');
    box.replaceChildren(el('h3', { text: `${s.service} · ${s.name}` }), table);
    box.hidden = false;
  }

  function renderDecisions(t) {
    const dl = el('dl', {});
    const add = (k, v) => { if (v) dl.append(el('dt', { text: k }), el('dd', { text: v })); };
    add('trace id', t.traceId);
    add('hex', t.traceIdHex);
    add('_dd.p.tid', t.traceIdHigh);
    add('trace key', t.traceKey);
    add('handled by replica', t.replica);
    add('X-Ray ids', t.xrayTraceIds.join(', '));
    for (const [half, envs] of Object.entries(t.envsByHalf)) add(`env (${halfLabel(half)})`, envs.join(', '));
    add('sampling', `${t.decision.name} (${t.decision.priority})${t.decision.decidedBy ? `, decided by ${halfLabel(t.decision.decidedBy)}` : ''}`);
    add('spans', `${t.spanCount}${t.omittedSpans ? ` (${t.omittedSpans} not kept here)` : ''}`);
    if (t.spans.some((s) => s.meta['aws.xray.limit_exceeded'] === 'true')) {
      add('cut by X-Ray', 'LimitExceeded: X-Ray kept only part of this trace (its size limit); its spans carry aws.xray.limit_exceeded');
    }

    const drops = t.drops.map((d) => el('li', { class: 'drop', text: d.explanation }));
    const steps = t.decisions.map((d) => el('li', { class: `decision decision-${d.kind}` },
      el('div', {},
        el('span', { class: 'when', text: `${clock(d.atNanos)} · ` }),
        el('strong', { text: d.kind === 'native' ? 'tracer chunk' : `${halfLabel(d.half)} half: ${d.outcome.replace(/_/g, ' ')}` }),
        d.kind === 'xray' && d.rekeyed ? el('span', { text: ' · re-keyed' }) : null),
      el('div', { text: d.explanation })));
    $('#decisions').replaceChildren(...[
      el('h3', { text: 'Stitching' }), dl,
      drops.length ? el('h3', { text: 'Drops' }) : null, drops.length ? el('ul', {}, ...drops) : null,
      el('h3', { text: 'Decisions' }), el('ol', {}, ...steps),
      t.omittedDecisions ? el('p', { class: 'muted', text: `${t.omittedDecisions} later decisions not kept` }) : null,
    ].filter((e) => e !== null));
  }

  // ---- wiring ----

  function fromHash() {
    const m = /^#trace=(.+)$/.exec(location.hash);
    if (m) loadTrace(decodeURIComponent(m[1]));
  }

  document.addEventListener('DOMContentLoaded', () => {
    const f = $('#filters');
    f.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const id = f.elements.id.value.trim();
      if (id) select(id);
      refreshList();
    });
    for (const name of ['service', 'env', 'joined']) f.elements[name].addEventListener('change', refreshList);
    window.addEventListener('hashchange', fromHash);
    // one re-render a frame, however many scroll events the frame brings
    const scrolled = () => {
      if (waterfall.frame) return;
      waterfall.frame = requestAnimationFrame(() => { waterfall.frame = 0; renderVisibleRows(); });
    };
    $('#waterfall').addEventListener('scroll', scrolled, { passive: true });
    window.addEventListener('resize', scrolled);
    fromHash();
    refreshList();
    setInterval(refreshList, REFRESH_MS);
  });
})();
