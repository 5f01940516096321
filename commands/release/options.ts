// Command-line values the release commands share, checked the same way: a wrong one is a usage
// error naming the flag (or variable), the value received and the fix.
import * as fs from "fs";
import { UsageError } from "../command";

/** An http(s) base URL from a flag or its environment variable; undefined when neither is set. */
export function urlOption(flag: string, variable: string, given: string | undefined, environment: NodeJS.ProcessEnv, secret = false): string | undefined {
    const value = given ?? environment[variable];
    if (value === undefined || value === "") return undefined;
    // A secret URL (a webhook) is never echoed back.
    const from = `${given !== undefined ? `--${flag}` : variable}${secret ? "" : ` "${value}"`}`;
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        throw new UsageError(`${from} is not a URL: expected http(s)://host:port, e.g. http://127.0.0.1:9090`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${from} is not an http(s) URL: expected http(s)://host:port`);
    return value;
}

/** host:port. */
export function addressOption(flag: string, value: string | undefined): { host: string; port: number } | undefined {
    if (value === undefined) return undefined;
    const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(value);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) throw new UsageError(`--${flag} "${value}" is not host:port: expected e.g. 127.0.0.1:8443`);
    return { host: match[1].replace(/^\[|\]$/g, ""), port };
}

/** A PEM file's text. */
export function pemFileOption(flag: string, file: string | undefined): string | undefined {
    if (file === undefined) return undefined;
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        throw new UsageError(`--${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    if (!text.includes("-----BEGIN CERTIFICATE-----"))
        throw new UsageError(`--${flag} ${file}: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)`);
    return text;
}

/** A positive number of seconds, at most `max`. */
export function secondsOption(flag: string, value: string | undefined, fallback: number, max: number): number {
    if (value === undefined) return fallback;
    const seconds = Number(value);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > max)
        throw new UsageError(`--${flag} "${value}": expected a number of seconds above 0 and at most ${max}`);
    return seconds;
}
