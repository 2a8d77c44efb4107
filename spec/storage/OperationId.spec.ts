import { expect } from 'chai';
import { OperationId } from '../../src/storage/OperationId';

describe('storage: OperationId', () => {
  it('tells the first send of an id of this process once, and never for another id', () => {
    const id = OperationId.next();
    const other = OperationId.next();
    expect(OperationId.isFirstSend(id)).to.equal(true);
    expect(OperationId.isFirstSend(id), 'a second send').to.equal(false);
    expect(OperationId.isFirstSend(`${other}#2`), "a later flush's id").to.equal(false);
    expect(OperationId.isFirstSend(other)).to.equal(true);
    expect(OperationId.isFirstSend(OperationId.forKey('hook-1')), 'an idempotency key').to.equal(false);
    expect(OperationId.isFirstSend('op-1'), 'an id from elsewhere').to.equal(false);
    expect(OperationId.isFirstSend(`${id.slice(0, id.lastIndexOf('.') + 1)}zzzzzz`), 'an id not issued yet').to.equal(false);
  });

  it('counts every id issued so far as sent once it kept many apart (forgetting errs towards a lookup)', () => {
    const early = OperationId.next();
    for (let k = 0; k < 100_001; k += 1) OperationId.isFirstSend(OperationId.next());
    expect(OperationId.isFirstSend(early)).to.equal(false);
    expect(OperationId.isFirstSend(OperationId.next()), 'a new id after that').to.equal(true);
  });
});
