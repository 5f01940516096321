// The ESC project's settings (esc/Pulumi.<stack>.yaml, namespace sophia-esc), read in process.
import { expect } from "chai";
import * as path from "path";
import { InvalidInputError } from "../../stacks/problems";
import { loadEscSettings } from "../../esc/settings";

const PROJECT_DIR = path.join(path.sep, "srv", "platform", "esc");
const load = (config: Record<string, string>, stack = "platform") => loadEscSettings(stack, (key) => config[key], PROJECT_DIR);

/** The problems of an invalid configuration, as `where: message` lines. */
function problemsOf(config: Record<string, string>, stack = "platform"): string[] {
    try {
        load(config, stack);
    } catch (error) {
        expect(error).to.be.instanceOf(InvalidInputError);
        expect((error as Error).message).to.match(new RegExp(`^Invalid settings for ESC stack "${stack}": \\d+ problem\\(s\\)`));
        return (error as InvalidInputError).problems.map((p) => `${p.where}: ${p.message}`);
    }
    throw new Error("the settings were accepted");
}

const rotation = (overrides: Record<string, unknown> = {}) =>
    JSON.stringify({
        prod: {
            region: "eu-west-1",
            oidcRoleArn: "arn:aws:iam::123456789012:role/esc-rotation",
            users: { backupAwsIamUser: "arn:aws:iam::123456789012:user/sophia-backup" },
            ...overrides,
        },
    });

describe("ESC project settings", () => {
    it("fills every default beside the organization, and places the platform project one folder up", () => {
        expect(load({ organization: "sophia-ai" })).to.deep.equal({
            organization: "sophia-ai",
            environmentProject: "sophia",
            platformDir: path.join(path.sep, "srv", "platform"),
            teams: { ci: "sophia-ci", admins: "platform-admins" },
            releaseTag: "stable",
            awsRotation: {},
            stack: "platform",
        });
    });

    it("keeps what the stack file sets, resolving platformDir from the project's folder", () => {
        const settings = load({
            organization: "acme.ai_2",
            environmentProject: "sophia-next",
            platformDir: "../platform-copy",
            teams: JSON.stringify({ ci: "deployers" }),
            releaseTag: "v2",
            awsRotation: rotation(),
        });
        expect(settings).to.deep.include({ organization: "acme.ai_2", environmentProject: "sophia-next", releaseTag: "v2" });
        expect(settings.platformDir).to.equal(path.join(path.sep, "srv", "platform", "platform-copy"));
        // A team left out keeps its default.
        expect(settings.teams).to.deep.equal({ ci: "deployers", admins: "platform-admins" });
        expect(load({ organization: "o", teams: JSON.stringify({ admins: "owners" }) }).teams).to.deep.equal({ ci: "sophia-ci", admins: "owners" });
        expect(settings.awsRotation.prod.users.backupAwsIamUser).to.equal("arn:aws:iam::123456789012:user/sophia-backup");
        expect(load({ organization: "o", platformDir: "/abs/platform" }).platformDir).to.equal(path.resolve("/abs/platform"));
    });

    it("reads the config under the project's own namespace", () => {
        const asked: string[] = [];
        loadEscSettings("platform", (key) => (asked.push(key), key === "organization" ? "sophia-ai" : undefined), PROJECT_DIR);
        expect(asked).to.have.members(["organization", "environmentProject", "platformDir", "teams", "releaseTag", "awsRotation"]);
    });

    it("requires the organization, naming the stack file and key", () => {
        expect(problemsOf({}, "edge")).to.deep.equal(["Pulumi.edge.yaml sophia-esc:organization: not set; expected a string"]);
    });

    it("lists every problem at once, each with its key and the value it got", () => {
        const problems = problemsOf({
            organization: "-sophia",
            environmentProject: "sophia/prod",
            releaseTag: "",
            teams: "platform-admins",
            awsRotation: rotation({
                region: "Europe",
                oidcRoleArn: "arn:aws:iam::1234:role/esc",
                users: { backupAwsIamUser: "arn:aws:iam::123456789012:role/backup" },
            }),
        });
        expect(problems).to.have.length(7);
        expect(problems).to.include.members([
            `Pulumi.platform.yaml sophia-esc:teams: got "platform-admins"; expected an object`,
            'Pulumi.platform.yaml sophia-esc:awsRotation.prod.region: got "Europe"; expected an AWS region such as eu-west-1',
            'Pulumi.platform.yaml sophia-esc:awsRotation.prod.oidcRoleArn: got "arn:aws:iam::1234:role/esc"; expected an IAM role ARN such as arn:aws:iam::123456789012:role/name',
            'Pulumi.platform.yaml sophia-esc:awsRotation.prod.users.backupAwsIamUser: got "arn:aws:iam::123456789012:role/backup"; expected an IAM user ARN such as arn:aws:iam::123456789012:user/name',
        ]);
        for (const key of ["organization", "environmentProject", "releaseTag"]) {
            expect(
                problems.find((p) => p.startsWith(`Pulumi.platform.yaml sophia-esc:${key}:`)),
                key,
            ).to.include("expected a name of letters, digits, '.', '_' or '-'");
        }
    });

    it("accepts the AWS partitions' ARNs and regions, and refuses a name with a space or a region without its number", () => {
        const ok = load({
            organization: "o",
            awsRotation: rotation({ region: "us-gov-west-1", oidcRoleArn: "arn:aws-us-gov:iam::123456789012:role/path/esc" }),
        });
        expect(ok.awsRotation.prod.region).to.equal("us-gov-west-1");
        expect(problemsOf({ organization: "sophia ai", awsRotation: rotation({ region: "eu-west" }) })).to.have.length(2);
        expect(problemsOf({ organization: "o", awsRotation: rotation({ oidcRoleArn: "xarn:aws:iam::123456789012:role/esc" }) })).to.have.length(1);
        expect(problemsOf({ organization: "o", awsRotation: rotation({ oidcRoleArn: "arn:aws:iam::123456789012:role/" }) })).to.have.length(1);
        expect(problemsOf({ organization: "o", awsRotation: rotation({ region: "eu-west-1x" }) })).to.have.length(1);
        expect(problemsOf({ organization: "o", awsRotation: rotation({ region: "EU-eu-west-1" }) })).to.have.length(1);
    });

    it("refuses a key it does not know, inside teams and inside a stack's rotation", () => {
        const problems = problemsOf({ organization: "o", teams: JSON.stringify({ ci: "c", viewers: "v" }), awsRotation: rotation({ role: "x" }) });
        expect(problems).to.have.length(2);
        expect(problems.join("\n"))
            .to.include("sophia-esc:teams")
            .and.to.include("viewers")
            .and.to.include("sophia-esc:awsRotation.prod")
            .and.to.include("role");
    });

    it("refuses awsRotation that is not JSON, quoting it", () => {
        expect(problemsOf({ organization: "o", awsRotation: "{prod: eu-west-1}" })).to.deep.equal([
            `Pulumi.platform.yaml sophia-esc:awsRotation: got "{prod: eu-west-1}"; expected an object`,
        ]);
    });
});
