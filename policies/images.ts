/** An image reference split the way a container runtime resolves it. */
export interface ImageRef {
    /** Registry host and repository path, normalized: "postgres" → "docker.io/library/postgres". */
    readonly repository: string;
    readonly tag?: string;
    readonly digest?: string;
}

export function parseImage(image: string): ImageRef {
    const [beforeDigest, digest] = image.split("@", 2);
    const lastSlash = beforeDigest.lastIndexOf("/");
    const lastColon = beforeDigest.lastIndexOf(":");
    const hasTag = lastColon > lastSlash;
    const name = hasTag ? beforeDigest.slice(0, lastColon) : beforeDigest;
    const tag = hasTag ? beforeDigest.slice(lastColon + 1) : undefined;
    const first = name.split("/")[0];
    const hasRegistry = name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
    const repository = hasRegistry ? name : name.includes("/") ? `docker.io/${name}` : `docker.io/library/${name}`;
    return { repository, tag, digest };
}

/** True when the image is pinned: a digest, or a tag other than "latest". */
export function isPinned(image: string): boolean {
    const ref = parseImage(image);
    return Boolean(ref.digest) || (ref.tag !== undefined && ref.tag !== "" && ref.tag !== "latest");
}

/** True when the image's repository lies under one of the approved prefixes ("registry.sophia-ai.com", "docker.io/library/postgres"). */
export function fromApprovedRegistry(image: string, approved: readonly string[]): boolean {
    const { repository } = parseImage(image);
    return approved.some((prefix) => repository === prefix || repository.startsWith(`${prefix.replace(/\/+$/, "")}/`));
}
