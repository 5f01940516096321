import { expect } from "chai";
import * as YAML from "yaml";
import { secretInventory } from "../../stacks/secrets";
import {
    environmentLayout,
    EnvironmentLayout,
    loginEnvironmentDocument,
    placeholderText,
    providedConfigKeys,
    renderEnvironment,
    ROTATION_CRON,
    ROTATION_PERIOD_DAYS,
    stackEnvironmentDocument,
    StackSecretNeeds,
    valuesEnvironmentDocument,
} from "../../esc/environments";

const catalogSecrets = ["OPENAI_API_KEY", "SNOWFLAKE_PASSWORD"];
const needs = (stack: string, target: StackSecretNeeds["target"], platform: Record<string, string[]> = {}): StackSecretNeeds => ({
    stack,
    target,
    catalogSecrets,
    inventory: secretInventory([
        { name: "ai-memory", secrets: ["OPENAI_API_KEY"] },
        { name: "snowflake", secrets: ["SNOWFLAKE_PASSWORD"] },
        ...Object.entries(platform).map(([name, secrets]) => ({ name, secrets })),
    ]),
});
const backup = { "backup-jobs": ["BACKUP_AWS_ACCESS_KEY_ID", "BACKUP_AWS_SECRET_ACCESS_KEY"] };
const alerts = { alertmanager: ["ALERT_PAGERDUTY_ROUTING_KEY"] };
const layout = environmentLayout("sophia", [needs("dev", "swarm", backup), needs("prod", "kubernetes", { ...backup, ...alerts })]);
const rotation = {
    region: "eu-west-1",
    oidcRoleArn: "arn:aws:iam::123456789012:role/esc",
    users: { backupAwsIamUser: "arn:aws:iam::123456789012:user/backup" },
};
const env = (name: string) => layout.environments.find((e) => e.name === name)!;

/** The documents by `project/name`, parsed back from the rendered YAML (what ESC receives). */
function documents(l: EnvironmentLayout): Map<string, { imports?: string[]; values: Record<string, unknown> }> {
    const docs = new Map<string, { imports?: string[]; values: Record<string, unknown> }>();
    for (const e of l.environments) {
        docs.set(`${l.project}/${e.name}`, YAML.parse(renderEnvironment(stackEnvironmentDocument(e))));
        docs.set(`${l.project}/${e.values.name}`, YAML.parse(renderEnvironment(valuesEnvironmentDocument(l, e, rotation))));
        if (e.login) docs.set(`${l.project}/${e.login}`, YAML.parse(renderEnvironment(loginEnvironmentDocument(e, rotation))));
    }
    return docs;
}

/** ESC's explicit imports: JSON merge patch of the imports in order, then the environment's own values. */
function merged(ref: string, docs: ReturnType<typeof documents>): Record<string, unknown> {
    const doc = docs.get(ref);
    if (!doc) throw new Error(`${ref} is imported but not defined`);
    const patch = (target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> => {
        for (const [k, v] of Object.entries(source)) {
            target[k] =
                v && typeof v === "object" && !Array.isArray(v) && target[k] && typeof target[k] === "object"
                    ? patch({ ...target[k] }, v as Record<string, unknown>)
                    : v;
        }
        return target;
    };
    const base = (doc.imports ?? []).reduce((acc, i) => patch(acc, merged(i, docs)), {} as Record<string, unknown>);
    return patch(base, doc.values ?? {});
}

const lookup = (values: Record<string, unknown>, path: string): unknown =>
    path.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), values);

describe("ESC environments (layout and documents)", () => {
    it("puts the catalog's secrets in common and each stack's own secrets in its environment", () => {
        expect(env("common").secrets).to.deep.equal(catalogSecrets);
        expect(env("dev").secrets).to.deep.equal(["BACKUP_AWS_ACCESS_KEY_ID", "BACKUP_AWS_SECRET_ACCESS_KEY"]);
        expect(env("prod").secrets).to.deep.equal(["ALERT_PAGERDUTY_ROUTING_KEY", "BACKUP_AWS_ACCESS_KEY_ID", "BACKUP_AWS_SECRET_ACCESS_KEY", "kubeconfig"]);
        expect(env("prod").imports).to.deep.equal(["sophia/common", "sophia/prod-secrets"]);
    });

    it("provides, through imports, exactly the keys each stack's inventory needs (plus a cluster's kubeconfig)", () => {
        for (const n of [needs("dev", "swarm", backup), needs("prod", "kubernetes", { ...backup, ...alerts })]) {
            const expected = [...n.inventory.keys()].map((s) => `sophia:${s}`);
            if (n.target !== "swarm") expected.push("sophia:kubeconfig");
            expect(providedConfigKeys(["sophia/common", `sophia/${n.stack}`], layout)).to.deep.equal(expected.sort());
        }
        expect(providedConfigKeys(["sophia/prod@stable"], layout)).to.deep.equal(providedConfigKeys(["sophia/prod"], layout));
        expect(providedConfigKeys(["sophia/common"], layout)).to.deep.equal(["sophia:OPENAI_API_KEY", "sophia:SNOWFLAKE_PASSWORD"]);
        expect(providedConfigKeys(["elsewhere/prod", "sophia/unknown"], layout)).to.deep.equal([]);
    });

    it("maps every pulumiConfig key to a path its imports define, never to a literal", () => {
        const docs = documents(layout);
        for (const e of layout.environments) {
            const ref = `sophia/${e.name}`;
            const values = merged(ref, docs);
            const config = lookup(values, "pulumiConfig") as Record<string, string>;
            expect(Object.keys(config ?? {}).sort(), ref).to.deep.equal(providedConfigKeys([ref], layout));
            for (const [key, expression] of Object.entries(config ?? {})) {
                const refs = [...expression.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]);
                expect(expression.replace(/\$\{[^}]+\}/g, ""), `${ref} ${key} is only interpolations`).to.equal("");
                for (const path of refs) {
                    // A rotator's outputs appear when ESC evaluates it; its definition must be there.
                    const defined = lookup(values, path) ?? lookup(values, path.split(".")[0]);
                    expect(defined, `${ref} ${key} -> ${path}`).to.not.equal(undefined);
                }
            }
        }
    });

    it("seeds every operator-filled secret as an fn::secret placeholder that says how to fill it", () => {
        const docs = documents(layout);
        const common = docs.get("sophia/common-secrets")!.values.secrets as Record<string, Record<string, string>>;
        expect(Object.keys(common)).to.deep.equal(catalogSecrets);
        for (const [name, value] of Object.entries(common)) {
            expect(Object.keys(value)).to.deep.equal(["fn::secret"]);
            expect(value["fn::secret"]).to.equal(`unset: esc env set sophia/common-secrets secrets.${name} --secret <value>`);
        }
        const prod = docs.get("sophia/prod-secrets")!.values.secrets as Record<string, unknown>;
        expect(Object.keys(prod)).to.deep.equal(["ALERT_PAGERDUTY_ROUTING_KEY", "kubeconfig"]);
    });

    it("rotates the backup IAM user's key with ESC's aws-iam rotator, logging in through OIDC", () => {
        const docs = documents(layout);
        const values = docs.get("sophia/prod-secrets")!.values;
        expect(values.backupAwsIamUser).to.deep.equal({
            "fn::rotate::aws-iam": {
                inputs: { region: "eu-west-1", login: '${environments.sophia["prod-aws-login"].aws.login}', userArn: rotation.users.backupAwsIamUser },
            },
        });
        expect(values.sealed).to.deep.equal({ "fn::secret": "" });
        const login = lookup(docs.get("sophia/prod-aws-login")!.values, "aws.login") as Record<string, { oidc: { roleArn: string } }>;
        expect(login["fn::open::aws-login"].oidc.roleArn).to.equal(rotation.oidcRoleArn);
        const config = docs.get("sophia/prod")!.values.pulumiConfig as Record<string, string>;
        expect(config["sophia:BACKUP_AWS_SECRET_ACCESS_KEY"]).to.equal("${backupAwsIamUser.current.secretAccessKey}");
        expect(config["sophia:BACKUP_AWS_ACCESS_KEY_ID"]).to.equal("${backupAwsIamUser.current.accessKeyId}${sealed}");
        expect(env("common").login).to.equal(undefined);
        expect(() => valuesEnvironmentDocument(layout, env("prod"), undefined)).to.throw(/no AWS rotation settings/);
    });

    it("rotates every quarter: consecutive rotations 90 to 92 days apart", () => {
        const fires = cronFirings(ROTATION_CRON, Date.UTC(2025, 0, 1), Date.UTC(2029, 0, 1));
        expect(fires.length).to.equal(16);
        for (let i = 1; i < fires.length; i++) {
            const days = (fires[i] - fires[i - 1]) / 86_400_000;
            expect(days).to.be.within(90, 92);
        }
    });
});

describe("ESC environments: edges of the layout and documents", () => {
    it("orders the stacks by name after common, whatever order they come in", () => {
        const l = environmentLayout("sophia", [needs("staging", "k3s"), needs("dev", "swarm"), needs("prod", "kubernetes")]);
        expect(l.environments.map((e) => e.name)).to.deep.equal(["common", "dev", "prod", "staging"]);
        expect(l.project).to.equal("sophia");
        expect(l.environments[0].imports, "common takes its values from its values environment").to.deep.equal(["sophia/common-secrets"]);
    });

    it("sorts the shared and the own secrets, whatever order the stacks' catalogs and inventories list them in", () => {
        const prod: StackSecretNeeds = {
            stack: "prod",
            target: "swarm",
            catalogSecrets: ["ZULU_KEY"],
            inventory: new Map([
                ["ZULU_KEY", ["z"]],
                ["SLACK_URL", ["alerts"]],
                ["PAGER_KEY", ["alerts"]],
            ]),
        };
        const dev: StackSecretNeeds = { stack: "dev", target: "swarm", catalogSecrets: ["ALPHA_KEY"], inventory: new Map([["ALPHA_KEY", ["a"]]]) };
        const l = environmentLayout("sophia", [prod, dev]);
        expect(l.environments[0].secrets).to.deep.equal(["ALPHA_KEY", "ZULU_KEY"]);
        expect(l.environments.find((e) => e.name === "prod")!.secrets).to.deep.equal(["PAGER_KEY", "SLACK_URL"]);
    });

    it("rotates a credential whose stack needs only one of its keys", () => {
        const l = environmentLayout("sophia", [needs("prod", "swarm", { "backup-jobs": ["BACKUP_AWS_SECRET_ACCESS_KEY"] })]);
        const prod = l.environments[1];
        expect(prod.values.rotated.map((c) => c.id)).to.deep.equal(["backupAwsIamUser"]);
        expect(prod.values.placeholders).to.deep.equal([]);
        expect(prod.login).to.equal("prod-aws-login");
    });

    it("gives a stack without secrets of its own an empty mapping, no placeholders, no rotators and no login", () => {
        const l = environmentLayout("sophia", [needs("dev", "swarm")]);
        const dev = l.environments.find((e) => e.name === "dev")!;
        expect(dev).to.deep.include({ secrets: [], login: undefined });
        expect(stackEnvironmentDocument(dev)).to.deep.equal({ imports: ["sophia/common", "sophia/dev-secrets"], values: { pulumiConfig: {} } });
        expect(valuesEnvironmentDocument(l, dev, undefined)).to.deep.equal({ values: {} });
        expect(providedConfigKeys(["sophia/dev"], l)).to.deep.equal(["sophia:OPENAI_API_KEY", "sophia:SNOWFLAKE_PASSWORD"]);
    });

    it("keeps a rotated credential out of common even when a catalog server declares it", () => {
        const declared = { ...needs("prod", "k3s", backup), catalogSecrets: [...catalogSecrets, "BACKUP_AWS_ACCESS_KEY_ID"] };
        const l = environmentLayout("sophia", [declared]);
        expect(l.environments[0].secrets).to.deep.equal(catalogSecrets);
        const prod = l.environments[1];
        expect(prod.secrets).to.deep.equal(["BACKUP_AWS_ACCESS_KEY_ID", "BACKUP_AWS_SECRET_ACCESS_KEY", "kubeconfig"]);
        expect(prod.values.placeholders).to.deep.equal(["kubeconfig"]);
        expect(prod.values.rotated.map((c) => c.id)).to.deep.equal(["backupAwsIamUser"]);
        expect(prod.login).to.equal("prod-aws-login");
    });

    it("rotates a failover stack's restore key with its own IAM user", () => {
        const restore = { "restore-job": ["RESTORE_AWS_ACCESS_KEY_ID", "RESTORE_AWS_SECRET_ACCESS_KEY"] };
        const l = environmentLayout("sophia", [needs("prod-dr", "kubernetes", restore)]);
        const dr = l.environments[1];
        expect(dr.values.rotated.map((c) => c.id)).to.deep.equal(["restoreAwsIamUser"]);
        const users = { restoreAwsIamUser: "arn:aws:iam::123456789012:user/restore" };
        const values = valuesEnvironmentDocument(l, dr, { ...rotation, users }).values as Record<string, Record<string, { inputs: Record<string, string> }>>;
        expect(values.restoreAwsIamUser["fn::rotate::aws-iam"].inputs).to.deep.equal({
            region: "eu-west-1",
            login: '${environments.sophia["prod-dr-aws-login"].aws.login}',
            userArn: "arn:aws:iam::123456789012:user/restore",
        });
        const config = (stackEnvironmentDocument(dr).values as { pulumiConfig: Record<string, string> }).pulumiConfig;
        expect(config).to.deep.include({
            "sophia:RESTORE_AWS_ACCESS_KEY_ID": "${restoreAwsIamUser.current.accessKeyId}${sealed}",
            "sophia:RESTORE_AWS_SECRET_ACCESS_KEY": "${restoreAwsIamUser.current.secretAccessKey}",
        });
        expect(() => valuesEnvironmentDocument(l, dr, rotation)).to.throw("environment prod-dr rotates restoreAwsIamUser but no IAM user is configured for it");
    });

    it("logs ESC in to AWS with a session named after the environment, and refuses without rotation settings", () => {
        const prod = env("prod");
        expect(loginEnvironmentDocument(prod, rotation)).to.deep.equal({
            values: {
                aws: {
                    login: {
                        "fn::open::aws-login": {
                            oidc: { roleArn: rotation.oidcRoleArn, sessionName: "sophia-esc-prod-rotation", subjectAttributes: ["currentEnvironment.name"] },
                        },
                    },
                },
            },
        });
        expect(() => loginEnvironmentDocument(prod, undefined)).to.throw("environment prod rotates credentials but has no AWS rotation settings");
        expect(() => valuesEnvironmentDocument(layout, { ...prod, login: undefined }, rotation)).to.throw(
            "environment prod rotates credentials but has no AWS rotation settings",
        );
    });

    it("follows imports once each, through pinned revisions and cycles", () => {
        const l = environmentLayout("sophia", [needs("prod", "kubernetes", alerts)]);
        const looped = {
            ...l,
            environments: l.environments.map((e) => (e.name === "common" ? { ...e, imports: [...e.imports, "sophia/prod@3"] } : e)),
        };
        expect(providedConfigKeys(["sophia/common@stable"], looped)).to.deep.equal(
            ["ALERT_PAGERDUTY_ROUTING_KEY", "OPENAI_API_KEY", "SNOWFLAKE_PASSWORD", "kubeconfig"].map((s) => `sophia:${s}`),
        );
    });

    it("renders long values on one line, as ESC shows them", () => {
        const long = placeholderText("sophia", "common-secrets", "A_VERY_LONG_SECRET_NAME_THAT_GOES_PAST_EIGHTY_COLUMNS_OF_YAML");
        expect(long.length).to.be.greaterThan(100);
        const text = renderEnvironment({ values: { secrets: { X: { "fn::secret": long } } } });
        expect(text.split("\n").find((line) => line.includes("fn::secret"))).to.equal(`      fn::secret: ${JSON.stringify(long)}`);
    });

    it("rotates at least every 90 days apart and never more than 92, as ROTATION_PERIOD_DAYS says", () => {
        const fires = cronFirings(ROTATION_CRON, Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1));
        expect(fires.map((t) => new Date(t).toISOString())).to.deep.equal([
            "2026-01-01T03:00:00.000Z",
            "2026-04-01T03:00:00.000Z",
            "2026-07-01T03:00:00.000Z",
            "2026-10-01T03:00:00.000Z",
        ]);
        expect(ROTATION_PERIOD_DAYS).to.equal(90);
    });
});

/** Firing times (UTC) of a five-field cron with numbers, `*` and `*\/n`, in [from, to). */
function cronFirings(cron: string, from: number, to: number): number[] {
    const [minute, hour, day, month, weekday] = cron.split(" ");
    const matches = (field: string, value: number, first: number): boolean => {
        if (field === "*") return true;
        const step = /^\*\/(\d+)$/.exec(field);
        if (step) return (value - first) % Number(step[1]) === 0;
        return field.split(",").map(Number).includes(value);
    };
    const fires: number[] = [];
    for (let t = from; t < to; t += 60_000 * 60) {
        const d = new Date(t);
        if (
            matches(minute, d.getUTCMinutes(), 0) &&
            matches(hour, d.getUTCHours(), 0) &&
            matches(day, d.getUTCDate(), 1) &&
            matches(month, d.getUTCMonth() + 1, 1) &&
            matches(weekday, d.getUTCDay(), 0)
        ) {
            fires.push(t);
        }
    }
    return fires;
}
