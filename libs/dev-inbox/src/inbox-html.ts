import type { InboxItem } from './inbox-item';

/** Everything shown is untrusted (what rules rendered from data): every value goes through this. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE =
  'body{font:14px system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;width:100%}' +
  'td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}pre{background:#f6f6f6;padding:1rem;' +
  'white-space:pre-wrap;word-break:break-all}.k{color:#666;font-size:12px}';

function page(title: string, body: string): string {
  // No script, and a CSP that forbids any: a caught body can never run in the viewer's browser.
  return (
    `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">` +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`
  );
}

function summary(item: InboxItem): string {
  return item.kind === 'http' ? `${item.method} ${item.path}` : `${item.subject ?? '(no subject)'} → ${item.envelope.to.join(', ')}`;
}

export function renderInboxList(items: readonly InboxItem[]): string {
  const rows = items
    .map(
      (item) =>
        `<tr><td class="k">${escapeHtml(item.receivedAt)}</td><td>${escapeHtml(item.kind)}</td>` +
        `<td><a href="/inbox/${escapeHtml(item.id)}">${escapeHtml(summary(item))}</a></td></tr>`,
    )
    .join('');
  const empty = '<p>Nothing yet. Ship an order (see the banner of <code>npm start</code>) and reload.</p>';
  return page(
    'FraiseQL dev inbox',
    `<h1>FraiseQL dev inbox</h1><p class="k">What observer rules sent: webhooks, Slack, SMS, push (HTTP) and e-mail (SMTP). ` +
      `Newest first; JSON at <a href="/api/items">/api/items</a>.</p>` +
      (items.length === 0 ? empty : `<table><tr><th>received</th><th>kind</th><th>what</th></tr>${rows}</table>`),
  );
}

export function renderInboxItem(item: InboxItem): string {
  const details =
    item.kind === 'http'
      ? `<h2>${escapeHtml(item.method)} ${escapeHtml(item.path)}${item.query ? '?' + escapeHtml(item.query) : ''}</h2>` +
        `<h3>Headers</h3><pre>${escapeHtml(
          Object.entries(item.headers)
            .map(([k, v]) => `${k}: ${v}`)
            .join('\n'),
        )}</pre>` +
        `<h3>Body (${escapeHtml(item.bodyEncoding)})</h3><pre>${escapeHtml(prettyJson(item.body))}</pre>`
      : `<h2>${escapeHtml(item.subject ?? '(no subject)')}</h2><pre>${escapeHtml(
          [
            `From: ${item.from ?? ''}`,
            `To: ${item.to.join(', ')}`,
            `Cc: ${item.cc.join(', ')}`,
            `Reply-To: ${item.replyTo.join(', ')}`,
            `Envelope to (bcc included): ${item.envelope.to.join(', ')}`,
            `Message-ID: ${item.messageId ?? ''}`,
          ].join('\n'),
        )}</pre><h3>Text</h3><pre>${escapeHtml(item.text ?? '')}</pre><h3>HTML (source, not rendered)</h3><pre>${escapeHtml(item.html ?? '')}</pre>`;
  return page(summary(item), `<p><a href="/inbox">← inbox</a> <span class="k">${escapeHtml(item.receivedAt)}</span></p>${details}`);
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
