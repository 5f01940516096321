export { McpServer, type McpServerArgs } from "./mcpServer";
export { AUTOSCALING_TARGETS, HTTP_PORT_NAME, mcpServerWorkload, type Observability, serverProcess, STDIO_BRIDGE_PROGRAM } from "./workload";
