// azward HTML report: the findings table, drawn one page at a time from the
// embedded JSON data.
//
// Every string in the data is untrusted (resource names, tags and reasons come
// from Azure). This script builds the DOM with createElement and textContent
// only, and never turns data into markup or code.
//
// URL hash parameters pre-set the filters, e.g. #status=fail&severity=high&q=kv-
// (q, severity, status, family, sub, check, new, sort, dir, page, size, open).
(function () {
  'use strict';

  var DATA = JSON.parse(document.getElementById('data').textContent);
  var SEV = DATA.severities;
  var ST = DATA.statuses;
  var CHECKS = DATA.checks;
  var SUBS = DATA.subscriptions;
  var ROWS = DATA.results;
  // Fields of a result row.
  var C = 0, SV = 1, S = 2, R = 3, I = 4, U = 5, M = 6, X = 7, W = 8, NEW = 9;
  var TENANT = '-';
  var SIZES = [25, 50, 100, 200];
  var PRINT_MAX = 1000;

  document.documentElement.classList.add('js');

  var state = defaults();
  var filtered = [];
  var open = {};
  var hay = null;
  var printing = false;

  function defaults() {
    return { q: '', severity: '', status: '', family: '', sub: '', check: '', new: '',
      sort: '', dir: 'asc', page: 1, size: 100 };
  }

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function fmt(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  function statusLabel(s) { return s === 'not_applicable' ? 'n/a' : s; }

  function subName(u) {
    if (u === null || u === undefined) { return 'tenant'; }
    var s = SUBS[u];
    return s.name || s.id;
  }

  // The last name of a resource id; a storage service (`…/storageAccounts/
  // NAME/blobServices/default`) is named by its account: `NAME/blob`.
  function resourceName(rid) {
    var segs = rid.split('/').filter(function (s) { return s !== ''; });
    var n = segs.length;
    if (n >= 4 && /^(blob|file|queue|table)Services$/i.test(segs[n - 2]) &&
        segs[n - 4].toLowerCase() === 'storageaccounts') {
      return segs[n - 3] + '/' + segs[n - 2].replace(/Services$/i, '').toLowerCase();
    }
    return n ? segs[n - 1] : rid;
  }

  // The same placeholders as the Rust `fill_placeholders`.
  function fillPlaceholders(tpl, rid, sub) {
    var segs = rid.split('/').filter(function (s) { return s !== ''; });
    function after(key) {
      var k = key.toLowerCase();
      for (var j = 0; j < segs.length; j++) {
        if (segs[j].toLowerCase() === k) { return j + 1 < segs.length ? segs[j + 1] : null; }
      }
      return null;
    }
    var p = -1;
    for (var j = 0; j < segs.length; j++) {
      if (segs[j].toLowerCase() === 'providers') { p = j; break; }
    }
    var name = (p >= 0 && segs.length > p + 3) ? segs[p + 3] : (segs.length ? segs[segs.length - 1] : '');
    var s = (sub !== null && sub !== undefined) ? sub : (after('subscriptions') || '');
    return tpl.split('{name}').join(name)
      .split('{resource_group}').join(after('resourceGroups') || '<resource-group>')
      .split('{subscription}').join(s)
      .split('{id}').join(rid);
  }

  // ---- filtering and sorting ----

  function haystack(i) {
    if (hay === null) { hay = new Array(ROWS.length); }
    var h = hay[i];
    if (h === undefined) {
      var r = ROWS[i], c = CHECKS[r[C]];
      h = [c.id, c.title, r[R], r[I] || '', r[U] === null ? 'tenant' : subName(r[U]),
        r[U] === null ? '' : SUBS[r[U]].id, r[M]].join('\n').toLowerCase();
      hay[i] = h;
    }
    return h;
  }

  function applyFilters() {
    var terms = state.q.toLowerCase().split(/\s+/).filter(function (t) { return t !== ''; });
    var sev = state.severity === '' ? -1 : SEV.indexOf(state.severity);
    var st = state.status === '' ? -1 : ST.indexOf(state.status);
    var fam = state.family, chk = state.check, sub = state.sub;
    var out = [];
    for (var i = 0; i < ROWS.length; i++) {
      var r = ROWS[i];
      if (state.severity !== '' && r[SV] !== sev) { continue; }
      if (state.status !== '' && r[S] !== st) { continue; }
      if (state.new === '1' && r[NEW] !== 1) { continue; }
      var c = CHECKS[r[C]];
      if (fam !== '' && c.family !== fam) { continue; }
      if (chk !== '' && c.id !== chk) { continue; }
      if (sub !== '') {
        if (sub === TENANT) { if (r[U] !== null) { continue; } }
        else if (r[U] === null || SUBS[r[U]].id !== sub) { continue; }
      }
      if (terms.length) {
        var h = haystack(i), ok = true;
        for (var t = 0; t < terms.length; t++) {
          if (h.indexOf(terms[t]) < 0) { ok = false; break; }
        }
        if (!ok) { continue; }
      }
      out.push(i);
    }
    sortRows(out);
    filtered = out;
  }

  // Status order for sorting: the ones that need attention first.
  var STATUS_RANK = { fail: 0, error: 1, waived: 2, pass: 3, not_applicable: 4 };

  function sortKey(col) {
    switch (col) {
      case 'severity': return function (i) { return ROWS[i][SV]; };
      case 'status': return function (i) { return STATUS_RANK[ST[ROWS[i][S]]]; };
      case 'check': return function (i) { return CHECKS[ROWS[i][C]].id; };
      case 'resource': return function (i) { return ROWS[i][R].toLowerCase(); };
      case 'subscription': return function (i) { return subName(ROWS[i][U]).toLowerCase(); };
      case 'reason': return function (i) { return ROWS[i][M].toLowerCase(); };
      default: return null;
    }
  }

  function sortRows(list) {
    // With no column chosen: failing and error results first, each status
    // in the report's order.
    var key = sortKey(state.sort) || sortKey('status');
    var keys = {};
    for (var k = 0; k < list.length; k++) { keys[list[k]] = key(list[k]); }
    var dir = state.dir === 'desc' ? -1 : 1;
    list.sort(function (a, b) {
      var ka = keys[a], kb = keys[b];
      if (ka < kb) { return -dir; }
      if (ka > kb) { return dir; }
      return a - b;
    });
  }

  // ---- rendering ----

  function badge(kind, value, label) {
    return el('span', 'badge ' + kind + '-' + value, label);
  }

  function rowEl(i) {
    var r = ROWS[i], c = CHECKS[r[C]];
    var sev = SEV[r[SV]], st = ST[r[S]];
    var tr = el('tr', 'result');
    tr.setAttribute('data-idx', String(i));
    tr.setAttribute('data-severity', sev);
    tr.setAttribute('data-status', st);
    tr.tabIndex = 0;
    tr.setAttribute('aria-expanded', open[i] ? 'true' : 'false');

    var td = el('td', 'c-sev');
    td.appendChild(el('span', 'caret', open[i] ? '▾' : '▸'));
    td.appendChild(badge('sev', sev, sev));
    tr.appendChild(td);

    td = el('td', 'c-st');
    td.appendChild(badge('st', st, statusLabel(st)));
    if (r[NEW] === 1) {
      tr.setAttribute('data-new', '1');
      td.appendChild(el('span', 'badge new', 'new'));
    }
    tr.appendChild(td);

    td = el('td', 'c-check');
    td.appendChild(el('span', 'cid', c.id));
    td.appendChild(el('span', 'ctitle', c.title));
    tr.appendChild(td);

    td = el('td', 'c-res');
    td.appendChild(el('span', 'rname', resourceName(r[R])));
    if (r[I] !== null) { td.appendChild(el('span', 'ritem', r[I])); }
    td.appendChild(el('span', 'rid', r[R]));
    tr.appendChild(td);

    tr.appendChild(el('td', 'c-sub', subName(r[U])));

    td = el('td', 'c-reason');
    td.appendChild(el('span', 'reason', r[M]));
    if (r[W] !== null) { td.appendChild(el('span', 'waived-note', 'waived until ' + r[W].expires)); }
    tr.appendChild(td);
    return tr;
  }

  function field(dl, term, value, cls) {
    dl.appendChild(el('dt', null, term));
    var dd = el('dd', cls || null);
    if (value instanceof Node) { dd.appendChild(value); } else { dd.textContent = String(value); }
    dl.appendChild(dd);
    return dd;
  }

  function codeBlock(text, cls) {
    var pre = el('pre', 'code ' + (cls || ''));
    pre.appendChild(el('code', null, text));
    return pre;
  }

  function detailEl(i) {
    var r = ROWS[i], c = CHECKS[r[C]];
    var st = ST[r[S]];
    var tr = el('tr', 'detail');
    tr.setAttribute('data-for', String(i));
    var td = el('td');
    td.colSpan = 6;
    var grid = el('div', 'detail-grid');

    var left = el('div', 'detail-col');
    left.appendChild(el('h4', null, 'Finding'));
    var dl = el('dl');
    field(dl, 'Reason', r[M], 'd-reason');
    if (r[I] !== null) { field(dl, 'Item', r[I]); }
    if (r[W] !== null) {
      var w = r[W];
      field(dl, 'Waiver', 'status ' + statusLabel(w.original_status) + ' waived until ' +
        w.expires + ' by ' + w.owner + ': ' + w.reason + ' (waiver line ' + w.line + ')');
    }
    field(dl, 'Resource', el('code', 'wrap-any', r[R]));
    field(dl, 'Subscription', r[U] === null ? 'tenant scope' : subName(r[U]) + ' (' + SUBS[r[U]].id + ')');
    left.appendChild(dl);

    left.appendChild(el('h4', null, 'Check'));
    dl = el('dl');
    field(dl, c.id, c.title);
    field(dl, 'Severity', SEV[r[SV]] + ' · family ' + c.family + (c.scope ? ' · scope ' + c.scope : ''));
    if (c.condition) { field(dl, 'Condition', c.condition); }
    if (c.rationale) { field(dl, 'Rationale', c.rationale); }
    if (c.resource_type) { field(dl, 'Resource type', c.resource_type); }
    if (c.refs && c.refs.length) {
      var ul = el('ul', 'refs');
      c.refs.forEach(function (ref) { ul.appendChild(el('li', null, ref[0] + ' ' + ref[1])); });
      field(dl, 'References', ul);
    }
    left.appendChild(dl);
    grid.appendChild(left);

    var right = el('div', 'detail-col');
    right.appendChild(el('h4', null, st === 'fail' || st === 'error' ? 'Remediation' : 'Remediation (if it fails)'));
    dl = el('dl');
    if (c.portal && c.portal.length) {
      var ol = el('ol', 'portal');
      c.portal.forEach(function (step) { ol.appendChild(el('li', null, step)); });
      field(dl, 'Portal', ol);
    }
    var subId = r[U] === null ? null : SUBS[r[U]].id;
    var cli = r[X] !== null ? r[X] : (c.cli ? fillPlaceholders(c.cli, r[R], subId) : '');
    if (cli) { field(dl, 'Azure CLI', codeBlock(cli, 'cli')); }
    if (c.bicep) { field(dl, 'Bicep', codeBlock(fillPlaceholders(c.bicep, r[R], subId), 'bicep')); }
    if (c.remediation) { field(dl, 'Remediation', c.remediation); }
    right.appendChild(dl);
    grid.appendChild(right);

    td.appendChild(grid);
    tr.appendChild(td);
    return tr;
  }

  function render() {
    var tbody = $('rows');
    var total = filtered.length;
    var pages = Math.max(1, Math.ceil(total / state.size));
    if (state.page > pages) { state.page = pages; }
    if (state.page < 1) { state.page = 1; }
    var start = printing ? 0 : (state.page - 1) * state.size;
    var end = printing ? Math.min(total, PRINT_MAX) : Math.min(total, start + state.size);
    var frag = document.createDocumentFragment();
    for (var k = start; k < end; k++) {
      var i = filtered[k];
      frag.appendChild(rowEl(i));
      if (open[i]) { frag.appendChild(detailEl(i)); }
    }
    tbody.replaceChildren(frag);

    var all = ROWS.length;
    var narrowed = total !== all;
    var text;
    if (all === 0) {
      text = 'This scan has no results.';
    } else if (total === 0) {
      text = 'No results match these filters (' + fmt(all) + ' in all).';
    } else {
      text = (printing ? 'Printed ' : 'Showing ') + fmt(start + 1) + '–' + fmt(end) + ' of ' + fmt(total) +
        (narrowed ? ' matching results (' + fmt(all) + ' in all).' : ' results.');
    }
    $('count').textContent = text;
    $('p-info').textContent = 'Page ' + fmt(state.page) + ' of ' + fmt(pages);
    $('p-first').disabled = $('p-prev').disabled = state.page <= 1;
    $('p-next').disabled = $('p-last').disabled = state.page >= pages;

    var ths = document.querySelectorAll('#results th[data-sort]');
    for (var t = 0; t < ths.length; t++) {
      var th = ths[t], col = th.getAttribute('data-sort');
      if (col === state.sort) {
        th.setAttribute('aria-sort', state.dir === 'desc' ? 'descending' : 'ascending');
      } else {
        th.removeAttribute('aria-sort');
      }
    }
  }

  function update(resetPage) {
    if (resetPage) { state.page = 1; }
    applyFilters();
    render();
    writeHash();
  }

  // ---- the URL hash ----

  var KEYS = ['q', 'severity', 'status', 'family', 'sub', 'check', 'new', 'sort', 'dir', 'page', 'size'];

  function decode(s) {
    try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch (e) { return ''; }
  }

  // Reads filters from a hash such as #status=fail&q=kv-; false for a plain anchor.
  function readHash() {
    var h = location.hash.replace(/^#/, '');
    if (h.indexOf('=') < 0) { return false; }
    var p = {};
    h.split('&').forEach(function (kv) {
      var j = kv.indexOf('=');
      if (j > 0) { p[decode(kv.slice(0, j))] = decode(kv.slice(j + 1)); }
    });
    var s = defaults();
    s.q = p.q || '';
    s.severity = SEV.indexOf(p.severity) >= 0 ? p.severity : '';
    s.status = ST.indexOf(p.status) >= 0 ? p.status : '';
    s.family = p.family || '';
    s.sub = p.sub || '';
    s.check = p.check || '';
    s.new = p.new === '1' ? '1' : '';
    s.sort = sortKey(p.sort) ? p.sort : '';
    s.dir = p.dir === 'desc' ? 'desc' : 'asc';
    var size = parseInt(p.size, 10);
    s.size = SIZES.indexOf(size) >= 0 ? size : 100;
    s.page = Math.max(1, parseInt(p.page, 10) || 1);
    state = s;
    open = {};
    if (p.open !== undefined) {
      var o = parseInt(p.open, 10);
      if (o >= 0 && o < ROWS.length) { open[o] = true; }
    }
    syncControls();
    return true;
  }

  function writeHash() {
    var d = defaults(), parts = [];
    KEYS.forEach(function (k) {
      if (String(state[k]) !== String(d[k])) {
        parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(String(state[k])));
      }
    });
    var url = parts.length ? '#' + parts.join('&') : location.pathname + location.search;
    try { history.replaceState(null, '', url); } catch (e) { /* a file: URL may refuse */ }
  }

  // ---- controls ----

  function option(select, value, label) {
    var o = el('option', null, label);
    o.value = value;
    select.appendChild(o);
  }

  function ensureOption(select, value) {
    if (value === '') { return; }
    for (var k = 0; k < select.options.length; k++) {
      if (select.options[k].value === value) { return; }
    }
    option(select, value, value + ' (no results)');
  }

  function syncControls() {
    $('q').value = state.q;
    $('f-severity').value = state.severity;
    $('f-status').value = state.status;
    ensureOption($('f-family'), state.family);
    $('f-family').value = state.family;
    ensureOption($('f-sub'), state.sub);
    $('f-sub').value = state.sub;
    ensureOption($('f-check'), state.check);
    $('f-check').value = state.check;
    $('p-size').value = String(state.size);
    $('f-new').checked = state.new === '1';
  }

  function buildControls() {
    var fam = $('f-family');
    DATA.families.forEach(function (f) { option(fam, f.code, f.code + ' · ' + f.name); });
    var sub = $('f-sub');
    var used = {}, tenant = false;
    ROWS.forEach(function (r) { if (r[U] === null) { tenant = true; } else { used[r[U]] = true; } });
    SUBS.forEach(function (s, u) {
      if (used[u]) { option(sub, s.id, (s.name ? s.name + ' · ' : '') + s.id); }
    });
    if (tenant) { option(sub, TENANT, 'Tenant scope'); }
    if (DATA.compared) { $('f-new-wrap').hidden = false; }
    var chk = $('f-check');
    CHECKS.forEach(function (c) { option(chk, c.id, c.id + ' · ' + c.title); });
  }

  var timer = null;

  function wire() {
    $('filters').addEventListener('submit', function (e) { e.preventDefault(); });
    $('q').addEventListener('input', function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(function () { state.q = $('q').value; update(true); }, 150);
    });
    [['f-severity', 'severity'], ['f-status', 'status'], ['f-family', 'family'],
      ['f-sub', 'sub'], ['f-check', 'check']].forEach(function (pair) {
      $(pair[0]).addEventListener('change', function () { state[pair[1]] = $(pair[0]).value; update(true); });
    });
    $('f-new').addEventListener('change', function () { state.new = $('f-new').checked ? '1' : ''; update(true); });
    $('reset').addEventListener('click', function () {
      state = defaults();
      open = {};
      syncControls();
      update(true);
    });
    $('p-size').addEventListener('change', function () { state.size = parseInt($('p-size').value, 10) || 100; update(true); });
    $('p-first').addEventListener('click', function () { state.page = 1; update(false); });
    $('p-prev').addEventListener('click', function () { state.page -= 1; update(false); });
    $('p-next').addEventListener('click', function () { state.page += 1; update(false); });
    $('p-last').addEventListener('click', function () { state.page = Math.ceil(filtered.length / state.size); update(false); });

    var ths = document.querySelectorAll('#results th[data-sort] button');
    for (var t = 0; t < ths.length; t++) {
      ths[t].addEventListener('click', function (e) {
        var col = e.currentTarget.parentNode.getAttribute('data-sort');
        if (state.sort === col) {
          state.dir = state.dir === 'asc' ? 'desc' : 'asc';
        } else {
          state.sort = col;
          state.dir = 'asc';
        }
        update(true);
      });
    }

    var tbody = $('rows');
    function toggle(tr) {
      var i = parseInt(tr.getAttribute('data-idx'), 10);
      if (open[i]) { delete open[i]; } else { open[i] = true; }
      render();
    }
    tbody.addEventListener('click', function (e) {
      if (window.getSelection && String(window.getSelection()) !== '') { return; }
      var tr = e.target.closest('tr.result');
      if (tr) { toggle(tr); }
    });
    tbody.addEventListener('keydown', function (e) {
      if (e.key !== 'Enter' && e.key !== ' ') { return; }
      var tr = e.target.closest('tr.result');
      if (tr) {
        e.preventDefault();
        var i = tr.getAttribute('data-idx');
        toggle(tr);
        var again = tbody.querySelector('tr.result[data-idx="' + i + '"]');
        if (again) { again.focus(); }
      }
    });

    // The per-check view: ▸ shows a check's condition and rationale.
    var checks = document.querySelectorAll('table.checks button.toggle');
    for (var b = 0; b < checks.length; b++) {
      checks[b].addEventListener('click', function (e) {
        var body = e.currentTarget.closest('tbody');
        var opened = body.classList.toggle('open');
        e.currentTarget.setAttribute('aria-expanded', opened ? 'true' : 'false');
        e.currentTarget.textContent = opened ? '▾' : '▸';
      });
    }

    window.addEventListener('hashchange', function () {
      if (readHash()) {
        applyFilters();
        render();
        $('findings').scrollIntoView();
      }
    });
    window.addEventListener('beforeprint', function () { printing = true; render(); });
    window.addEventListener('afterprint', function () { printing = false; render(); });
  }

  buildControls();
  readHash();
  wire();
  applyFilters();
  render();
}());

// The tamper timeline: its filters hide the rows that do not match (every
// value is compared as text, from data attributes the page escaped).
(function () {
  'use strict';
  var form = document.getElementById('t-filters');
  if (!form) { return; }
  var rows = document.querySelectorAll('#t-rows tbody tr');
  var keys = [['t-class', 'class'], ['t-caller', 'caller'], ['t-sub', 'sub'], ['t-op', 'op']];
  function apply() {
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var ok = true;
      for (var k = 0; k < keys.length; k++) {
        var want = document.getElementById(keys[k][0]).value;
        if (want !== '' && rows[i].getAttribute('data-' + keys[k][1]) !== want) { ok = false; }
      }
      rows[i].hidden = !ok;
      if (ok) { shown++; }
    }
    document.getElementById('t-count').textContent = shown + ' of ' + rows.length + ' events';
  }
  form.addEventListener('change', apply);
  apply();
}());
