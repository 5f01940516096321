// Installs Pulumi's mock runtime once for the in-process tests; mocks are global to a process.
import * as runtimeSettings from "@pulumi/pulumi/runtime/settings";
import { installMonitor, RecordingMonitor } from "../../commands/plan/recorder";

export const monitor = new RecordingMonitor();
installMonitor(monitor, "sophia", "test");

/**
 * Forgets what the monitor recorded once a run of the suite ends. StrykerJS's mocha runner runs the
 * loaded suite again in this process for every mutant: without this, a test would find its own
 * resources twice (its run's and the dry run's), or check the dry run's copy instead of the mutant's.
 */
export const mochaHooks = {
    async afterAll(): Promise<void> {
        await settled();
        monitor.recorded.length = 0;
        monitor.outputs.clear();
        monitor.secretMapKeys.clear();
    },
};

/** Waits until every registration started so far has reached the monitor. */
export function settled(): Promise<void> {
    return (runtimeSettings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

/** Resources recorded under a URN whose name part starts with `prefix` (tests use unique prefixes). */
export function recordedUnder(prefix: string) {
    return monitor.recorded.filter((r) => r.name.startsWith(prefix));
}
