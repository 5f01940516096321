export { McpServer, type McpServerArgs } from "./mcpServer";
export { AUTOSCALING_TARGETS, HTTP_PORT_NAME, mcpServerWorkload, type Observability } from "./workload";
