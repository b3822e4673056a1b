/** One thing the inbox caught: an HTTP request (webhook, Slack, SMS, push) or an e-mail. */
export type InboxItem = HttpItem | EmailItem;

export interface HttpItem {
  kind: 'http';
  id: string;
  receivedAt: string;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  /** The body as UTF-8 text, or base64 when it is not valid UTF-8 (`bodyEncoding`). */
  body: string;
  bodyEncoding: 'utf8' | 'base64';
}

export interface EmailItem {
  kind: 'email';
  id: string;
  receivedAt: string;
  /** SMTP envelope: every recipient, bcc included. */
  envelope: { from: string | null; to: string[] };
  from: string | null;
  to: string[];
  cc: string[];
  replyTo: string[];
  subject: string | null;
  messageId: string | null;
  text: string | null;
  html: string | null;
}
