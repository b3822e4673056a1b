/** The bin's settings from its environment; a bad value is an Error naming the variable. */
export function devInboxSettings(env: NodeJS.ProcessEnv): { httpPort: number; smtpPort: number; host: string } {
  const port = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value > 65_535) throw new Error(`${name} must be a port number (0-65535), got ${JSON.stringify(raw)}`);
    return value;
  };
  const host = env.FRAISEQL_DEV_INBOX_HOST?.trim() || '127.0.0.1';
  return { httpPort: port('FRAISEQL_DEV_INBOX_HTTP_PORT', 8025), smtpPort: port('FRAISEQL_DEV_INBOX_SMTP_PORT', 1025), host };
}
