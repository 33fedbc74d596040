// Turns a tmux capture (text with SGR colour sequences) into an HTML page that draws the same cell grid.
// Small on purpose: aha renders faint (SGR 2) on the wrong span, and the mono theme depends on faint.

const BASE16 = [
  '#1c1c1c', '#e05561', '#8cc265', '#d18f52', '#4aa5f0', '#c162de', '#42b3c2', '#d0d0d0',
  '#80868f', '#ff616e', '#a5e075', '#f0a45d', '#4dc4ff', '#de73ff', '#4cd1e0', '#ffffff',
];
const DEFAULT_FG = '#d0d0d0';
const DEFAULT_BG = '#1c1c1c';

function color256(n: number): string {
  if (n < 16) return BASE16[n];
  if (n < 232) {
    const v = [0, 95, 135, 175, 215, 255];
    const i = n - 16;
    return `rgb(${v[Math.floor(i / 36)]},${v[Math.floor(i / 6) % 6]},${v[i % 6]})`;
  }
  const g = 8 + (n - 232) * 10;
  return `rgb(${g},${g},${g})`;
}

interface Pen {
  fg: string | null;
  bg: string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
  strike: boolean;
}

const PLAIN: Pen = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false, strike: false };

function extended(params: number[], i: number): [string | null, number] {
  if (params[i + 1] === 5) return [color256(params[i + 2] ?? 0), i + 2];
  if (params[i + 1] === 2) return [`rgb(${params[i + 2] ?? 0},${params[i + 3] ?? 0},${params[i + 4] ?? 0})`, i + 4];
  return [null, i];
}

function apply(pen: Pen, params: number[]): Pen {
  const p = { ...pen };
  if (params.length === 0) params = [0];
  for (let i = 0; i < params.length; i++) {
    const c = params[i];
    if (c === 0) Object.assign(p, PLAIN);
    else if (c === 1) p.bold = true;
    else if (c === 2) p.dim = true;
    else if (c === 3) p.italic = true;
    else if (c === 4) p.underline = true;
    else if (c === 7) p.inverse = true;
    else if (c === 9) p.strike = true;
    else if (c === 22) p.bold = p.dim = false;
    else if (c === 23) p.italic = false;
    else if (c === 24) p.underline = false;
    else if (c === 27) p.inverse = false;
    else if (c === 29) p.strike = false;
    else if (c >= 30 && c <= 37) p.fg = BASE16[c - 30];
    else if (c >= 90 && c <= 97) p.fg = BASE16[c - 90 + 8];
    else if (c === 39) p.fg = null;
    else if (c >= 40 && c <= 47) p.bg = BASE16[c - 40];
    else if (c >= 100 && c <= 107) p.bg = BASE16[c - 100 + 8];
    else if (c === 49) p.bg = null;
    else if (c === 38 || c === 48) {
      const [value, next] = extended(params, i);
      if (c === 38) p.fg = value;
      else p.bg = value;
      i = next;
    }
  }
  return p;
}

function style(pen: Pen): string {
  let fg = pen.fg ?? DEFAULT_FG;
  let bg = pen.bg;
  if (pen.inverse) [fg, bg] = [bg ?? DEFAULT_BG, fg];
  const parts = [`color:${fg}`];
  if (bg) parts.push(`background:${bg}`);
  if (pen.bold) parts.push('font-weight:bold');
  if (pen.dim) parts.push('opacity:0.6');
  if (pen.italic) parts.push('font-style:italic');
  const lines = [pen.underline ? 'underline' : '', pen.strike ? 'line-through' : ''].filter(Boolean);
  if (lines.length) parts.push(`text-decoration:${lines.join(' ')}`);
  return parts.join(';');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[([0-9;:]*)m/g;

/** The capture as rows of styled spans. */
export function ansiToHtmlRows(capture: string): string[] {
  let pen = PLAIN;
  return capture.replace(/\n$/, '').split('\n').map((line) => {
    let html = '';
    let last = 0;
    const flush = (text: string) => {
      if (text) html += `<span style="${style(pen)}">${escapeHtml(text)}</span>`;
    };
    for (const m of line.matchAll(SGR)) {
      flush(line.slice(last, m.index));
      pen = apply(pen, m[1] === '' ? [] : m[1].split(/[;:]/).map(Number));
      last = m.index + m[0].length;
    }
    // eslint-disable-next-line no-control-regex
    flush(line.slice(last).replace(/\u001b\[[0-9;?]*[A-Za-z]/g, ''));
    return html;
  });
}

export interface PageOptions {
  columns: number;
  rows: number;
  fontSizePx: number;
  lineHeightPx: number;
  paddingPx: number;
  title: string;
}

export function ansiToHtmlPage(capture: string, o: PageOptions): string {
  const rows = ansiToHtmlRows(capture).slice(0, o.rows);
  while (rows.length < o.rows) rows.push('');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(o.title)}</title>
<style>
  html, body { margin: 0; background: ${DEFAULT_BG}; }
  pre { margin: 0; padding: ${o.paddingPx}px; color: ${DEFAULT_FG}; font: ${o.fontSizePx}px/${o.lineHeightPx}px 'DejaVu Sans Mono', monospace; white-space: pre; }
  .row { height: ${o.lineHeightPx}px; overflow: hidden; width: ${o.columns}ch; }
</style></head>
<body><pre>${rows.map((r) => `<div class="row">${r}</div>`).join('')}</pre></body></html>
`;
}
