import type { EmailOptions } from './email-client';

/** `smtp://[user:password@]host[:port]` (STARTTLS when offered; port 25 by default) or `smtps://…` (TLS, port 465). */
export function emailOptionsFromUrl(url: string, from: string): EmailOptions {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : secure ? 465 : 25,
    secure,
    ...(parsed.username ? { auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } } : {}),
    from,
  };
}
