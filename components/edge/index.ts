export { Edge, type EdgeArgs } from "./edge";
export { CLIENT_HEADER, renderGatewayConfig, type GatewayModel } from "./gatewayConfig";
export { mcpHost, mcpRoutes, type McpRoute, type UiRoute, type UiTarget } from "./routes";
export { GATEWAY, OAUTH2_PROXY } from "./workloads";
