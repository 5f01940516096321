// What the docker provider and Docker itself make of a docker.Service as the program registers it,
// ported from their sources so a test can judge a service without a Swarm: the values the provider's
// schema refuses at `pulumi preview` (kreuzwerker/terraform-provider-docker, which @pulumi/docker
// bridges: internal/provider/resource_docker_service.go and validators.go), what the daemon refuses
// when it starts a task (moby's setupSecretDir and mount validation), and which nodes swarmkit's
// scheduler may place a task on (manager/constraint/constraint.go).

type Json = Record<string, any>;

const NANOSECONDS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** One "<number><unit>" of a Go duration, in nanoseconds, and its length; undefined where Go refuses it. */
function durationPart(text: string): { ns: number; length: number } | undefined {
    const part = /^(\d*)(?:\.(\d*))?([^\d.]+)/.exec(text);
    if (!part || (part[1] === "" && !part[2]) || NANOSECONDS[part[3]] === undefined) return undefined;
    return { ns: Number(`${part[1] || "0"}.${part[2] || "0"}`) * NANOSECONDS[part[3]], length: part[0].length };
}

/** Go's time.ParseDuration in nanoseconds ("15s", "1m30s", "0"); undefined where Go refuses the text, "" among them. */
export function goDuration(text: string): number | undefined {
    const sign = text.startsWith("-") ? -1 : 1;
    let rest = /^[-+]/.test(text) ? text.slice(1) : text;
    if (rest === "0") return 0;
    if (rest === "") return undefined;
    let total = 0;
    while (rest !== "") {
        const part = durationPart(rest);
        if (!part) return undefined;
        total += part.ns;
        rest = rest.slice(part.length);
    }
    return sign * total;
}

/** Go's strconv.ParseFloat on a decimal number, as the provider reads max_failure_ratio. */
const goFloat = (text: string): number | undefined => (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : undefined);

type Check = (value: any) => string | undefined;

const duration: Check = (v) => {
    const ns = goDuration(String(v));
    return ns === undefined ? `'${v}' is not a valid duration` : ns < 0 ? `'${v}' duration must not be negative` : undefined;
};
const atLeastZero: Check = (v) => (Number.isInteger(v) && v >= 0 ? undefined : `'${v}' cannot be lower than 0`);
/** validateStringMatchesPattern: Go's MatchString, so an unanchored pattern matches anywhere in the value. */
const pattern =
    (re: RegExp): Check =>
    (v) =>
        re.test(String(v)) ? undefined : `'${v}' doesn't match the pattern '${re.source}'`;
const floatRatio: Check = (v) => {
    const value = goFloat(String(v));
    return value === undefined ? `'${v}' is not a float` : value < 0 || value > 1 ? `'${v}' has to be between 0.0 and 1.0` : undefined;
};

/** Each field of a docker.Service the provider's schema validates, by its path in the inputs ([] for each item of a list). */
const PROVIDER_CHECKS: Record<string, Check> = {
    "taskSpec.containerSpec.stopGracePeriod": duration,
    "taskSpec.containerSpec.healthcheck.interval": duration,
    "taskSpec.containerSpec.healthcheck.timeout": duration,
    "taskSpec.containerSpec.healthcheck.startPeriod": duration,
    "taskSpec.containerSpec.healthcheck.retries": atLeastZero,
    "taskSpec.containerSpec.mounts[].type": pattern(/^(bind|volume|tmpfs)$/),
    "taskSpec.containerSpec.mounts[].bindOptions.propagation": pattern(/^(private|rprivate|shared|rshared|slave|rslave)$/),
    "taskSpec.containerSpec.secrets[].fileMode": atLeastZero,
    "taskSpec.containerSpec.configs[].fileMode": atLeastZero,
    "taskSpec.restartPolicy.condition": pattern(/^(none|on-failure|any)$/),
    "taskSpec.restartPolicy.delay": duration,
    "taskSpec.restartPolicy.window": duration,
    "taskSpec.restartPolicy.maxAttempts": atLeastZero,
    "taskSpec.placement.maxReplicas": atLeastZero,
    "mode.replicated.replicas": atLeastZero,
    "updateConfig.parallelism": atLeastZero,
    "updateConfig.delay": duration,
    "updateConfig.failureAction": pattern(/^(pause|continue|rollback)$/),
    "updateConfig.monitor": duration,
    "updateConfig.maxFailureRatio": floatRatio,
    "updateConfig.order": pattern(/^(stop-first|start-first)$/),
    "rollbackConfig.parallelism": atLeastZero,
    "rollbackConfig.delay": duration,
    "rollbackConfig.failureAction": pattern(/(pause|continue)/),
    "rollbackConfig.monitor": duration,
    "rollbackConfig.maxFailureRatio": floatRatio,
    "rollbackConfig.order": pattern(/(stop-first|start-first)/),
    "endpointSpec.mode": pattern(/^(vip|dnsrr)$/),
    "endpointSpec.ports[].protocol": pattern(/^(tcp|udp|sctp)$/),
    "endpointSpec.ports[].publishMode": pattern(/^(host|ingress)$/),
};

/** The values at a path of PROVIDER_CHECKS, each with its concrete path. */
function valuesAt(value: unknown, path: string[], at: string): { at: string; value: unknown }[] {
    if (value === undefined || value === null) return [];
    if (path.length === 0) return [{ at, value }];
    const [step, ...rest] = path;
    if (step.endsWith("[]")) {
        const list = (value as Json)[step.slice(0, -2)] as unknown[] | undefined;
        return (list ?? []).flatMap((item, i) => valuesAt(item, rest, `${at}.${step.slice(0, -2)}[${i}]`));
    }
    return valuesAt((value as Json)[step], rest, `${at}.${step}`);
}

/** What `pulumi preview` would refuse in a docker.Service's inputs: each field its provider's schema does not allow. */
export function providerProblems(inputs: Json): string[] {
    return Object.entries(PROVIDER_CHECKS).flatMap(([path, check]) =>
        valuesAt(inputs, path.split("."), "service").flatMap(({ at, value }) => {
            const problem = check(value);
            return problem ? [`${at}: ${problem}`] : [];
        }),
    );
}

/** Go's strconv.Atoi, as the daemon reads a secret's or config's file owner; the provider sends "0" for an absent one. */
const atoi = (text: string | undefined): number | undefined => (/^[+-]?\d+$/.test(text ?? "0") ? Number(text ?? "0") : undefined);

/** setupSecretDir and setupConfigDir: the daemon chowns each file to its owner as strconv.Atoi reads it. */
function fileOwnerProblems(kind: string, files: Json[] | undefined): string[] {
    return (files ?? []).flatMap((file) =>
        ["fileUid", "fileGid"]
            .filter((field) => atoi(file[field]) === undefined)
            .map((field) => `${kind} ${file.fileName}: strconv.Atoi: parsing "${file[field]}": invalid syntax`),
    );
}

/** The daemon's mount validation (volume/mounts, the Linux parser) for the mount types a service uses here. */
function mountProblems(mount: Json): string[] {
    const target = String(mount.target ?? "");
    const problems: string[] = [];
    if (target === "") problems.push(`mount of type ${mount.type}: invalid mount config: field Target must not be empty`);
    else if (!target.startsWith("/")) problems.push(`mount ${target}: invalid mount target, must be an absolute path`);
    if (mount.type === "bind" && !String(mount.source ?? "").startsWith("/")) problems.push(`mount ${target}: a bind mount's source must be an absolute path`);
    if (mount.type === "tmpfs" && mount.source) problems.push(`mount ${target}: invalid mount config for type "tmpfs": field Source must not be specified`);
    return problems;
}

/** What the daemon refuses when it starts the service's task: a file owner it cannot parse, a mount it cannot make. */
export function taskStartProblems(inputs: Json): string[] {
    const container = inputs.taskSpec?.containerSpec ?? {};
    return [
        ...fileOwnerProblems("secret", container.secrets),
        ...fileOwnerProblems("config", container.configs),
        ...((container.mounts ?? []) as Json[]).flatMap(mountProblems),
    ];
}

/** A node of the Swarm as the scheduler sees it. */
export interface SwarmNode {
    readonly role: "manager" | "worker";
    readonly hostname: string;
    readonly labels?: Readonly<Record<string, string>>;
}

interface Constraint {
    readonly key: string;
    readonly equal: boolean;
    readonly value: string;
}

/** swarmkit's constraint.Parse: "key==value" or "key!=value"; the daemon refuses the service with its message otherwise. */
export function parseConstraints(expressions: readonly string[]): Constraint[] {
    return expressions.map((expression) => {
        const operator = ["==", "!="].find((op) => expression.includes(op));
        if (!operator) throw new Error(`constraint expected one operator from ==, !=: ${expression}`);
        const [key, value] = [expression.slice(0, expression.indexOf(operator)).trim(), expression.slice(expression.indexOf(operator) + 2).trim()];
        if (!/^[a-z_][a-z0-9\-_.]+$/i.test(key)) throw new Error(`key '${key}' is invalid`);
        if (!/^[a-z0-9:\-_\s.*()?+[\]\\^$|/]+$/i.test(value)) throw new Error(`value '${value}' is invalid`);
        return { key, equal: operator === "==", value };
    });
}

/** swarmkit's NodeMatches for the keys a node here has: may the scheduler place the service's task on `node`? */
export function schedulableOn(inputs: Json, node: SwarmNode): boolean {
    return parseConstraints(inputs.taskSpec?.placement?.constraints ?? []).every(({ key, equal, value }) => {
        const lower = key.toLowerCase();
        const actual =
            lower === "node.role"
                ? node.role
                : lower === "node.hostname"
                  ? node.hostname
                  : lower.startsWith("node.labels.")
                    ? (node.labels?.[key.slice("node.labels.".length)] ?? "")
                    : undefined;
        // A key swarmkit does not know places the task nowhere.
        if (actual === undefined) return false;
        return (actual.toLowerCase() === value.toLowerCase()) === equal;
    });
}
