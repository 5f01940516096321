import type { McpRoute, UiRoute, Upstream } from "./routes";

/**
 * The edge gateway's nginx.conf: the one place where MCP clients and humans are authenticated, on
 * every target. Tokens and sessions are checked by oauth2-proxy through `auth_request`; the gateway
 * adds what the MCP authorization spec asks of a resource server (the 401 challenge naming the
 * protected-resource metadata, the metadata document itself), the per-server client allowlist,
 * per-client rate limits, body-size limits, security headers and unbuffered, long-lived streams.
 */
export interface GatewayModel {
    /** Plain HTTP listener: redirects to HTTPS when TLS ends here, else it is the routed port. */
    readonly httpPort: number;
    /** When the gateway terminates TLS (Swarm): its port and the certificate files. */
    readonly tls?: { readonly port: number; readonly certificate: string; readonly privateKey: string };
    /** Behind a cluster ingress controller, the client address comes from X-Forwarded-For. */
    readonly trustForwardedFor: boolean;
    /** Writable directory for the pid file and temporary bodies (the root filesystem is read-only). */
    readonly runtimeDir: string;
    readonly oauth2Proxy: Upstream;
    /**
     * The DNS server the gateway asks for a `sessionAffinity` server's replicas while it runs
     * (Docker's 127.0.0.11 on Swarm, the cluster DNS on Kubernetes); needed only when one is routed.
     */
    readonly resolver?: string;
    readonly issuer: string;
    readonly mcp: readonly McpRoute[];
    readonly uis: readonly UiRoute[];
    readonly rateLimit: { readonly requestsPerSecond: number; readonly burst: number };
    readonly maxRequestBodySize: string;
    readonly streamTimeoutSeconds: number;
}

/** Path of the health endpoint on the plain HTTP listener. */
export const HEALTH_PATH = "/healthz";
/** The header carrying the authenticated client identity to MCP servers. */
export const CLIENT_HEADER = "X-Sophia-Client";

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

const SECURITY_HEADERS = [
    'add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;',
    'add_header X-Content-Type-Options "nosniff" always;',
    'add_header X-Frame-Options "DENY" always;',
    'add_header Referrer-Policy "no-referrer" always;',
];
/** MCP endpoints serve JSON and event streams, never documents: nothing may load or frame them. */
const MCP_HEADERS = [...SECURITY_HEADERS, `add_header Content-Security-Policy "default-src 'none'; frame-ancestors 'none'" always;`];

const upstreamName = (prefix: string, name: string): string => `${prefix}_${name.replace(/-/g, "_")}`;

/** nginx strings are single-quoted here; the values rendered into them never contain quotes. */
function quoted(text: string): string {
    if (/['\\$]/.test(text)) throw new Error(`cannot render ${JSON.stringify(text)} into nginx.conf`);
    return `'${text}'`;
}

function indent(lines: readonly string[], depth: number): string[] {
    // Stryker disable next-line ConditionalExpression,StringLiteral: indentation and blank lines are for the reader; nginx reads the text without them alike
    return lines.map((l) => (l === "" ? "" : `${"    ".repeat(depth)}${l}`));
}

function block(head: string, body: readonly string[]): string[] {
    return [`${head} {`, ...indent(body, 1), "}"];
}

function listen(model: GatewayModel): string[] {
    if (!model.tls) return [`listen ${model.httpPort};`];
    return [`listen ${model.tls.port} ssl;`, `ssl_certificate ${model.tls.certificate};`, `ssl_certificate_key ${model.tls.privateKey};`];
}

const proxyHeaders = [
    "proxy_http_version 1.1;",
    'proxy_set_header Connection "";',
    "proxy_set_header Host $host;",
    "proxy_set_header X-Real-IP $remote_addr;",
    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "proxy_set_header X-Forwarded-Proto https;",
];

/** The sub-request every protected location makes: headers only, oauth2-proxy answers 202 or 401. */
function authLocation(): string[] {
    return block("location = /oauth2/auth", [
        "internal;",
        "proxy_pass http://oauth2_proxy;",
        // HTTP/1.1 without "Connection: close", so the upstream's keepalive connections are reused.
        "proxy_http_version 1.1;",
        'proxy_set_header Connection "";',
        // Stryker disable next-line StringLiteral: the sub-request runs in the access phase, before nginx reads the body, so there is none to pass either way; nginx's auth_request docs ask for the line
        "proxy_pass_request_body off;",
        'proxy_set_header Content-Length "";',
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-Uri $request_uri;",
        "proxy_set_header X-Forwarded-Proto https;",
    ]);
}

/** How long the gateway keeps a replica list before asking the DNS again (a rolling update shows within it). */
export const REPLICA_LOOKUP_SECONDS = 5;

/** How long the gateway waits for the DNS to list a server's replicas (nginx's own default is 30 s). */
export const REPLICA_LOOKUP_TIMEOUT_SECONDS = 5;

/** How long the gateway waits for a replica of a server with session affinity to take a connection (less than any stream timeout). */
export const REPLICA_CONNECT_SECONDS = 5;

/**
 * Where a route's requests go. A server without session affinity is reached at its service address.
 * A server with it is reached at the replicas its DNS name lists, looked up while the gateway runs (a
 * variable in proxy_pass makes nginx ask the resolver, so a rolling update's new replicas are found
 * without a restart). A request without a session goes to one of them (the resolver's answer starts
 * at a random replica). A request naming a session is offered to the replicas in turn until one does
 * not answer 404, which every replica but the session's own answers (the MCP spec's answer for a session
 * a server does not hold); it acted on nothing, so the retry is safe for a POST too, as it is after a
 * refused connection or a connect timeout. A replica that accepted the request but answers slowly is not
 * passed over. When no replica holds the session any more, the client gets the last 404 and initializes
 * again. The edge stores nothing, so sessions survive a gateway restart and work across gateway
 * replicas, and no client input can steer a request to an address the DNS did not name for that server.
 */
function mcpProxy(model: GatewayModel, route: McpRoute, upstream: string): string[] {
    if (!route.sessionAffinity) return [`proxy_pass http://${upstream};`];
    return [
        `resolver ${model.resolver} valid=${REPLICA_LOOKUP_SECONDS}s ipv6=off;`,
        `resolver_timeout ${REPLICA_LOOKUP_TIMEOUT_SECONDS}s;`,
        `set $mcp_replicas ${route.replicas};`,
        `proxy_pass http://$mcp_replicas:${route.upstream.port};`,
        // A replica that died may take connections nowhere until the orchestrator notices (its
        // address is still listed): after REPLICA_CONNECT_SECONDS the request moves on. A replica that
        // is slow to answer may still be running the call: offered to another replica, a tool call
        // would run twice and a live session would be answered as lost. nginx tells no timeouts apart,
        // so time does: no request moves on once the stream timeout has passed since its first try,
        // and a read timeout takes that long on its own.
        "proxy_next_upstream error timeout http_404 non_idempotent;",
        `proxy_next_upstream_timeout ${model.streamTimeoutSeconds}s;`,
        `proxy_connect_timeout ${REPLICA_CONNECT_SECONDS}s;`,
        // When the last replica asked could not be reached, nginx answers 502 (refused) or 504 (connect
        // timeout) where the session's answer is 404.
        `error_page 502 = @${upstream}_unreachable;`,
        `error_page 504 = @${upstream}_timed_out;`,
    ];
}

/** A session whose replica cannot be reached is gone: 404, so the client initializes again; without a session it stays 502. */
function unreachableReplica(upstream: string): string[] {
    const answer = [
        ...block('if ($http_mcp_session_id = "")', ["return 502;"]),
        "default_type application/json;",
        ...MCP_HEADERS,
        `return 404 ${quoted('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}')};`,
    ];
    return [
        ...block(`location @${upstream}_unreachable`, answer),
        // A replica that took the connection and timed out may still be running the call: 504, the
        // session lives on. One that never took it ("-" as its connect time) is unreachable.
        ...block(`location @${upstream}_timed_out`, [...block('if ($upstream_connect_time !~ "-$")', ["return 504;"]), ...answer]),
    ];
}

function mcpServer(model: GatewayModel, route: McpRoute): string[] {
    const upstream = upstreamName("mcp", route.server);
    const metadata = JSON.stringify({
        resource: route.resource,
        authorization_servers: [model.issuer],
        bearer_methods_supported: ["header"],
        resource_name: route.server,
    });
    const challenge = `Bearer resource_metadata="https://${route.host}${route.metadataPath}"`;
    return block("server", [
        ...listen(model),
        `server_name ${route.host};`,
        `set $mcp_server ${route.server};`,
        ...SECURITY_HEADERS,
        "",
        ...block(`location = ${route.metadataPath}`, ["default_type application/json;", ...MCP_HEADERS, `return 200 ${quoted(metadata)};`]),
        ...authLocation(),
        // Authentication runs in the access phase; the allowlist and the per-client limit need its
        // result, so they run in a named location reached after it (try_files runs after access).
        ...block(`location = ${route.mcpPath}`, [
            "auth_request /oauth2/auth;",
            "auth_request_set $mcp_client $upstream_http_x_auth_request_user;",
            "error_page 401 = @unauthorized;",
            `try_files /nonexistent @${upstream};`,
        ]),
        ...block(`location @${upstream}`, [
            "default_type application/json;",
            `limit_req zone=mcp_clients burst=${model.rateLimit.burst} nodelay;`,
            ...block("if ($mcp_client_allowed = 0)", [
                `return 403 ${quoted('{"error":"insufficient_scope","error_description":"this client may not use this server"}')};`,
            ]),
            ...MCP_HEADERS,
            ...mcpProxy(model, route, upstream),
            ...proxyHeaders,
            // The token stays at the edge; the server learns who called from the client header.
            'proxy_set_header Authorization "";',
            `proxy_set_header ${CLIENT_HEADER} $mcp_client;`,
            // Streamable HTTP: responses may be event streams that must flow as they are written.
            "proxy_buffering off;",
            // Stryker disable next-line StringLiteral: no proxy_cache_path is declared, so nothing is cached without this line either; it says so to the reader
            "proxy_cache off;",
            `proxy_read_timeout ${model.streamTimeoutSeconds}s;`,
            `proxy_send_timeout ${model.streamTimeoutSeconds}s;`,
        ]),
        ...(route.sessionAffinity ? unreachableReplica(upstream) : []),
        ...block("location @unauthorized", [
            "default_type application/json;",
            ...MCP_HEADERS,
            `add_header WWW-Authenticate ${quoted(challenge)} always;`,
            `return 401 ${quoted('{"error":"invalid_token","error_description":"a valid bearer token is required"}')};`,
        ]),
        ...block("location /", ["return 404;"]),
    ]);
}

function uiServer(model: GatewayModel, route: UiRoute): string[] {
    const upstream = upstreamName("ui", route.name);
    return block("server", [
        ...listen(model),
        `server_name ${route.host};`,
        ...SECURITY_HEADERS,
        "",
        ...block("location /oauth2/", ["proxy_pass http://oauth2_proxy;", ...proxyHeaders, "proxy_set_header X-Auth-Request-Redirect $request_uri;"]),
        ...authLocation(),
        ...block("location /", [
            `limit_req zone=ui_clients burst=${model.rateLimit.burst} nodelay;`,
            "auth_request /oauth2/auth;",
            "auth_request_set $ui_user $upstream_http_x_auth_request_user;",
            "auth_request_set $ui_email $upstream_http_x_auth_request_email;",
            "error_page 401 = /oauth2/sign_in;",
            `proxy_pass http://${upstream};`,
            ...proxyHeaders,
            "proxy_set_header X-Forwarded-User $ui_user;",
            "proxy_set_header X-Forwarded-Email $ui_email;",
            "proxy_set_header Upgrade $http_upgrade;",
            "proxy_set_header Connection $connection_upgrade;",
        ]),
    ]);
}

function upstreams(model: GatewayModel): string[] {
    const lines: string[] = [...block("upstream oauth2_proxy", [`server ${model.oauth2Proxy.address}:${model.oauth2Proxy.port};`, "keepalive 8;"])];
    // Servers with session affinity are reached through their replicas' DNS name instead (mcpProxy).
    for (const route of model.mcp.filter((r) => !r.sessionAffinity)) {
        lines.push(...block(`upstream ${upstreamName("mcp", route.server)}`, [`server ${route.upstream.address}:${route.upstream.port};`, "keepalive 16;"]));
    }
    for (const ui of model.uis) lines.push(...block(`upstream ${upstreamName("ui", ui.name)}`, [`server ${ui.upstream.address}:${ui.upstream.port};`]));
    return lines;
}

/** "server:client" pairs the allowlist admits; everything else maps to 0. */
function allowlist(model: GatewayModel): string[] {
    const entries = model.mcp.flatMap((route) => route.clients.map((client) => `${quoted(`${route.server}:${client}`)} 1;`));
    return block('map "$mcp_server:$mcp_client" $mcp_client_allowed', ["default 0;", ...entries]);
}

/**
 * The default servers' name: one no client sends. Each is its port's `default_server`, so it takes
 * every request no name-based server matches whatever name it has.
 */
// Stryker disable next-line StringLiteral: with default_server the name matches nothing that would otherwise fall through, so no name serves alike
const NO_NAME = "server_name _;";

/** Unknown hosts (internal servers included) get nothing: no certificate, no route. */
function defaultServers(model: GatewayModel): string[] {
    const health = block(`location = ${HEALTH_PATH}`, ["access_log off;", "return 200 'ok';"]);
    if (!model.tls) return block("server", [`listen ${model.httpPort} default_server;`, NO_NAME, ...health, ...block("location /", ["return 404;"])]);
    return [
        ...block("server", [`listen ${model.httpPort} default_server;`, NO_NAME, ...health, ...block("location /", ["return 301 https://$host$request_uri;"])]),
        ...block("server", [`listen ${model.tls.port} ssl default_server;`, NO_NAME, "ssl_reject_handshake on;"]),
    ];
}

/** A DNS name or an IPv4 address with an optional port: nothing else may reach the rendered text. */
const DNS_NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/;

/** Every problem of the model at once, each naming the route or field and the fix. */
function modelProblems(model: GatewayModel): string[] {
    const problems: string[] = [];
    const sticky = model.mcp.filter((r) => r.sessionAffinity);
    for (const route of sticky) {
        if (!route.replicas)
            problems.push(`mcp route ${route.server}: sessionAffinity needs \`replicas\`, the DNS name that lists each replica (e.g. tasks.${route.server})`);
        else if (!DNS_NAME.test(route.replicas)) problems.push(`mcp route ${route.server}: replicas ${JSON.stringify(route.replicas)} is not a DNS name`);
    }
    if (sticky.length > 0 && !model.resolver)
        problems.push(
            `resolver: ${sticky.map((r) => r.server).join(", ")} keep sessions on their replicas and need the DNS server that lists them (e.g. 127.0.0.11 on Swarm)`,
        );
    else if (model.resolver !== undefined && !DNS_NAME.test(model.resolver))
        problems.push(`resolver ${JSON.stringify(model.resolver)} is not an address or DNS name (e.g. 127.0.0.11 or 127.0.0.1:5353)`);
    return problems;
}

export function renderGatewayConfig(model: GatewayModel): string {
    const problems = modelProblems(model);
    if (problems.length > 0) throw new Error(`cannot render the edge's nginx.conf:\n  - ${problems.join("\n  - ")}`);
    const dir = model.runtimeDir;
    const { requestsPerSecond } = model.rateLimit;
    const http = [
        "server_tokens off;",
        `log_format edge '$remote_addr $host "$request" $status $body_bytes_sent $request_time client=$mcp_client';`,
        "access_log /dev/stdout edge;",
        `client_body_temp_path ${dir}/client_body;`,
        `proxy_temp_path ${dir}/proxy;`,
        `fastcgi_temp_path ${dir}/fastcgi;`,
        `uwsgi_temp_path ${dir}/uwsgi;`,
        `scgi_temp_path ${dir}/scgi;`,
        `client_max_body_size ${model.maxRequestBodySize};`,
        // Stryker disable next-line StringLiteral: 75 s is nginx's own default; the line only states it for the reader
        "keepalive_timeout 75s;",
        // TLS versions and the session cache are taken from the port's default server, so they are
        // set for every server here rather than in the name-based ones.
        ...(model.tls ? ["ssl_protocols TLSv1.2 TLSv1.3;", "ssl_session_cache shared:tls:10m;"] : []),
        ...(model.trustForwardedFor ? [...PRIVATE_RANGES.map((r) => `set_real_ip_from ${r};`), "real_ip_header X-Forwarded-For;"] : []),
        "",
        // MCP clients are limited by identity, humans by address; a refused request gets 429.
        `limit_req_zone $mcp_client zone=mcp_clients:10m rate=${requestsPerSecond}r/s;`,
        `limit_req_zone $binary_remote_addr zone=ui_clients:10m rate=${requestsPerSecond}r/s;`,
        "limit_req_status 429;",
        // Set per request by the MCP servers' locations; empty elsewhere (the UIs' log lines, a
        // gateway with no MCP server), so nginx knows both names whatever routes are rendered.
        // Stryker disable next-line ArrayDeclaration,StringLiteral: a map without entries gives "" too; the default says so for the reader
        ...block('map "" $mcp_client', ['default "";']),
        // Stryker disable next-line ArrayDeclaration,StringLiteral: as above
        ...block('map "" $mcp_server', ['default "";']),
        ...block("map $http_upgrade $connection_upgrade", ["default upgrade;", "'' '';"]),
        ...allowlist(model),
        "",
        ...upstreams(model),
        "",
        ...defaultServers(model),
        ...model.mcp.flatMap((route) => mcpServer(model, route)),
        ...model.uis.flatMap((route) => uiServer(model, route)),
    ];
    const lines = [
        // Stryker disable next-line StringLiteral: a comment for whoever opens the file; nginx skips it
        "# Rendered by components/edge: the edge gateway. Do not edit by hand.",
        "worker_processes auto;",
        "daemon off;",
        `pid ${dir}/nginx.pid;`,
        "error_log stderr warn;",
        ...block("events", ["worker_connections 4096;"]),
        ...block("http", http),
    ];
    return `${lines.join("\n")}\n`;
}
