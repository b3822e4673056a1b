import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { startTelemetry, tracesEndpoint } from '../src';

describe('startTelemetry', () => {
  afterEach(() => {
    // NodeSDK registers global providers; reset them so other tests see the no-op api.
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('stays a no-op without an OTLP endpoint, or when OTEL_SDK_DISABLED=true', async () => {
    const none = startTelemetry({ service: 'gateway', env: {} });
    expect(none.enabled).toBe(false);
    await none.shutdown();
    const disabled = startTelemetry({
      service: 'gateway',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_SDK_DISABLED: 'true' },
    });
    expect(disabled.enabled).toBe(false);
    expect(trace.getTracer('t').startSpan('x').spanContext().traceFlags).toBe(0);
  });

  it('derives the traces URL from the standard variables', () => {
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe('http://collector:4318/v1/traces');
    expect(
      tracesEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:9999/traces',
      }),
    ).toBe('http://other:9999/traces');
    expect(tracesEndpoint({})).toBeUndefined();
  });

  it('exports spans over OTLP/HTTP with the service name from OTEL_SERVICE_NAME', async () => {
    const bodies: { url: string; body: string }[] = [];
    const collector: Server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        bodies.push({ url: request.url ?? '', body });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = collector.address() as AddressInfo;
      const { OTEL_SDK_DISABLED: _ignored, ...parentEnv } = process.env;
      const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'telemetry-child.ts')], {
        env: { ...parentEnv, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: 'gateway-canary' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const { enabled, traceId } = JSON.parse(stdout);
      expect(enabled).toBe(true);

      expect(bodies.map((b) => b.url)).toContain('/v1/traces');
      const exported = bodies.map((b) => b.body).join('\n');
      expect(exported).toContain('handle-query');
      expect(exported).toContain('gateway-canary');
      expect(exported).toContain('1.2.3');
      expect(exported.toLowerCase()).toContain(traceId);
    } finally {
      await new Promise<void>((resolve) => collector.close(() => resolve()));
    }
  });
});
