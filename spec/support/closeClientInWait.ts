import { Redis } from 'ioredis';
import { waitFor } from './waitFor';

/**
 * Waits until a client of the server on `port` is blocked in `WAIT` after
 * its write landed (`written` holds, asked through a connection of this
 * helper's own), then has the server close every other client connection,
 * as a primary killed while its replicas were catching up closes them.
 * Returns how many connections the server closed.
 */
export async function closeClientInWait(port: number, written: (redis: Redis) => Promise<boolean>): Promise<number> {
  const observer = new Redis(port, '127.0.0.1');
  try {
    await waitFor('a client blocked in WAIT after its write', async () => {
      const clients = (await observer.call('CLIENT', 'LIST', 'TYPE', 'normal')) as string;
      return (await written(observer)) && / cmd=wait /.test(clients);
    });
    return (await observer.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes')) as number;
  } finally {
    observer.disconnect();
  }
}
