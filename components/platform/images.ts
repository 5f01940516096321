/**
 * Where a workload's image is pulled from. Images of our own already name the stack's registry;
 * upstream images (postgres, jaeger, nginx…) are pulled through the registry's mirror, a
 * pull-through cache at <registry>/mirror/<upstream host>/<path>, so every node pulls from one
 * approved registry and upstream outages or rate limits do not stop a deployment.
 */
export function imageFrom(registry: string, image: string): string {
    if (image.startsWith(`${registry}/`)) return image;
    const [first, ...rest] = image.split("/");
    const namesHost = rest.length > 0 && (first.includes(".") || first.includes(":") || first === "localhost");
    if (namesHost) return `${registry}/mirror/${first}/${rest.join("/")}`;
    // Docker Hub: "redis:7" is library/redis, "prom/pushgateway" is itself.
    return `${registry}/mirror/docker.io/${rest.length === 0 ? `library/${first}` : image}`;
}
