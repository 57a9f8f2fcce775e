// The label report's timeline: probabilities, value and segment strip against time, a cursor with a readout.
// Everything comes from the JSON block #report-data; user text (class names) only ever goes in through textContent.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var chart = document.getElementById('chart');
  var legend = document.getElementById('legend');
  var readout = document.getElementById('readout');
  var classes = data.classes;
  var count = data.t.length;
  var hidden = classes.map(function () { return false; });
  var cursor = count > 0 ? 0 : -1;
  var view = null;

  function svg(name, attributes, parent) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) { element.setAttribute(key, attributes[key]); });
    if (parent) parent.appendChild(element);
    return element;
  }

  function html(name, className, parent, text) {
    var element = document.createElement(name);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    if (parent) parent.appendChild(element);
    return element;
  }

  function swatch(color, parent) {
    var box = svg('svg', { width: 12, height: 12, viewBox: '0 0 12 12', class: 'swatch', 'aria-hidden': 'true' }, parent);
    svg('rect', { width: 12, height: 12, rx: 2, fill: color }, box);
    return box;
  }

  // Round steps (1, 2 or 5 times a power of ten) giving about `target` ticks over [lo, hi].
  function ticks(lo, hi, target) {
    if (!(hi > lo)) return { values: [lo], step: 1 };
    var raw = (hi - lo) / Math.max(1, target);
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * power; }).filter(function (s) { return s >= raw; })[0];
    var values = [];
    var first = Math.ceil(lo / step - 1e-9);
    for (var i = first; i * step <= hi + step * 1e-9; i++) values.push(i * step);
    return { values: values, step: step };
  }

  // Decimals that show every multiple of `step` exactly (0.25 → 2, 5 → 0).
  function decimals(step) {
    for (var d = 0; d < 6; d++) {
      var scaled = step * Math.pow(10, d);
      if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * scaled) return d;
    }
    return 6;
  }

  function clock(seconds) {
    if (!(Math.abs(seconds) >= 60)) return seconds.toFixed(3) + ' s';
    var whole = Math.floor(seconds);
    var h = Math.floor(whole / 3600), m = Math.floor(whole % 3600 / 60), s = seconds - h * 3600 - m * 60;
    var text = (h > 0 ? h + ':' + String(m).padStart(2, '0') : String(m)) + ':' + s.toFixed(3).padStart(6, '0');
    return seconds.toFixed(3) + ' s (' + text + ')';
  }

  function prob(k, i, series) { var v = data[series][k][i]; return v === null ? null : v / data.scale; }
  function score(i, series) { var v = data[series][i]; return v === null ? null : v / data.scale; }

  // Path through the points (x(i), y(i)), broken where a value is missing.
  function line(x, y) {
    var parts = [];
    var pen = 'M';
    for (var i = 0; i < count; i++) {
      var v = y(i);
      if (v === null) { pen = 'M'; continue; }
      parts.push(pen + x(i).toFixed(1) + ' ' + v.toFixed(1));
      pen = 'L';
    }
    return parts.join('');
  }

  // Closed outline between two series (upper forward, lower back), one per stretch without missing values.
  function band(x, upper, lower) {
    var parts = [];
    var i = 0;
    while (i < count) {
      while (i < count && (upper(i) === null || lower(i) === null)) i++;
      var start = i;
      while (i < count && upper(i) !== null && lower(i) !== null) i++;
      if (i - start < 1) continue;
      var path = [];
      for (var j = start; j < i; j++) path.push((j === start ? 'M' : 'L') + x(j).toFixed(1) + ' ' + upper(j).toFixed(1));
      for (var j2 = i - 1; j2 >= start; j2--) path.push('L' + x(j2).toFixed(1) + ' ' + lower(j2).toFixed(1));
      parts.push(path.join('') + 'Z');
    }
    return parts.join('');
  }

  function valueRange() {
    var lo = Infinity, hi = -Infinity;
    var low = data.exact ? data.v : data.vmin, high = data.exact ? data.v : data.vmax;
    for (var i = 0; i < count; i++) {
      if (low[i] !== null) lo = Math.min(lo, low[i]);
      if (high[i] !== null) hi = Math.max(hi, high[i]);
    }
    if (!(hi >= lo)) return [0, 1];
    var pad = hi > lo ? (hi - lo) * 0.06 : Math.max(Math.abs(hi) * 0.1, 0.5);
    return [lo - pad, hi + pad];
  }

  // A panel's white ground, horizontal grid, tick labels and title; its outline is drawn last, over the series.
  function panel(root, box, title, yTicks, y, step) {
    svg('rect', { x: box.left, y: box.top, width: box.width, height: box.height, class: 'panel' }, root);
    yTicks.forEach(function (v) {
      var py = y(v).toFixed(1);
      svg('line', { x1: box.left, x2: box.left + box.width, y1: py, y2: py, class: 'grid' }, root);
      svg('text', { x: box.left - 6, y: py, class: 'tick y' }, root).textContent = v.toFixed(decimals(step));
    });
    var label = svg('text', { x: 14, y: box.top + box.height / 2, class: 'axis-title', transform: 'rotate(-90 14 ' + (box.top + box.height / 2) + ')' }, root);
    label.textContent = title;
  }

  function draw() {
    chart.textContent = '';
    var width = Math.max(480, Math.floor(chart.clientWidth || 960));
    var left = 64, right = 18, plotWidth = width - left - right;
    var top = 10;
    var probs = { left: left, width: plotWidth, top: top, height: 230 };
    top += probs.height + 16;
    var value = data.hasValue ? { left: left, width: plotWidth, top: top, height: 110 } : null;
    if (value) top += value.height + 16;
    var strip = { left: left, width: plotWidth, top: top, height: 30 };
    top += strip.height;
    var height = top + 40;
    var root = svg('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, class: 'timeline', role: 'img', 'aria-label': 'timeline of labels' }, chart);
    var span = data.t1 - data.t0;
    var xt = function (t) { return left + (t - data.t0) / span * plotWidth; };
    var x = function (i) { return xt(data.t[i]); };

    var bottom = strip.top + strip.height;
    var py = function (p) { return probs.top + (1 - p) * probs.height; };
    panel(root, probs, data.hasProbs ? 'probability' : 'score', [0, 0.25, 0.5, 0.75, 1], py, 0.25);
    var range = value ? valueRange() : [0, 1];
    var vy = function (v) { return value.top + (range[1] - v) / (range[1] - range[0]) * value.height; };
    if (value) {
      var vt = ticks(range[0], range[1], 4);
      panel(root, value, 'value', vt.values, vy, vt.step);
    }

    // Time grid across the panels, labels under the strip.
    var time = ticks(data.t0, data.t1, Math.max(2, Math.floor(plotWidth / 75)));
    time.values.forEach(function (t) {
      var px = xt(t).toFixed(1);
      svg('line', { x1: px, x2: px, y1: probs.top, y2: bottom + 4, class: 'grid time' }, root);
      svg('text', { x: px, y: bottom + 16, class: 'tick x' }, root).textContent = t.toFixed(decimals(time.step));
    });
    svg('text', { x: left + plotWidth / 2, y: bottom + 34, class: 'axis-title x' }, root).textContent = 'time (s)';

    // Probabilities: a min–max band per class where columns hold several frames, and the mean as a line.
    var series = svg('g', { class: 'series' }, root);
    if (data.hasProbs) {
      classes.forEach(function (_, k) {
        if (hidden[k]) return;
        var color = data.colors[k];
        if (!data.exact) {
          svg('path', { d: band(x, function (i) { var v = prob(k, i, 'pmax'); return v === null ? null : py(v); },
            function (i) { var v = prob(k, i, 'pmin'); return v === null ? null : py(v); }), fill: color, class: 'band', 'data-class': k }, series);
        }
        svg('path', { d: line(x, function (i) { var v = prob(k, i, 'p'); return v === null ? null : py(v); }), stroke: color, class: 'mean', 'data-class': k }, series);
      });
    } else {
      if (!data.exact) {
        svg('path', { d: band(x, function (i) { var v = score(i, 'smax'); return v === null ? null : py(v); },
          function (i) { var v = score(i, 'smin'); return v === null ? null : py(v); }), fill: '#555', class: 'band' }, series);
      }
      svg('path', { d: line(x, function (i) { var v = score(i, 's'); return v === null ? null : py(v); }), stroke: '#333', class: 'mean' }, series);
    }

    // Value: the same, on its own scale.
    if (value) {
      if (!data.exact) {
        svg('path', { d: band(x, function (i) { return data.vmax[i] === null ? null : vy(data.vmax[i]); },
          function (i) { return data.vmin[i] === null ? null : vy(data.vmin[i]); }), fill: '#3b4a6b', class: 'band' }, root);
      }
      svg('path', { d: line(x, function (i) { return data.v[i] === null ? null : vy(data.v[i]); }), stroke: '#1d2b4a', class: 'mean value' }, root);
    }

    // Segment strip: one rectangle per run, coloured by its label.
    var stripLabel = svg('text', { x: left - 6, y: strip.top + strip.height / 2, class: 'tick y' }, root);
    stripLabel.textContent = 'label';
    var segments = svg('g', { class: 'segments' }, root);
    data.strip.forEach(function (run) {
      var x0 = xt(run[3]), x1 = xt(run[4]);
      var rect = svg('rect', { x: x0.toFixed(2), y: strip.top, width: Math.max(0.6, x1 - x0).toFixed(2), height: strip.height,
        fill: data.colors[run[0]], class: 'seg', 'data-label': run[0] }, segments);
      svg('title', {}, rect).textContent = classes[run[0]] + ' · frames ' + run[1] + '–' + run[2] + ' · ' +
        run[3].toFixed(3) + '–' + run[4].toFixed(3) + ' s';
    });
    [probs, value, strip].forEach(function (box) {
      if (box) svg('rect', { x: box.left, y: box.top, width: box.width, height: box.height, class: 'panel outline' }, root);
    });

    var cursorLine = svg('line', { x1: -10, x2: -10, y1: probs.top, y2: bottom, class: 'cursor' }, root);
    var overlay = svg('rect', { x: left, y: probs.top, width: plotWidth, height: bottom - probs.top, class: 'overlay' }, root);
    view = { xt: xt, cursorLine: cursorLine, series: series };
    overlay.addEventListener('mousemove', function (event) {
      var box = root.getBoundingClientRect();
      var px = (event.clientX - box.left) * width / box.width;
      setCursor(nearest(data.t0 + (px - left) / plotWidth * span));
    });
    setCursor(cursor);
  }

  function nearest(t) {
    if (count === 0) return -1;
    var lo = 0, hi = count - 1;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (data.t[mid] < t) lo = mid + 1; else hi = mid;
    }
    return lo > 0 && t - data.t[lo - 1] < data.t[lo] - t ? lo - 1 : lo;
  }

  // The strip run under column i: by frame when runs are segments, by time when they are per-column summaries.
  function runAt(i) {
    var runs = data.strip;
    var lo = 0, hi = runs.length - 1;
    var key = data.stripIsSegments ? data.f0[i] : data.t[i];
    var field = data.stripIsSegments ? 1 : 3;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (runs[mid][field] <= key) lo = mid; else hi = mid - 1;
    }
    return runs.length > 0 ? runs[lo] : null;
  }

  function setCursor(i) {
    if (i < 0 || i >= count || !view) return;
    cursor = i;
    var px = view.xt(data.t[i]).toFixed(1);
    view.cursorLine.setAttribute('x1', px);
    view.cursorLine.setAttribute('x2', px);
    readout.textContent = '';
    var when = data.exact
      ? 'frame ' + data.f0[i] + ' · ' + clock(data.t[i])
      : 'frames ' + data.f0[i] + '–' + data.f1[i] + ' (' + data.n[i] + ', means) · ' + clock(data.tmin[i]) + ' – ' + clock(data.tmax[i]);
    html('span', 'when', readout, when);
    var run = runAt(i);
    if (run) {
      var label = html('span', 'label', readout);
      swatch(data.colors[run[0]], label);
      label.appendChild(document.createTextNode(' ' + classes[run[0]]));
    }
    if (data.hasProbs) {
      var order = classes.map(function (_, k) { return k; });
      order.sort(function (a, b) { return (prob(b, i, 'p') || 0) - (prob(a, i, 'p') || 0); });
      var top = html('span', 'top', readout, 'top-3: ');
      order.slice(0, 3).forEach(function (k, rank) {
        var entry = html('span', 'top-entry', top);
        swatch(data.colors[k], entry);
        var p = prob(k, i, 'p');
        entry.appendChild(document.createTextNode(' ' + classes[k] + ' ' + (p === null ? '–' : p.toFixed(3)) + (rank < 2 ? '  ' : '')));
      });
    } else {
      var s = score(i, 's');
      html('span', 'top', readout, 'score ' + (s === null ? '–' : s.toFixed(3)));
    }
    if (data.hasValue) {
      var v = data.v[i];
      var text = 'value ' + (v === null ? '–' : v.toPrecision(4));
      if (!data.exact && data.vmin[i] !== null && data.vmax[i] !== null) {
        text += ' (' + data.vmin[i].toPrecision(3) + ' to ' + data.vmax[i].toPrecision(3) + ')';
      }
      html('span', 'value', readout, text);
    }
  }

  function focus(k) {
    if (!view) return;
    view.series.classList.toggle('focusing', k >= 0);
    Array.prototype.forEach.call(view.series.children, function (path) {
      path.classList.toggle('focused', path.getAttribute('data-class') === String(k));
    });
  }

  function buildLegend() {
    classes.forEach(function (name, k) {
      var entry = html('button', 'legend-entry', legend);
      entry.type = 'button';
      entry.setAttribute('aria-pressed', 'true');
      entry.title = 'show or hide this class';
      swatch(data.colors[k], entry);
      entry.appendChild(document.createTextNode(' ' + name));
      // Pointing at a class brings its lines forward and fades the others.
      entry.addEventListener('mouseenter', function () { focus(k); });
      entry.addEventListener('mouseleave', function () { focus(-1); });
      entry.addEventListener('click', function () {
        hidden[k] = !hidden[k];
        entry.setAttribute('aria-pressed', hidden[k] ? 'false' : 'true');
        draw();
      });
    });
  }

  chart.addEventListener('keydown', function (event) {
    var step = { ArrowLeft: -1, ArrowRight: 1, PageUp: -10, PageDown: 10 }[event.key];
    if (event.key === 'Home') setCursor(0);
    else if (event.key === 'End') setCursor(count - 1);
    else if (step) setCursor(Math.max(0, Math.min(count - 1, cursor + step)));
    else return;
    event.preventDefault();
  });

  var pending = false;
  window.addEventListener('resize', function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; draw(); });
  });

  buildLegend();
  draw();
  document.body.setAttribute('data-drawn', 'true');
})();
