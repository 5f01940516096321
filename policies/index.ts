// The CrossGuard policy pack: `pulumi preview --policy-pack policies --policy-pack-config policies/config/<stack>.json`.
// The only file that constructs the PolicyPack (constructing one starts the analyzer's gRPC server).
import { PolicyPack } from "@pulumi/policy";
import { keepEngineRequests } from "./engine";
import { toPolicy } from "./pack";
import { RULES } from "./rules";

// Before the pack's server is built: the rules read secrets and unknowns from the requests as sent.
keepEngineRequests();

new PolicyPack("sophia-platform", {
    description: "Security and reliability rules of the Sophia platform: Pod Security restricted, Swarm services, backup storage and stack-level checks.",
    // Without a config file every rule blocks; each stack's file sets its levels (advisory in dev).
    enforcementLevel: "mandatory",
    policies: RULES.map(toPolicy),
});
