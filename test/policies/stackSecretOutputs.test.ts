import { expect } from "chai";
import { SECRET } from "../../policies/rule";
import { disallowSecretOutputs, PLAINTEXT_SECRET_MARKER, redactPlainSecrets, STACK } from "../../policies/stack/disallowSecretOutputs";
import { SWARM_CONFIG } from "../../policies/stack/requireMcpServerMonitoring";
import { checkStack, urnOf, type Fixture } from "./fixtures";

type Obj = Record<string, any>;
const res = (type: string, name: string, props: Obj): Fixture => ({ type, urn: urnOf(type, name), name, props });
const stack = (outputs: Obj) => res(STACK, "sophia-test", outputs);
const encoded = (text: string) => Buffer.from(text, "utf8").toString("base64");
const leak = (path: string) => ({ urn: urnOf(STACK, "sophia-test"), message: `stack output ${path} contains a secret value in plain text` });

describe(`${disallowSecretOutputs.id}: which values are secrets`, () => {
    it("does not take a Swarm config's content for a secret, though it is base64 data like a Docker secret's", () => {
        const config = res(SWARM_CONFIG, "edge-config", { name: "sophia-edge", data: encoded("listen: 0.0.0.0:8080") });
        expect(checkStack(disallowSecretOutputs, [stack({ edgeConfig: "listen: 0.0.0.0:8080" }), config])).to.deep.equal([]);
    });

    it("does not look for the redaction placeholder of a Secret whose values are themselves secret", () => {
        // The Secret's plaintext never reached the rule, so an output showing the placeholder leaks nothing.
        const redacted = res("kubernetes:core/v1:Secret", "api-secrets", { stringData: { API_KEY: SECRET } });
        expect(checkStack(disallowSecretOutputs, [stack({ header: `Authorization: Bearer ${SECRET}` }), redacted])).to.deep.equal([]);
    });

    it("skips a Kubernetes Secret value that is not a string and still checks the others", () => {
        const secret = res("kubernetes:core/v1:Secret", "db", { data: { EMPTY: null, PASSWORD: encoded("pg-password-123") } });
        expect(checkStack(disallowSecretOutputs, [stack({ dsn: "postgres://u:pg-password-123@db" }), secret])).to.deep.equal([leak("dsn")]);
    });
});

describe(`${disallowSecretOutputs.id}: which outputs are read`, () => {
    it("skips null, number and boolean outputs and reports the string one that leaks", () => {
        const secret = res("kubernetes:core/v1:Secret", "s", { stringData: { TOKEN: "tok-1234567890" } });
        const outputs = stack({ replicas: 2, public: false, note: null, nested: { none: null, token: "t=tok-1234567890" } });
        expect(checkStack(disallowSecretOutputs, [outputs, secret])).to.deep.equal([leak("nested.token")]);
    });
});

describe("redactPlainSecrets", () => {
    it("redacts a secret of exactly 8 characters, the shortest the rule reports", () => {
        expect(redactPlainSecrets({ token: "12345678", port: "5432" }, ["12345678"])).to.deep.equal({ token: PLAINTEXT_SECRET_MARKER, port: "5432" });
        // The rule flags the same value, so the plan must not carry it.
        expect(checkStack(disallowSecretOutputs, [stack({ token: "12345678" })], {}, ["12345678"])).to.deep.equal([leak("token")]);
    });
});
