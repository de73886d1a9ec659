import type { AnalysisIssue, AnalysisResult, IssueCategory, ReportMeta } from './analysis-types.js';

/** Report sections, in the order a reader should work through them. */
const CATEGORY_HEADINGS: readonly [IssueCategory, string][] = [
  ['unsupported_feature', 'Unsupported features'],
  ['unsupported_datatype', 'Unsupported data types'],
  ['unsupported_plpgsql', 'Unsupported constructs in functions and procedures'],
  ['migration_caveat', 'Migration caveats'],
  ['performance', 'Performance advice'],
];

/**
 * Renders an analysis as the report files of `reports/`: `json` (the result plus `meta`), `txt`
 * (plain text grouped by category) or `html` (one self-contained page).
 */
export function renderAnalysisReport(result: AnalysisResult, format: 'html' | 'json' | 'txt', meta: ReportMeta): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify({ meta, ...result }, null, 2)}\n`;
    case 'txt':
      return renderText(result, meta);
    case 'html':
      return renderHtml(result, meta);
  }
}

function groupByCategory(issues: readonly AnalysisIssue[]): [string, AnalysisIssue[]][] {
  return CATEGORY_HEADINGS.map(([category, heading]): [string, AnalysisIssue[]] => [heading, issues.filter((i) => i.category === category)]).filter(
    ([, list]) => list.length > 0,
  );
}

function metaLines(result: AnalysisResult, meta: ReportMeta): [string, string][] {
  const lines: [string, string][] = [];
  if (meta.migrationUuid) lines.push(['Migration UUID', meta.migrationUuid]);
  if (meta.sourceDbType) lines.push(['Source database type', meta.sourceDbType]);
  if (meta.sourceDbName) lines.push(['Source database name', meta.sourceDbName]);
  lines.push(['Target YugabyteDB version', result.targetDbVersion]);
  lines.push(['Analyzed at', result.analyzedAt]);
  return lines;
}

function renderText(result: AnalysisResult, meta: ReportMeta): string {
  const out: string[] = ['Schema analysis report', '======================', ''];
  for (const [k, v] of metaLines(result, meta)) out.push(`${k}: ${v}`);
  out.push('', 'Summary', '-------');
  const width = Math.max(11, ...result.summary.map((s) => s.objectType.length));
  out.push(`${'Object type'.padEnd(width)}  ${'Total'.padStart(6)}  ${'Invalid'.padStart(7)}`);
  for (const s of result.summary) out.push(`${s.objectType.padEnd(width)}  ${String(s.total).padStart(6)}  ${String(s.invalid).padStart(7)}`);
  out.push('', `Issues: ${result.issues.length}`);
  if (result.parseErrors.length > 0) {
    out.push('', 'Files that did not parse', '------------------------');
    for (const e of result.parseErrors) out.push(`${e.file}:${e.line}: ${e.message}`);
  }
  for (const [heading, issues] of groupByCategory(result.issues)) {
    out.push('', `${heading} (${issues.length})`, '-'.repeat(heading.length + String(issues.length).length + 3));
    for (const issue of issues) {
      out.push(
        '',
        `* ${issue.title} [${issue.ruleId}]`,
        `  Object:     ${issue.objectType} ${issue.objectName}`,
        `  Location:   ${issue.file}:${issue.line}`,
        `  Applies to: ${issue.appliesTo}`,
        `  Suggestion: ${issue.suggestion}`,
      );
      if (issue.docsLink) out.push(`  Docs:       ${issue.docsLink}`);
      out.push('  Statement:', ...issue.statement.split('\n').map((l) => `    ${l}`));
    }
  }
  if (result.issues.length === 0) out.push('', 'No issues found.');
  return `${out.join('\n')}\n`;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function renderHtml(result: AnalysisResult, meta: ReportMeta): string {
  const e = escapeHtml;
  const parts: string[] = [];
  parts.push(
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Schema analysis report</title>',
    '<style>',
    'body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1200px}',
    'table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}',
    'th{background:#f3f3f3}pre{background:#f7f7f7;padding:.5rem;overflow-x:auto;white-space:pre-wrap;margin:.3rem 0}',
    '.issue{border-left:4px solid #c0392b;padding:.2rem 1rem;margin:1rem 0}.performance{border-left-color:#e1a100}',
    '.migration_caveat{border-left-color:#2d7dd2}.muted{color:#666}',
    '</style></head><body>',
    '<h1>Schema analysis report</h1>',
    '<table>',
  );
  for (const [k, v] of metaLines(result, meta)) parts.push(`<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`);
  parts.push('</table>', '<h2>Summary</h2>', '<table><tr><th>Object type</th><th>Total</th><th>Invalid</th><th>Objects</th></tr>');
  for (const s of result.summary) {
    parts.push(`<tr><td>${e(s.objectType)}</td><td>${s.total}</td><td>${s.invalid}</td><td>${e(s.names.join(', '))}</td></tr>`);
  }
  parts.push('</table>', `<p>${result.issues.length} issue(s) found.</p>`);
  if (result.parseErrors.length > 0) {
    parts.push('<h2>Files that did not parse</h2><ul>');
    for (const p of result.parseErrors) parts.push(`<li><code>${e(p.file)}:${p.line}</code> ${e(p.message)}</li>`);
    parts.push('</ul>');
  }
  for (const [heading, issues] of groupByCategory(result.issues)) {
    parts.push(`<h2>${e(heading)} (${issues.length})</h2>`);
    for (const issue of issues) {
      parts.push(
        `<div class="issue ${e(issue.category)}">`,
        `<h3>${e(issue.title)} <span class="muted">[${e(issue.ruleId)}]</span></h3>`,
        `<p><b>${e(issue.objectType)}</b> ${e(issue.objectName)} &middot; <code>${e(issue.file)}:${issue.line}</code> &middot; applies to ${e(issue.appliesTo)}</p>`,
        `<pre>${e(issue.statement)}</pre>`,
        `<p>${e(issue.suggestion)}</p>`,
      );
      if (issue.docsLink) parts.push(`<p><a href="${e(issue.docsLink)}">Documentation</a></p>`);
      parts.push('</div>');
    }
  }
  parts.push('</body></html>', '');
  return parts.join('\n');
}
