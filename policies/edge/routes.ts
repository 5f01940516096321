import type { PolicyResource } from "../rule";
import { kubernetesProps } from "../shapes";

/** Resource types that carry edge routes. */
export const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
export const SWARM_CONFIG = "docker:index/serviceConfig:ServiceConfig";
export const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

/** One `server { }` block of an nginx config: the directives the edge rules judge. */
export interface NginxServer {
    readonly listens: readonly string[];
    readonly serverNames: readonly string[];
    /** Proxies to something other than the authentication service. */
    readonly proxies: boolean;
    readonly authenticated: boolean;
    /** Every plain-HTTP request is redirected to HTTPS. */
    readonly redirectsToHttps: boolean;
}

/** The nginx configs a resource carries: a Swarm config's data (base64) or a ConfigMap's values. */
export function nginxConfigs(resource: PolicyResource): string[] {
    const texts: string[] = [];
    if (resource.type === SWARM_CONFIG && typeof resource.props.data === "string") {
        texts.push(Buffer.from(resource.props.data, "base64").toString("utf8"));
    }
    if (resource.type === CONFIG_MAP) {
        for (const value of Object.values((resource.props.data ?? {}) as Record<string, unknown>)) if (typeof value === "string") texts.push(value);
    }
    return texts.filter((t) => /^\s*http\s*\{/m.test(t));
}

/** The body of every `server {` block, found by brace matching (quoted text is skipped). */
export function nginxServers(source: string): NginxServer[] {
    // Comments are no directives, and an apostrophe in one opens no quote; `#` starts one only where a word would start.
    const config = source.replace(/("[^"]*"|'[^']*')|(^|[\s;{}])#[^\n]*/g, (_, quoted: string | undefined, before: string) => quoted ?? before);
    const servers: NginxServer[] = [];
    const pattern = /(^|[\s;{}])server\s*\{/g;
    for (let match = pattern.exec(config); match; match = pattern.exec(config)) {
        const start = match.index + match[0].length;
        let depth = 1;
        let i = start;
        let quote: string | undefined;
        for (; i < config.length && depth > 0; i++) {
            const c = config[i];
            if (quote) {
                if (c === quote) quote = undefined;
            } else if (c === "'" || c === '"') quote = c;
            else if (c === "{") depth++;
            else if (c === "}") depth--;
        }
        const body = config.slice(start, i - 1);
        const directives = (name: string): string[] => [...body.matchAll(new RegExp(`(?:^|[\\s;{}])${name}\\s+([^;]*);`, "g"))].map((m) => m[1].trim());
        servers.push({
            listens: directives("listen"),
            serverNames: directives("server_name").flatMap((n) => n.split(/\s+/)),
            proxies: directives("proxy_pass").some((target) => !/oauth2_proxy/.test(target)),
            authenticated: directives("auth_request").some((uri) => uri !== "off"),
            redirectsToHttps: directives("return").some((r) => /^30[178]\s+https:\/\//.test(r)),
        });
        pattern.lastIndex = i;
    }
    return servers;
}

export interface IngressRuleShape {
    host?: string;
    http?: { paths?: { backend?: { service?: { name?: string } } }[] };
}

export function ingressRules(resource: PolicyResource): IngressRuleShape[] {
    return ((kubernetesProps(resource).spec?.rules ?? []) as IngressRuleShape[]).filter(Boolean);
}

export function ingressTlsHosts(resource: PolicyResource): string[] {
    return ((kubernetesProps(resource).spec?.tls ?? []) as { hosts?: string[] }[]).flatMap((t) => t.hosts ?? []);
}
