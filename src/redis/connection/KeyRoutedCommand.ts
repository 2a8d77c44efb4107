import { Command } from 'ioredis';

/**
 * A command without keys of its own (`WAIT`) that a Cluster client sends to
 * the master owning `routingKey`'s slot, following redirections like any
 * keyed command; a single-node client ignores the routing.
 */
export class KeyRoutedCommand extends Command {
  constructor(
    name: string,
    args: Array<string | number>,
    private readonly routingKey: string,
  ) {
    super(name, args, { replyEncoding: 'utf8' });
  }

  /** The key whose slot decides the node (read by ioredis's Cluster routing). */
  override getKeys(): Array<string | Buffer> {
    return [this.routingKey];
  }
}
