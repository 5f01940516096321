export { CATALOG_FILE, loadCatalog, validateCatalog } from "./load";
export * from "./schema";
