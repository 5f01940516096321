// Firewall rulesets: named, region-scoped sets of inbound rules that instances carry from launch.
// The account-wide /firewall-rules list is shared by every stack and person of the account and is
// never read or written here.
import type * as pulumi from "@pulumi/pulumi";
import { diffInputs, isNotFound, outcomeUnknown, LambdaConnection, LambdaError, lambdaRequest, RULESET_IN_USE, Schemas } from "./provider";

export type FirewallRule = Schemas["FirewallRule"];
type ApiRuleset = Schemas["FirewallRuleset"];

export interface RulesetInputs extends LambdaConnection {
    /** sophia-<environment>-<region>: the name says whose it is, and a create adopts a ruleset of this name and region. */
    readonly name: string;
    readonly region: string;
    /** The rules the ruleset starts with (SSH from the admin ranges, the edge); its rules resource owns them after. */
    readonly initialRules: FirewallRule[];
    /** How long a delete waits for terminating instances to let go of the ruleset, and how often it looks. */
    readonly releaseTimeoutSeconds: number;
    readonly pollSeconds: number;
}

async function findRuleset(inputs: RulesetInputs): Promise<ApiRuleset | undefined> {
    const all = (await lambdaRequest<{ data: ApiRuleset[] }>(inputs, "GET", "/firewall-rulesets")).data;
    return all.find((r) => r.name === inputs.name && r.region.name === inputs.region);
}

async function getRuleset(conn: LambdaConnection, id: string): Promise<ApiRuleset | undefined> {
    try {
        return (await lambdaRequest<{ data: ApiRuleset }>(conn, "GET", `/firewall-rulesets/${encodeURIComponent(id)}`)).data;
    } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
    }
}

/** Deletes the ruleset once no instance uses it: terminated instances let go of it a while after the terminate call. */
async function deleteWhenReleased(id: string, props: RulesetInputs): Promise<void> {
    const deadline = Date.now() + props.releaseTimeoutSeconds * 1000;
    for (;;) {
        try {
            await lambdaRequest(props, "DELETE", `/firewall-rulesets/${encodeURIComponent(id)}`);
            return;
        } catch (error) {
            if (isNotFound(error)) return;
            if ((error as LambdaError).code !== RULESET_IN_USE) throw error;
            if (Date.now() >= deadline) {
                const users = (await getRuleset(props, id))?.instance_ids ?? [];
                throw new Error(
                    `Firewall ruleset ${props.name} (${id}) is still used by instance(s) ${users.join(", ")} after ${props.releaseTimeoutSeconds} s. ` +
                        `Terminate them (POST /instance-operations/terminate with their ids, or in the Lambda console) and run the delete again.`,
                    { cause: error },
                );
            }
            await new Promise((resolve) => setTimeout(resolve, props.pollSeconds * 1000));
        }
    }
}

/** One ruleset per stack and region. A new name or region replaces it; its rules belong to LambdaFirewallRulesetRules. */
export const rulesetProvider = {
    async create(inputs: RulesetInputs) {
        const existing = await findRuleset(inputs);
        if (existing) return { id: existing.id, outs: { ...inputs } };
        const body: Schemas["FirewallRulesetCreateRequest"] = {
            name: inputs.name,
            region: inputs.region as Schemas["FirewallRulesetCreateRequest"]["region"],
            rules: inputs.initialRules,
        };
        try {
            const created = await lambdaRequest<{ data: ApiRuleset }>(inputs, "POST", "/firewall-rulesets", body, { idempotent: false });
            return { id: created.data.id, outs: { ...inputs } };
        } catch (error) {
            // A 5xx or a dropped connection may come after the ruleset was made: its name and region find it.
            const made = outcomeUnknown(error) ? await findRuleset(inputs) : undefined;
            if (made) return { id: made.id, outs: { ...inputs } };
            throw error;
        }
    },
    async read(id: string, props: RulesetInputs) {
        const ruleset = await getRuleset(props, id);
        if (!ruleset) return { id: undefined, props };
        return { id, props: { ...props, name: ruleset.name, region: ruleset.region.name } };
    },
    diff(_id: string, olds: RulesetInputs, news: RulesetInputs) {
        return Promise.resolve(
            diffInputs<RulesetInputs>(olds, news, ["name", "region"], ["apiUrl", "apiKey", "pacing", "releaseTimeoutSeconds", "pollSeconds"]),
        );
    },
    update(_id: string, _olds: RulesetInputs, news: RulesetInputs) {
        return Promise.resolve({ outs: { ...news } });
    },
    async delete(id: string, props: RulesetInputs) {
        await deleteWhenReleased(id, props);
    },
} satisfies pulumi.dynamic.ResourceProvider;

export interface RulesetRulesInputs extends LambdaConnection {
    readonly rulesetId: string;
    /** Every rule of the ruleset: the initial ones and those between the cluster's machines. */
    readonly rules: FirewallRule[];
}

const setRules = (inputs: RulesetRulesInputs, rules: FirewallRule[]): Promise<unknown> =>
    lambdaRequest(inputs, "PATCH", `/firewall-rulesets/${encodeURIComponent(inputs.rulesetId)}`, { rules } satisfies Schemas["FirewallRulesetPatchRequest"]);

/**
 * The rules of a ruleset, written once its machines have addresses (the peers' rules need them,
 * and the machines need the ruleset at launch). PATCH replaces the whole list, so a write is atomic.
 */
export const rulesetRulesProvider = {
    async create(inputs: RulesetRulesInputs) {
        await setRules(inputs, inputs.rules);
        return { id: `${inputs.rulesetId}-rules`, outs: { ...inputs } };
    },
    async read(id: string, props: RulesetRulesInputs) {
        const ruleset = await getRuleset(props, props.rulesetId);
        if (!ruleset) return { id: undefined, props };
        return { id, props: { ...props, rules: ruleset.rules } };
    },
    diff(_id: string, olds: RulesetRulesInputs, news: RulesetRulesInputs) {
        return Promise.resolve(diffInputs<RulesetRulesInputs>(olds, news, ["rulesetId"], ["rules", "apiUrl", "apiKey", "pacing"]));
    },
    async update(_id: string, _olds: RulesetRulesInputs, news: RulesetRulesInputs) {
        await setRules(news, news.rules);
        return { outs: { ...news } };
    },
    delete() {
        // The ruleset goes with its last machine; until then its rules keep the running machines reachable.
        return Promise.resolve();
    },
} satisfies pulumi.dynamic.ResourceProvider;
