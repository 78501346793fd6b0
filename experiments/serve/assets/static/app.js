// relnet serve's pages: plain JavaScript, no library. Every name from the results is put in
// the page as text (textContent, setAttribute), never as markup.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const POLL_MS = 2000;

function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function svgEl(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

// swatch is a square in a run's colour (set through the CSSOM: the page allows no inline style).
function swatch(color) {
  const e = el("span", "■ ", { class: "swatch" });
  e.style.color = color;
  return e;
}

function pct(x) { return (100 * x).toFixed(2); }

function ago(t) {
  const d = new Date(t);
  if (d.getFullYear() < 2000) return "–";
  const s = Math.round((Date.now() - d) / 1000);
  if (s < 60) return s + " s ago";
  if (s < 3600) return Math.round(s / 60) + " min ago";
  if (s < 86400) return Math.round(s / 3600) + " h ago";
  return d.toISOString().slice(0, 16).replace("T", " ");
}

function duration(s) {
  if (!s) return "";
  if (s < 90) return Math.round(s) + " s";
  if (s < 5400) return Math.round(s / 60) + " min";
  return (s / 3600).toFixed(1) + " h";
}

function status(text) { document.getElementById("status").textContent = text; }

async function getJSON(url) {
  const r = await fetch(url, { cache: "no-store" });
  if (!r.ok) throw new Error(url + ": " + r.status + " " + (await r.text()));
  return r.json();
}

// poll calls step every POLL_MS, saying on the page when the server cannot be reached.
function poll(step) {
  const tick = async () => {
    try {
      await step();
      status("updated " + new Date().toLocaleTimeString());
    } catch (e) {
      status("cannot reach the server: " + e.message);
    }
    setTimeout(tick, POLL_MS);
  };
  tick();
}

// The experiments page.
function experimentsPage() {
  const body = document.querySelector("#experiments tbody");
  poll(async () => {
    const list = await getJSON("/api/experiments");
    body.replaceChildren(...list.map((x) => {
      const tr = el("tr");
      const td = el("td");
      td.append(el("a", x.name, { href: "/e/" + encodeURIComponent(x.name) + "/" }));
      if (x.problem) td.append(el("div", x.problem, { class: "error" }));
      tr.append(td, el("td", x.runs || 0));
      for (const s of ["done", "running", "stopped", "failed", "waiting"]) {
        tr.append(el("td", (x.states && x.states[s]) || 0, { class: "state-" + s }));
      }
      tr.append(el("td", ago(x.modified)));
      return tr;
    }));
  });
}

// The experiment and run pages share one poll of /api/e/NAME.
function experimentPage(onlyRun) {
  const exp = document.body.dataset.experiment;
  const runs = new Map(); // run name → last view, with its curves
  let gen = 0, groups = [], sortKey = "", sortDir = 1;
  const sortValue = {
    run: (r) => r.run, label: (r) => r.label, point: (r) => r.point, seed: (r) => r.seed,
    state: (r) => r.state, episode: (r) => r.episode, speed: (r) => r.episodes_per_sec || 0,
    eta: (r) => r.eta_sec || 0, best: (r) => r.best_val || 0,
    test: (r) => (r.test && r.test.length ? r.test[0].mean : -1), modified: (r) => r.modified,
  };
  for (const th of document.querySelectorAll("#runs th")) {
    th.addEventListener("click", () => {
      sortDir = sortKey === th.dataset.key ? -sortDir : 1;
      sortKey = th.dataset.key;
      drawTable();
    });
  }
  function drawTable() {
    const body = document.querySelector("#runs tbody");
    if (!body) return;
    let list = [...runs.values()];
    if (sortKey) {
      const f = sortValue[sortKey];
      list.sort((a, b) => (f(a) < f(b) ? -sortDir : f(a) > f(b) ? sortDir : 0));
    }
    body.replaceChildren(...list.map(runRow));
  }
  poll(async () => {
    const v = await getJSON("/api/e/" + encodeURIComponent(exp) + "?since=" + gen);
    gen = v.gen;
    groups = (v.groups || []).filter((g) => g !== "joint");
    for (const r of v.runs) {
      if (onlyRun && r.run !== onlyRun) continue;
      const old = runs.get(r.run);
      if (!r.curves && old) r.curves = old.curves;
      runs.set(r.run, r);
    }
    drawTable();
    drawCharts(document.getElementById("curves"), [...runs.values()], groups);
    if (v.report && !onlyRun) drawComparison(v.report);
  });
}

function runRow(r) {
  const tr = el("tr", null, { "data-run": r.run });
  const name = el("td");
  name.append(swatch(r.color));
  name.append(el("a", r.run, { href: "r/" + encodeURIComponent(r.run) + "/" }));
  const state = el("td", r.state, { class: "state-" + r.state });
  if (r.error) state.append(el("div", r.error, { class: "error" }));
  if (r.problem) state.append(el("div", r.problem, { class: "error" }));
  const test = el("td", null, { class: "test" });
  for (const t of r.test || []) {
    test.append(el("div", (r.test.length > 1 ? t.group + " " : "") + pct(t.mean) + " ± " + pct(t.ci95)));
  }
  tr.append(name, el("td", r.label), el("td", r.point), el("td", r.seed), state,
    el("td", r.total ? r.episode + " / " + r.total : r.episode || ""),
    el("td", r.episodes_per_sec ? r.episodes_per_sec.toFixed(1) : ""),
    el("td", duration(r.eta_sec)), el("td", r.best_val ? pct(r.best_val) : ""), test, el("td", ago(r.modified)));
  return tr;
}

// drawCharts draws a validation chart per group and the loss chart.
function drawCharts(box, runs, groups) {
  const charts = [];
  if (!groups.length) { // no run evaluated yet: the groups its validation records name
    groups = [...new Set(runs.flatMap((r) => (r.curves ? r.curves.val.flatMap((p) => Object.keys(p.acc)) : [])))];
  }
  for (const g of groups.length ? groups : [""]) {
    const series = runs.filter((r) => r.curves && r.curves.val.length).map((r) => {
      const pts = [], band = [];
      for (const p of r.curves.val) {
        const acc = g in p.acc ? p.acc[g] : p.acc[""];
        if (acc === undefined) continue;
        pts.push([p.episode, 100 * acc]);
        const ci = p.ci95 && p.ci95[g];
        if (ci !== undefined) band.push([p.episode, 100 * (acc - ci), 100 * (acc + ci)]);
      }
      return { run: r.run, color: r.color, pts, band };
    });
    charts.push(chart("validation accuracy" + (g ? ": " + g : ""), "accuracy (%)", series, "val", g));
  }
  const loss = runs.filter((r) => r.curves && r.curves.loss.length)
    .map((r) => ({ run: r.run, color: r.color, pts: r.curves.loss, band: [] }));
  // As in the report: a log scale when the losses span a decade or more.
  const ys = loss.flatMap((s) => s.pts.map((p) => p[1]));
  const log = ys.length > 0 && Math.min(...ys) > 0 && Math.max(...ys) >= 10 * Math.min(...ys);
  if (log) for (const s of loss) s.pts = s.pts.map((p) => [p[0], Math.log10(p[1])]);
  charts.push(chart("training loss", log ? "loss (log scale)" : "loss", loss, "loss", "", log));
  box.replaceChildren(legend(runs), ...charts);
}

// legend names the colour of each row of the report (variant and grid point).
function legend(runs) {
  const box = el("div", null, { class: "legend" });
  const seen = new Set();
  for (const r of runs) {
    if (seen.has(r.label)) continue;
    seen.add(r.label);
    const item = el("span");
    item.append(swatch(r.color), el("span", r.label || r.run));
    box.append(item);
  }
  return box;
}

// chart is an SVG line chart of series ({run, color, pts: [[x, y]], band: [[x, lo, hi]]}).
function chart(title, yLabel, series, kind, group, log) {
  const W = 460, H = 260, L = 48, R = 22, T = 22, B = 34;
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart " + kind, "data-group": group });
  const t = svgEl("text", { x: W / 2, y: 14, "text-anchor": "middle", class: "title" });
  t.textContent = title;
  svg.append(t);
  const all = series.flatMap((s) => s.pts.concat(s.band.map((b) => [b[0], b[1]]), s.band.map((b) => [b[0], b[2]])));
  if (!all.length) {
    const n = svgEl("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "empty" });
    n.textContent = "no points yet";
    svg.append(n);
    return svg;
  }
  let [x0, x1] = extent(all.map((p) => p[0])), [y0, y1] = extent(all.map((p) => p[1]));
  if (x0 === x1) x1 = x0 + 1;
  if (y0 === y1) { y0 -= 1; y1 += 1; }
  const sx = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y) => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
  axes(svg, x0, x1, y0, y1, sx, sy, W, H, L, B, yLabel, log);
  for (const s of series) {
    if (s.band.length > 1) {
      const d = s.band.map((b) => sx(b[0]) + "," + sy(b[2])).concat(s.band.slice().reverse().map((b) => sx(b[0]) + "," + sy(b[1])));
      svg.append(svgEl("polygon", { points: d.join(" "), fill: s.color, "fill-opacity": 0.18, stroke: "none" }));
    }
    const line = svgEl("polyline", { points: s.pts.map((p) => sx(p[0]) + "," + sy(p[1])).join(" "), fill: "none",
      stroke: s.color, "stroke-width": 1.5, class: "curve", "data-run": s.run, "data-points": s.pts.length });
    const tip = svgEl("title");
    tip.textContent = s.run;
    line.append(tip);
    svg.append(line);
    for (const p of s.pts.length <= 30 ? s.pts : []) {
      svg.append(svgEl("circle", { cx: sx(p[0]), cy: sy(p[1]), r: 2.2, fill: s.color }));
    }
  }
  return svg;
}

function extent(xs) { return [Math.min(...xs), Math.max(...xs)]; }

// axes draws both axes with about five round ticks each.
function axes(svg, x0, x1, y0, y1, sx, sy, W, H, L, B, yLabel, log) {
  svg.append(svgEl("line", { x1: L, y1: H - B, x2: W - 10, y2: H - B, class: "axis" }));
  svg.append(svgEl("line", { x1: L, y1: 22, x2: L, y2: H - B, class: "axis" }));
  for (const x of ticks(x0, x1)) {
    svg.append(svgEl("line", { x1: sx(x), y1: H - B, x2: sx(x), y2: H - B + 4, class: "axis" }));
    const t = svgEl("text", { x: sx(x), y: H - B + 15, "text-anchor": "middle" });
    t.textContent = x >= 10000 ? x / 1000 + "k" : x;
    svg.append(t);
  }
  for (const y of ticks(y0, y1)) {
    svg.append(svgEl("line", { x1: L, y1: sy(y), x2: W - 10, y2: sy(y), class: "grid" }));
    const t = svgEl("text", { x: L - 4, y: sy(y) + 3, "text-anchor": "end" });
    t.textContent = log ? +Math.pow(10, y).toPrecision(2) : +y.toFixed(4);
    svg.append(t);
  }
  const xl = svgEl("text", { x: (L + W) / 2, y: H - 4, "text-anchor": "middle" });
  xl.textContent = "training episode";
  const yl = svgEl("text", { x: 12, y: H / 2, transform: `rotate(-90 12 ${H / 2})`, "text-anchor": "middle" });
  yl.textContent = yLabel;
  svg.append(xl, yl);
}

function ticks(lo, hi) {
  const raw = (hi - lo) / 5, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(v);
  return out;
}

// drawComparison lays out the report's tables and plots.
function drawComparison(rep) {
  const box = document.getElementById("comparison");
  const parts = [];
  if (rep.error) parts.push(el("div", rep.error, { class: "error" }));
  if (rep.accuracy && rep.accuracy.header) {
    parts.push(el("p", "Test protocol: " + rep.bank + ". Accuracy % (mean ± 95% CI over test episodes; best of each column marked *).", { class: "note" }));
    parts.push(table(rep.accuracy, "accuracy"));
  } else if (!rep.error) {
    parts.push(el("p", "No run has finished yet.", { class: "note" }));
  }
  if (rep.delta) {
    parts.push(el("p", "Paired difference to the baseline, points (same episodes; two-sided paired t-test).", { class: "note" }));
    parts.push(table(rep.delta, "delta"));
  }
  if (rep.missing && rep.missing.length) parts.push(el("p", "Not finished yet: " + rep.missing.join(", ") + ".", { class: "note" }));
  const plots = el("div", null, { class: "plots" });
  for (const p of rep.plots || []) {
    plots.append(el("img", null, { src: "plot/" + encodeURIComponent(p) + ".svg?v=" + Date.now(), alt: p }));
  }
  parts.push(plots);
  box.replaceChildren(...parts);
}

function table(t, id) {
  const tab = el("table", null, { id });
  const head = el("tr");
  head.append(...t.header.map((h) => el("th", h)));
  tab.append(el("thead"), el("tbody"));
  tab.tHead.append(head);
  for (const row of t.rows) {
    const tr = el("tr");
    tr.append(...row.map((c) => el("td", c, c.endsWith(" *") ? { class: "best" } : {})));
    tab.tBodies[0].append(tr);
  }
  return tab;
}

document.addEventListener("DOMContentLoaded", () => {
  const page = document.body.dataset.page;
  if (page === "experiments") experimentsPage();
  if (page === "experiment") experimentPage("");
  if (page === "run") experimentPage(document.body.dataset.run);
});
