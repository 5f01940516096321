// Which unknown keys are taken for secrets' names (SLACK_BOT_TOKEN): only a whole upper-case name.
// A misspelt setting with capitals in it is a setting: its value is shown, and it is reported even
// before the catalog says which secrets are used.
import { expect } from "chai";
import { configKeyProblems, ConfigKeyCheck } from "../../stacks/configKeys";

const check = (keys: Record<string, string>, secrets: readonly string[] | undefined): ConfigKeyCheck => ({
    stack: "qa",
    keys: Object.keys(keys),
    secrets,
    read: (key) => keys[`sophia:${key}`],
    isSecret: () => false,
});

describe("unknown keys named almost like secrets", () => {
    for (const name of ["Target", "myTOKEN", "SLACK_token", "Registry_URL"])
        it(`take ${name} for a misspelt setting, not a secret: its value shows, before the secrets are known too`, () => {
            for (const secrets of [undefined, ["SLACK_BOT_TOKEN"]]) {
                const { problems } = configKeyProblems(check({ [`sophia:${name}`]: "plain-value" }, secrets));
                expect(problems, `${name} with secrets ${JSON.stringify(secrets)}`).to.have.length(1);
                expect(problems[0].message).to.match(/^got "plain-value"; unknown key/);
            }
        });

    it("wait for the secrets before judging a whole upper-case name, then hide its value", () => {
        expect(configKeyProblems(check({ "sophia:OLD_API_TOKEN": "t0ken-value" }, undefined)).problems).to.deep.equal([]);
        const [problem] = configKeyProblems(check({ "sophia:OLD_API_TOKEN": "t0ken-value" }, ["SLACK_BOT_TOKEN"])).problems;
        expect(problem.message).to.match(/^got \[secret\]; secret OLD_API_TOKEN is supplied but no server or component uses it/);
    });
});
