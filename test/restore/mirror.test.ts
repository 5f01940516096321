// A failover stack must stay the platform it stands in for: the stack whose replica bucket it
// restores from. Every setting equals that stack's, except what makes it a failover (its own
// environment name, its backup regions swapped, the restore source). This is the runbook's
// monthly "the stack file is current" check, made a test (docs/05-operations/failover.md).
import { expect } from "chai";
import { backupNames } from "../../stacks/backupNames";
import { platformStacks } from "../../esc/needs";
import { offlineStackSettings } from "../../commands/plan/offlineSettings";
import { ROOT } from "../support/plan";

const stacks = platformStacks(ROOT).map((stack) => ({ stack, settings: offlineStackSettings(ROOT, stack) }));
const failovers = stacks.filter((s) => s.settings.restore);

describe("failover stacks mirror the stack they restore from", () => {
    it("there is at least one failover stack (a stack with sophia:restore)", () => {
        expect(failovers.map((f) => f.stack)).to.not.be.empty;
    });
    for (const failover of failovers) {
        const source = stacks.find(
            (s) => s.settings.backup && backupNames(s.settings.environment, s.settings.backup).replicaBucket === failover.settings.restore!.bucket,
        );

        it(`${failover.stack} restores from another stack's replica bucket`, () => {
            expect(source, `no stack's replica bucket is ${failover.settings.restore!.bucket}`).to.not.be.undefined;
            expect(source!.stack).to.not.equal(failover.stack);
        });

        it(`${failover.stack} runs in that stack's replica region and replicates back to its primary region`, () => {
            expect(failover.settings.backup!.region).to.equal(source!.settings.backup!.replicaRegion);
            expect(failover.settings.backup!.replicaRegion).to.equal(source!.settings.backup!.region);
        });

        it(`${failover.stack} has every other setting of that stack (tiers, edge, monitoring, capacity, target)`, () => {
            const comparable = ({ stack: _stack, environment: _environment, restore: _restore, backup, ...rest }: typeof failover.settings) => ({
                ...rest,
                backup: { ...backup, region: undefined, replicaRegion: undefined },
            });
            expect(comparable(failover.settings)).to.deep.equal(comparable(source!.settings));
        });
    }
});
