import { expect } from "chai";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../support/plan";
import { checkDocument, DOCUMENT } from "../support/lambdaApi";
import { loadCatalog } from "../../catalog";
import { LAMBDA_API_URL } from "../../clusters/lambda/client";

const LAMBDA = path.join(ROOT, "clusters", "lambda");

describe("Lambda Cloud API contract (clusters/lambda/openapi-1.8.3.json)", () => {
    it("is the published document, unedited: its SHA-256 is the one its provenance records", () => {
        const recorded = /SHA-256 \| `([0-9a-f]{64})`/.exec(fs.readFileSync(path.join(LAMBDA, "README.md"), "utf8"))?.[1];
        const actual = crypto
            .createHash("sha256")
            .update(fs.readFileSync(path.join(LAMBDA, "openapi-1.8.3.json")))
            .digest("hex");
        expect(actual).to.equal(recorded);
    });

    it("is valid OpenAPI 3.1 (a validator of the OpenAPI schema judges)", async () => {
        expect(await checkDocument(DOCUMENT)).to.deep.include({ valid: true });
        expect(await checkDocument({ ...DOCUMENT, paths: 7 })).to.deep.include({ valid: false });
    });

    it("has committed types that are what `npm run lambda:types` generates from it", () => {
        const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lambda-types-")), "api.d.ts");
        try {
            const cli = path.join(ROOT, "node_modules", "openapi-typescript", "bin", "cli.js");
            execFileSync(process.execPath, [cli, path.join(LAMBDA, "openapi-1.8.3.json"), "-o", out], { stdio: "pipe" });
            const committed = fs.readFileSync(path.join(LAMBDA, "api.d.ts"), "utf8");
            expect(committed === fs.readFileSync(out, "utf8"), "clusters/lambda/api.d.ts is stale: run `npm run lambda:types` and commit it").to.equal(true);
        } finally {
            fs.rmSync(path.dirname(out), { recursive: true, force: true });
        }
    });

    it("is what the catalog's Lambda agents reach: the document's production host, not its deprecated one", () => {
        const { servers } = JSON.parse(fs.readFileSync(path.join(LAMBDA, "openapi-1.8.3.json"), "utf8")) as { servers: { url: string; description: string }[] };
        const production = servers.filter((s) => !/deprecated/i.test(s.description)).map((s) => new URL(s.url).hostname);
        const deprecated = servers.filter((s) => /deprecated/i.test(s.description)).map((s) => new URL(s.url).hostname);
        expect(production).to.have.length(1);
        expect(new URL(LAMBDA_API_URL).hostname).to.equal(production[0]);
        const agents = loadCatalog().servers.filter((s) => s.secrets.includes("LAMBDA_API_KEY"));
        expect(agents, "catalog servers holding LAMBDA_API_KEY").to.not.be.empty;
        for (const agent of agents) {
            expect(agent.outbound, agent.name).to.include(production[0]);
            for (const old of deprecated) expect(agent.outbound, agent.name).to.not.include(old);
        }
    });
});
