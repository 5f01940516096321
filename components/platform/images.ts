import { withDigest } from "../../catalog/imageLock";

/**
 * Where a workload's image is pulled from. Images of our own already name the stack's registry;
 * upstream images (postgres, jaeger, nginx…) are pulled through the registry's mirror, a
 * pull-through cache at <registry>/mirror/<upstream host>/<path>, so every node pulls from one
 * approved registry and upstream outages or rate limits do not stop a deployment.
 */
export function imageFrom(registry: string, image: string, digests: Readonly<Record<string, string>> = {}): string {
    const pinned = withDigest(image, digests[lockKey(registry, image)]);
    if (pinned.startsWith(`${registry}/`)) return pinned;
    return mirrored(registry, pinned);
}

/** How the image lock names an image: our own without the stack's registry, upstream ones as written. */
export const lockKey = (registry: string, image: string): string => (image.startsWith(`${registry}/`) ? image.slice(registry.length + 1) : image);

function mirrored(registry: string, image: string): string {
    const [first, ...rest] = image.split("/");
    const namesHost = rest.length > 0 && (first.includes(".") || first.includes(":") || first === "localhost");
    if (namesHost) return `${registry}/mirror/${first}/${rest.join("/")}`;
    // Docker Hub: "redis:7" is library/redis, "prom/pushgateway" is itself.
    return `${registry}/mirror/docker.io/${rest.length === 0 ? `library/${first}` : image}`;
}

/** The mirror of one upstream registry host inside the stack's registry: <registry>/mirror/<host>. */
export const mirrorOf = (registry: string, upstreamHost: string): string => `${registry}/mirror/${upstreamHost}`;

/**
 * A Helm chart's image override that keeps the chart's repository path and tag but pulls through
 * the mirror: `{ registry: <registry>/mirror/<host> }`, for charts with a separate registry key.
 */
export const mirroredRegistry = (registry: string, upstreamHost: string): { registry: string } => ({ registry: mirrorOf(registry, upstreamHost) });
