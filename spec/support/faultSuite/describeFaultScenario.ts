import { expect } from 'chai';
import type { FaultReport, FaultScenarioOptions } from './FaultScenario';
import { FaultScenario } from './FaultScenario';
import { formatFigures } from './FaultFigures';

/**
 * One seeded scenario run in `before`, then one case per check, so each
 * failure shows its own figure and the examples behind it.
 */
export function describeFaultScenario(title: string, options: FaultScenarioOptions, timeoutMs = 150_000): void {
  describe(title, function () {
    this.timeout(timeoutMs);
    let report: FaultReport;

    before(async function () {
      this.timeout(timeoutMs);
      report = await FaultScenario.run(options);
      process.stdout.write(`      seed ${options.seed}:\n${formatFigures(report.figures).replace(/^/gm, '    ')}\n`);
      if (report.examples.length > 0) process.stdout.write(`${report.examples.map((line) => `        ${line}`).join('\n')}\n`);
    });

    const because = (): string => report.examples.join('\n');

    it('injected every fault it was asked for, mid-stream, and every fire was acknowledged in the end', () => {
      const { figures } = report;
      expect(figures.redisRestarts).to.equal(options.redisRestarts);
      expect(figures.masterKills).to.equal(options.cluster?.masterKills ?? 0);
      expect(figures.primaryKills).to.equal(options.primaryKills ?? 0);
      expect(figures.primaryKillsMidStream, 'primaries killed while fires were outstanding').to.equal(options.primaryKills ?? 0);
      expect(figures.workerKills).to.equal(options.workerKills);
      expect(figures.producerKills).to.equal(options.producerKills);
      if (options.duplicateBatches > 0) expect(figures.duplicateDeliveries).to.be.greaterThan(0);
      expect(figures.forgedJobs).to.be.at.least(5 * options.forgedBatches);
      expect(figures.producerErrors, because()).to.equal(0);
      expect(figures.acknowledged).to.equal(figures.fires);
    });

    it('applies every acknowledged fire: acknowledged fires lost = 0', () => {
      expect(report.figures.countedAcknowledged).to.be.greaterThan(0);
      expect(report.figures.lost, because()).to.equal(0);
    });

    it('applies every fire at most once, re-sent or not: fires applied twice = 0', () => {
      expect(report.figures.doubled, because()).to.equal(0);
    });

    it('leaves no instance scheduled or running once settled: stuck = 0', () => {
      expect(report.figures.stuck, because()).to.equal(0);
    });

    it('runs a task twice only when the worker running it died: tasks run twice without a dead worker = 0', () => {
      // At least one run per counted fire (each leaves an andEvery instance that runs).
      expect(report.figures.taskRuns).to.be.at.least(report.figures.countedAcknowledged);
      expect(report.figures.ranTwiceWithoutDeadWorker, because()).to.equal(0);
    });

    it('fails an instance with WorkerLostError only when a worker died: WorkerLostError without a dead worker = 0', () => {
      expect(report.figures.workerLostWithoutDeadWorker, because()).to.equal(0);
    });

    it('refuses every forged job: forged jobs not refused = 0', () => {
      expect(report.figures.forgedNotRefused, because()).to.equal(0);
    });

    it('ends every session in the state the same fires reach in memory: sessions differing = 0', () => {
      expect(report.figures.sessionsDiffering, because()).to.equal(0);
    });

    it("keeps the directory's counts per task and status equal to the records: directory counts differing = 0", () => {
      expect(report.figures.countsDiffering, because()).to.equal(0);
    });

    it("keeps the directory's listings of scheduled, running and failed instances equal to the records: directory listings differing = 0", () => {
      expect(report.figures.listedDiffering, because()).to.equal(0);
    });
  });
}
