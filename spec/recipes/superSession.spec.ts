import { expect } from 'chai';
import { Task, TriggerTask, getManager } from '../../src';
import type { Kwargs, TaskContext } from '../../src';
import { ThreadingTaskRunner, createTestContainer, expectInstance, expectUnresolvedTasks } from '../../src/testing';

/**
 * A recipe (docs/firing.md): namespaced "super sessions". Each questionnaire is
 * its own session; an applicant who fills several of them also has a
 * session of their own, `applicant:<id>`, managed by a second manager that a
 * task builds from the container it runs in. The super session waits for
 * every questionnaire of the applicant, whatever the order, on any worker.
 */

/** Fires `<questionnaire>Done` into the applicant's super session, with what the questionnaire imported. */
@TriggerTask({ name: 'RecipeSpecReportToApplicant' })
class RecipeSpecReportToApplicant extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    const { applicantId, questionnaire, score } = ctx.triggerKwargs.questionnaireComplete as {
      applicantId: number;
      questionnaire: string;
      score: number;
    };
    const applicant = getManager(ctx.manager.container, `applicant:${applicantId}`, { manager: ctx.manager.typeName });
    await applicant.fire(`${questionnaire}Done`, { session: ctx.uid, score });
    return { reportedTo: applicant.storage.uid };
  }
}
void RecipeSpecReportToApplicant;

const questionnaireConfig = {
  t_report: { after: ['questionnaireComplete'], run: 'RecipeSpecReportToApplicant' },
};

const applicantConfig = {
  t_shortlist: { after: ['motivationDone', 'skillsDone'], run: 'PassThruTask' },
};

describe('recipe: namespaced super sessions over a uid like applicant:42', () => {
  it('tasks of several sessions fire into the applicant session, which runs once all of them reported', async () => {
    const container = createTestContainer();
    const applicant = getManager(container, 'applicant:42');
    await applicant.updateConfiguration(applicantConfig);
    const motivation = getManager(container, 'applicant:42/motivation');
    const skills = getManager(container, 'applicant:42/skills');
    for (const session of [motivation, skills]) await session.updateConfiguration(questionnaireConfig);

    await skills.fire('questionnaireComplete', { applicantId: 42, questionnaire: 'skills', score: 7 });
    await ThreadingTaskRunner.joinAll();
    await expectInstance(applicant, 't_shortlist#0').unstarted();

    await motivation.fire('questionnaireComplete', { applicantId: 42, questionnaire: 'motivation', score: 9 });
    await ThreadingTaskRunner.joinAll();
    await expectInstance(motivation, 't_report#0').finished({ reportedTo: 'applicant:42' });
    await expectInstance(applicant, 't_shortlist#0').finished({
      motivationDone: { session: 'applicant:42/motivation', score: 9 },
      skillsDone: { session: 'applicant:42/skills', score: 7 },
    });
    await expectUnresolvedTasks(applicant, []);
  });

  it('keeps the sessions apart: the super session’s triggers reach no questionnaire, nor one applicant another', async () => {
    const container = createTestContainer();
    const questionnaire = getManager(container, 'applicant:7/motivation');
    await questionnaire.updateConfiguration(questionnaireConfig);
    for (const uid of ['applicant:7', 'applicant:8']) await getManager(container, uid).updateConfiguration(applicantConfig);

    await questionnaire.fire('questionnaireComplete', { applicantId: 7, questionnaire: 'motivation', score: 1 });
    await ThreadingTaskRunner.joinAll();
    expect(Object.keys(await getManager(container, 'applicant:7').storage.getLatestKwargs())).to.deep.equal(['motivationDone']);
    expect(await getManager(container, 'applicant:8').storage.getLatestKwargs()).to.deep.equal({});
    expect(Object.keys(await questionnaire.storage.getLatestKwargs()).sort()).to.deep.equal(['questionnaireComplete', 't_report']);
  });
});
