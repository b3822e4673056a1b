/**
 * How interpolated values (`{{ … }}`) are escaped, by where the rendered text goes
 * (docs/observers.md, "Templates"). Literal template text is never escaped: the author wrote it.
 */
export type TemplateTarget =
  /** A JSON document: every value JSON-encoded (`<`, `>`, `&`, U+2028/9 as \u escapes), so the result is JSON whatever the data. */
  | 'json'
  /** Slack mrkdwn: `&`, `<`, `>` escaped, so data cannot add links or mentions. */
  | 'slack'
  /** A JSON document of Slack blocks: strings mrkdwn-escaped, then JSON-encoded. */
  | 'slack-json'
  /** HTML: `&`, `<`, `>`, `"`, `'` escaped. */
  | 'html'
  /** Plain text (a mail body, an SMS): values as they are. */
  | 'text'
  /** One line (a header value, a subject, an address, a cache key): values as they are, CR/LF refused. */
  | 'line'
  /** A URL: values percent-encoded (encodeURIComponent). */
  | 'url'
  /** Subject tokens: each value percent-encoded into one token (`.`, `*`, `>`, `~`, space too): data never adds a token or wildcard. */
  | 'topic';

const stringify = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
};

/** JSON that is safe inside HTML `<script>` too: no `<`, `>`, `&` or line separators in clear. */
export function encodeJsonValue(value: unknown): string {
  const text = JSON.stringify(value === undefined ? null : value) ?? 'null';
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** encodeURIComponent, plus the characters it leaves that mean something in a subject or a percent-decoder. */
export function encodeTopicToken(text: string): string {
  if (text === '') return '%00';
  return encodeURIComponent(text).replace(/[.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]);
}

function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)]));
  return value;
}

export const OUTPUT_ESCAPE: Readonly<Record<TemplateTarget, (value: unknown) => string>> = {
  json: encodeJsonValue,
  'slack-json': (value) => encodeJsonValue(mapStrings(value === undefined ? null : value, escapeSlack)),
  slack: (value) => escapeSlack(stringify(value)),
  html: (value) => escapeHtml(stringify(value)),
  text: stringify,
  line: stringify,
  url: (value) => encodeURIComponent(stringify(value)),
  topic: (value) => encodeTopicToken(stringify(value)),
};

/** Targets whose rendered text must parse as JSON. */
export const JSON_TARGETS: ReadonlySet<TemplateTarget> = new Set(['json', 'slack-json']);
