import { h, svg } from "./dom";

// Small charts as inline SVG built with DOM APIs; each has a text alternative (a title and a data table or
// labels), so a screen reader gets the numbers.

export interface Bar { label: string; value: number; kind?: string }

/** Horizontal bars; `max` fixes the scale (e.g. 1 for shares), else the largest value. Negative values go left of an axis. */
export function barChart(title: string, bars: Bar[], opts: { max?: number; digits?: number; id?: string } = {}): SVGSVGElement {
  const rowH = 22, labelW = 170, barW = 280, valueW = 70;
  const hasNeg = bars.some((b) => b.value < 0);
  const max = opts.max ?? Math.max(1e-9, ...bars.map((b) => Math.abs(b.value)));
  const zero = hasNeg ? labelW + barW / 2 : labelW;
  const scale = (hasNeg ? barW / 2 : barW) / max;
  const height = Math.max(rowH, bars.length * rowH) + 4;
  const chart = svg("svg", { class: "chart", role: "img", "aria-label": title, viewBox: `0 0 ${labelW + barW + valueW} ${height}`, width: labelW + barW + valueW, height, id: opts.id },
    svg("title", {}, title));
  bars.forEach((b, i) => {
    const y = i * rowH + 2;
    const w = Math.min(Math.abs(b.value) * scale, hasNeg ? barW / 2 : barW);
    const x = b.value < 0 ? zero - w : zero;
    chart.append(
      svg("text", { x: labelW - 6, y: y + 15, "text-anchor": "end", class: "chart-label" }, b.label),
      svg("rect", { x, y: y + 3, width: Math.max(w, 1), height: rowH - 8, class: `bar ${b.kind ?? (b.value < 0 ? "neg" : "pos")}`, "data-label": b.label, "data-value": b.value }),
      svg("text", { x: labelW + barW + 6, y: y + 15, class: "chart-value" }, b.value.toFixed(opts.digits ?? 2)));
  });
  if (hasNeg) chart.append(svg("line", { x1: zero, x2: zero, y1: 0, y2: height, class: "axis" }));
  return chart;
}

/** One stacked bar of shares (e.g. positive / neutral / negative), with a legend in text. */
export function stackedBar(title: string, parts: Bar[]): HTMLElement {
  const total = parts.reduce((n, p) => n + Math.max(0, p.value), 0) || 1;
  const width = 400, height = 18;
  const chart = svg("svg", { class: "chart", role: "img", "aria-label": `${title}: ${parts.map((p) => `${p.label} ${p.value}`).join(", ")}`, viewBox: `0 0 ${width} ${height}`, width, height },
    svg("title", {}, title));
  let x = 0;
  for (const p of parts) {
    const w = (Math.max(0, p.value) / total) * width;
    chart.append(svg("rect", { x, y: 0, width: w, height, class: `bar ${p.kind ?? ""}` }));
    x += w;
  }
  return h("div", { class: "stacked" }, chart,
    h("p", { class: "legend" }, ...parts.flatMap((p) => [h("span", { class: `swatch ${p.kind ?? ""}`, "aria-hidden": "true" }), ` ${p.label} ${p.value}  `])));
}
