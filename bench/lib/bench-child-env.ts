/** The parent's environment without anything that would change how a server under test behaves. */
export function benchChildEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('FRAISEQL_') || key.startsWith('OTEL_') || key.startsWith('BENCH_') || key === 'DEBUG' || key === 'NODE_OPTIONS')
      continue;
    env[key] = value;
  }
  return env;
}
