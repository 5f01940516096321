// The formats of the stack settings a user writes by hand: each is refused with junk before or
// after a valid value (a pasted prefix, a trailing character, a second line), the real forms
// AWS and the tools take are accepted, and the defaults are the documented ones.
import { expect } from "chai";
import { InvalidInputError } from "../../stacks/problems";
import { LETS_ENCRYPT, loadStackSettings, type StackSettings } from "../../stacks/settings";

const minimal: Record<string, string> = {
    target: "k3s",
    registry: "registry.sophia-ai.com",
    nodeCapacity: JSON.stringify({ nodes: 3, cpu: "8", memory: "32Gi" }),
};
const edge = { tls: "acme", acmeEmail: "ops@sophia-ai.com", authMode: "oidc", oidcIssuerUrl: "https://id.sophia-ai.com", oidcClientId: "sophia-edge" };
const backup = { region: "us-east-1", replicaRegion: "us-west-2" };
/** Restoring into this stack's own region, as a failover does. */
const restoringBackup = { region: "us-west-2", replicaRegion: "us-east-1" };
const restore = {
    bucket: "sophia-prod-backups-replica-us-west-2",
    region: "us-west-2",
    keyArn: "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
};

const load = (config: Record<string, unknown>): StackSettings =>
    loadStackSettings("qa", (key) => {
        const value = { ...minimal, ...config }[key];
        return value === undefined || typeof value === "string" ? value : JSON.stringify(value);
    });
/** The problems' messages of settings that must be refused; fails when they load. */
function refused(config: Record<string, unknown>): string[] {
    try {
        load(config);
    } catch (error) {
        if (error instanceof InvalidInputError) return error.problems.map((p) => `${p.where}: ${p.message}`);
        throw error;
    }
    throw new Error(`loaded: ${JSON.stringify(config)}`);
}

/** Settings that put `value` at one place: the key and how to set it there. */
const formats: { name: string; set: (value: string) => Record<string, unknown>; good: string[]; bad: string[]; says: string }[] = [
    {
        name: "a monitoring duration",
        set: (retention) => ({ monitoring: { retention } }),
        good: ["15d", "90d", "500ms", "2w"],
        bad: ["x15d", "15dx", "15 d", "15"],
        says: 'expected a duration such as "15d" or "30s"',
    },
    {
        name: "an nginx body size",
        set: (maxRequestBodySize) => ({ domain: "qa.sophia-ai.com", edge: { ...edge, maxRequestBodySize } }),
        good: ["1m", "512k", "1048576"],
        bad: ["x1m", "1mb", "1g"],
        says: 'expected an nginx size such as "1m" or "512k"',
    },
    {
        name: "an AWS region",
        set: (region) => ({ backup: { ...backup, region } }),
        good: ["eu-central-1", "us-gov-west-1", "ap-southeast-2"],
        bad: ["xus-east-1", "us-east-1a", "US-EAST-1", "us-east"],
        says: "expected an AWS region such as us-east-1",
    },
    {
        name: "a key administrator's IAM role ARN",
        set: (arn) => ({ backup: { ...backup, keyAdministrators: [arn] } }),
        good: ["arn:aws:iam::123456789012:role/deploy", "arn:aws-us-gov:iam::123456789012:role/ops/deploy", "arn:aws-cn:iam::123456789012:role/a+b=c,d.e@f"],
        bad: [
            "xarn:aws:iam::123456789012:role/deploy",
            "arn:aws:iam::123456789012:role/deploy extra",
            "arn:aws:iam::12345:role/deploy",
            "arn:aws:iam::123456789012:user/deploy",
        ],
        says: "expected an IAM role ARN such as arn:aws:iam::123456789012:role/deploy",
    },
    {
        name: "an ECR repository name",
        set: (repository) => ({ backup: { ...backup, imageRetention: { repositories: [repository] } } }),
        good: ["sophia/github-agent", "sophia/web.ui", "base"],
        bad: ["-sophia/x", "sophia/x-", "Sophia/x", "sophia//x"],
        says: "expected an ECR repository name such as sophia/github-agent",
    },
    {
        name: "a restore bucket",
        set: (bucket) => ({ backup: restoringBackup, restore: { ...restore, bucket } }),
        good: ["sophia-prod-backups-replica-us-west-2", "a.b.c"],
        bad: ["-sophia-backups", "sophia-backups-", "Sophia-backups", "ab"],
        says: "expected an S3 bucket name such as sophia-prod-backups-replica-us-west-2",
    },
    {
        name: "a restore key's KMS ARN",
        set: (keyArn) => {
            // The key lives in the region restored from, which is the stack's own.
            const region = keyArn.split(":")[3];
            return { backup: { ...restoringBackup, region }, restore: { ...restore, region, keyArn } };
        },
        good: [
            restore.keyArn,
            "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            `arn:aws:kms:us-west-2:123456789012:key/mrk-${"0123456789abcdef".repeat(2)}`,
        ],
        bad: [
            `x${restore.keyArn}`,
            `${restore.keyArn}/x`,
            "arn:aws:kms:us-west-2:123456789012:key/mrk-0",
            `arn:aws:kms:us-west-2:123456789012:key/mrk-${"g".repeat(32)}`,
            "arn:aws:kms:us-west-2:123456789012:alias/backups",
        ],
        says: "expected a KMS key ARN such as arn:aws:kms:us-west-2:123456789012:key/<key id>",
    },
    {
        name: "an environment name",
        set: (environment) => ({ environment }),
        good: ["prod", "dev-k3s", "qa2"],
        bad: ["Prod", "prod_x", "2prod", "-prod"],
        says: "expected a lowercase name such as prod",
    },
    {
        name: "a Docker host",
        set: (dockerHost) => ({ target: "swarm", dockerHost }),
        good: ["ssh://deploy@manager", "tcp://manager:2376", "unix:///var/run/docker.sock"],
        bad: ["ssh://deploy@manager\nrm -rf /", "http://manager:2375", "xssh://manager", "ssh://"],
        says: "expected ssh://user@host, tcp://host:2376 or unix:///path",
    },
];

describe("stack setting formats", () => {
    for (const format of formats) {
        it(`takes ${format.name} only whole: ${format.good.join(", ")}`, () => {
            for (const value of format.good) expect(() => load(format.set(value)), JSON.stringify(value)).to.not.throw();
            for (const value of format.bad) {
                const problems = refused(format.set(value));
                expect(problems, JSON.stringify(value)).to.have.length(1);
                expect(problems[0], JSON.stringify(value)).to.contain(format.says);
            }
        });
    }

    it("takes only https URLs for the ACME directory and the OIDC issuer", () => {
        for (const bad of ["http://id.sophia-ai.com", "shttps://id.sophia-ai.com", "httpsx://id.sophia-ai.com"]) {
            expect(refused({ domain: "qa.sophia-ai.com", edge: { ...edge, oidcIssuerUrl: bad } })[0], bad).to.contain(
                "expected the https URL of the OIDC issuer",
            );
            expect(refused({ domain: "qa.sophia-ai.com", edge: { ...edge, acmeServer: bad } })[0], bad).to.contain(
                "expected the https URL of an ACME directory",
            );
        }
        const settings = load({ domain: "qa.sophia-ai.com", edge: { ...edge, acmeServer: "https://acme.example.com/directory" } });
        expect(settings.edge).to.deep.include({ acmeServer: "https://acme.example.com/directory", oidcClientId: "sophia-edge" });
    });

    it("defaults to Let's Encrypt's production directory and the documented monitoring sizes", () => {
        expect(LETS_ENCRYPT).to.equal("https://acme-v02.api.letsencrypt.org/directory");
        expect(load({ domain: "qa.sophia-ai.com", edge }).edge!.acmeServer).to.equal(LETS_ENCRYPT);
        // Given with none of its sizes, monitoring takes each documented default (docs/04-deployment/stacks.md).
        expect(load({ monitoring: { replicas: { prometheus: 2 } } }).monitoring).to.deep.include({ retention: "15d", storage: "50Gi", scrapeInterval: "30s" });
    });
});
