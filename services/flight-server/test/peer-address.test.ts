import { peerAddress } from '../src/rate-limited-calls';

describe('peerAddress', () => {
  it.each([
    ['127.0.0.1:38180', '127.0.0.1'],
    ['ipv4:10.1.2.3:51234', '10.1.2.3'],
    ['[::1]:40000', '::1'],
    ['ipv6:[2001:db8::7]:443', '2001:db8::7'],
    ['[::ffff:127.0.0.1]:5', '::ffff:127.0.0.1'],
    ['unix:/tmp/flight.sock', 'unix:/tmp/flight.sock'],
  ])('counts %s as the address %s, whatever its port', (peer, address) => {
    expect(peerAddress(peer)).toBe(address);
  });
});
