// `npm run test:scanners`: the slower tier that runs Checkov (see checkov.ts). Not part of `npm test`.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { filesUnder, kubernetesStacks, planOf, ROOT } from "../support/plan";
import { acceptedBy, ensureCheckov, readAccepted, scan, type Finding } from "./checkov";

const STACKS_ON_KUBERNETES = kubernetesStacks();
const accepted = readAccepted();
const everyFinding: Finding[] = [];

const unaccepted = (findings: readonly Finding[]) =>
    findings.filter((f) => !acceptedBy(f, accepted)).map((f) => `${f.check} ${f.resource} (${f.file}): ${f.name}`);

describe("Checkov", function () {
    this.timeout(1_200_000);
    let checkov: string;
    before(() => {
        checkov = ensureCheckov(process.env.CHECKOV_VENV ?? path.join(ROOT, ".cache", "checkov-venv"));
    });

    it("every accepted finding names its check, the resources it covers and why", () => {
        for (const a of accepted) {
            expect(a.check, JSON.stringify(a)).to.match(/^CKV2?_[A-Z0-9]+_\d+$/);
            expect(a.resources, a.check).to.not.be.empty;
            expect(a.reason.length, a.check).to.be.greaterThan(60);
        }
    });

    for (const stack of STACKS_ON_KUBERNETES) {
        it(`finds nothing unaccepted in the ${stack} plan's Kubernetes manifests`, () => {
            const dir = path.join(planOf(stack).out, stack, "k8s");
            expect(filesUnder(dir).filter((f) => f.endsWith(".yaml"))).to.not.be.empty;
            const findings = scan(checkov, { dir }, "kubernetes");
            everyFinding.push(...findings);
            expect(unaccepted(findings)).to.deep.equal([]);
        });
    }

    it("finds nothing unaccepted in the GitHub workflows", () => {
        const findings = scan(checkov, { dir: path.join(ROOT, ".github", "workflows") }, "github_actions");
        everyFinding.push(...findings);
        expect(unaccepted(findings)).to.deep.equal([]);
    });

    it("finds nothing unaccepted in the Dockerfiles", () => {
        const dockerfiles = filesUnder(path.join(ROOT, "images")).filter((f) => path.basename(f) === "Dockerfile");
        expect(dockerfiles).to.not.be.empty;
        for (const file of dockerfiles) {
            const findings = scan(checkov, { file: path.relative(ROOT, file) }, "dockerfile");
            everyFinding.push(...findings);
            expect(unaccepted(findings), file).to.deep.equal([]);
        }
    });

    it("still sees a planted finding (a privileged container is not accepted)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "checkov-planted-"));
        fs.writeFileSync(
            path.join(dir, "pod.yaml"),
            "apiVersion: v1\nkind: Pod\nmetadata: { name: planted, namespace: sophia-mcp }\nspec:\n  containers:\n    - name: x\n      image: registry.sophia-ai.com/x:1\n      securityContext: { privileged: true }\n",
        );
        const findings = scan(checkov, { dir }, "kubernetes");
        fs.rmSync(dir, { recursive: true });
        expect(unaccepted(findings).join("\n")).to.match(/CKV_K8S_16 Pod.sophia-mcp.planted/);
    });

    it("every accepted entry still matches a finding (fixed findings leave the list)", () => {
        for (const a of accepted) {
            const used = everyFinding.some((f) => acceptedBy(f, [a]) === a);
            expect(used, `${a.check} ${a.resources.join(", ")} no longer matches any finding: remove it`).to.equal(true);
        }
    });
});
