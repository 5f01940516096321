import type { Rule } from "../rule";
import { disallowWildcardHosts } from "./disallow-wildcard-hosts";
import { requireRouteAuthentication } from "./require-route-authentication";
import { requireRouteTls } from "./require-route-tls";

/** The edge's rules: TLS on every route, authentication on every public route, exact hosts. */
export const EDGE_RULES: Rule[] = [requireRouteTls, requireRouteAuthentication, disallowWildcardHosts];
