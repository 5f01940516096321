import type { Rule } from "../rule";
import { disallowWildcardHosts } from "./disallowWildcardHosts";
import { requireRouteAuthentication } from "./requireRouteAuthentication";
import { requireRouteTls } from "./requireRouteTls";

/** The edge's rules: TLS on every route, authentication on every public route, exact hosts. */
export const EDGE_RULES: Rule[] = [requireRouteTls, requireRouteAuthentication, disallowWildcardHosts];
