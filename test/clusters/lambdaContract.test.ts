import { expect } from "chai";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../support/plan";
import { checkDocument, DOCUMENT } from "../support/lambdaApi";

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
});
