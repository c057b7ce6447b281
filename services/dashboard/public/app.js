// The "what's live" page. Every string that comes from Redis is put into the page as text
// (text nodes, textContent, attribute values set one by one): never as HTML.

const CSRF = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
const SVG = 'http://www.w3.org/2000/svg';
const STATUSES = ['succeeded', 'failed', 'rejected', 'unknown'];
const $ = (id) => document.getElementById(id);

// ---------- building DOM safely ----------

/** Element with attributes (set one by one, never `on*` or `style`) and text or element children. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') || name === 'style') throw new Error(`refused attribute ${name}`);
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** A table cell with a label, so a phone can show the table as stacked cards. */
function td(attrs, ...children) {
  return h('td', attrs, h('div', { class: 'cv' }, ...children));
}

function s(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs ?? {})) el.setAttribute(name, String(value));
  return el;
}

/** Only http(s) links become hrefs. */
function safeHref(url) {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

// ---------- formatting for people ----------

const nf = new Intl.NumberFormat(undefined);
const nf1 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const num = (n) => (n === null || n === undefined || Number.isNaN(n) ? '–' : nf.format(n));

function dur(ms) {
  if (ms === null || ms === undefined) return '–';
  const sec = Math.max(0, Math.round(ms / 1000));
  if (sec < 60) return `${sec} s`;
  const min = Math.floor(sec / 60);
  if (min < 60) return sec % 60 && min < 10 ? `${min} min ${sec % 60} s` : `${min} min`;
  const hours = Math.floor(min / 60);
  if (hours < 48) return min % 60 ? `${hours} h ${min % 60} min` : `${hours} h`;
  return `${Math.floor(hours / 24)} days`;
}

let serverNow = Date.now();
const ago = (t) => (t ? `${dur(serverNow - new Date(t).getTime())} ago` : '–');
const until = (t) => {
  const ms = new Date(t).getTime() - serverNow;
  return ms >= 0 ? `in ${dur(ms)}` : `${dur(-ms)} ago`;
};
const clock = (t) => {
  const d = new Date(t);
  const sameDay = d.toDateString() === new Date(serverNow).toDateString();
  return sameDay
    ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
};
const when = (t) =>
  h('time', { datetime: new Date(t).toISOString(), title: new Date(t).toISOString() }, clock(t));

// ---------- talking to the server ----------

let noticeTimer;
function notice(message, kind) {
  const el = $('notice');
  el.textContent = message;
  el.className = `notice ${kind}`;
  el.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (el.hidden = true), kind === 'error' ? 12000 : 5000);
}

async function act(path, body, button) {
  const buttons = button
    ? [...button.closest('.item, form, .gate-actions, section').querySelectorAll('button')]
    : [];
  for (const b of buttons) b.disabled = true;
  try {
    const res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': CSRF },
      body: JSON.stringify(body ?? {}),
    });
    const json = await res.json().catch(() => ({ message: `HTTP ${res.status}` }));
    if (res.status === 401) {
      location.assign('/login');
      return false;
    }
    notice(json.message ?? (res.ok ? 'done' : `HTTP ${res.status}`), res.ok ? 'ok' : 'error');
    return res.ok;
  } catch (err) {
    notice(`The dashboard could not be reached: ${err.message}`, 'error');
    return false;
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

const enc = encodeURIComponent;

// ---------- keyed lists: unchanged items keep their DOM (and what a person typed) ----------

function reconcile(container, items, keyOf, build, emptyText) {
  const old = new Map();
  for (const el of container.children) if (el.dataset.key) old.set(el.dataset.key, el);
  if (items.length === 0) {
    container.replaceChildren(h('p', { class: 'empty' }, emptyText));
    return;
  }
  const next = items.map((item) => {
    const key = keyOf(item);
    const sig = JSON.stringify(item);
    const prev = old.get(key);
    if (prev && prev.dataset.sig === sig) return prev;
    const el = build(item);
    el.dataset.key = key;
    el.dataset.sig = sig;
    if (prev) {
      // Keep what was typed (and the focus) when an item's data changed underneath.
      for (const input of prev.querySelectorAll('input, textarea')) {
        const twin = input.name ? el.querySelector(`[name="${CSS.escape(input.name)}"]`) : null;
        if (twin && input.value) twin.value = input.value;
        if (twin && document.activeElement === input) queueMicrotask(() => twin.focus());
      }
    }
    return el;
  });
  const same =
    next.length === container.children.length && next.every((el, i) => container.children[i] === el);
  if (!same) container.replaceChildren(...next);
}

function setCount(id, shown, total) {
  $(id).textContent = total ? (total > shown ? `${num(shown)} of ${num(total)}` : num(total)) : '';
}

// ---------- an intent, rendered as text ----------

function field(label, value) {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0))
    return null;
  return h(
    'div',
    { class: 'kv' },
    h('span', { class: 'k' }, label),
    h('span', { class: 'v' }, Array.isArray(value) ? value.join(', ') : String(value)),
  );
}

function renderPayload(action, payload) {
  const p = payload && typeof payload === 'object' ? payload : {};
  const parts = [];
  if (action === 'x.post' || action === 'x.reply') {
    if (p.inReplyToPostId) parts.push(field('In reply to', p.inReplyToPostId));
    parts.push(h('blockquote', { class: 'post-text' }, p.text ?? ''));
    parts.push(h('p', { class: 'muted small' }, `${num([...(p.text ?? '')].length)} characters`));
  } else if (action === 'email.send') {
    parts.push(
      field('From', p.from),
      field('To', p.to),
      field('Cc', p.cc),
      field('Bcc', p.bcc),
      field('Subject', p.subject),
    );
    if (p.text) parts.push(h('blockquote', { class: 'post-text' }, p.text));
    if (p.html) parts.push(h('p', { class: 'muted small' }, 'Has an HTML body (shown as source below).'));
    if (Array.isArray(p.attachments) && p.attachments.length)
      parts.push(
        field(
          'Attachments',
          p.attachments.map((a) => `${a.filename} (${a.contentType})`),
        ),
      );
  } else if (action?.startsWith('calendar.')) {
    parts.push(field('Calendar', p.calendarId), field('Event', p.eventId), field('Summary', p.summary));
    parts.push(field('Start', typeof p.start === 'object' ? JSON.stringify(p.start) : p.start));
    parts.push(field('End', typeof p.end === 'object' ? JSON.stringify(p.end) : p.end));
    parts.push(field('Location', p.location), field('Description', p.description));
  } else if (action === 'x.delete') {
    parts.push(field('Delete post', p.postId));
  } else if (action === 'webhook.call') {
    parts.push(field('Endpoint', p.endpoint));
  }
  parts.push(
    h(
      'details',
      { class: 'raw' },
      h('summary', {}, 'Full payload (JSON)'),
      h('pre', {}, JSON.stringify(payload, null, 2)),
    ),
  );
  return h('div', { class: 'payload' }, parts);
}

function itemHead(r) {
  return h(
    'div',
    { class: 'item-head' },
    h('span', { class: `chip ch-${r.channel}` }, r.channel),
    h('strong', { class: 'key' }, r.key),
    h('span', { class: 'muted' }, `${r.action} · ${r.account}`),
  );
}

// ---------- sections ----------

function gateLine(label, g) {
  return h(
    'div',
    { class: `gate-row ${g.open ? 'open' : 'closed'}` },
    h('span', { class: 'gate-label' }, label),
    h('span', { class: `pill ${g.open ? 'pill-ok' : 'pill-bad'}` }, g.open ? 'open' : 'CLOSED'),
    g.by
      ? h('span', { class: 'muted small' }, `${g.open ? 'opened' : 'closed'} by ${g.by} ${ago(g.at)}`)
      : null,
    g.reason ? h('span', { class: 'small reason' }, `“${g.reason}”`) : null,
  );
}

function renderGate(gate) {
  const rows = [gateLine('All channels', gate.global)];
  for (const [c, g] of Object.entries(gate.channels)) {
    const row = gateLine(c, g);
    if (g.open && !gate.global.open)
      row.append(h('span', { class: 'muted small' }, '(held: the global gate is closed)'));
    rows.push(row);
  }
  $('gate-state').replaceChildren(...rows);
  const anyClosed = !gate.global.open || Object.values(gate.channels).some((g) => !g.open);
  $('gate').classList.toggle('alarm', anyClosed);
}

let gateIntent = null;
function askGate(enabled) {
  const scope = $('gate-scope').value;
  gateIntent = { scope, enabled };
  const where = scope === 'global' ? 'every channel' : `channel ${scope}`;
  $('gate-confirm-text').textContent = enabled
    ? `Open the gate for ${where}? Held work resumes.`
    : `Close the gate for ${where}? No new effect starts; effects already running finish and are receipted.`;
  $('gate-confirm-go').textContent = enabled ? 'Confirm: open' : 'Confirm: close gate';
  $('gate-confirm-go').className = enabled ? 'primary' : 'danger';
  $('gate-confirm').hidden = false;
  $('gate-reason').focus();
}

function renderApprovals(a) {
  setCount('approvals-count', a.items.length, a.total);
  reconcile(
    $('approvals-list'),
    a.items,
    (r) => `${r.channel}:${r.key}`,
    (r) => {
      const comment = h('input', {
        name: 'comment',
        maxlength: 2000,
        placeholder: 'Comment (optional, kept in the audit log)',
        'aria-label': `Comment on ${r.key}`,
      });
      const approve = h('button', { type: 'button', class: 'primary', 'data-action': 'approve' }, 'Approve');
      const reject = h('button', { type: 'button', class: 'danger', 'data-action': 'reject' }, 'Reject');
      approve.addEventListener('click', () =>
        act(`/api/intents/${enc(r.key)}/approve`, { channel: r.channel, comment: comment.value }, approve),
      );
      reject.addEventListener('click', () =>
        act(`/api/intents/${enc(r.key)}/reject`, { channel: r.channel, comment: comment.value }, reject),
      );
      return h(
        'article',
        { class: 'item approval' },
        itemHead(r),
        h(
          'p',
          { class: 'muted small' },
          `Submitted by ${r.submittedBy ?? 'a producer'} ${ago(r.submittedAt)}`,
          r.approvalDeadline
            ? ` · approve before ${clock(r.approvalDeadline)} (${until(r.approvalDeadline)})`
            : '',
          r.notBefore ? ` · not before ${clock(r.notBefore)}` : '',
        ),
        renderPayload(r.action, r.payload),
        h('div', { class: 'row actions' }, comment, approve, reject),
      );
    },
    'Nothing waits for approval. Intents of accounts under the approval policy (coordinator config "approval.accounts") appear here.',
  );
}

function statusChip(status) {
  return h('span', { class: `status st-${status}` }, status);
}

function renderReceipts(r) {
  if (!r) return;
  const rows = r.items.map((x) => {
    const href = safeHref(x.url);
    return h(
      'tr',
      { 'data-key': x.key, 'data-status': x.status },
      td({ 'data-label': 'When' }, when(x.at)),
      td({ 'data-label': 'Status' }, statusChip(x.status)),
      td({ 'data-label': 'Channel' }, x.channel),
      td({ 'data-label': 'Account' }, x.account),
      td({ 'data-label': 'Key', class: 'key' }, x.key),
      td(
        { 'data-label': 'What', class: 'what' },
        x.text ?? '',
        x.error ? h('div', { class: 'err small' }, x.error) : null,
      ),
      td(
        { 'data-label': 'Link' },
        href
          ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, 'open ↗')
          : (x.externalId ?? '–'),
      ),
    );
  });
  const body = $('receipts-body');
  if (rows.length === 0) {
    const filtered = r.filter.channel || r.filter.account || r.filter.status;
    body.replaceChildren(
      h(
        'tr',
        {},
        h(
          'td',
          { colspan: 7, class: 'empty' },
          filtered
            ? 'No receipt matches this filter among the newest entries. Clear a filter to see more.'
            : 'No receipts yet. Once an executor carries out an intent, its receipt appears here.',
        ),
      ),
    );
  } else {
    const sig = JSON.stringify(r.items.map((x) => x.id + x.status));
    if (body.dataset.sig !== sig) {
      body.replaceChildren(...rows);
      body.dataset.sig = sig;
    }
  }
  $('receipts-note').textContent = r.complete
    ? ''
    : `Looked at the newest ${num(r.scanned)} receipts; older matches are not shown.`;
}

function renderUnknown(u) {
  setCount('unknown-count', u.items.length, u.total);
  reconcile(
    $('unknown-list'),
    u.items,
    (r) => `${r.channel}:${r.key}`,
    (r) => {
      const ext = h('input', {
        name: 'externalId',
        placeholder: 'Id of the item you found',
        'aria-label': 'external id',
      });
      const url = h('input', {
        name: 'url',
        type: 'url',
        placeholder: 'Its URL (optional)',
        'aria-label': 'url',
      });
      const done = h('button', { type: 'button', class: 'primary' }, 'Mark done');
      const retry = h('button', { type: 'button' }, 'Retry');
      done.addEventListener('click', () => {
        if (!ext.value.trim()) {
          notice('Mark done needs the id of the item you found (e.g. the post id).', 'error');
          ext.focus();
          return;
        }
        act(
          `/api/intents/${enc(r.key)}/resolve`,
          { outcome: 'done', externalId: ext.value, url: url.value },
          done,
        );
      });
      retry.addEventListener('click', () =>
        act(`/api/intents/${enc(r.key)}/resolve`, { outcome: 'retry' }, retry),
      );
      return h(
        'article',
        { class: 'item' },
        itemHead(r),
        h('p', { class: 'err small' }, r.receipt?.error ?? 'outcome unknown'),
        h(
          'p',
          { class: 'muted small' },
          `Parked ${ago(r.updatedAt)}. Check the account: if it took effect, mark it done with its id; if not, retry.`,
        ),
        renderPayload(r.action, r.payload),
        h('div', { class: 'row actions' }, ext, url, done, retry),
      );
    },
    'Nothing is parked. An intent whose outcome could not be established waits here for a person.',
  );
}

function renderDeadletter(d) {
  setCount('deadletter-count', d.items.length, d.total);
  reconcile(
    $('deadletter-list'),
    d.items,
    (e) => `${e.channel}:${e.id}`,
    (e) => {
      const replayable = e.keyState === 'failed' || e.keyState === 'unknown';
      const replay = h(
        'button',
        { type: 'button', class: 'primary', disabled: !replayable, hidden: e.keyState === 'succeeded' },
        'Replay',
      );
      replay.addEventListener('click', () =>
        act(`/api/deadletter/${enc(e.channel)}/${enc(e.id)}/replay`, {}, replay),
      );
      const why = replayable
        ? `Replay appends the intent again under its key (now ${e.keyState}).`
        : e.keyState === 'succeeded'
          ? 'Done since: its key has succeeded (replayed or resubmitted). Nothing to do.'
          : e.key
            ? `Replay is possible once its key has failed (now ${e.keyState ?? 'unknown to the coordinator'}).`
            : 'Not a valid intent: correct it and submit it as a new intent.';
      return h(
        'article',
        { class: 'item' },
        h(
          'div',
          { class: 'item-head' },
          h('span', { class: `chip ch-${e.channel}` }, e.channel),
          h('strong', { class: 'key' }, e.key ?? '(no valid key)'),
          h('span', { class: 'muted' }, [e.action, e.account].filter(Boolean).join(' · ')),
          h('span', { class: 'muted small' }, when(e.at)),
        ),
        h('p', { class: 'err' }, e.reason),
        e.payload ? renderPayload(e.action, e.payload) : null,
        e.raw ? h('pre', { class: 'raw' }, e.raw) : null,
        h('div', { class: 'row actions' }, replay, h('span', { class: 'muted small' }, why)),
      );
    },
    'The deadletter is empty. Entries that are invalid or failed for good land here, with the reason.',
  );
}

function renderScheduled(sc) {
  setCount('scheduled-count', sc.items.length, sc.total);
  reconcile(
    $('scheduled-list'),
    sc.items,
    (r) => `${r.channel}:${r.key}`,
    (r) => {
      const cancel = h('button', { type: 'button', class: 'danger' }, 'Cancel');
      cancel.addEventListener('click', () =>
        act(`/api/intents/${enc(r.key)}/cancel`, { channel: r.channel }, cancel),
      );
      return h(
        'article',
        { class: 'item' },
        itemHead(r),
        h(
          'p',
          { class: 'small' },
          r.notBefore ? `Goes out at ${clock(r.notBefore)} (${until(r.notBefore)})` : 'Scheduled',
        ),
        renderPayload(r.action, r.payload),
        h('div', { class: 'row actions' }, cancel),
      );
    },
    'Nothing is scheduled. An intent with "notBefore" in the future waits here until then.',
  );
}

const SERIES = [
  { name: 'succeeded', cls: 'st-succeeded' },
  { name: 'failed', cls: 'st-failed' },
  { name: 'rejected', cls: 'st-rejected' },
  { name: 'unknown', cls: 'st-unknown' },
];

function renderChart(chart) {
  const W = 600;
  const H = 150;
  const pad = { l: 36, r: 8, t: 8, b: 20 };
  const buckets = chart.buckets;
  const n = buckets.length || 1;
  const max = Math.max(
    1,
    ...buckets.map((b) =>
      Math.max(
        b.intents,
        STATUSES.reduce((a, st) => a + b[st], 0),
      ),
    ),
  );
  const bw = (W - pad.l - pad.r) / n;
  const y = (v) => H - pad.b - (v / max) * (H - pad.t - pad.b);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart-svg' });
  const title = s('title');
  const totals = STATUSES.map((st) => `${buckets.reduce((a, b) => a + b[st], 0)} ${st}`).join(', ');
  title.textContent = `Receipts per ${chart.bucketMs / 1000} s by status over 15 minutes (${totals}), and intents appended`;
  svg.append(title);
  for (const v of [0, max / 2, max]) {
    svg.append(s('line', { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), class: 'grid' }));
    const t = s('text', { x: pad.l - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' });
    t.textContent = nf1.format(v);
    svg.append(t);
  }
  buckets.forEach((b, i) => {
    let base = 0;
    for (const sr of SERIES) {
      const v = b[sr.name];
      if (!v) continue;
      svg.append(
        s('rect', {
          x: pad.l + i * bw + 1,
          width: Math.max(1, bw - 2),
          y: y(base + v),
          height: y(base) - y(base + v),
          class: sr.cls,
        }),
      );
      base += v;
    }
  });
  const points = buckets.map((b, i) => `${pad.l + i * bw + bw / 2},${y(b.intents)}`).join(' ');
  svg.append(s('polyline', { points, class: 'intents-line' }));
  for (const [label, frac] of [
    ['−15 min', 0],
    ['−10', 1 / 3],
    ['−5', 2 / 3],
    ['now', 1],
  ]) {
    const t = s('text', {
      x: pad.l + frac * (W - pad.l - pad.r),
      y: H - 4,
      'text-anchor': frac === 0 ? 'start' : frac === 1 ? 'end' : 'middle',
      class: 'axis',
    });
    t.textContent = label;
    svg.append(t);
  }
  $('chart').replaceChildren(svg);
  const last2 = buckets.slice(-2);
  const rate = last2.reduce((a, b) => a + b.intents, 0) / ((last2.length * chart.bucketMs) / 1000 || 1);
  const legend = [
    h('span', { class: 'lg' }, h('i', { class: 'sw intents' }), `intents: ${nf1.format(rate)}/s now`),
  ];
  for (const sr of SERIES) {
    legend.push(
      h(
        'span',
        { class: 'lg' },
        h('i', { class: `sw ${sr.cls}` }),
        `${sr.name} ${num(buckets.reduce((a, b) => a + b[sr.name], 0))}`,
      ),
    );
  }
  if (chart.partial)
    legend.push(h('span', { class: 'muted small' }, '(partial: more than the dashboard reads per second)'));
  $('chart-legend').replaceChildren(...legend);
}

function channelCard(c) {
  const lag = c.group ? c.group.lag : null;
  const stats = h(
    'dl',
    { class: 'stats' },
    h('div', {}, h('dt', {}, 'stream length'), h('dd', {}, num(c.length))),
    h(
      'div',
      {},
      h('dt', {}, 'group lag'),
      h('dd', { class: lag > 0 ? 'warn' : '' }, c.group ? (lag === null ? 'unknown' : num(lag)) : 'no group'),
    ),
    h('div', {}, h('dt', {}, 'pending'), h('dd', {}, num(c.group?.pending ?? 0))),
    h('div', {}, h('dt', {}, 'leases'), h('dd', {}, num(c.leasesTotal))),
    h('div', {}, h('dt', {}, 'receipts'), h('dd', {}, num(c.receiptsLength))),
    h(
      'div',
      {},
      h('dt', {}, 'deadletter'),
      h('dd', { class: c.deadletterLength > 0 ? 'warn' : '' }, num(c.deadletterLength)),
    ),
  );
  const consumers = c.consumers.length
    ? h(
        'table',
        { class: 'mini' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Consumer'), h('th', {}, 'Pending'), h('th', {}, 'Idle'))),
        h(
          'tbody',
          {},
          c.consumers.map((x) =>
            h(
              'tr',
              {},
              h('td', { class: 'key' }, x.name),
              h('td', {}, num(x.pending)),
              h('td', { class: x.idleMs > 60000 ? 'warn' : '' }, dur(x.idleMs)),
            ),
          ),
        ),
      )
    : h(
        'p',
        { class: 'empty' },
        c.group
          ? 'No consumer. Start an executor for this channel.'
          : 'No executor has read this stream yet. Start one: pnpm --filter ./services/<channel>-executor start',
      );
  const leases = c.leases.length
    ? h(
        'table',
        { class: 'mini' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Lease (key)'), h('th', {}, 'Owner'), h('th', {}, 'Age'))),
        h(
          'tbody',
          {},
          c.leases.map((l) =>
            h(
              'tr',
              {},
              h('td', { class: 'key' }, l.key),
              h('td', { class: 'key' }, l.owner),
              h('td', {}, dur(l.ageMs)),
            ),
          ),
        ),
      )
    : h('p', { class: 'muted small' }, 'No lease in flight.');
  return h(
    'article',
    { class: `channel ${c.gate.open ? '' : 'closed'}` },
    h(
      'h3',
      {},
      h('span', { class: `chip ch-${c.channel}` }, c.channel),
      c.gate.open ? null : h('span', { class: 'pill pill-bad' }, 'gate closed'),
    ),
    stats,
    consumers,
    leases,
  );
}

function renderChannels(channels) {
  const active = channels.filter((c) => c.active);
  const idle = channels.filter((c) => !c.active).map((c) => c.channel);
  const list = $('channels-list');
  const parts = active.map(channelCard);
  if (idle.length)
    parts.push(
      h(
        'p',
        { class: 'empty' },
        `${idle.join(', ')}: nothing written yet. Intents appear once a producer writes to ops:{channel}:intents.`,
      ),
    );
  list.replaceChildren(...parts);
}

function renderAccounts(accounts) {
  const body = $('accounts-body');
  if (!accounts.length) {
    body.replaceChildren(
      h(
        'tr',
        {},
        h(
          'td',
          { colspan: 5, class: 'empty' },
          'No account seen yet. Accounts appear with their first receipt, or when configured (OPS_CONFIG_FILE).',
        ),
      ),
    );
  } else {
    body.replaceChildren(
      ...accounts.map((a) =>
        h(
          'tr',
          {},
          td({ 'data-label': 'Channel' }, a.channel),
          td({ 'data-label': 'Account' }, a.account),
          td(
            { 'data-label': 'Points left' },
            a.limits.map((l) =>
              h(
                'div',
                { class: l.remaining === 0 ? 'warn' : '' },
                `${l.group}: ${num(l.remaining)} of ${num(l.points)}`,
              ),
            ),
          ),
          td(
            { 'data-label': 'Resets' },
            a.limits.map((l) =>
              h('div', {}, `${l.group}: ${l.resetInMs > 0 ? `in ${dur(l.resetInMs)}` : 'nothing used'}`),
            ),
          ),
          td(
            { 'data-label': 'Breaker' },
            h(
              'span',
              { class: `pill ${a.breaker.state === 'closed' ? 'pill-ok' : 'pill-bad'}` },
              a.breaker.state === 'closed' ? 'closed (healthy)' : a.breaker.state,
            ),
            a.breaker.since ? h('div', { class: 'muted small' }, ago(a.breaker.since)) : null,
          ),
        ),
      ),
    );
  }
  // The account filter offers every account the page knows.
  const select = $('f-account');
  const known = [...new Set(accounts.map((a) => a.account))].sort();
  const current = [...select.options].slice(1).map((o) => o.value);
  if (JSON.stringify(known) !== JSON.stringify(current)) {
    const value = select.value;
    select.replaceChildren(
      h('option', { value: '' }, 'all'),
      ...known.map((a) => h('option', { value: a }, a)),
    );
    if (value && !known.includes(value)) select.append(h('option', { value }, value));
    select.value = value;
  }
}

function render({ snapshot, receipts }) {
  serverNow = snapshot.at ?? Date.now();
  const err = $('redis-error');
  err.hidden = snapshot.redis.ok;
  err.textContent = snapshot.redis.ok ? '' : `${snapshot.redis.error}. Showing the last data read.`;
  if (!snapshot.gate) return;
  renderGate(snapshot.gate);
  renderApprovals(snapshot.approvals);
  renderReceipts(receipts);
  renderUnknown(snapshot.unknown);
  renderDeadletter(snapshot.deadletter);
  renderChart(snapshot.chart);
  renderChannels(snapshot.channels);
  renderAccounts(snapshot.accounts);
  renderScheduled(snapshot.scheduled);
  $('updated').textContent = `updated ${clock(serverNow)}`;
  document.body.dataset.ready = '1';
}

// ---------- live updates ----------

let source;
function connect() {
  source?.close();
  const params = new URLSearchParams();
  for (const name of ['channel', 'account', 'status']) {
    const v = $(`f-${name}`).value;
    if (v) params.set(name, v);
  }
  source = new EventSource(`/events?${params}`);
  const live = $('live');
  source.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'pill pill-ok';
  });
  source.addEventListener('snapshot', (ev) => render(JSON.parse(ev.data)));
  source.addEventListener('logout', () => location.assign('/login'));
  source.addEventListener('error', async () => {
    live.textContent = 'reconnecting…';
    live.className = 'pill pill-wait';
    if (source.readyState === EventSource.CLOSED) {
      const res = await fetch('/api/snapshot', { credentials: 'same-origin' }).catch(() => null);
      if (res?.status === 401) location.assign('/login');
      else setTimeout(connect, 2000);
    }
  });
}

$('filters').addEventListener('change', () => {
  $('receipts-body').dataset.sig = '';
  connect();
});
$('gate-close').addEventListener('click', () => askGate(false));
$('gate-open').addEventListener('click', () => askGate(true));
$('gate-confirm-cancel').addEventListener('click', () => {
  $('gate-confirm').hidden = true;
  gateIntent = null;
});
$('gate-confirm').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const reason = $('gate-reason').value.trim();
  if (!gateIntent || !reason) return;
  const ok = await act('/api/gate', { ...gateIntent, reason }, $('gate-confirm-go'));
  if (ok) {
    $('gate-confirm').hidden = true;
    $('gate-reason').value = '';
    gateIntent = null;
  }
});
$('logout').addEventListener('click', async () => {
  await act('/logout', {}, null);
  location.assign('/login');
});

connect();
