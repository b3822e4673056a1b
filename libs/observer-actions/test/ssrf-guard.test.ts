import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { ActionDelivery, TargetAddressPolicy, WebhookClient, type TargetAddressPolicyOptions } from '../src';
import { startLocalReceiver, type LocalReceiver } from './local-receiver';

describe('SSRF guard of HTTP actions', () => {
  let receiver: LocalReceiver;
  const deliveries: ActionDelivery[] = [];

  const webhooksWith = (ssrf: TargetAddressPolicyOptions) => {
    const delivery = new ActionDelivery({ registry: new Registry(), ssrf, http: { connectTimeoutMs: 1000 } });
    deliveries.push(delivery);
    return new WebhookClient(delivery);
  };
  const post = (client: WebhookClient, url: string) => client.deliver({ url, body: '{}', idempotencyKey: 'ssrf-test' });

  beforeAll(async () => {
    receiver = await startLocalReceiver((_req, res) => void res.writeHead(204).end());
  });

  afterAll(async () => {
    await Promise.all(deliveries.map((d) => d.close()));
    await receiver.close();
  });

  it('refuses loopback, link-local metadata, private and mapped addresses, and names resolving to loopback, without connecting', async () => {
    const client = webhooksWith({});
    const port = new URL(receiver.url).port;
    const refused: Array<[string, string]> = [
      [`http://127.0.0.1:${port}/`, 'loopback'],
      [`http://[::1]:${port}/`, 'loopback'],
      ['http://169.254.169.254/latest/meta-data/', 'cloud metadata'],
      ['http://10.1.2.3/hook', 'private'],
      ['http://192.168.1.1/hook', 'private'],
      ['http://[fe80::1]/hook', 'link-local'],
      ['http://0.0.0.0/hook', 'unspecified'],
      [`http://[::ffff:127.0.0.1]:${port}/`, 'loopback'],
      [`http://localhost:${port}/`, 'loopback'],
    ];
    for (const [url, category] of refused) {
      const outcome = await post(client, url);
      expect({ url, outcome }).toMatchObject({ url, outcome: { kind: 'permanent', code: 'FRAISEQL_ACTION_BLOCKED' } });
      expect(outcome.kind === 'permanent' && outcome.reason).toContain(category);
    }
    expect(receiver.requests).toHaveLength(0);
    expect(receiver.connections()).toBe(0);
  });

  it('lets through exactly what the allowlist names: a CIDR, a host name', async () => {
    const byCidr = webhooksWith({ allow: ['127.0.0.0/8'] });
    expect(await post(byCidr, `${receiver.url}/cidr`)).toMatchObject({ kind: 'success', status: 204 });
    // The CIDR covers 127/8 only: a private address stays refused.
    expect(await post(byCidr, 'http://10.0.0.1/')).toMatchObject({ code: 'FRAISEQL_ACTION_BLOCKED' });

    const byName = webhooksWith({ allow: ['localhost'] });
    expect(await post(byName, `http://localhost:${new URL(receiver.url).port}/name`)).toMatchObject({ kind: 'success' });
    // Allowing the name "localhost" does not allow the literal address.
    expect(await post(byName, `${receiver.url}/literal`)).toMatchObject({ code: 'FRAISEQL_ACTION_BLOCKED' });
    expect(receiver.requests.map((r) => r.url)).toEqual(['/cidr', '/name']);
  });

  it('allows ::1 only through an allowlist entry for it', async () => {
    const server = createServer((_req, res) => res.writeHead(200).end('v6'));
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    const url = `http://[::1]:${(server.address() as AddressInfo).port}/`;
    try {
      expect(await post(webhooksWith({}), url)).toMatchObject({ code: 'FRAISEQL_ACTION_BLOCKED' });
      expect(await post(webhooksWith({ allow: ['::1'] }), url)).toMatchObject({ kind: 'success', status: 200 });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('connects to the address it checked, keeping the name for the Host header (a second DNS answer is never used)', async () => {
    const answers = ['127.0.0.1', '10.9.9.9'];
    const resolved: string[] = [];
    // A rebinding name: a different answer each time it is resolved. The guard resolves once per connection.
    const resolve = async (hostname: string) => {
      resolved.push(hostname);
      return [answers[resolved.length - 1] ?? '10.9.9.9'];
    };
    const client = webhooksWith({ allow: ['127.0.0.1/32'], resolve });
    const port = new URL(receiver.url).port;
    const outcome = await post(client, `http://rebind.example.test:${port}/rebind`);
    expect(outcome).toMatchObject({ kind: 'success' });
    const received = receiver.requests.at(-1)!;
    expect(received.url).toBe('/rebind');
    expect(received.headers.host).toBe(`rebind.example.test:${port}`);
    expect(resolved).toEqual(['rebind.example.test']);
  });

  it('refuses a name when any of its addresses is blocked, whichever comes first', async () => {
    const policy = new TargetAddressPolicy({ resolve: async () => ['93.184.216.34', '127.0.0.1'] });
    await expect(policy.addressFor('mixed.example.test')).rejects.toMatchObject({ code: 'FRAISEQL_ACTION_BLOCKED' });
    expect(await new TargetAddressPolicy({ resolve: async () => ['93.184.216.34'] }).addressFor('public.example.test')).toBe(
      '93.184.216.34',
    );
    expect(new TargetAddressPolicy().blockedCategory('fd00:ec2::254')).toBe('cloud metadata');
    expect(new TargetAddressPolicy().blockedCategory('100.100.100.200')).toBe('cloud metadata');
    expect(new TargetAddressPolicy().blockedCategory('224.0.0.1')).toBe('multicast');
    expect(new TargetAddressPolicy().blockedCategory('ff02::1')).toBe('multicast');
    expect(new TargetAddressPolicy().blockedCategory('8.8.8.8')).toBeUndefined();
    expect(() => new TargetAddressPolicy({ allow: ['10.0.0.0/33'] })).toThrow(/not a valid IP address or CIDR/);
  });
});
