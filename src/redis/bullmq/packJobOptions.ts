import { Packr } from 'msgpackr';

/** Packs like BullMQ's queue backend: records off, `undefined` as nil. */
const packer = new Packr({ useRecords: false, encodeUndefinedAsNil: true });

/**
 * Job options as BullMQ packs them for its add script (a msgpack map), for
 * a script that appends the job id member and hands them to that add
 * script itself (`applyAtomically.lua`), so it decodes and re-packs nothing.
 */
export function packJobOptions(options: object): Buffer {
  return packer.pack(options);
}
