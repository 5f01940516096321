/**
 * Plays the Pulumi engine for the policy pack: starts the pack the way the Node.js language host
 * does (`run-policy-pack <engine address> <pack dir>`, which type-checks it with ts-node), serves the
 * Engine service the pack logs to, and calls the pack's Analyzer service as `pulumi preview
 * --policy-pack policies --policy-pack-config <file>` does: GetAnalyzerInfo, ConfigureStack,
 * Configure, Analyze per resource, AnalyzeStack with all of them. Values travel as protobuf Structs
 * in the SDK's wire form (secret signatures, the unknown sentinel).
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engine from "@pulumi/pulumi/proto/engine_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { PolicyViolation } from "../../commands/plan/planFile";
import { ROOT } from "./plan";

export const PACK_DIR = path.join(ROOT, "policies");
/** The language host's entry point for policy packs, from the pack's own dependencies (the engine installs none). */
export const RUN_POLICY_PACK = path.join(PACK_DIR, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");

/** One resource as the engine sends it; `props` in wire form (inputs for Analyze, outputs for AnalyzeStack). */
export interface EngineResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent?: string;
    readonly dependencies: readonly string[];
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
    readonly inputs: Record<string, unknown>;
    readonly outputs: Record<string, unknown>;
}

export interface StackRun {
    readonly stack: string;
    readonly project: string;
    /** Stack config as the engine decrypted it, and which keys are secret. */
    readonly config: Record<string, string>;
    readonly secretKeys: readonly string[];
    /** policies/config/<stack>.json, as `--policy-pack-config` passes it. */
    readonly packConfig: Record<string, unknown>;
    readonly resources: readonly EngineResource[];
}

/** A fake Engine service: the pack logs through it; errors it logs fail the run. */
class FakeEngine {
    readonly server = new grpc.Server();
    readonly logs: { severity: number; message: string }[] = [];

    async start(): Promise<string> {
        const unary =
            <T>(make: () => T) =>
            (_call: unknown, callback: grpc.sendUnaryData<T>) =>
                callback(null, make());
        this.server.addService(engineGrpc.EngineService, {
            log: (call: grpc.ServerUnaryCall<engine.LogRequest, Empty>, callback: grpc.sendUnaryData<Empty>) => {
                this.logs.push({ severity: call.request.getSeverity(), message: call.request.getMessage() });
                callback(null, new Empty());
            },
            getRootResource: unary(() => new engine.GetRootResourceResponse()),
            setRootResource: unary(() => new engine.SetRootResourceResponse()),
            startDebugging: unary(() => new Empty()),
            requirePulumiVersion: unary(() => new engine.RequirePulumiVersionResponse()),
        });
        const port = await new Promise<number>((resolve, reject) =>
            this.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
        );
        return `127.0.0.1:${port}`;
    }
}

const LEVELS: Record<number, PolicyViolation["level"] | "disabled" | "remediate"> = {
    [analyzer.EnforcementLevel.ADVISORY]: "advisory",
    [analyzer.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzer.EnforcementLevel.DISABLED]: "disabled",
    [analyzer.EnforcementLevel.REMEDIATE]: "remediate",
};
const LEVEL_OF: Record<string, analyzer.EnforcementLevel> = {
    advisory: analyzer.EnforcementLevel.ADVISORY,
    mandatory: analyzer.EnforcementLevel.MANDATORY,
    disabled: analyzer.EnforcementLevel.DISABLED,
    remediate: analyzer.EnforcementLevel.REMEDIATE,
};

type Entry = string | ({ enforcementLevel?: string } & Record<string, unknown>) | undefined;

/**
 * The engine's reading of a --policy-pack-config file: "all" sets every policy's level, a policy's
 * entry its own level and settings, over the defaults its config schema declares.
 */
export function policyConfig(info: analyzer.AnalyzerInfo, file: Record<string, unknown>): Map<string, analyzer.PolicyConfig> {
    const all = typeof file.all === "string" ? file.all : undefined;
    const configs = new Map<string, analyzer.PolicyConfig>();
    for (const policy of info.getPoliciesList()) {
        const entry = file[policy.getName()] as Entry;
        const { enforcementLevel, ...settings } = typeof entry === "object" ? entry : { enforcementLevel: entry };
        const schema = (policy.getConfigschema()?.getProperties()?.toJavaScript() ?? {}) as Record<string, { default?: unknown }>;
        const defaults = Object.fromEntries(Object.entries(schema).map(([key, p]) => [key, p.default]));
        const level = enforcementLevel ?? all ?? LEVELS[policy.getEnforcementlevel()];
        const config = new analyzer.PolicyConfig().setEnforcementlevel(LEVEL_OF[level]);
        config.setProperties(Struct.fromJavaScript({ ...defaults, ...settings } as never));
        configs.set(policy.getName(), config);
    }
    return configs;
}

function analyzerResource(r: EngineResource): analyzer.AnalyzerResource {
    const resource = new analyzer.AnalyzerResource()
        .setUrn(r.urn)
        .setType(r.type)
        .setName(r.name)
        .setParent(r.parent ?? "")
        .setDependenciesList([...r.dependencies])
        .setProperties(Struct.fromJavaScript(r.outputs as never))
        .setOptions(new analyzer.AnalyzerResourceOptions().setParent(r.parent ?? ""));
    for (const [property, urns] of Object.entries(r.propertyDependencies))
        resource.getPropertydependenciesMap().set(property, new analyzer.AnalyzerPropertyDependencies().setUrnsList([...urns]));
    return resource;
}

function analyzeRequest(r: EngineResource): analyzer.AnalyzeRequest {
    return new analyzer.AnalyzeRequest()
        .setUrn(r.urn)
        .setType(r.type)
        .setName(r.name)
        .setProperties(Struct.fromJavaScript(r.inputs as never))
        .setOptions(new analyzer.AnalyzerResourceOptions().setParent(r.parent ?? ""));
}

/**
 * A diagnostic as the runner reports violations: the SDK puts the policy's description before the
 * message, and Analyze leaves the URN to the analyzed resource's.
 */
function violationOf(d: analyzer.AnalyzeDiagnostic, urn = ""): PolicyViolation {
    const prefix = `${d.getDescription()}\n`;
    const message = d.getMessage().startsWith(prefix) ? d.getMessage().slice(prefix.length) : d.getMessage();
    return { policy: d.getPolicyname(), level: LEVELS[d.getEnforcementlevel()] as PolicyViolation["level"], urn: d.getUrn() || urn, message };
}

type Unary<Req, Res> = (request: Req, callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown;
const call = <Req, Res>(method: Unary<Req, Res>, request: Req): Promise<Res> =>
    new Promise((resolve, reject) => method(request, (error, response) => (error ? reject(error) : resolve(response))));

/** The policy pack running in its own process, and the engine side of its gRPC conversation. */
export class EnginePack {
    private constructor(
        private readonly fakeEngine: FakeEngine,
        private readonly child: ChildProcess,
        private readonly client: analyzerGrpc.AnalyzerClient,
        readonly stderr: () => string,
    ) {}

    /** Starts the pack as the language host does and connects to the port it prints. */
    static async start(timeoutMs = 120_000): Promise<EnginePack> {
        if (!fs.existsSync(RUN_POLICY_PACK))
            throw new Error(`${RUN_POLICY_PACK} is missing: install the pack's dependencies with \`npm ci --prefix policies\``);
        const fakeEngine = new FakeEngine();
        const address = await fakeEngine.start();
        const child = spawn(process.execPath, [RUN_POLICY_PACK, address, "."], { cwd: PACK_DIR, stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const port = await new Promise<string>((resolve, reject) => {
            let stdout = "";
            const timer = setTimeout(() => reject(new Error(`the pack printed no port in ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
            child.stdout.on("data", (chunk: Buffer) => {
                stdout += chunk.toString();
                const line = /^(\d+)\s*$/m.exec(stdout);
                if (line) {
                    clearTimeout(timer);
                    resolve(line[1]);
                }
            });
            child.once("exit", (code) => reject(new Error(`the pack exited (${code}) before serving:\n${stderr}`)));
        });
        const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": 400 * 1024 * 1024,
        });
        return new EnginePack(fakeEngine, child, client, () => stderr);
    }

    get logs(): readonly { severity: number; message: string }[] {
        return this.fakeEngine.logs;
    }

    info(): Promise<analyzer.AnalyzerInfo> {
        return call(this.client.getAnalyzerInfo.bind(this.client), new Empty());
    }

    /** One preview's policy run: configure for the stack, Analyze each resource, then AnalyzeStack; the violations reported. */
    async analyze(run: StackRun, dryRun = true): Promise<PolicyViolation[]> {
        const stackRequest = new analyzer.AnalyzerStackConfigureRequest().setStack(run.stack).setProject(run.project).setDryRun(dryRun);
        for (const [key, value] of Object.entries(run.config)) stackRequest.getConfigMap().set(key, value);
        stackRequest.setConfigSecretKeysList([...run.secretKeys]);
        await call(this.client.configureStack.bind(this.client), stackRequest);
        const configure = new analyzer.ConfigureAnalyzerRequest();
        for (const [name, config] of policyConfig(await this.info(), run.packConfig)) configure.getPolicyconfigMap().set(name, config);
        await call(this.client.configure.bind(this.client), configure);
        const violations: PolicyViolation[] = [];
        const analyzeOne = this.client.analyze.bind(this.client);
        for (let i = 0; i < run.resources.length; i += 32) {
            const batch = run.resources.slice(i, i + 32);
            const responses = await Promise.all(batch.map((r) => call<analyzer.AnalyzeRequest, analyzer.AnalyzeResponse>(analyzeOne, analyzeRequest(r))));
            responses.forEach((response, j) => violations.push(...response.getDiagnosticsList().map((d) => violationOf(d, batch[j].urn))));
        }
        const stack = new analyzer.AnalyzeStackRequest().setResourcesList(run.resources.map(analyzerResource));
        const response = await call<analyzer.AnalyzeStackRequest, analyzer.AnalyzeResponse>(this.client.analyzeStack.bind(this.client), stack);
        violations.push(...response.getDiagnosticsList().map((d) => violationOf(d)));
        return violations;
    }

    stop(): Promise<void> {
        this.client.close();
        this.child.kill();
        return new Promise((resolve) => this.fakeEngine.server.tryShutdown(() => resolve()));
    }
}
