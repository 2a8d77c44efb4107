import { expect } from 'chai';
import { Type } from 'class-transformer';
import { IsInt, IsString, Min, MinLength, ValidateNested } from 'class-validator';
import { KwargsValidationError, Task, TriggerTask } from '../../src';
import type { Kwargs, TaskContext } from '../../src';
import { expectInstance } from '../../src/testing';
import { fireAll, newSession } from '../support/fixtures';

class CoreSpecAddressDto {
  @IsString()
  city!: string;
}

class CoreSpecSubjectDto {
  @IsString()
  @MinLength(2)
  name!: string;

  @IsInt()
  @Min(1)
  age!: number;

  @ValidateNested()
  @Type(() => CoreSpecAddressDto)
  address!: CoreSpecAddressDto;

  describe(): string {
    return `${this.name} (${this.age}) from ${this.address.city}`;
  }
}

@TriggerTask({ name: 'CoreSpecValidates' })
export class CoreSpecValidates extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    const subject = await ctx.validate('subject', CoreSpecSubjectDto);
    return {
      isDto: subject instanceof CoreSpecSubjectDto,
      isAddressDto: subject.address instanceof CoreSpecAddressDto,
      text: subject.describe(),
    };
  }
}

@TriggerTask({ name: 'CoreSpecValidatesMissing' })
export class CoreSpecValidatesMissing extends Task {
  async run(ctx: TaskContext): Promise<void> {
    await ctx.validate('neverFired', CoreSpecSubjectDto);
  }
}

@TriggerTask({ name: 'CoreSpecCatchesValidation' })
export class CoreSpecCatchesValidation extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    try {
      await ctx.validate('subject', CoreSpecSubjectDto);
      return { caught: null };
    } catch (error) {
      return { caught: (error as Error).constructor.name, message: (error as Error).message };
    }
  }
}

@TriggerTask({ name: 'CoreSpecReadsContext' })
export class CoreSpecReadsContext extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    const instance = await ctx.instance();
    return { uid: ctx.uid, instanceName: ctx.instanceName, fresh: instance.name, status: instance.status };
  }
}

/** Reports progress 50 then { step: 'upload', of: 3 }, and what the instance held in between. */
@TriggerTask({ name: 'CoreSpecReportsProgress' })
export class CoreSpecReportsProgress extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    await ctx.progress(50);
    const half = (await ctx.instance()).metadata.progress;
    await ctx.progress({ step: 'upload', of: 3 });
    return { half: half as number };
  }
}

/** Reports the progress given in its kwargs and returns what was refused. */
@TriggerTask({ name: 'CoreSpecBadProgress' })
export class CoreSpecBadProgress extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    const refused: string[] = [];
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, 'half', [1, 2], null, { at: () => 1 }]) {
      try {
        await ctx.progress(value as never);
      } catch (error) {
        refused.push(`${(error as Error).constructor.name}: ${(error as Error).message}`);
      }
    }
    return { refused };
  }
}

describe('tasks: TaskContext', () => {
  describe('progress(value)', () => {
    it('records the last progress on the instance, with the time it was reported', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecReportsProgress' } });
      await fireAll(manager, ['go']);
      const instance = await expectInstance(manager, 't_a#0').finished({ half: 50 });
      expect(instance.metadata.progress).to.deep.equal({ step: 'upload', of: 3 });
      expect(Date.parse(instance.metadata.progressAt as string)).to.be.at.least(Date.parse(instance.metadata.timestamps?.running as string));
    });

    it('refuses anything but a finite number or a JSON object with InvalidKwargsError, recording nothing', async () => {
      const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecBadProgress' } });
      await fireAll(manager, ['go']);
      const instance = await expectInstance(manager, 't_a#0').finished();
      const refused = (instance.metadata.result as { refused: string[] }).refused;
      expect(refused).to.have.length(6);
      for (const line of refused) expect(line).to.match(/^InvalidKwargsError: progress of instance "t_a#0"/);
      expect(refused[2]).to.contain('a string');
      expect(refused[3]).to.contain('an array');
      expect(instance.metadata.progress).to.equal(undefined);
    });
  });

  describe('validate(trigger, Dto)', () => {
    it('returns an instance of the DTO (nested DTOs included) built from the trigger kwargs', async () => {
      const { manager } = await newSession({ t_a: { after: ['subject'], run: 'CoreSpecValidates' } });
      await fireAll(manager, [['subject', { name: 'Ada', age: 36, address: { city: 'London' } }]]);
      await expectInstance(manager, 't_a#0').finished({ isDto: true, isAddressDto: true, text: 'Ada (36) from London' });
    });

    it('validates withParams merged under the kwargs', async () => {
      const { manager } = await newSession({
        t_a: { after: ['subject'], run: 'CoreSpecValidates', withParams: { subject: { address: { city: 'Paris' } } } },
      });
      await fireAll(manager, [['subject', { name: 'Ada', age: 36 }]]);
      await expectInstance(manager, 't_a#0').finished({ isDto: true, isAddressDto: true, text: 'Ada (36) from Paris' });
    });

    it('fails the instance with KwargsValidationError listing every failed property', async () => {
      const { manager } = await newSession({ t_a: { after: ['subject'], run: 'CoreSpecValidates' } });
      await fireAll(manager, [['subject', { name: 'A', age: 0, address: { city: 7 } }]]);
      const instance = await expectInstance(manager, 't_a#0').failed(KwargsValidationError);
      const info = instance.metadata.exceptionInfo as string;
      expect(info).to.contain('"subject"').and.to.contain('t_a#0');
      expect(info).to.match(/name: name must be longer than or equal to 2 characters/);
      expect(info).to.match(/age: age must not be less than 1/);
      expect(info).to.match(/address\.city: city must be a string/);
    });

    it('names a trigger that brought no kwargs', async () => {
      const { manager } = await newSession({ t_a: { after: ['subject'], run: 'CoreSpecValidatesMissing' } });
      await fireAll(manager, [['subject', {}]]);
      const instance = await expectInstance(manager, 't_a#0').failed(KwargsValidationError);
      expect(instance.metadata.exceptionInfo).to.contain('"neverFired"');
    });

    it('throws a KwargsValidationError the task can catch', async () => {
      const { manager } = await newSession({ t_a: { after: ['subject'], run: 'CoreSpecCatchesValidation' } });
      await fireAll(manager, [['subject', { name: 'A', address: { city: 'Oslo' } }]]);
      const instance = await expectInstance(manager, 't_a#0').finished();
      expect(instance.metadata.result).to.include({ caught: 'KwargsValidationError' });
      expect((instance.metadata.result as { message: string }).message).to.contain('name:').and.to.contain('age:');
    });
  });

  it('exposes the uid, the instance name and fresh instance state', async () => {
    const { manager } = await newSession({ t_a: { after: ['go'], run: 'CoreSpecReadsContext' } });
    await fireAll(manager, ['go']);
    await expectInstance(manager, 't_a#0').finished({
      uid: manager.storage.uid,
      instanceName: 't_a#0',
      fresh: 't_a#0',
      status: 'running',
    });
  });
});
