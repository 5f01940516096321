// Installs Pulumi's mock runtime once for the in-process tests; mocks are global to a process.
import * as runtimeSettings from "@pulumi/pulumi/runtime/settings";
import { installMonitor, RecordingMonitor } from "../../commands/plan/recorder";

export const monitor = new RecordingMonitor();
installMonitor(monitor, "sophia", "test");

/** Waits until every registration started so far has reached the monitor. */
export function settled(): Promise<void> {
    return (runtimeSettings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

/** Resources recorded under a URN whose name part starts with `prefix` (tests use unique prefixes). */
export function recordedUnder(prefix: string) {
    return monitor.recorded.filter((r) => r.name.startsWith(prefix));
}
