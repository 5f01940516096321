/** CPU cores from a Kubernetes quantity ("250m" → 0.25, "2" → 2). */
export function cpuCores(quantity: string): number {
    return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}

const MEMORY_UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** Bytes from a Kubernetes memory quantity ("512Mi" → 536870912). */
export function memoryBytes(quantity: string): number {
    const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti)$/.exec(quantity);
    if (!match) throw new Error(`not a memory quantity: ${quantity}`);
    return Math.round(Number(match[1]) * MEMORY_UNITS[match[2]]);
}
