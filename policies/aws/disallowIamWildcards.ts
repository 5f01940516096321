import type { ResourceRule } from "../rule";
import { awsProps, type PolicyDocument, type PolicyStatement } from "../shapes";
import { asList, AWS, policyDocument } from "./buckets";

/** "*" or an ARN whose resource part is only a wildcard ("arn:aws:s3:::*"), or it and "/*" (every bucket's objects); "arn:aws:s3:::bucket/*" is a bucket's objects. */
const wildcardResource = (r: string): boolean => r === "*" || /^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*(\/\*)?$/.test(r);

export function wildcardProblems(document: PolicyDocument): string[] {
    return asList(document.Statement).flatMap((s, index) => (s?.Effect === "Allow" ? statementProblems(s, index) : []));
}

function statementProblems(s: PolicyStatement, index: number): string[] {
    const messages: string[] = [];
    const where = `statement ${s.Sid ? `"${s.Sid}"` : index}`;
    for (const a of asList(s.Action).map(String)) if (a.includes("*")) messages.push(`${where} allows wildcard action ${a}`);
    for (const r of asList(s.Resource).map(String)) if (wildcardResource(r)) messages.push(`${where} allows wildcard resource ${r}`);
    if (s.NotAction !== undefined) messages.push(`${where} allows everything but NotAction`);
    if (s.NotResource !== undefined) messages.push(`${where} applies to everything but NotResource`);
    return messages;
}

export const disallowIamWildcards: ResourceRule = {
    kind: "resource",
    id: "disallow-iam-wildcards",
    description: "IAM policies must not allow wildcard actions or resources.",
    rationale: "A backup writer's credentials are on every node; with s3:* or Resource * their leak deletes every bucket instead of writing one prefix.",
    remediation: "List the exact actions (s3:PutObject, s3:GetObject…) and the bucket ARNs (arn:aws:s3:::<bucket> and arn:aws:s3:::<bucket>/*).",
    severity: "critical",
    topics: ["aws", "iam", "least-privilege"],
    resourceTypes: [AWS.iamPolicy, AWS.iamUserPolicy, AWS.iamRolePolicy, AWS.iamGroupPolicy],
    check(resource) {
        const document = policyDocument(awsProps(resource).policy);
        return document ? wildcardProblems(document) : [];
    },
};
