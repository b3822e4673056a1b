// Highlights: ts_headline over the stored text, which is HTML-escaped when indexed (extractSearchText). The
// match markers are control characters (never in the stored text: they become spaces there), turned into
// <em>/</em> here, after a last pass that escapes anything that is not one of our own entities.

const START = '\u0001';
const STOP = '\u0002';
const DELIMITER = '\u0003';

/** Up to 3 fragments of 10 to 30 words around the matches; ShortWord=0 keeps short words (`Ltd`) at a fragment's ends. */
export const HEADLINE_OPTIONS =
  `StartSel=${START}, StopSel=${STOP}, FragmentDelimiter=${DELIMITER}, ` + 'MaxFragments=3, MaxWords=30, MinWords=10, ShortWord=0';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * The fragments of a headline that hold a match, with `<em>…</em>` around each match. Everything else is escaped
 * text: a `&` that does not start one of escapeHtml's entities (a fragment may end inside one) is escaped again,
 * and `<`, `>` and quotes cannot survive at all.
 */
export function toHighlights(headline: string | null): string[] {
  if (!headline) return [];
  const highlights: string[] = [];
  for (const fragment of headline.split(DELIMITER)) {
    if (!fragment.includes(START)) continue;
    const safe = fragment
      .replace(/&(?!(?:amp|lt|gt|quot|#39);)/g, '&amp;')
      .replace(/[<>"']/g, (c) => HTML_ESCAPES[c]!)
      .replace(/\s+/g, ' ')
      .trim()
      .replaceAll(START, '<em>')
      .replaceAll(STOP, '</em>');
    highlights.push(safe);
  }
  return highlights;
}
