import * as path from "path";
import { platformStacks } from "../../esc/needs";
import { offlineStackSettings } from "../../commands/plan/offlineSettings";
import type { StackSettings } from "../../stacks/settings";

export const ROOT = path.resolve(__dirname, "..", "..");

/** The stacks of the project, in promotion order, then any others by name. */
export function projectStacks(projectDir = ROOT): string[] {
    const order = ["dev", "staging", "prod"];
    const rank = (s: string) => (order.includes(s) ? order.indexOf(s) : order.length);
    return platformStacks(projectDir).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Each stack's validated settings, read offline as the plan reads them. */
export function stackSettings(projectDir = ROOT): StackSettings[] {
    return projectStacks(projectDir).map((stack) => offlineStackSettings(projectDir, stack));
}
