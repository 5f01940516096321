// Which names of the image lock a plan's images answer to: the lock names our images without the
// stack's registry and upstream ones as the code writes them, while a plan shows every image as
// pulled (ours from the registry, upstream through <registry>/mirror/<host>/<path>).
import { imagesOfPlan } from "./used";
import type { PlanFile } from "../plan/planFile";

/** The lock names an image as pulled may have: one for ours, every spelling of an upstream one. */
export function lockNamesOf(pulled: string, registries: readonly string[]): string[] {
    const image = pulled.replace(/@sha256:[0-9a-f]+$/, "");
    const registry = registries.find((r) => image.startsWith(`${r}/`));
    if (!registry) return [image];
    const rest = image.slice(registry.length + 1);
    if (!rest.startsWith("mirror/")) return [rest];
    const upstream = rest.slice("mirror/".length);
    if (!upstream.startsWith("docker.io/")) return [upstream];
    // Docker Hub: "redis:7" is docker.io/library/redis:7, "prom/prometheus:v3" is docker.io/prom/prometheus:v3.
    const onHub = upstream.slice("docker.io/".length);
    return onHub.startsWith("library/") ? [onHub.slice("library/".length), onHub, upstream] : [onHub, upstream];
}

/** Every lock name the plans' images answer to, the first spelling of each image first. */
export function lockNamesOfPlans(plans: readonly PlanFile[], registries: readonly string[]): { names: Set<string>; primary: string[] } {
    const names = new Set<string>();
    const primary = new Set<string>();
    for (const plan of plans) {
        for (const image of imagesOfPlan(plan).images) {
            const spellings = lockNamesOf(image, registries);
            primary.add(spellings[0]);
            for (const name of spellings) names.add(name);
        }
    }
    return { names, primary: [...primary].sort() };
}
