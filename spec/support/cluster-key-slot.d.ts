/** Types of ioredis's own dependency, used by specs to check Redis Cluster slots. */
declare module 'cluster-key-slot' {
  /** The Redis Cluster hash slot (0..16383) of `key`, honouring `{hash tags}`. */
  function calculateSlot(key: string | Buffer): number;
  export = calculateSlot;
}
